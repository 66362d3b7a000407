package io.corral.worker.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The payload each type must carry; null when it does, else what is wrong. */
final class PayloadRules {

    /** START_WORKER names an application in at most this many bytes. */
    static final int MAX_NAME = 255;

    private PayloadRules() {
    }

    static String check(FrameType type, byte[] payload) {
        return switch (type) {
            case PROCESS_READY, QUIT -> payload.length == 0 ? null : payload.length + " bytes, expected none";
            case REMOVE_PID -> payload.length == 4 ? null : payload.length + " bytes, expected 4 (a pid)";
            case NEW_PORT -> newPort(payload);
            case START_WORKER -> payload.length >= 1 && payload.length <= MAX_NAME ? null
                : payload.length + " bytes, expected an application name of 1.." + MAX_NAME;
            case DATA, RPC_READY, RPC_ERROR -> null;
        };
    }

    private static String newPort(byte[] payload) {
        if (payload.length != 16) {
            return payload.length + " bytes, expected 16 (pid, port id, process type, role)";
        }
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getInt(8);
        int role = b.getInt(12);
        if (type < 0 || type >= Frame.PROCESS_TYPES.length) {
            return "process type " + type + ", expected 0.." + (Frame.PROCESS_TYPES.length - 1);
        }
        if (role != Frame.ROLE_HOLDER && role != Frame.ROLE_OWNER) {
            return "role " + role + ", expected 0 (holder) or 1 (owner)";
        }
        return null;
    }
}
