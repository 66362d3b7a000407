package io.corral.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.corral.shell.command.AppCommands;
import io.corral.shell.command.IdCommand;
import io.corral.shell.command.PortCommands;
import io.corral.shell.command.ProcessCommands;
import io.corral.shell.command.ProvidersCommand;
import io.corral.shell.command.RefreshCommand;
import io.corral.shell.command.VersionCommand;
import java.util.Map;
import org.junit.Test;

public class UsageTest {

    /** The commands of this bundle, as their components register them. */
    private static final Map<String, Class<?>> COMMANDS = Map.ofEntries(
        Map.entry("apps", AppCommands.class), Map.entry("start", AppCommands.class),
        Map.entry("stop", AppCommands.class), Map.entry("restart", AppCommands.class),
        Map.entry("scale", AppCommands.class), Map.entry("reload", AppCommands.class),
        Map.entry("config", AppCommands.class), Map.entry("id", IdCommand.class),
        Map.entry("ports", PortCommands.class), Map.entry("matrix", PortCommands.class),
        Map.entry("send", PortCommands.class), Map.entry("spawn", ProcessCommands.class),
        Map.entry("ps", ProcessCommands.class), Map.entry("kill", ProcessCommands.class),
        Map.entry("logs", ProcessCommands.class), Map.entry("providers", ProvidersCommand.class),
        Map.entry("refresh", RefreshCommand.class), Map.entry("version", VersionCommand.class));

    @Test
    public void argumentsAreNamedAfterTheParametersAndOptionsShowTheirValues() {
        assertEquals("Usage: corral:kill PID [SIGNAL...]", usage("kill").usage());
        assertEquals("Usage: corral:scale NAME PROCESSES", usage("scale").usage());
        assertEquals("Usage: corral:logs [-n LINES] [-f] TARGET", usage("logs").usage());
        assertEquals("Usage: corral:apps [--json]", usage("apps").usage());
        assertEquals("Usage: corral:spawn [OPTIONS] EXECUTABLE [ARGS...]", usage("spawn").usage());
    }

    @Test
    public void everyCommandHasAUsageLineAndADescription() {
        COMMANDS.forEach((name, type) -> {
            CommandUsage u = CommandUsage.of("corral", name, type);
            String help = u.help();
            assertTrue(name + ": " + help, help.startsWith("Usage: corral:" + name));
            assertFalse(name + " has no description", u.description().isEmpty());
            assertFalse(help, help.contains("Cannot coerce"));
        });
    }

    @Test
    public void helpIsAskedWithHelpOrDashDashHelpOnALineOfItsOwn() {
        // Outside a framework no command is registered: the line is left to Gogo.
        assertTrue(UsageErrors.help("corral:kill 5").isEmpty());
        assertTrue(UsageErrors.help("corral:kill --help").isEmpty());
    }

    @Test
    public void gogosCoercionFailureBecomesAUsageNotItsText() {
        String shown = UsageErrors.usage(new IllegalArgumentException("Cannot coerce kill() to any of [(int,"
            + " String[])]")).orElseThrow();
        assertFalse(shown, shown.contains("Cannot coerce"));
        assertTrue(shown, shown.contains("kill"));
        assertTrue(UsageErrors.usage(new IllegalStateException("no application \"x\"")).isEmpty());
    }

    @Test
    public void errorTextLeavesOutQualifiedExceptionNames() {
        assertEquals("user \"nosuchuser\" not found", ErrorText.of(new RuntimeException(
            new IllegalStateException("io.corral.api.credential.CredentialException: user \"nosuchuser\" not found"))));
        assertEquals("user \"x\" not found", ErrorText.of(new RuntimeException(
            "io.corral.api.credential.CredentialException: user \"x\" not found")));
        assertEquals("NullPointerException", ErrorText.of(new RuntimeException("java.lang.NullPointerException")));
        assertFalse(ErrorText.of(new RuntimeException(new java.io.IOException("disk full")))
            .matches(".*[a-z]+\\.[a-z]+\\.[A-Z]\\w*Exception.*"));
    }

    private static CommandUsage usage(String name) {
        return CommandUsage.of("corral", name, COMMANDS.get(name));
    }
}
