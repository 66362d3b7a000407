package io.corral.api.process;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a process's standard streams go, as {@link ProcessBuilder.Redirect}
 * has it: per stream a pipe to Corral, a file (truncated or appended to), the
 * container's own stream, nothing, or the process's log file; and error into
 * output. Immutable; build one with {@link #builder()}.
 *
 * <p>Defaults: input from {@code /dev/null} ({@link Redirect#DISCARD}),
 * output and error to the process's log file under the instance's log
 * directory ({@link Redirect#LOG}). A {@link Redirect#PIPE} is read or
 * written through {@link ManagedProcess#stdin()}, {@link ManagedProcess#stdout()},
 * {@link ManagedProcess#stderr()}, a {@link StreamHandler} or
 * {@link ManagedProcess#asProcess()}; the spawn server makes the pipe, so
 * spawning never blocks on it.
 *
 * @since 3.0
 */
public final class Stdio {

    /** Input from /dev/null; output and error to the process's log file. */
    public static final Stdio LOG = builder().build();

    /** All three streams piped to Corral. */
    public static final Stdio PIPES = builder().input(Redirect.PIPE).output(Redirect.PIPE).error(Redirect.PIPE)
        .build();

    private final Redirect input;
    private final Redirect output;
    private final Redirect error;
    private final boolean redirectErrorStream;
    private final StreamHandler handler;

    private Stdio(Builder b) {
        this.input = b.input;
        this.output = b.output;
        this.error = b.error;
        this.redirectErrorStream = b.redirectErrorStream;
        this.handler = b.handler;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Files, as Corral's applications name them: input read from
     * {@code input} (null: /dev/null), output and error appended to their
     * files (null: the process's log file).
     */
    public static Stdio files(Path input, Path output, Path error) {
        return builder().input(input == null ? Redirect.DISCARD : Redirect.from(input))
            .output(output == null ? Redirect.LOG : Redirect.appendTo(output))
            .error(error == null ? Redirect.LOG : Redirect.appendTo(error)).build();
    }

    public Redirect input() {
        return input;
    }

    public Redirect output() {
        return output;
    }

    /** Where error goes; ignored when {@link #redirectErrorStream()}. */
    public Redirect error() {
        return error;
    }

    /** Whether error goes wherever output goes (the child's fd 2 is its fd 1). */
    public boolean redirectErrorStream() {
        return redirectErrorStream;
    }

    /** The handler that the factory's stream thread drives from the spawn on, if any. */
    public Optional<StreamHandler> handler() {
        return Optional.ofNullable(handler);
    }

    /** Whether any stream is a {@link Redirect#PIPE}. */
    public boolean hasPipe() {
        return input.type() == Redirect.Type.PIPE || output.type() == Redirect.Type.PIPE
            || (!redirectErrorStream && error.type() == Redirect.Type.PIPE);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Stdio s && input.equals(s.input) && output.equals(s.output) && error.equals(s.error)
            && redirectErrorStream == s.redirectErrorStream && Objects.equals(handler, s.handler);
    }

    @Override
    public int hashCode() {
        return Objects.hash(input, output, error, redirectErrorStream, handler);
    }

    @Override
    public String toString() {
        return "Stdio[input=" + input + ", output=" + output + ", error="
            + (redirectErrorStream ? "output" : error.toString()) + "]";
    }

    /** A mutable builder; see the class for the defaults. */
    public static final class Builder {
        private Redirect input = Redirect.DISCARD;
        private Redirect output = Redirect.LOG;
        private Redirect error = Redirect.LOG;
        private boolean redirectErrorStream;
        private StreamHandler handler;

        private Builder() {
        }

        /** Where input comes from: {@code PIPE}, {@code INHERIT}, {@code DISCARD} or {@link Redirect#from}. */
        public Builder input(Redirect v) {
            this.input = check("input", v, Redirect.Type.LOG, Redirect.Type.WRITE, Redirect.Type.APPEND);
            return this;
        }

        /** Where output goes: any redirect but {@link Redirect#from}. */
        public Builder output(Redirect v) {
            this.output = check("output", v, Redirect.Type.READ);
            return this;
        }

        /** Where error goes: any redirect but {@link Redirect#from}. */
        public Builder error(Redirect v) {
            this.error = check("error", v, Redirect.Type.READ);
            return this;
        }

        /** Error into output, as {@link ProcessBuilder#redirectErrorStream(boolean)}. */
        public Builder redirectErrorStream(boolean v) {
            this.redirectErrorStream = v;
            return this;
        }

        /**
         * A handler for the piped streams, driven by the factory's stream
         * thread from the spawn on (no thread per stream); the same as
         * {@link ManagedProcess#handleStreams} right after the spawn.
         */
        public Builder handler(StreamHandler v) {
            this.handler = v;
            return this;
        }

        private static Redirect check(String stream, Redirect v, Redirect.Type... refused) {
            Objects.requireNonNull(v, stream);
            for (Redirect.Type t : refused) {
                if (v.type() == t) {
                    throw new IllegalArgumentException(stream + " \"" + v + "\": " + stream
                        + (stream.equals("input") ? " cannot be written to" : " cannot be read from")
                        + " (" + t.name() + " is for " + (t == Redirect.Type.READ ? "input" : "output and error")
                        + ")");
                }
            }
            return v;
        }

        /** @throws IllegalArgumentException for a handler without a stream that is a PIPE */
        public Stdio build() {
            Stdio s = new Stdio(this);
            if (handler != null && !s.hasPipe()) {
                throw new IllegalArgumentException("handler: a StreamHandler needs a stream that is a PIPE (" + s
                    + ")");
            }
            return s;
        }
    }

    /** Where one standard stream goes. Immutable. */
    public static final class Redirect {

        /** The kinds of redirect. */
        public enum Type {
            /** The process's log file (output and error only). */
            LOG,
            /** A pipe to Corral. */
            PIPE,
            /** The container's own stream of the same number. */
            INHERIT,
            /** /dev/null. */
            DISCARD,
            /** A file read from (input only). */
            READ,
            /** A file truncated, then written (output and error only). */
            WRITE,
            /** A file appended to (output and error only). */
            APPEND
        }

        public static final Redirect LOG = new Redirect(Type.LOG, null);
        public static final Redirect PIPE = new Redirect(Type.PIPE, null);
        public static final Redirect INHERIT = new Redirect(Type.INHERIT, null);
        public static final Redirect DISCARD = new Redirect(Type.DISCARD, null);

        private final Type type;
        private final Path file;

        private Redirect(Type type, Path file) {
            this.type = type;
            this.file = file;
        }

        /** Input read from {@code file}. */
        public static Redirect from(Path file) {
            return new Redirect(Type.READ, Objects.requireNonNull(file, "file"));
        }

        /** Output to {@code file}, truncated first (created if missing). */
        public static Redirect to(Path file) {
            return new Redirect(Type.WRITE, Objects.requireNonNull(file, "file"));
        }

        /** Output appended to {@code file} (created if missing). */
        public static Redirect appendTo(Path file) {
            return new Redirect(Type.APPEND, Objects.requireNonNull(file, "file"));
        }

        public Type type() {
            return type;
        }

        /** The file of a {@code READ}, {@code WRITE} or {@code APPEND}. */
        public Optional<Path> file() {
            return Optional.ofNullable(file);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Redirect r && type == r.type && Objects.equals(file, r.file);
        }

        @Override
        public int hashCode() {
            return Objects.hash(type, file);
        }

        /** {@code PIPE}, {@code LOG}, ..., or {@code READ /path}, {@code WRITE /path}, {@code APPEND /path}. */
        @Override
        public String toString() {
            return file == null ? type.name() : type.name() + " " + file;
        }
    }
}
