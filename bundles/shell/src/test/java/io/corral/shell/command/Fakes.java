package io.corral.shell.command;

import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Services the commands read, answering from maps of method name to value; anything else is unsupported. */
final class Fakes {

    private Fakes() {
    }

    static ManagedProcess process(Map<String, Object> answers) {
        return (ManagedProcess) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
            new Class<?>[] {ManagedProcess.class}, (proxy, method, args) -> {
                if (!answers.containsKey(method.getName())) {
                    throw new UnsupportedOperationException(method.getName());
                }
                return answers.get(method.getName());
            });
    }

    /** A factory that lists these processes and spawns nothing. */
    static ProcessFactory factory(List<ManagedProcess> processes) {
        return (ProcessFactory) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
            new Class<?>[] {ProcessFactory.class}, (proxy, method, args) -> switch (method.getName()) {
                case "processes" -> processes;
                case "process" -> processes.stream().filter(p -> p.pid() == (Integer) args[0]).findFirst();
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    /** The operator's view of these processes. */
    static io.corral.api.process.ProcessAdmin admin(List<ManagedProcess> processes) {
        return (io.corral.api.process.ProcessAdmin) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
            new Class<?>[] {io.corral.api.process.ProcessAdmin.class}, (proxy, method, args) -> switch (method.getName()) {
                case "processes" -> processes;
                case "process" -> processes.stream().filter(p -> p.pid() == (Integer) args[0]).findFirst();
                default -> throw new UnsupportedOperationException(method.getName());
            });
    }

    /** What a command prints to standard output. */
    static String printed(Runnable command) {
        PrintStream out = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            command.run();
        } finally {
            System.setOut(out);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** Sets a command's service field, as SCR would. */
    static void inject(Object command, String field, Object service) throws ReflectiveOperationException {
        Field f = command.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(command, service);
    }
}
