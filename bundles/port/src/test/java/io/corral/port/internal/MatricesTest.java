package io.corral.port.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.port.Matrix;
import io.corral.api.process.ProcessType;
import org.junit.Test;

public class MatricesTest {

    private static final String[] CONNECT = {"11111", "10000", "10010", "10101", "10000"};
    private static final String[] NOTIFY = {"00000", "00000", "00010", "00101", "00010"};

    @Test
    public void theDefaultConfigurationGivesTheDefaultMatrices() {
        assertEquals(Matrices.DEFAULTS, Matrices.from(CONNECT, NOTIFY));
    }

    @Test
    public void rowsMayComeAsOneValueSeparatedByCommasSemicolonsOrNewLines() {
        Matrices m = Matrices.from(new String[] {"1 1 1 1 1, 1 0 0 0 0; 1 0 0 1 0\n1 0 1 0 1,1 0 0 0 0"},
            new String[] {"00000,00000,00010,00101,00011"});
        assertEquals(Matrix.DEFAULT_CONNECT, m.connect());
        assertTrue(m.removeNotify().allows(ProcessType.WORKER, ProcessType.WORKER));
    }

    @Test
    public void mistakesNameThePropertyTheRowAndTheRule() {
        expect("configuration io.corral.port, connect: row router \"10x01\": expected 5 digits 0 or 1",
            new String[] {"11111", "10000", "10010", "10x01", "10000"}, NOTIFY);
        expect("configuration io.corral.port, remove_notify: a matrix has 5 rows", CONNECT,
            new String[] {"00000", "00000"});
        expect("configuration io.corral.port, connect: row worker column main is 0, must be 1",
            new String[] {"11111", "10000", "10010", "10101", "00000"}, NOTIFY);
        expect("configuration io.corral.port, connect: row main column router is 0, must be 1",
            new String[] {"11101", "10000", "10010", "10101", "10000"}, NOTIFY);
        expect("configuration io.corral.port, connect: a matrix has 5 rows", null, NOTIFY);
    }

    private static void expect(String message, String[] connect, String[] notify) {
        try {
            Matrices.from(connect, notify);
            fail("must be refused");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(message));
        }
    }
}
