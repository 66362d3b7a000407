package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.File;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.SpawnSpec;
import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The example client bundle (bundles/example: DS, the factory injected into
 * its constructor, the API and nothing else of Corral) deployed beside the
 * distribution's bundles, driven through its Gogo commands.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExampleClientIT {

    @Inject
    private CommandProcessor gogo;

    @Inject
    private ProcessFactory factory;

    @Configuration
    public Option[] config() throws Exception {
        File[] jars = new File("../bundles/example/target").listFiles(
            (d, n) -> n.startsWith("io.corral.example-") && n.endsWith(".jar"));
        if (jars == null || jars.length != 1) {
            throw new IllegalStateException("build bundles/example first");
        }
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()),
            bundle(jars[0].toURI().toString()));
    }

    @Test
    public void anIsolatedShellTalksThroughItsStreams() throws Exception {
        assertEquals("stdout: out\ngot hello\nstderr: err\nexit: exit 0\n",
            Gogo.run(gogo, "example:talk hello"));
    }

    @Test
    public void theSameThroughAPlainProcess() throws Exception {
        assertEquals("stdout: out\ngot hello\nstderr: err\nexit: 0\n",
            Gogo.run(gogo, "example:talkprocess hello"));
    }

    @Test
    public void destroyEndsAnIsolatedSleepWithin100Milliseconds() throws Exception {
        String out = Gogo.run(gogo, "example:destroy");
        Matcher m = Pattern.compile("pid \\d+: (.+) after (\\d+) ms\n").matcher(out);
        assertTrue(out, m.matches());
        assertTrue(out, m.group(1).contains("143"));
        assertTrue(out, Integer.parseInt(m.group(2)) < 100);
    }

    @Test
    public void aLifetimeOf200MillisecondsEndsASleepAsTimedOut() throws Exception {
        String out = Gogo.run(gogo, "example:lifetime 200");
        assertTrue(out, out.matches("pid \\d+: .*, timed out\n"));
    }

    @Test
    public void theClientSeesItsOwnProcessesOnly() throws Exception {
        // This test's bundle has a factory of its own: its sleep is not the example's.
        ManagedProcess sleep = factory.spawn(SpawnSpec.builder("/bin/sleep").arguments("10").build());
        try {
            assertEquals(List.of(sleep), factory.processes().stream().filter(p -> p.exitStatus().isEmpty()).toList());
            assertEquals("", Gogo.run(gogo, "example:mine").strip());
        } finally {
            sleep.destroyForcibly();
        }
    }
}
