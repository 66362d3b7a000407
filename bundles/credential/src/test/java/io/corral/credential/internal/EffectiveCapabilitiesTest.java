package io.corral.credential.internal;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.List;
import org.junit.Test;

/** The CapEff line of /proc/PID/status, as the kernel writes it. */
public class EffectiveCapabilitiesTest {

    private static EffectiveCapabilities capEff(String hex) {
        return EffectiveCapabilities.parse(List.of("Name:\tjava", "CapPrm:\t000001ffffffffff", "CapEff:\t" + hex,
            "CapBnd:\t000001ffffffffff"));
    }

    @Test
    public void fullSetCanSetIds() {
        assertTrue(capEff("000001ffffffffff").canSetIds());
    }

    @Test
    public void bothSetuidAndSetgidAreNeeded() {
        // CAP_SETGID is bit 6 (0x40), CAP_SETUID bit 7 (0x80).
        assertTrue(capEff("00000000000000c0").canSetIds());
        assertFalse(capEff("0000000000000080").canSetIds());
        assertFalse(capEff("0000000000000040").canSetIds());
        assertFalse(capEff("0000000000000000").canSetIds());
    }

    @Test
    public void theHighestBitDoesNotOverflow() {
        EffectiveCapabilities caps = capEff("ffffffffffffffff");
        assertTrue(caps.has(63));
        assertTrue(caps.canSetIds());
    }

    @Test
    public void aMissingOrGarbledLineIsTheEmptySet() {
        assertFalse(EffectiveCapabilities.parse(List.of("Name:\tjava")).canSetIds());
        assertFalse(capEff("not hex").canSetIds());
    }
}
