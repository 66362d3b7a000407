package io.corral.api.process;

import java.util.Locale;

/**
 * A signal by name, with its number on Linux (x86-64 and arm64, where the
 * numbers agree). {@link ManagedProcess#signal(Signal)} sends it.
 *
 * @since 3.0
 */
public enum Signal {
    HUP(1), INT(2), QUIT(3), ILL(4), TRAP(5), ABRT(6), BUS(7), FPE(8), KILL(9), USR1(10), SEGV(11), USR2(12),
    PIPE(13), ALRM(14), TERM(15), STKFLT(16), CHLD(17), CONT(18), STOP(19), TSTP(20), TTIN(21), TTOU(22),
    URG(23), XCPU(24), XFSZ(25), VTALRM(26), PROF(27), WINCH(28), IO(29), PWR(30), SYS(31);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    /** Its number on Linux. */
    public int number() {
        return number;
    }

    /** The name as kill(1) prints it, e.g. {@code SIGTERM}. */
    public String signalName() {
        return "SIG" + name();
    }

    /** The signal with this Linux number; empty for 0 and for real-time signals, which have no name. */
    public static java.util.Optional<Signal> of(int number) {
        for (Signal s : values()) {
            if (s.number == number) {
                return java.util.Optional.of(s);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * {@code TERM}, {@code SIGTERM} or {@code term}.
     *
     * @throws IllegalArgumentException naming the value and the rule
     */
    public static Signal parse(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) {
            n = n.substring(3);
        }
        for (Signal s : values()) {
            if (s.name().equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("signal \"" + name + "\": expected a name such as TERM, SIGTERM, KILL,"
            + " HUP, INT, QUIT, USR1 or USR2");
    }
}
