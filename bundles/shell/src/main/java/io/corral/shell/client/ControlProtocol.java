package io.corral.shell.client;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The control socket's framing, shared by the server in the instance and the
 * client of {@code bin/corral shell}. A frame is one type byte, a 4-byte
 * big-endian length and that many bytes. The server opens a session it
 * takes with one {@link #READY} frame; a connection it does not take gets
 * one {@link #ERR} line with the reason and an {@link #EXIT} frame, and is
 * closed. The client sends {@link #COMMAND} frames (a Gogo command line,
 * UTF-8); for each, the server sends any number of {@link #OUT} and
 * {@link #ERR} frames and then one {@link #EXIT} frame whose text is the
 * status: 0 when every command succeeded, else 1. While a command runs the
 * client may send {@link #INTERRUPT} (Ctrl-C: the command is interrupted,
 * the session goes on). Between commands it may send {@link #WIDTH} (its
 * terminal's columns, for tables) and {@link #COMPLETE} (the words of a line
 * up to the cursor, one per line), which the server answers with one
 * {@link #CANDIDATES} frame (the completions of the last word, one per
 * line). Either side ends the session by closing the connection. See
 * docs/operating.md.
 */
public final class ControlProtocol {

    public static final byte COMMAND = 'C';
    public static final byte OUT = 'O';
    public static final byte ERR = 'E';
    public static final byte EXIT = 'X';
    /** The session is taken: the first frame of a session, with no payload. */
    public static final byte READY = 'R';
    /** Interrupt the command that runs (Ctrl-C at the client); no payload. */
    public static final byte INTERRUPT = 'I';
    /** The client's terminal width in columns, as decimal text. */
    public static final byte WIDTH = 'W';
    /** Words to complete, one per line; the last is the one being typed. */
    public static final byte COMPLETE = 'T';
    /** The answer to {@link #COMPLETE}: candidates, one per line. */
    public static final byte CANDIDATES = 'L';
    /** The largest frame either side accepts. */
    public static final int MAX_FRAME = 1 << 20;

    /** One frame. */
    public record Frame(byte type, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private ControlProtocol() {
    }

    /** Writes one frame; frames from several streams over one connection stay whole. */
    public static void write(OutputStream out, byte type, byte[] payload, int offset, int length) throws IOException {
        if (length > MAX_FRAME) {
            for (int done = 0; done < length; done += MAX_FRAME) {
                write(out, type, payload, offset + done, Math.min(MAX_FRAME, length - done));
            }
            return;
        }
        ByteBuffer header = ByteBuffer.allocate(5).put(type).putInt(length);
        synchronized (out) {
            out.write(header.array());
            out.write(payload, offset, length);
            out.flush();
        }
    }

    /** One whole frame as bytes, for a caller that writes it itself (a frame of at most {@link #MAX_FRAME} bytes). */
    public static byte[] frame(byte type, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (b.length > MAX_FRAME) {
            throw new IllegalArgumentException("frame of " + b.length + " bytes: at most " + MAX_FRAME + " are allowed");
        }
        return ByteBuffer.allocate(5 + b.length).put(type).putInt(b.length).put(b).array();
    }

    public static void write(OutputStream out, byte type, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        write(out, type, b, 0, b.length);
    }

    /** The next frame, or null when the peer closed the connection between frames. */
    public static Frame read(DataInputStream in) throws IOException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int length;
        try {
            length = in.readInt();
        } catch (EOFException e) {
            throw new IOException("the connection ended inside a frame");
        }
        if (length < 0 || length > MAX_FRAME) {
            throw new IOException("frame of " + length + " bytes: at most " + MAX_FRAME + " are allowed");
        }
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame((byte) type, payload);
    }

    /** An output stream that sends every write as one frame of the given type. */
    public static OutputStream frames(OutputStream out, byte type) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > 0) {
                    ControlProtocol.write(out, type, b, off, len);
                }
            }
        };
    }
}
