package io.corral.shell.command;

import io.corral.api.app.ApplicationStatus;
import io.corral.api.isolation.Resources;
import io.corral.api.process.ManagedProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/** What {@code corral:status NAME} prints: a block about the application, then the end of its log. */
final class StatusView {

    private static final java.time.format.DateTimeFormatter SINCE = java.time.format.DateTimeFormatter
        .ofPattern("yyyy-MM-dd HH:mm:ss z").withZone(java.time.ZoneId.systemDefault());

    private StatusView() {
    }

    static String text(ApplicationStatus s, List<ManagedProcess> processes, OptionalLong memory, List<String> log) {
        StringBuilder b = new StringBuilder();
        b.append("* ").append(s.name()).append(" - ").append(s.role().name().toLowerCase(Locale.ROOT))
            .append(" application\n");
        field(b, "State", s.state().name() + " (" + s.running() + " of " + s.wanted() + " running, " + s.idle()
            + " idle)");
        field(b, "Pids", s.pids().isEmpty() ? "none" : s.pids().stream().map(String::valueOf)
            .collect(Collectors.joining(", ")));
        if (!processes.isEmpty()) {
            Instant oldest = processes.stream().map(ManagedProcess::startTime).min(Instant::compareTo).orElseThrow();
            field(b, "Since", SINCE.format(oldest) + " (" + ago(Duration.between(oldest, Instant.now())) + " ago)");
        }
        field(b, "Restarts", Integer.toString(s.restarts()));
        field(b, "Limits", processes.isEmpty() ? "-" : limits(processes.get(0).resources()));
        if (memory.isPresent()) {
            field(b, "Memory", Bytes.format(memory.getAsLong()));
        }
        field(b, "Message", s.message() == null ? "-" : s.message());
        field(b, "Log", s.logFiles().isEmpty() ? "-" : s.logFiles().get(0).toString());
        if (!log.isEmpty()) {
            b.append('\n');
            log.forEach(l -> b.append(l).append('\n'));
        }
        return b.toString();
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(String.format("%10s: %s%n", name, value));
    }

    /** Unit's and cgroup's names for the limits that are set; "none" when none is. */
    static String limits(Resources r) {
        List<String> parts = new ArrayList<>();
        r.memoryMax().ifPresent(m -> parts.add("memory.max " + Bytes.format(m)));
        r.pidsMax().ifPresent(p -> parts.add("pids.max " + p));
        r.cpuMax().ifPresent(c -> parts.add("cpu.max " + c + " CPUs"));
        r.rlimits().forEach((k, v) -> parts.add("rlimit " + k + "=" + (v < 0 ? "unlimited" : v)));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    static String ago(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
}
