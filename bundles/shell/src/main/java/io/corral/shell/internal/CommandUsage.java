package io.corral.shell.internal;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;

/**
 * The usage of one {@code corral:} command, read from the {@code @Descriptor}
 * and {@code @Parameter} of the methods Gogo calls for it, so that help and a
 * call Gogo cannot coerce say the same as the code: {@code Usage: corral:kill
 * PID [SIGNAL...]}.
 */
record CommandUsage(String command, List<String> lines, String description, List<String> arguments) {

    /** The usage of function {@code name} of {@code type}; Gogo calls {@code _main} for names Java cannot have. */
    static CommandUsage of(String scope, String name, Class<?> type) {
        String method = name.matches("[A-Za-z_$][\\w$]*") ? name : "_main";
        List<Method> methods = Arrays.stream(type.getMethods())
            .filter(m -> m.getName().equals(method) && !Modifier.isStatic(m.getModifiers()))
            .sorted(Comparator.comparingInt(Method::getParameterCount))
            .toList();
        String command = scope + ":" + name;
        List<String> lines = new ArrayList<>();
        List<String> arguments = new ArrayList<>();
        String description = "";
        for (Method m : methods) {
            lines.add(usageLine(command, m, arguments));
            Descriptor d = m.getAnnotation(Descriptor.class);
            if (description.isEmpty() && d != null) {
                description = d.value();
            }
        }
        return new CommandUsage(command, lines, description, arguments.stream().distinct().toList());
    }

    /** What {@code --help} prints: the usage lines, what the command does, and each argument. */
    String help() {
        StringBuilder b = new StringBuilder(usage());
        if (!description.isEmpty()) {
            b.append('\n').append(description);
        }
        for (String a : arguments) {
            b.append("\n  ").append(a);
        }
        return b.toString();
    }

    /** The usage lines alone, for a call that went wrong. */
    String usage() {
        return lines.isEmpty() ? "Usage: " + command : String.join("\n", lines);
    }

    private static String usageLine(String command, Method m, List<String> arguments) {
        StringBuilder b = new StringBuilder("Usage: ").append(command);
        Annotation[][] annotations = m.getParameterAnnotations();
        java.lang.reflect.Parameter[] params = m.getParameters();
        for (int i = 0; i < params.length; i++) {
            if (CommandSession.class.isAssignableFrom(params[i].getType())) {
                continue; // Gogo passes the session itself.
            }
            Descriptor d = find(annotations[i], Descriptor.class);
            Parameter p = find(annotations[i], Parameter.class);
            String about = d == null ? "" : d.value();
            String word;
            if (p != null) {
                String option = p.names()[0];
                word = Parameter.UNSPECIFIED.equals(p.presentValue())
                    ? "[" + option + " " + placeholder(params[i]) + "]" : "[" + option + "]";
                arguments.add(option + ": " + about);
            } else if (params[i].isVarArgs() && about.startsWith("[")) {
                // The descriptor spells the options a hand-read argument list takes: "[--rounds N] ...: what".
                word = about.contains("]: ") ? about.substring(0, about.indexOf("]: ") + 1) : about;
            } else if (params[i].isVarArgs()) {
                word = "[" + placeholder(params[i]) + "...]";
                arguments.add(placeholder(params[i]) + ": " + about);
            } else {
                word = placeholder(params[i]);
                arguments.add(word + ": " + about);
            }
            b.append(' ').append(word);
        }
        return b.toString();
    }

    /** The argument's name in capitals (the class files keep parameter names), else its type's. */
    private static String placeholder(java.lang.reflect.Parameter p) {
        String name = p.isNamePresent() ? p.getName() : p.getType().getSimpleName().replace("[]", "");
        return name.toUpperCase(Locale.ROOT);
    }

    private static <A extends Annotation> A find(Annotation[] annotations, Class<A> type) {
        for (Annotation a : annotations) {
            if (type.isInstance(a)) {
                return type.cast(a);
            }
        }
        return null;
    }
}
