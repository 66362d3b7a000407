package io.corral.shell.command;

import static org.junit.Assert.assertEquals;

import org.junit.Test;

public class TableTest {

    private static Table table() {
        return new Table("PID", "Namespaces", "Exit")
            .row(1, "credential,pid,mount,uname", "killed by signal 15 (143)")
            .row(22, null, "exit 0");
    }

    @Test
    public void columnsAreAsWideAsTheirWidestCell() {
        assertEquals("""
            PID  Namespaces                  Exit
            1    credential,pid,mount,uname  killed by signal 15 (143)
            22   -                           exit 0""", table().toText(80));
    }

    @Test
    public void theLastColumnIsCutToTheWidth() {
        assertEquals("""
            PID  Namespaces                  Exit
            1    credential,pid,mount,uname  killed by ~
            22   -                           exit 0""", table().toText(44));
    }

    @Test
    public void aShrinkableColumnGivesWayFirstDownToItsHeader() {
        assertEquals("""
            PID  Namespaces                Exit
            1    credential,pid,mount,un~  killed by signal 15 (143)
            22   -                         exit 0""", table().shrinkable("Namespaces").toText(56));
        assertEquals("""
            PID  Namespaces  Exit
            1    credentia~  killed by sig~
            22   -           exit 0""", table().shrinkable("Namespaces").toText(31));
    }
}
