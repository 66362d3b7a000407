package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Every corral: command, through the control socket as bin/corral shell uses
 * it: --help and help corral:NAME print its usage and succeed; a call with a
 * missing argument prints the usage and fails; no answer shows Gogo's
 * coercion text or a Java exception's class name.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class UsageIT {

    /** A qualified exception class name, as an operator should never see one. */
    private static final Pattern CLASS_NAME = Pattern.compile("[a-z]+\\.[a-z]+\\.[A-Z]\\w*Exception");

    @Inject
    private BundleContext context;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()),
            frameworkProperty("corral.control").value("true"));
    }

    /** One command line's answer: what it printed (output and errors) and its exit status. */
    private record Answer(String text, int status) {
    }

    @Test
    public void everyCommandAnswersHelpAndAMissingArgumentWithItsUsage() throws Exception {
        Set<String> names = commands();
        assertTrue(names.toString(), names.containsAll(List.of("apps", "kill", "logs", "scale", "spawn")));
        try (RawSession s = session()) {
            for (String name : names) {
                Answer help = ask(s, "corral:" + name + " --help");
                assertEquals(name + ": " + help, 0, help.status());
                assertTrue(name + ": " + help, help.text().startsWith("Usage: corral:" + name));
                Answer asked = ask(s, "help corral:" + name);
                assertEquals(name + ": " + asked, help, asked);
                clean(name, help);
            }
            for (String name : List.of("kill", "logs", "scale", "start", "stop", "restart", "send", "spawn",
                    "status")) {
                Answer missing = ask(s, "corral:" + name);
                assertNotEquals(name + ": " + missing, 0, missing.status());
                assertTrue(name + ": " + missing, missing.text().contains("Usage: corral:" + name));
                clean(name, missing);
            }
        }
    }

    @Test
    public void wrongValuesAreRefusedWithTheUsageOrTheOneProblem() throws Exception {
        try (RawSession s = session()) {
            Answer kill = ask(s, "corral:kill");
            assertEquals("Usage: corral:kill PID [SIGNAL...]\n", kill.text());
            for (String line : List.of("corral:apps --bogus", "corral:logs -n x foo", "corral:scale ticker abc",
                    "corral:kill abc")) {
                Answer a = ask(s, line);
                assertNotEquals(line + ": " + a, 0, a.status());
                assertTrue(line + ": " + a, a.text().startsWith("Usage: corral:"));
                clean(line, a);
            }
            Answer negative = ask(s, "corral:logs -n -3 nosuchapp");
            assertNotEquals(negative.toString(), 0, negative.status());
            assertTrue(negative.toString(), negative.text().contains("-n -3: the number of lines must be 0 or more"));
            Answer user = ask(s, "corral:id nosuchuser");
            assertNotEquals(user.toString(), 0, user.status());
            clean("corral:id nosuchuser", user);
        }
    }

    @Test
    public void exitEndsAControlSession() throws Exception {
        try (RawSession s = session()) {
            assertEquals(new Answer("", 0), ask(s, "exit"));
            assertTrue("the session is closed", s.closedWithin(5_000));
        }
    }

    private static void clean(String what, Answer a) {
        assertFalse(what + ": " + a, a.text().contains("Cannot coerce"));
        assertFalse(what + ": " + a, CLASS_NAME.matcher(a.text()).find());
    }

    /** The function names of the scope corral, as Gogo registers them. */
    private Set<String> commands() throws Exception {
        Set<String> names = new TreeSet<>();
        for (ServiceReference<?> r : context.getAllServiceReferences(null, "(osgi.command.scope=corral)")) {
            Object f = r.getProperty("osgi.command.function");
            if (f instanceof String[] a) {
                names.addAll(List.of(a));
            } else {
                names.add(String.valueOf(f));
            }
        }
        return names;
    }

    private RawSession session() throws Exception {
        return RawSession.ready(Path.of(context.getProperty("corral.base")));
    }

    private static Answer ask(RawSession s, String line) throws Exception {
        s.command(line);
        StringBuilder text = new StringBuilder();
        for (RawSession.Frame f = s.next(30_000); f != null; f = s.next(30_000)) {
            if (f.type() == 'X') {
                return new Answer(text.toString(), Integer.parseInt(f.text()));
            }
            text.append(f.text());
        }
        throw new AssertionError(line + ": no exit status; got " + text);
    }
}
