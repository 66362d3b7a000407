package io.corral.log.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import org.junit.Test;

public class RepeatFilterTest {

    @Test
    public void aFloodIsWrittenOnceThenCountedOncePerInterval() {
        RepeatFilter<String> filter = new RepeatFilter<>(10);
        assertTrue(filter.admit("full"));
        for (int i = 0; i < 999_999; i++) {
            assertFalse(filter.admit("full"));
        }
        assertEquals(Map.of("full", 999_999L), filter.endInterval().repeats());
        for (int i = 0; i < 5; i++) {
            assertFalse("still flooding: counted, not written", filter.admit("full"));
        }
        assertEquals(Map.of("full", 5L), filter.endInterval().repeats());
    }

    @Test
    public void aMessageIsWrittenAgainOnlyAfterAWholeQuietInterval() {
        RepeatFilter<String> filter = new RepeatFilter<>(10);
        assertTrue(filter.admit("a"));
        assertEquals(Map.of(), filter.endInterval().repeats());
        assertFalse("written at the end of the last interval: this one only counts it", filter.admit("a"));
        assertEquals(Map.of("a", 1L), filter.endInterval().repeats());
        assertEquals("quiet for an interval", Map.of(), filter.endInterval().repeats());
        assertEquals(Map.of(), filter.endInterval().repeats());
        assertTrue("forgotten: written again", filter.admit("a"));
    }

    @Test
    public void differentMessagesEachGoThrough() {
        RepeatFilter<String> filter = new RepeatFilter<>(10);
        assertTrue(filter.admit("pid 1 started"));
        assertTrue(filter.admit("pid 2 started"));
        assertFalse(filter.admit("pid 1 started"));
        assertEquals(Map.of("pid 1 started", 1L), filter.endInterval().repeats());
    }

    @Test
    public void pastTheMostDistinctMessagesNewOnesAreOnlyCounted() {
        RepeatFilter<Integer> filter = new RepeatFilter<>(3);
        for (int i = 0; i < 3; i++) {
            assertTrue(filter.admit(i));
        }
        for (int i = 3; i < 1000; i++) {
            assertFalse(filter.admit(i));
        }
        RepeatFilter.Held<Integer> held = filter.endInterval();
        assertEquals(997, held.others());
        assertEquals(0, filter.endInterval().others());
        filter.endInterval(); // the first three are forgotten after a quiet interval
        assertTrue(filter.admit(500));
    }
}
