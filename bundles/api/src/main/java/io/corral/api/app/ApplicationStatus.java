package io.corral.api.app;

import io.corral.api.process.ProcessType;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** One application as its pool sees it at one moment. */
public final class ApplicationStatus {

    private final String name;
    private final ProcessType role;
    private final ApplicationState state;
    private final int wanted;
    private final int running;
    private final int idle;
    private final int restarts;
    private final List<Integer> pids;
    private final String message;
    private final List<Path> logFiles;

    /**
     * @param name     the application's name, its key under {@code "applications"}
     * @param role     the process type of its processes (Corral's {@code "role"})
     * @param state    where the pool stands
     * @param wanted   how many processes the pool keeps running now
     * @param running  how many of its processes are alive and not being asked to quit
     * @param idle     how many of the running ones are idle (not busy with work)
     * @param restarts how many times a process was respawned after it exited unasked
     * @param pids     the pids of the running processes, oldest first
     * @param message  what an operator should know, e.g. the last exit and the next try; null when nothing
     * @param logFiles the application's log, newest first: {@code log/NAME.log}, then rotated files
     */
    public ApplicationStatus(String name, ProcessType role, ApplicationState state, int wanted, int running,
            int idle, int restarts, List<Integer> pids, String message, List<Path> logFiles) {
        this.name = name;
        this.role = role;
        this.state = state;
        this.wanted = wanted;
        this.running = running;
        this.idle = idle;
        this.restarts = restarts;
        this.pids = List.copyOf(pids);
        this.message = message;
        this.logFiles = List.copyOf(logFiles);
    }

    /** A builder; counts default to 0, lists to empty, the rest to null. */
    public static Builder builder() {
        return new Builder();
    }

    /** The application's name, its key under {@code "applications"}. */
    public String name() {
        return name;
    }

    /** The process type of its processes (Corral's {@code "role"}). */
    public ProcessType role() {
        return role;
    }

    /** Where the pool stands. */
    public ApplicationState state() {
        return state;
    }

    /** How many processes the pool keeps running now. */
    public int wanted() {
        return wanted;
    }

    /** How many of its processes are alive and not being asked to quit. */
    public int running() {
        return running;
    }

    /** How many of the running ones are idle (not busy with work). */
    public int idle() {
        return idle;
    }

    /** How many times a process was respawned after it exited unasked. */
    public int restarts() {
        return restarts;
    }

    /** The pids of the running processes, oldest first. */
    public List<Integer> pids() {
        return pids;
    }

    /** What an operator should know, e.g. the last exit and the next try; null when nothing. */
    public String message() {
        return message;
    }

    /** The application's log, newest first: {@code log/NAME.log}, then rotated files. */
    public List<Path> logFiles() {
        return logFiles;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ApplicationStatus s && Objects.equals(s.name, name) && s.role == role
            && s.state == state && s.wanted == wanted && s.running == running && s.idle == idle
            && s.restarts == restarts && s.pids.equals(pids) && Objects.equals(s.message, message)
            && s.logFiles.equals(logFiles);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, role, state, wanted, running, idle, restarts, pids, message, logFiles);
    }

    @Override
    public String toString() {
        return "ApplicationStatus[name=" + name + ", role=" + role + ", state=" + state + ", wanted=" + wanted
            + ", running=" + running + ", idle=" + idle + ", restarts=" + restarts + ", pids=" + pids
            + ", message=" + message + ", logFiles=" + logFiles + "]";
    }

    /** Builds an {@link ApplicationStatus}; not thread-safe. */
    public static final class Builder {

        private String name;
        private ProcessType role;
        private ApplicationState state;
        private int wanted;
        private int running;
        private int idle;
        private int restarts;
        private List<Integer> pids = List.of();
        private String message;
        private List<Path> logFiles = List.of();

        private Builder() {
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder role(ProcessType role) {
            this.role = role;
            return this;
        }

        public Builder state(ApplicationState state) {
            this.state = state;
            return this;
        }

        public Builder wanted(int wanted) {
            this.wanted = wanted;
            return this;
        }

        public Builder running(int running) {
            this.running = running;
            return this;
        }

        public Builder idle(int idle) {
            this.idle = idle;
            return this;
        }

        public Builder restarts(int restarts) {
            this.restarts = restarts;
            return this;
        }

        public Builder pids(List<Integer> pids) {
            this.pids = pids;
            return this;
        }

        public Builder message(String message) {
            this.message = message;
            return this;
        }

        public Builder logFiles(List<Path> logFiles) {
            this.logFiles = logFiles;
            return this;
        }

        public ApplicationStatus build() {
            return new ApplicationStatus(name, role, state, wanted, running, idle, restarts, pids, message,
                logFiles);
        }
    }
}
