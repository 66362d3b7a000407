package io.corral.api.process;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.process.Stdio.Redirect;
import java.nio.file.Path;
import org.junit.Test;

public class StdioTest {

    @Test
    public void theDefaultIsDevNullInAndTheLogFileOut() {
        assertEquals(Redirect.DISCARD, Stdio.LOG.input());
        assertEquals(Redirect.LOG, Stdio.LOG.output());
        assertEquals(Redirect.LOG, Stdio.LOG.error());
        assertFalse(Stdio.LOG.redirectErrorStream());
        assertFalse(Stdio.LOG.hasPipe());
        assertTrue(Stdio.LOG.handler().isEmpty());
        assertEquals(Stdio.LOG, SpawnSpec.builder("/bin/true").build().stdio());
        assertEquals(Stdio.LOG, Stdio.builder().build());
    }

    @Test
    public void filesAreReadAndAppendedToAsApplicationsNameThem() {
        Stdio s = Stdio.files(Path.of("/in"), Path.of("/out"), null);
        assertEquals(Redirect.from(Path.of("/in")), s.input());
        assertEquals(Redirect.appendTo(Path.of("/out")), s.output());
        assertEquals(Redirect.LOG, s.error());
        assertEquals(Stdio.LOG, Stdio.files(null, null, null));
        assertEquals("Stdio[input=READ /in, output=APPEND /out, error=LOG]", s.toString());
    }

    @Test
    public void pipesAndErrorIntoOutput() {
        assertTrue(Stdio.PIPES.hasPipe());
        Stdio merged = Stdio.builder().output(Redirect.to(Path.of("/o"))).error(Redirect.PIPE)
            .redirectErrorStream(true).build();
        assertFalse("a piped error that goes into output is no pipe", merged.hasPipe());
        assertEquals("Stdio[input=DISCARD, output=WRITE /o, error=output]", merged.toString());
        assertEquals(Redirect.Type.WRITE, merged.output().type());
        assertEquals(Path.of("/o"), merged.output().file().orElseThrow());
        assertTrue(Redirect.PIPE.file().isEmpty());
    }

    @Test
    public void aHandlerWithoutAPipeIsRefused() {
        try {
            Stdio.builder().handler(new StreamHandler() { }).build();
            fail("nothing for the handler to do");
        } catch (IllegalArgumentException e) {
            assertEquals("handler: a StreamHandler needs a stream that is a PIPE (Stdio[input=DISCARD, output=LOG,"
                + " error=LOG])", e.getMessage());
        }
        StreamHandler h = new StreamHandler() { };
        assertEquals(h, Stdio.builder().output(Redirect.PIPE).handler(h).build().handler().orElseThrow());
    }

    @Test
    public void aRedirectThatMakesNoSenseForItsStreamIsRefusedWithTheRule() {
        String[][] cases = {
            {"input", "LOG", "input \"LOG\": input cannot be written to (LOG is for output and error)"},
            {"input", "WRITE", "input \"WRITE /f\": input cannot be written to (WRITE is for output and error)"},
            {"output", "READ", "output \"READ /f\": output cannot be read from (READ is for input)"},
            {"error", "READ", "error \"READ /f\": error cannot be read from (READ is for input)"},
        };
        for (String[] c : cases) {
            Redirect r = switch (c[1]) {
                case "LOG" -> Redirect.LOG;
                case "WRITE" -> Redirect.to(Path.of("/f"));
                default -> Redirect.from(Path.of("/f"));
            };
            Stdio.Builder b = Stdio.builder();
            try {
                switch (c[0]) {
                    case "input" -> b.input(r);
                    case "output" -> b.output(r);
                    default -> b.error(r);
                }
                fail(c[0] + " " + c[1] + " must be refused");
            } catch (IllegalArgumentException e) {
                assertEquals(c[2], e.getMessage());
            }
            assertEquals("the builder is unchanged", Stdio.LOG, b.build());
        }
    }
}
