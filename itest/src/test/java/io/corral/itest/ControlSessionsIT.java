package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogReaderService;

/** The control socket's session bound from ConfigAdmin, changed while sessions run. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ControlSessionsIT {

    private static final String PID = "io.corral.shell.control";
    private static final RawSession.Frame READY = new RawSession.Frame('R', "");

    @Inject
    private ConfigurationAdmin configAdmin;

    @Inject
    private BundleContext context;

    @Inject
    private LogReaderService logReader;

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()),
            frameworkProperty("corral.control").value("true"));
    }

    private void maxSessions(int n) throws Exception {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("max.sessions", n);
        configAdmin.getConfiguration(PID, "?").update(props);
    }

    /** The first frame of a new connection that is closed at once (the configuration applies asynchronously). */
    private static RawSession.Frame probe(Path socket, RawSession.Frame wanted) throws Exception {
        RawSession.Frame f = null;
        long end = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < end) {
            try (RawSession s = RawSession.open(socket)) {
                f = s.next(5000);
            }
            if (wanted.equals(f)) {
                break;
            }
            Thread.sleep(50);
        }
        return f;
    }

    @Test
    public void aLoweredBoundRefusesTheNextSessionAndABadOneFallsBackToTheDefault() throws Exception {
        Path socket = Path.of(context.getProperty("corral.base"), "run", "corral.sock");
        Procs.waitUntil("the control socket", 10_000, () -> Files.exists(socket));
        List<RawSession> held = new ArrayList<>();
        try (LogCapture log = new LogCapture(logReader)) {
            for (int i = 0; i < 2; i++) {
                held.add(RawSession.open(socket));
                assertEquals(READY, held.get(i).next(5000));
            }
            maxSessions(2);
            RawSession.Frame refused = new RawSession.Frame('E', "corral: this instance already serves 2 control"
                + " sessions, the most it takes (max.sessions of io.corral.shell.control is 2); try again when one has"
                + " ended\n");
            assertEquals(refused, probe(socket, refused));

            // The sessions that run go on.
            held.get(0).command("felix:frameworklevel");
            RawSession.Frame level = held.get(0).next(5000);
            assertTrue(String.valueOf(level), level.type() == 'O' && level.text().startsWith("Level is "));
            assertEquals(new RawSession.Frame('X', "0"), held.get(0).next(5000));

            // Out of range: one line that names the value and the rule, and the default bound.
            maxSessions(0);
            assertEquals(READY, probe(socket, READY));
            // The Log Service hands entries to its listeners on a thread of its own.
            String line = "io.corral.shell.control: max.sessions 0: must be from 1 to 10000; using 64";
            Procs.waitUntil("the line in the log", 5_000, () -> log.count(line) >= 1);
            Thread.sleep(200);
            assertEquals(log.text(), 1, log.count(line));
        } finally {
            for (RawSession s : held) {
                s.close();
            }
            configAdmin.getConfiguration(PID, "?").delete();
        }
    }
}
