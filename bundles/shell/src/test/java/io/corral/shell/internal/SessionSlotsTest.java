package io.corral.shell.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import org.junit.Test;

public class SessionSlotsTest {

    @Test
    public void noMoreSlotsThanTheBoundAndAFreedOneIsTakenAgain() {
        SessionSlots slots = new SessionSlots(2);
        assertTrue(slots.tryTake());
        assertTrue(slots.tryTake());
        assertFalse(slots.tryTake());
        assertEquals(2, slots.taken());
        slots.give();
        assertTrue(slots.tryTake());
        assertFalse(slots.tryTake());
    }

    @Test
    public void aLoweredBoundLetsRunningSessionsOnAndRefusesNewOnesUntilBelowIt() {
        SessionSlots slots = new SessionSlots(3);
        for (int i = 0; i < 3; i++) {
            assertTrue(slots.tryTake());
        }
        slots.max(1);
        assertFalse(slots.tryTake());
        slots.give();
        slots.give();
        assertFalse("one session runs, the bound is one", slots.tryTake());
        slots.give();
        assertTrue(slots.tryTake());
    }
}
