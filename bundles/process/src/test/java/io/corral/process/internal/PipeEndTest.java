package io.corral.process.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.posix.Posix;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

/** A pipe end's blocking streams and its drain after the exit. */
public class PipeEndTest {

    @Test
    public void aDrainKeepsWhatWasLeftAndClosesThePipeAtItsEnd() throws Exception {
        int[] p = Posix.pipe();
        PipeEnd out = new PipeEnd("stdout of t[1]", p[0]);
        OutputStream writer = new PipeEnd("stdin of t[1]", p[1]).outputStream();
        writer.write("left over\n".getBytes(StandardCharsets.UTF_8));
        writer.close();
        String pipe = link(p[0]);
        out.drain();
        // Its own descriptor, not a count of the JVM's: other threads open and close theirs meanwhile.
        assertTrue("the pipe is closed once drained to its end", !pipe.equals(link(p[0])));
        assertEquals(-1, out.fd());
        InputStream in = out.inputStream();
        assertEquals(10, in.available());
        assertEquals("left over\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(-1, in.read());
    }

    /** What the descriptor refers to now, e.g. {@code pipe:[4242]}; empty once closed. */
    private static String link(int fd) {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    public void aReaderWaitsForDataAndAClosedStreamSaysSo() throws Exception {
        int[] p = Posix.pipe();
        PipeEnd end = new PipeEnd("stdout of t[2]", p[0]);
        InputStream in = end.inputStream();
        Thread writer = new Thread(() -> {
            try {
                Thread.sleep(150);
                Posix.close(p[1]);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        long start = System.nanoTime();
        assertEquals("end of file once the writer is gone", -1, in.read());
        assertTrue(System.nanoTime() - start > 100_000_000L);
        writer.join();
        in.close();
        try {
            in.read();
            fail("closed by its user");
        } catch (IOException e) {
            assertEquals("stdout of t[2] is closed", e.getMessage());
        }
    }
}
