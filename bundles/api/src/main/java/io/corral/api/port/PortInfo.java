package io.corral.api.port;

import io.corral.api.process.ProcessType;
import java.util.List;
import java.util.Map;

/**
 * What the registry knows of one process's port.
 *
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
public record PortInfo(PortId port, ProcessType type, boolean ready, boolean open, List<PortId> holds,
        Map<MessageType, Long> sent, Map<MessageType, Long> received, long refused) {

    public PortInfo {
        holds = List.copyOf(holds);
        sent = Map.copyOf(sent);
        received = Map.copyOf(received);
    }

    /** Frames of {@code type} main sent to this process. */
    public long sent(MessageType type) {
        return sent.getOrDefault(type, 0L);
    }

    /** Frames of {@code type} main accepted from this process. */
    public long received(MessageType type) {
        return received.getOrDefault(type, 0L);
    }
}
