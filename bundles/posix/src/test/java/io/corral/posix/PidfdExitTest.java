package io.corral.posix;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.After;
import org.junit.Assume;
import org.junit.Before;
import org.junit.Test;

/**
 * A watcher that is not the parent learns the exit status once the parent
 * reaps (here the test JVM is the parent, and reaps on another thread).
 */
public class PidfdExitTest {

    private int devnull = -1;

    @Before
    public void needsPidfdExitInfo() throws Exception {
        String[] release = System.getProperty("os.version").split("[.-]");
        int major = Integer.parseInt(release[0]);
        int minor = Integer.parseInt(release[1]);
        Assume.assumeTrue("PIDFD_INFO_EXIT needs Linux 6.15", major > 6 || major == 6 && minor >= 15);
        devnull = Posix.open("/dev/null", Posix.O_RDWR, 0);
    }

    @After
    public void closeDevnull() {
        Posix.closeQuietly(devnull);
    }

    private int spawn(String script) throws PosixException {
        return Posix.spawn("/bin/sh", List.of("sh", "-c", script), List.of(), devnull, devnull, devnull);
    }

    private static boolean zombie(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    }

    /** Reaps {@code pid} after {@code delayMillis} on another thread, as a parent elsewhere would. */
    private static Thread reapLater(int pid, long delayMillis) {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(delayMillis);
                Posix.waitpid(pid, false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        return t;
    }

    @Test
    public void theStatusComesAtTheReapNotAtTheExit() throws Exception {
        int pid = spawn("exit 7");
        int pidfd = Posix.pidfdOpen(pid);
        try (PidfdExit watch = PidfdExit.watch(pidfd)) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!zombie(pid) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue("pid " + pid + " should be a zombie by now", zombie(pid));
            // Exited but not reaped: no status yet, and the wait times out.
            assertEquals(PidfdExit.NOT_YET, watch.await(50));
            Thread reaper = reapLater(pid, 100);
            int status = watch.await(5000);
            reaper.join();
            assertEquals("wait status of exit 7", 7 << 8, status);
        } finally {
            Posix.closeQuietly(pidfd);
        }
        assertFalse(PidfdExit.knownUnsupported());
    }

    @Test
    public void aKillingSignalIsReported() throws Exception {
        int pid = spawn("kill -9 $$");
        int pidfd = Posix.pidfdOpen(pid);
        try (PidfdExit watch = PidfdExit.watch(pidfd)) {
            Thread reaper = reapLater(pid, 50);
            int status = watch.await(5000);
            reaper.join();
            assertEquals(9, status & 0x7f);
        } finally {
            Posix.closeQuietly(pidfd);
        }
    }

    @Test
    public void watchesAreReusedSoThatManyWaitsOpenNoDescriptor() throws Exception {
        int pid = spawn("exec sleep 30");
        int pidfd = Posix.pidfdOpen(pid);
        try {
            PidfdExit.watch(pidfd).close(); // the pool has one now
            List<Integer> before = Posix.openDescriptors();
            for (int i = 0; i < 1000; i++) {
                try (PidfdExit watch = PidfdExit.watch(pidfd)) {
                    assertEquals(PidfdExit.NOT_YET, watch.await(0));
                }
            }
            assertEquals(List.of(), opened(before));
            // Closed, a watch no longer holds the pidfd: the owner may close it.
            try (PidfdExit watch = PidfdExit.watch(pidfd)) {
                Posix.pidfdSignal(pidfd, Posix.SIGKILL);
                Thread reaper = reapLater(pid, 50);
                assertEquals(9, watch.await(5000) & 0x7f);
                reaper.join();
            }
        } finally {
            Posix.closeQuietly(pidfd);
        }
    }

    @Test
    public void aRunningProcessTimesOutAndTheWatchLeavesNoDescriptor() throws Exception {
        // Once unmeasured: the pooled watch, and any jar the class loader opens for the classes used.
        timeOut();
        List<Integer> before = Posix.openDescriptors();
        timeOut();
        assertEquals(List.of(), opened(before));
    }

    private void timeOut() throws Exception {
        int pid = spawn("exec sleep 30");
        int pidfd = Posix.pidfdOpen(pid);
        try (PidfdExit watch = PidfdExit.watch(pidfd)) {
            long start = System.nanoTime();
            assertEquals(PidfdExit.NOT_YET, watch.await(200));
            assertTrue(System.nanoTime() - start >= 190_000_000L);
        } finally {
            Posix.pidfdSignal(pidfd, Posix.SIGKILL);
            Posix.waitpid(pid, false);
            Posix.closeQuietly(pidfd);
        }
    }

    /**
     * The descriptors open now that were not {@code before}: a leak shows
     * here, while a descriptor the JVM closed meanwhile does not fail the test.
     */
    private static List<Integer> opened(List<Integer> before) {
        List<Integer> now = Posix.openDescriptors();
        now.removeAll(before);
        return now;
    }
}
