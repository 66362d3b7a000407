package io.corral.api.port;

/** A port's identity: the pid of the process that owns it and the port's number within it. */
public record PortId(int pid, int id) {

    @Override
    public String toString() {
        return pid + ":" + id;
    }
}
