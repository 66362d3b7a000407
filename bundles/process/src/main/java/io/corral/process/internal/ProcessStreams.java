package io.corral.process.internal;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.Stdio;
import io.corral.api.process.StreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The piped standard streams of one process: each is used either through a
 * blocking stream ({@link #stdin()}, {@link #stdout()}, {@link #stderr()})
 * or by a {@link StreamHandler} on the factory's stream thread, not both.
 */
final class ProcessStreams {

    private static final String[] NAMES = {"stdin", "stdout", "stderr"};

    private final String process;
    private final Stdio stdio;
    private final StreamPump pump;
    /** Corral's ends, null where the stream is no pipe. */
    private final PipeEnd[] ends = new PipeEnd[3];
    /** How each end is used: null (not yet), "blocking" or "handler" (guarded by this). */
    private final String[] users = new String[3];
    private long stdinToken = -1;
    private boolean handled;
    private final InputStream[] inputs = new InputStream[3];
    private OutputStream output;

    ProcessStreams(String process, Stdio stdio, int[] fds, StreamPump pump) {
        this.process = process;
        this.stdio = stdio;
        this.pump = pump;
        for (int i = 0; i < 3; i++) {
            if (fds[i] >= 0) {
                ends[i] = new PipeEnd(NAMES[i] + " of " + process, fds[i]);
            }
        }
    }

    boolean any() {
        return ends[0] != null || ends[1] != null || ends[2] != null;
    }

    boolean piped(int slot) {
        return ends[slot] != null;
    }

    synchronized OutputStream stdin() {
        take(0, "blocking");
        if (output == null) {
            output = ends[0].outputStream();
        }
        return output;
    }

    synchronized InputStream stdout() {
        return input(1);
    }

    synchronized InputStream stderr() {
        return input(2);
    }

    private InputStream input(int slot) {
        take(slot, "blocking");
        if (inputs[slot] == null) {
            inputs[slot] = ends[slot].inputStream();
        }
        return inputs[slot];
    }

    /** Claims an end for one kind of use, or says why it cannot be used. */
    private void take(int slot, String user) {
        if (ends[slot] == null) {
            throw new IllegalStateException(NAMES[slot] + " of " + process + " is not a PIPE: it is " + redirect(slot));
        }
        if (users[slot] != null && !users[slot].equals(user)) {
            throw new IllegalStateException(NAMES[slot] + " of " + process + " is " + ("handler".equals(users[slot])
                ? "read by a StreamHandler" : "used through " + NAMES[slot] + "()"));
        }
        users[slot] = user;
    }

    private String redirect(int slot) {
        return switch (slot) {
            case 0 -> stdio.input().toString();
            case 1 -> stdio.output().toString();
            default -> stdio.redirectErrorStream() ? "redirected into stdout" : stdio.error().toString();
        };
    }

    synchronized void handle(ManagedProcess p, StreamHandler handler) {
        java.util.Objects.requireNonNull(handler, "handler");
        if (ends[0] == null && ends[1] == null && ends[2] == null) {
            throw new IllegalStateException(process + " has no piped stream (" + stdio + ")");
        }
        for (int i = 0; i < 3; i++) {
            if (ends[i] != null && users[i] != null) {
                throw new IllegalStateException(NAMES[i] + " of " + process + " is " + ("handler".equals(users[i])
                    ? "read by a StreamHandler already" : "used through " + NAMES[i] + "()"));
            }
        }
        handled = true;
        for (int i = 0; i < 3; i++) {
            if (ends[i] == null || ends[i].closed()) {
                continue;
            }
            users[i] = "handler";
            try {
                if (ends[i].fd() >= 0) {
                    long token = pump.add(ends[i], i, p, handler);
                    if (i == 0) {
                        stdinToken = token;
                    }
                } else if (i > 0) {
                    // The process exited before the handler came, and its output was drained (see exited()).
                    pump.addDrained(ends[i], i, p, handler);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }

    synchronized void wantWrite() {
        if (ends[0] == null) {
            throw new IllegalStateException("stdin of " + process + " is not a PIPE: it is " + redirect(0));
        }
        if (!handled) {
            throw new IllegalStateException("stdin of " + process + " has no StreamHandler (see handleStreams)");
        }
        if (stdinToken >= 0) {
            pump.wantWrite(stdinToken);
        } // else: closed at the exit, before the handler came; nothing will be asked

    }

    synchronized void closeStdin() {
        if (ends[0] == null) {
            return;
        }
        if (stdinToken >= 0) {
            pump.closeStdin(stdinToken);
        } else {
            ends[0].close();
        }
    }

    /**
     * The process has exited: its stdin is closed, and output nobody's
     * handler reads is drained into memory, as {@link Process} does, so that
     * a pipe nobody reads holds no descriptor.
     */
    synchronized void exited() {
        if (ends[0] != null && stdinToken < 0) {
            ends[0].close();
        }
        for (int i = 1; i < 3; i++) {
            if (ends[i] != null && !"handler".equals(users[i])) {
                ends[i].drain();
            }
        }
    }

    /** The factory forgets the process: nothing is read any more. */
    synchronized void forget() {
        for (int i = 0; i < 3; i++) {
            if (ends[i] != null && !"handler".equals(users[i])) {
                ends[i].discard();
            }
        }
    }
}
