package io.corral.app.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import io.corral.api.app.ConfigurationException;
import io.corral.api.isolation.Filesystem;
import io.corral.api.process.SpawnSpec;
import org.junit.Test;

public class SpawnRequestSizeTest {

    /** "/bin/sleep", no working directory, title "corral: web", no rootfs: 25 bytes with their NULs. */
    private static final int BASE = 11 + 1 + 12 + 1;

    private static SpawnSpec.Builder spec() {
        return SpawnSpec.builder("/bin/sleep").name("web");
    }

    private static String refused(SpawnSpec spec) {
        try {
            SpawnRequestSize.check("applications/web", spec);
        } catch (ConfigurationException e) {
            return e.getMessage();
        }
        fail("must be refused");
        return null;
    }

    @Test
    public void anArgumentBeyondWhatExecveTakesIsRefusedByItsIndex() {
        assertEquals("applications/web/arguments/1: An argument must not be longer than 131071 bytes (the kernel's"
            + " MAX_ARG_STRLEN). Got 200000 bytes.", refused(spec().arguments("-v", "x".repeat(200_000)).build()));
    }

    @Test
    public void bytesAreCountedNotCharacters() {
        assertEquals("applications/web/arguments/0: An argument must not be longer than 131071 bytes (the kernel's"
            + " MAX_ARG_STRLEN). Got 140000 bytes.", refused(spec().arguments("\u00e9".repeat(70_000)).build()));
    }

    @Test
    public void anEnvironmentVariableIsCountedAsNameEqualsValue() {
        assertEquals("applications/web/environment/BIG: The environment variable BIG (as NAME=VALUE) must not be"
            + " longer than 131071 bytes (the kernel's MAX_ARG_STRLEN). Got 131072 bytes.",
            refused(spec().env("BIG", "x".repeat(131_068)).build()));
    }

    @Test
    public void everythingTogetherMustFitTheDatagramBesideItsOtherFields() throws Exception {
        int half = (SpawnRequestSize.BUDGET_BYTES - BASE) / 2 - 1;
        SpawnRequestSize.check("applications/web", spec().arguments("x".repeat(half), "y".repeat(half)).build());
        assertEquals("applications/web: The \"arguments\", \"environment\" and \"mounts\" must fit a spawn"
            + " request: with the executable, \"working_directory\" and \"rootfs\" at most 196608 bytes (192 KiB)"
            + " together, each string counted with its NUL. Got 196609 bytes.",
            refused(spec().arguments("x".repeat(half), "y".repeat(half + 2)).build()));
        assertEquals("the datagram keeps 64 KiB for the rest of the request", 262_144 - 65_536,
            SpawnRequestSize.BUDGET_BYTES);
    }

    @Test
    public void theRootAndTheMountsCountTowardsTheTotal() {
        String dir = "/" + "d".repeat(3_999);
        Filesystem.Builder fs = Filesystem.builder().rootfs(dir);
        for (int i = 0; i < 25; i++) {
            fs.mount(Filesystem.Mount.bind(dir, dir, true));
        }
        // The rootfs once, then per mount its type "BIND", its source and its destination.
        long expected = BASE - 1 + 4_001 + 25 * (5 + 2 * 4_001L);
        String m = refused(spec().filesystem(fs.build()).build());
        assertEquals("Got " + expected + " bytes.", m.substring(m.lastIndexOf("Got ")));
    }

    @Test
    public void theEnvironmentCountsTowardsTheTotal() {
        String m = refused(spec().env("A", "x".repeat(100_000)).env("B", "y".repeat(100_000)).build());
        assertEquals("Got " + (BASE + 2 * 100_003) + " bytes.", m.substring(m.lastIndexOf("Got ")));
    }
}
