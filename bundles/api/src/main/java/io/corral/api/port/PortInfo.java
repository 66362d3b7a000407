package io.corral.api.port;

import io.corral.api.process.ProcessType;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What the registry knows of one process's port. */
public final class PortInfo {

    private final PortId port;
    private final ProcessType type;
    private final boolean ready;
    private final boolean open;
    private final List<PortId> holds;
    private final Map<MessageType, Long> sent;
    private final Map<MessageType, Long> received;
    private final long refused;

    /**
     * @param port     the process's port
     * @param type     the process's type
     * @param ready    whether it has said PROCESS_READY (main always has)
     * @param open     whether main's end of its port is open; false after the
     *                 process closed its end (the entry stays until it exits)
     * @param holds    the ports this process holds, main's included
     * @param sent     frames main sent to this process, by type
     * @param received frames main accepted from this process, by type
     * @param refused  frames from this process that main refused (see {@link PortRegistry#refused()})
     */
    public PortInfo(PortId port, ProcessType type, boolean ready, boolean open, List<PortId> holds,
            Map<MessageType, Long> sent, Map<MessageType, Long> received, long refused) {
        this.port = port;
        this.type = type;
        this.ready = ready;
        this.open = open;
        this.holds = List.copyOf(holds);
        this.sent = Map.copyOf(sent);
        this.received = Map.copyOf(received);
        this.refused = refused;
    }

    /** A builder; flags default to false, collections to empty, counts to 0. */
    public static Builder builder() {
        return new Builder();
    }

    /** The process's port. */
    public PortId port() {
        return port;
    }

    /** The process's type. */
    public ProcessType type() {
        return type;
    }

    /** Whether it has said PROCESS_READY (main always has). */
    public boolean ready() {
        return ready;
    }

    /** Whether main's end of its port is open; false after the process closed its end. */
    public boolean open() {
        return open;
    }

    /** The ports this process holds, main's included. */
    public List<PortId> holds() {
        return holds;
    }

    /** Frames main sent to this process, by type. */
    public Map<MessageType, Long> sent() {
        return sent;
    }

    /** Frames main accepted from this process, by type. */
    public Map<MessageType, Long> received() {
        return received;
    }

    /** Frames from this process that main refused (see {@link PortRegistry#refused()}). */
    public long refused() {
        return refused;
    }

    /** Frames of {@code type} main sent to this process. */
    public long sent(MessageType type) {
        return sent.getOrDefault(type, 0L);
    }

    /** Frames of {@code type} main accepted from this process. */
    public long received(MessageType type) {
        return received.getOrDefault(type, 0L);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortInfo p && Objects.equals(p.port, port) && p.type == type && p.ready == ready
            && p.open == open && p.holds.equals(holds) && p.sent.equals(sent) && p.received.equals(received)
            && p.refused == refused;
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, type, ready, open, holds, sent, received, refused);
    }

    @Override
    public String toString() {
        return "PortInfo[port=" + port + ", type=" + type + ", ready=" + ready + ", open=" + open + ", holds="
            + holds + ", sent=" + sent + ", received=" + received + ", refused=" + refused + "]";
    }

    /** Builds a {@link PortInfo}; not thread-safe. */
    public static final class Builder {

        private PortId port;
        private ProcessType type;
        private boolean ready;
        private boolean open;
        private List<PortId> holds = List.of();
        private Map<MessageType, Long> sent = Map.of();
        private Map<MessageType, Long> received = Map.of();
        private long refused;

        private Builder() {
        }

        public Builder port(PortId port) {
            this.port = port;
            return this;
        }

        public Builder type(ProcessType type) {
            this.type = type;
            return this;
        }

        public Builder ready(boolean ready) {
            this.ready = ready;
            return this;
        }

        public Builder open(boolean open) {
            this.open = open;
            return this;
        }

        public Builder holds(List<PortId> holds) {
            this.holds = holds;
            return this;
        }

        public Builder sent(Map<MessageType, Long> sent) {
            this.sent = sent;
            return this;
        }

        public Builder received(Map<MessageType, Long> received) {
            this.received = received;
            return this;
        }

        public Builder refused(long refused) {
            this.refused = refused;
            return this;
        }

        public PortInfo build() {
            return new PortInfo(port, type, ready, open, holds, sent, received, refused);
        }
    }
}
