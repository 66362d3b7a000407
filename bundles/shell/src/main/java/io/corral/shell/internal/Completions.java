package io.corral.shell.internal;

import io.corral.api.app.ApplicationManager;
import io.corral.api.app.ApplicationStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessAdmin;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * What Tab offers at a prompt, for the foreground console and for {@code bin/corral shell} alike:
 * command names in the first word (and after {@code help}); then, for a {@code corral:} command,
 * its options after a "-", and application names or pids where its usage takes a NAME, a PID or
 * a TARGET; for a {@code felix:} command, bundle ids and symbolic names.
 */
public final class Completions {

    private static final Pattern OPTION = Pattern.compile("\\[(--?[a-z][\\w-]*)");

    private final BundleContext context;

    public Completions(BundleContext context) {
        this.context = context;
    }

    /**
     * The candidates for the last of {@code words} (the word being typed, possibly empty), sorted;
     * each a whole word that starts with what is typed.
     */
    public List<String> complete(List<String> words) {
        if (words.isEmpty()) {
            return List.of();
        }
        String typed = words.get(words.size() - 1);
        TreeSet<String> all = new TreeSet<>();
        if (words.size() == 1 || words.size() == 2 && words.get(0).equals("help")) {
            all.addAll(commands());
        } else if (words.get(0).startsWith("felix:")) {
            all.addAll(bundles());
        } else {
            Optional<CommandUsage> usage = CorralCommands.usage(words.get(0));
            if (usage.isPresent()) {
                if (typed.startsWith("-")) {
                    all.addAll(options(usage.get()));
                } else {
                    String lines = String.join(" ", usage.get().lines());
                    boolean names = lines.contains("NAME") || lines.contains("TARGET");
                    boolean pids = lines.contains("PID") || lines.contains("TARGET");
                    if (names) {
                        all.addAll(applicationNames());
                    }
                    if (pids) {
                        all.addAll(pids());
                    }
                }
            }
        }
        return all.stream().filter(c -> c.startsWith(typed)).toList();
    }

    static List<String> options(CommandUsage usage) {
        TreeSet<String> options = new TreeSet<>();
        Matcher m = OPTION.matcher(usage.help());
        while (m.find()) {
            options.add(m.group(1));
        }
        options.add("--help");
        return new ArrayList<>(options);
    }

    /** Every command's name with its scope, and the {@code corral:} ones without it too (the SCOPE searched first). */
    List<String> commands() {
        TreeSet<String> names = new TreeSet<>(List.of("help", "exit"));
        ServiceReference<?>[] refs;
        try {
            refs = context.getAllServiceReferences(null, "(osgi.command.function=*)");
        } catch (InvalidSyntaxException | IllegalStateException e) {
            return List.copyOf(names);
        }
        for (ServiceReference<?> r : refs == null ? new ServiceReference<?>[0] : refs) {
            Object scope = r.getProperty("osgi.command.scope");
            Object functions = r.getProperty("osgi.command.function");
            for (String f : functions instanceof String[] a ? a : new String[] {String.valueOf(functions)}) {
                names.add(scope + ":" + f);
                if (CorralCommands.SCOPE.equals(scope)) {
                    names.add(f);
                }
            }
        }
        return List.copyOf(names);
    }

    private List<String> bundles() {
        List<String> names = new ArrayList<>();
        for (org.osgi.framework.Bundle b : context.getBundles()) {
            names.add(Long.toString(b.getBundleId()));
            if (b.getSymbolicName() != null) {
                names.add(b.getSymbolicName());
            }
        }
        return names;
    }

    private List<String> applicationNames() {
        return fromService(ApplicationManager.class, m -> m.applications().stream().map(ApplicationStatus::name)
            .toList());
    }

    private List<String> pids() {
        return fromService(ProcessAdmin.class, f -> f.processes().stream().filter(p -> p.exitStatus().isEmpty())
            .map(ManagedProcess::pid).map(String::valueOf).toList());
    }

    private <S> List<String> fromService(Class<S> type, Function<S, List<String>> names) {
        try {
            ServiceReference<S> r = context.getServiceReference(type);
            S service = r == null ? null : context.getService(r);
            if (service == null) {
                return List.of();
            }
            try {
                return names.apply(service);
            } finally {
                context.ungetService(r);
            }
        } catch (RuntimeException e) {
            return List.of(); // a service going away: nothing to offer this time
        }
    }
}
