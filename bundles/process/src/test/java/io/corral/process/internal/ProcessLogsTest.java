package io.corral.process.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.isolation.Launch;
import io.corral.api.process.SpawnException;
import io.corral.api.process.Stdio;
import io.corral.api.process.Stdio.Redirect;
import io.corral.posix.Posix;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/** What the child's fds 0, 1 and 2 become for each redirect. */
public class ProcessLogsTest {

    private Path dir;
    private ProcessLogs logs;

    @Before
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("corral-logs");
        logs = new ProcessLogs(dir.resolve("processes"));
    }

    @After
    public void tearDown() {
        logs.close();
    }

    @Test
    public void pipesAreLeftToTheProviderAndOpenNothing() throws Exception {
        int before = Posix.openDescriptors().size();
        try (ProcessLogs.Streams s = logs.open("p", Stdio.PIPES)) {
            assertEquals(Launch.PIPE, s.descriptors[0]);
            assertEquals(Launch.PIPE, s.descriptors[1]);
            assertEquals(Launch.PIPE, s.descriptors[2]);
            assertNull("no log file", s.log());
            // At most as many: other threads of the test JVM may close theirs meanwhile.
            assertTrue("opened nothing", Posix.openDescriptors().size() <= before);
        }
    }

    @Test
    public void theDefaultSharesOneLogFileForOutputAndError() throws Exception {
        try (ProcessLogs.Streams s = logs.open("web app", Stdio.LOG)) {
            assertTrue(s.descriptors[0] >= 0);
            assertTrue(s.descriptors[1] >= 0);
            assertEquals(s.descriptors[1], s.descriptors[2]);
            assertTrue(s.log().getFileName().toString().startsWith("web_app.starting-"));
        }
    }

    @Test
    public void errorIntoOutputInheritAndDiscard() throws Exception {
        Stdio s1 = Stdio.builder().input(Redirect.INHERIT).output(Redirect.PIPE).redirectErrorStream(true).build();
        try (ProcessLogs.Streams s = logs.open("p", s1)) {
            assertEquals("the container's own stdin", 0, s.descriptors[0]);
            assertEquals(Launch.PIPE, s.descriptors[1]);
            assertEquals(Launch.SAME_AS_OUTPUT, s.descriptors[2]);
        }
        Stdio s2 = Stdio.builder().output(Redirect.INHERIT).error(Redirect.DISCARD).build();
        try (ProcessLogs.Streams s = logs.open("p", s2)) {
            assertEquals(1, s.descriptors[1]);
            assertEquals("the shared /dev/null", s.descriptors[0], s.descriptors[2]);
            assertNull(s.log());
        }
        assertTrue("inherited descriptors stay open", Posix.openDescriptors().contains(1));
    }

    @Test
    public void filesAreTruncatedOrAppendedTo() throws Exception {
        Path out = dir.resolve("out");
        Path err = dir.resolve("err");
        Files.writeString(out, "old");
        Files.writeString(err, "old");
        Stdio stdio = Stdio.builder().output(Redirect.to(out)).error(Redirect.appendTo(err)).build();
        try (ProcessLogs.Streams s = logs.open("p", stdio)) {
            assertNotEquals(s.descriptors[1], s.descriptors[2]);
        }
        assertEquals("", Files.readString(out));
        assertEquals("old", Files.readString(err));
    }

    @Test
    public void aFileThatCannotBeOpenedNamesTheStreamAndLeavesNothing() throws Exception {
        int before = Posix.openDescriptors().size();
        Stdio stdio = Stdio.builder().error(Redirect.appendTo(Path.of("/no/such/dir/err"))).build();
        try {
            logs.open("p", stdio);
            fail("must fail");
        } catch (SpawnException e) {
            assertEquals("opening error of \"p\": open /no/such/dir/err: No such file or directory", e.getMessage());
        }
        assertTrue("left nothing open", Posix.openDescriptors().size() <= before);
        try (var files = Files.list(dir.resolve("processes"))) {
            assertEquals("the log file made for output is gone", 0, files.count());
        }
    }
}
