package io.corral.posix;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.Arrays;
import org.junit.Test;

public class PipeIoTest {

    private static final int F_GETFL = 3;
    private static final int F_SETFL = 4;
    private static final int O_NONBLOCK = 04000;

    /** A pipe whose both ends are non-blocking, as the spawn server hands Corral its end. */
    private static int[] pipe() throws PosixException {
        int[] p = Posix.pipe();
        for (int fd : p) {
            Posix.LIBC.fcntl(fd, F_SETFL, Posix.LIBC.fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
        }
        return p;
    }

    @Test
    public void readsWhatIsThereAndZeroWhenNothingIsThenEndOfFile() throws Exception {
        int[] p = pipe();
        try {
            byte[] b = new byte[16];
            assertEquals("nothing there yet", 0, PipeIo.read(p[0], b, 0, b.length));
            assertFalse(PipeIo.await(p[0], false, 10));
            assertEquals(5, PipeIo.write(p[1], "hello".getBytes(), 0, 5));
            assertTrue(PipeIo.await(p[0], false, 1000));
            assertEquals(5, PipeIo.read(p[0], b, 3, 10));
            assertArrayEquals("hello".getBytes(), Arrays.copyOfRange(b, 3, 8));
            Posix.close(p[1]);
            p[1] = -1;
            assertTrue("a hang-up counts as ready", PipeIo.await(p[0], false, 1000));
            assertEquals(-1, PipeIo.read(p[0], b, 0, b.length));
        } finally {
            Posix.closeQuietly(p);
        }
    }

    @Test
    public void aFullPipeTakesNothingAndAGoneReaderIsEpipe() throws Exception {
        int[] p = pipe();
        try {
            byte[] chunk = new byte[PipeIo.CHUNK];
            long written = 0;
            int n;
            while ((n = PipeIo.write(p[1], chunk, 0, chunk.length)) > 0) {
                written += n;
            }
            assertTrue("a pipe holds something: " + written, written > 0);
            assertFalse("full", PipeIo.await(p[1], true, 10));
            try (Epoll epoll = Epoll.create(4)) {
                epoll.add(p[1], 7, Epoll.OUT);
                assertEquals(0, epoll.await(10));
                assertTrue(PipeIo.read(p[0], chunk, 0, chunk.length) > 0);
                assertEquals(1, epoll.await(1000));
                assertEquals(7, epoll.token(0));
                assertTrue((epoll.events(0) & Epoll.OUT) != 0);
                epoll.modify(p[1], 7, 0);
                assertEquals("only hang-ups and errors once modified to 0", 0, epoll.await(10));
            }
            Posix.close(p[0]);
            p[0] = -1;
            try {
                PipeIo.write(p[1], chunk, 0, 1);
                fail("the reader is gone");
            } catch (PosixException e) {
                assertEquals(Posix.EPIPE, e.errno());
            }
        } finally {
            Posix.closeQuietly(p);
        }
    }
}
