package io.corral.api.port;

import static io.corral.api.process.ProcessType.CONTROLLER;
import static io.corral.api.process.ProcessType.DISCOVERY;
import static io.corral.api.process.ProcessType.MAIN;
import static io.corral.api.process.ProcessType.ROUTER;
import static io.corral.api.process.ProcessType.WORKER;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import org.junit.Test;

public class MatrixTest {

    @Test
    public void theDefaultsAreDesignMdsMatrices() {
        assertArrayEquals(new String[] {"11111", "10000", "10010", "10101", "10000"},
            Matrix.DEFAULT_CONNECT.rows());
        assertArrayEquals(new String[] {"00000", "00000", "00010", "00101", "00010"},
            Matrix.DEFAULT_REMOVE_NOTIFY.rows());
        assertTrue(Matrix.DEFAULT_CONNECT.allows(ROUTER, WORKER));
        assertTrue(Matrix.DEFAULT_CONNECT.allows(ROUTER, CONTROLLER));
        assertFalse(Matrix.DEFAULT_CONNECT.allows(WORKER, ROUTER));
        assertTrue(Matrix.DEFAULT_REMOVE_NOTIFY.allows(ROUTER, WORKER));
        assertFalse(Matrix.DEFAULT_REMOVE_NOTIFY.allows(CONTROLLER, WORKER));
        assertFalse(Matrix.DEFAULT_REMOVE_NOTIFY.allows(MAIN, DISCOVERY));
    }

    @Test
    public void spacesBetweenDigitsAreAllowed() {
        assertEquals(Matrix.DEFAULT_CONNECT, Matrix.parse("1 1 1 1 1", "1 0 0 0 0", "1 0 0 1 0", "10101", "1 0000"));
    }

    @Test
    public void errorsNameTheRowAndTheRule() {
        expect("row router \"10x01\": expected 5 digits 0 or 1", "11111", "10000", "10010", "10x01", "10000");
        expect("row main \"1111\": expected 5 digits 0 or 1", "1111", "10000", "10010", "10101", "10000");
        expect("a matrix has 5 rows (main, discovery, controller, router, worker), got 4",
            "11111", "10000", "10010", "10101");
    }

    private static void expect(String message, String... rows) {
        try {
            Matrix.parse(rows);
            fail("must be refused: " + String.join("/", rows));
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith(message));
        }
    }
}
