package io.corral.api.process;

/**
 * How a process ended.
 *
 * @param code   the exit code when the process exited normally, else -1
 * @param signal the signal that killed it, else 0
 * @param known  false when the status could not be learned (the process was
 *               no longer Corral's child when it ended and the kernel could
 *               not tell); code and signal are then meaningless
 * @param oomKilled the kernel's OOM killer killed a process of its cgroup (its
 *               memory limit was reached; since 2.0)
 */
public record ExitStatus(int code, int signal, boolean known, boolean oomKilled) {

    public ExitStatus(int code, int signal, boolean known) {
        this(code, signal, known, false);
    }

    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, true);
    }

    public static ExitStatus killed(int signal) {
        return new ExitStatus(-1, signal, true);
    }

    public static ExitStatus unknown() {
        return new ExitStatus(-1, 0, false);
    }

    /** A shell's view: the exit code, or 128 + signal for a process killed by a signal. */
    public int value() {
        return signal != 0 ? 128 + signal : code;
    }

    public boolean success() {
        return known && signal == 0 && code == 0;
    }

    @Override
    public String toString() {
        if (!known) {
            return "unknown";
        }
        String s = signal != 0 ? "killed by signal " + signal + " (" + value() + ")" : "exit " + code;
        return oomKilled ? s + ", out of memory (the OOM killer ended a process of its cgroup)" : s;
    }
}
