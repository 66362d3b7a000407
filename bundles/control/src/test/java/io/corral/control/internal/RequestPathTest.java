package io.corral.control.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Test;

/** Paths as Unit's controller splits them: raw slashes first, then each step decoded. */
public class RequestPathTest {

    @Test
    public void oneTrailingSlashIsDroppedAndStepsAreDecodedAfterSplitting() throws ControlError {
        RequestPath p = new RequestPath("/config/applications/a%2Fb/");
        assertTrue(p.under("/config"));
        assertFalse(p.under("/conf"));
        assertEquals(List.of("applications", "a/b"), p.steps("/config"));
        assertEquals(List.of(), new RequestPath("/config/").steps("/config"));
        assertEquals(List.of("a+b c"), new RequestPath("/config/a+b%20c").steps("/config"));
        assertTrue(new RequestPath("/").isRoot());
    }

    @Test(expected = ControlError.class)
    public void aBrokenEscapeFindsNothing() throws ControlError {
        new RequestPath("/config/a%2").steps("/config");
    }
}
