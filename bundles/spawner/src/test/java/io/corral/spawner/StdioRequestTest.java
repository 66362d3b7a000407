package io.corral.spawner;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Launch;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.Test;

/** How a launch's standard streams become SPAWN option bits and the descriptors sent. */
public class StdioRequestTest {

    private static final int P = Launch.PIPE;

    @Test
    public void pipesBecomeOptionBitsAndAreNotSent() {
        int[] fds = {P, 7, P, 9};
        assertEquals(128 | 512, SpawnRequest.stdioOptions(fds));
        assertArrayEquals(new int[] {7, 9}, SpawnRequest.sent(fds));
        assertEquals(2, SpawnRequest.pipes(fds));
    }

    @Test
    public void errorIntoOutputIsAnOptionBitToo() {
        int[] fds = {5, P, Launch.SAME_AS_OUTPUT};
        assertEquals(256 | 1024, SpawnRequest.stdioOptions(fds));
        assertArrayEquals(new int[] {5}, SpawnRequest.sent(fds));
        assertEquals(1, SpawnRequest.pipes(fds));
    }

    @Test
    public void plainDescriptorsSetNoBit() {
        int[] fds = {0, 1, 2};
        assertEquals(0, SpawnRequest.stdioOptions(fds));
        assertArrayEquals(fds, SpawnRequest.sent(fds));
    }

    @Test
    public void theHeaderCountsEverySlotOfTheChild() {
        Launch launch = new Launch("/bin/true", List.of("true"), List.of(), null, null, IsolationRequest.NONE, "t",
            new int[] {P, P, Launch.SAME_AS_OUTPUT, 4}, null, null);
        ByteBuffer b = SpawnRequest.encode(1, launch, false, null);
        assertEquals("options", 128 | 256 | 1024 | SpawnRequest.NO_NEW_PRIVS * (launch.isolation().newPrivileges()
            ? 0 : 1), b.getInt(12));
        assertEquals("nfds", 4, b.getInt(52));
    }

    @Test
    public void aPlaceholderWhereItCannotBeIsRefused() {
        int[][] bad = {{0, 1, 2, P}, {Launch.SAME_AS_OUTPUT, 1, 2}, {0, -1, 2}};
        String[] messages = {
            "descriptor 3 is -2: a descriptor, PIPE at 0 to 2, or SAME_AS_OUTPUT at 2",
            "descriptor 0 is -3: a descriptor, PIPE at 0 to 2, or SAME_AS_OUTPUT at 2",
            "descriptor 1 is -1: a descriptor, PIPE at 0 to 2, or SAME_AS_OUTPUT at 2",
        };
        for (int i = 0; i < bad.length; i++) {
            try {
                new Launch("/bin/true", List.of("true"), List.of(), null, null, IsolationRequest.NONE, "t", bad[i],
                    null, null);
                fail("must be refused");
            } catch (IllegalArgumentException e) {
                assertEquals(messages[i], e.getMessage());
            }
        }
    }
}
