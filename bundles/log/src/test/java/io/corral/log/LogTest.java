package io.corral.log;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;

public class LogTest {

    /** What {@code logging} printed on standard error. */
    private static String stderr(Runnable logging) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            logging.run();
        } finally {
            System.setErr(err);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    public void withoutALogServiceAMessageGoesToStandardErrorAsARecord() {
        String text = stderr(() -> Log.of(LogTest.class).warn("no framework here"));
        assertTrue(text, text.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z WARN  \\[io\\.corral\\.log\\]"
            + " no framework here\n"));
    }

    @Test
    public void aFloodOnStandardErrorIsHeldBackToo() {
        String text = stderr(() -> {
            for (int i = 0; i < 100_000; i++) {
                Log.of(LogTest.class).warn("the port of worker 42 is full: RPC_READY dropped");
            }
        });
        assertEquals(text, 1, text.lines().count());
    }
}
