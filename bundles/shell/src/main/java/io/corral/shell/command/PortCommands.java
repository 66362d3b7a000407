package io.corral.shell.command;

import com.google.gson.GsonBuilder;
import io.corral.api.port.Matrix;
import io.corral.api.port.MessageType;
import io.corral.api.port.PortId;
import io.corral.api.port.PortInfo;
import io.corral.api.port.PortRegistry;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessAdmin;
import io.corral.api.process.ProcessType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** {@code corral:ports}, {@code corral:matrix}, {@code corral:send}. */
@Component(service = PortCommands.class, property = {
    "osgi.command.scope=corral",
    "osgi.command.function=ports",
    "osgi.command.function=matrix",
    "osgi.command.function=send"
})
public final class PortCommands {

    /** How long corral:send waits for an answer. */
    static final long ANSWER_MILLIS = 2000;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile PortRegistry registry;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    /** Every bundle's processes: an application's and a port's process belong to other bundles. */
    private volatile ProcessAdmin factory;

    private PortRegistry registry() {
        return Services.require(registry, "no port registry is running (start io.corral.port)");
    }

    @Descriptor("list the ports: who holds whose port, readiness, frames sent and received, refusals")
    public void ports(@Descriptor("print JSON for scripts")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("only this pid's port") int... pid) {
        if (pid.length > 1) {
            throw new IllegalArgumentException("corral:ports: expected at most one PID, got " + pid.length);
        }
        PortRegistry r = registry();
        List<PortInfo> all = r.ports();
        List<PortInfo> ports = all;
        if (pid.length == 1) {
            ports = all.stream().filter(p -> p.port().pid() == pid[0]).toList();
            if (ports.isEmpty()) {
                throw new IllegalArgumentException("pid " + pid[0] + " has no port (see corral:ports)");
            }
        }
        Map<Integer, String> types = all.stream().collect(Collectors.toMap(p -> p.port().pid(),
            p -> name(p.type()), (a, b) -> a));
        Table t = new Table("PID", "Port", "Name", "Type", "Ready", "Open", "Holds", "Sent", "Received",
            "Refused");
        for (PortInfo p : ports) {
            t.row(p.port().pid(), p.port().id(), processName(p), name(p.type()), p.ready(), p.open(),
                json ? p.holds().stream().map(PortCommands::port).toList() : holds(p.holds(), types),
                json ? counts(p.sent()) : text(p.sent()), json ? counts(p.received()) : text(p.received()),
                p.refused());
        }
        t.print(System.out, json);
        Map<String, Long> refused = r.refused();
        if (!json && pid.length == 0 && !refused.isEmpty()) {
            System.out.println("refused frames: " + refused.entrySet().stream().map(e -> e.getKey() + "="
                + e.getValue()).collect(Collectors.joining(", ")));
        }
    }

    /** A port as JSON has it: {"pid": 12, "port": 0}. */
    private static Map<String, Integer> port(PortId id) {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("pid", id.pid());
        m.put("port", id.id());
        return m;
    }

    private String processName(PortInfo p) {
        if (p.type() == ProcessType.MAIN) {
            return "corral";
        }
        ProcessAdmin f = factory;
        return f == null ? null : f.process(p.port().pid()).map(ManagedProcess::name).orElse(null);
    }

    private static String holds(List<PortId> holds, Map<Integer, String> types) {
        return holds.isEmpty() ? "-" : holds.stream().map(h -> h.pid() + "(" + types.getOrDefault(h.pid(), "?")
            + ")").collect(Collectors.joining(" "));
    }

    private static Map<String, Long> counts(Map<MessageType, Long> counts) {
        Map<String, Long> m = new LinkedHashMap<>();
        counts.forEach((k, v) -> m.put(k.name().toLowerCase(Locale.ROOT), v));
        return m;
    }

    private static String text(Map<MessageType, Long> counts) {
        return counts.isEmpty() ? "-" : counts(counts).entrySet().stream().map(e -> e.getKey() + ":" + e.getValue())
            .collect(Collectors.joining(","));
    }

    @Descriptor("show the connect and remove-notify matrices (row = the holder or the one told)")
    public void matrix(@Descriptor("print JSON for scripts")
            @Parameter(names = "--json", presentValue = "true", absentValue = "false") boolean json) {
        PortRegistry r = registry();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("types", java.util.Arrays.stream(ProcessType.values()).map(PortCommands::name).toList());
            m.put("connect", rows(r.connectMatrix()));
            m.put("remove_notify", rows(r.removeNotifyMatrix()));
            System.out.println(new GsonBuilder().setPrettyPrinting().create().toJson(m));
            return;
        }
        System.out.println(table("connect", r.connectMatrix()) + "\n\n" + table("remove-notify",
            r.removeNotifyMatrix()));
    }

    /** The matrix as JSON has it: a row of booleans per type, in the order of "types". */
    private static List<List<Boolean>> rows(Matrix m) {
        ProcessType[] types = ProcessType.values();
        return java.util.Arrays.stream(types).map(row -> java.util.Arrays.stream(types)
            .map(column -> m.allows(row, column)).toList()).toList();
    }

    private static String table(String title, Matrix m) {
        ProcessType[] types = ProcessType.values();
        String[] columns = new String[types.length + 1];
        columns[0] = title;
        for (int i = 0; i < types.length; i++) {
            columns[i + 1] = name(types[i]);
        }
        Table t = new Table(columns);
        for (ProcessType row : types) {
            Object[] cells = new Object[types.length + 1];
            cells[0] = name(row);
            for (int c = 0; c < types.length; c++) {
                cells[c + 1] = m.allows(row, types[c]) ? 1 : 0;
            }
            t.row(cells);
        }
        return t.toText(Integer.MAX_VALUE);
    }

    @Descriptor("send a DATA message from main to a process's port and print its answer, if one comes within 2 s")
    public void send(@Descriptor("the pid, as corral:ports shows it") int pid,
            @Descriptor("the text to send") String... text) throws IOException, InterruptedException {
        if (text.length == 0) {
            throw new IllegalArgumentException("corral:send: missing TEXT (see: help corral:send)");
        }
        String message = String.join(" ", text);
        byte[] payload = message.getBytes(StandardCharsets.UTF_8);
        try {
            byte[] answer = registry().request(new PortId(pid, PortId.FIRST), payload).toCompletableFuture()
                .get(ANSWER_MILLIS, TimeUnit.MILLISECONDS);
            System.out.println("pid " + pid + " answered: " + new String(answer, StandardCharsets.UTF_8));
        } catch (TimeoutException e) {
            System.out.println("sent " + payload.length + " bytes to pid " + pid + "; no answer within "
                + ANSWER_MILLIS / 1000 + " s");
        } catch (ExecutionException e) {
            throw new IllegalStateException("pid " + pid + ": " + e.getCause().getMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("corral:send: " + e.getMessage());
        }
    }

    static String name(ProcessType t) {
        return t.name().toLowerCase(Locale.ROOT);
    }
}
