package io.corral.itest;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A connection to an instance's control socket that speaks its frames by
 * hand (docs/operating.md): for tests that hold sessions open or look at the
 * first frame, which bin/corral shell does not show.
 */
final class RawSession implements AutoCloseable {

    /** One frame: its type and its payload as text. */
    record Frame(char type, String text) {
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16);

    private RawSession(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    /** Connects; a Unix socket connects as soon as the connection is in the listener's backlog. */
    /** A session on the instance of {@code base} once it has taken it (its READY frame came). */
    static RawSession ready(Path base) throws Exception {
        Path socket = base.resolve("run").resolve("corral.sock");
        Procs.waitUntil("the control socket", 10_000, () -> java.nio.file.Files.exists(socket));
        RawSession s = open(socket);
        org.junit.Assert.assertEquals('R', s.next(10_000).type());
        return s;
    }

    static RawSession open(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            c.connect(UnixDomainSocketAddress.of(socket));
            return new RawSession(c);
        } catch (IOException e) {
            c.close();
            throw e;
        }
    }

    /** Sends a command line (small: one write of a non-blocking channel takes it whole). */
    void command(String line) throws IOException {
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        channel.write(ByteBuffer.allocate(5 + text.length).put((byte) 'C').putInt(text.length).put(text).flip());
    }

    /** Sends a frame of any type (interrupt, width, completion), small as a command line. */
    void send(char type, String payload) throws IOException {
        byte[] text = payload.getBytes(StandardCharsets.UTF_8);
        channel.write(ByteBuffer.allocate(5 + text.length).put((byte) type).putInt(text.length).put(text).flip());
    }

    /** The next frame, or null when none came within {@code millis} or the instance closed the connection. */
    Frame next(long millis) throws IOException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (true) {
            if (buffer.position() >= 5) {
                int length = buffer.getInt(1);
                if (buffer.position() >= 5 + length) {
                    buffer.flip();
                    char type = (char) buffer.get();
                    byte[] payload = new byte[buffer.getInt()];
                    buffer.get(payload);
                    buffer.compact();
                    return new Frame(type, new String(payload, StandardCharsets.UTF_8));
                }
            }
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0 || selector.select(left) == 0 && System.nanoTime() >= end) {
                return null;
            }
            selector.selectedKeys().clear();
            if (channel.read(buffer) < 0) {
                return null;
            }
        }
    }

    /** Whether the instance has closed the connection (end of stream within {@code millis}). */
    boolean closedWithin(long millis) throws IOException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < end) {
            selector.select(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            selector.selectedKeys().clear();
            buffer.clear();
            if (channel.read(buffer) < 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
