package io.corral.process.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import io.corral.api.credential.Credential;
import io.corral.api.credential.GroupId;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ProcessState;
import io.corral.api.process.ProcessType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.junit.Test;

public class HandOffTest {

    private static HandOff.Entry entry(int pid) {
        Credential c = new Credential(1000, "alice", 1000, "alice",
            List.of(new GroupId(1000, "alice"), new GroupId(27, "sudo")), "/home/alice");
        return new HandOff.Entry(pid, 2, 17, "web, the = one", ProcessType.ROUTER, c,
            EnumSet.of(Namespace.CREDENTIAL, Namespace.PID), "linux-clone", Instant.parse("2026-01-02T03:04:05Z"),
            Path.of("/var/log/corral/processes/web-" + pid + ".log"), 42, ProcessState.READY, 1234L);
    }

    @Test
    public void whatIsWrittenIsReadBackOnceAndTheFileIsGone() throws Exception {
        Path dir = Files.createTempDirectory("handoff");
        Path file = dir.resolve("handoff.properties");
        HandOff h = new HandOff(file);
        h.write(List.of(entry(4242), entry(4243)));
        assertTrue(Files.exists(file));
        List<HandOff.Entry> back = h.take();
        assertEquals(List.of(entry(4242), entry(4243)), back);
        assertFalse("read once: a second instance must not adopt the same descriptors", Files.exists(file));
        assertEquals(List.of(), h.take());
    }

    @Test
    public void aDamagedEntryIsLeftOutAndTheOthersAreRead() throws Exception {
        Path file = Files.createTempDirectory("handoff").resolve("handoff.properties");
        HandOff h = new HandOff(file);
        h.write(List.of(entry(1), entry(2)));
        String text = Files.readString(file).replace("0.pid=1", "0.pid=one");
        Files.writeString(file, text);
        assertEquals(List.of(entry(2)), h.take());
    }

    @Test
    public void aDescriptorThatIsNotThePidfdOfThatPidIsRefused() {
        // Descriptor 0 is this JVM's standard input, not a pidfd.
        assertFalse(HandOff.stillPidfdOf(0, (int) ProcessHandle.current().pid()));
        assertFalse(HandOff.stillPidfdOf(99_999, 1));
    }
}
