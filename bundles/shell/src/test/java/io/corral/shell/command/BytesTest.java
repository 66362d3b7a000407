package io.corral.shell.command;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import org.junit.Test;

public class BytesTest {

    @Test
    public void suffixesArePowersOf1024() {
        assertEquals(1536, io.corral.api.isolation.Resources.parseSize("1536"));
        assertEquals(2048, io.corral.api.isolation.Resources.parseSize("2K"));
        assertEquals(64L << 20, io.corral.api.isolation.Resources.parseSize("64M"));
        assertEquals(64L << 20, io.corral.api.isolation.Resources.parseSize("64m"));
        assertEquals(3L << 30, io.corral.api.isolation.Resources.parseSize("3G"));
        assertEquals(1L << 40, io.corral.api.isolation.Resources.parseSize("1T"));
        assertEquals(0, io.corral.api.isolation.Resources.parseSize("0"));
    }

    @Test
    public void anythingElseIsNotASize() {
        for (String bad : new String[] {"", "M", "64MB", "64 M", "1.5G", "-1", "+1", "0x10", "64P", " 64"}) {
            assertThrows(bad, NumberFormatException.class, () -> io.corral.api.isolation.Resources.parseSize(bad));
        }
    }

    @Test
    public void tooManyBytesIsAnOverflowNotAWrap() {
        assertEquals(Long.MAX_VALUE, io.corral.api.isolation.Resources.parseSize("9223372036854775807"));
        assertThrows(ArithmeticException.class, () -> io.corral.api.isolation.Resources.parseSize("9223372036854775808"));
        assertThrows(ArithmeticException.class, () -> io.corral.api.isolation.Resources.parseSize("8388608T"));
        assertEquals(8388607L << 40, io.corral.api.isolation.Resources.parseSize("8388607T"));
    }

    @Test
    public void formatTakesTheLargestUnitWithOneDecimalAtMost() {
        assertEquals("0", Bytes.format(0));
        assertEquals("1023", Bytes.format(1023));
        assertEquals("1K", Bytes.format(1024));
        assertEquals("1.5K", Bytes.format(1536));
        assertEquals("12.3M", Bytes.format(12_900_000));
        assertEquals("64M", Bytes.format(64L << 20));
        assertEquals("1M", Bytes.format((1L << 20) - 1));
        assertEquals("2G", Bytes.format(2L << 30));
        assertEquals("1024T", Bytes.format(1L << 50));
    }
}
