package io.corral.shell.command;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

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
    public void theLastColumnGoesUnderItsRowWhenTooLittleIsLeftBesideIt() {
        assertEquals("""
            PID  Namespaces                  Exit
            1    credential,pid,mount,uname
                killed by signal 15 (143)
            22   -                           exit 0""", table().toText(44));
    }

    @Test
    public void theLastColumnWrapsBesideItsRowNeverCut() {
        Table t = new Table("Name", "State", "Message").row("router", "RUNNING",
            "exited with status 1 (exit 1); next try in 8 s");
        String text = t.toText(50);
        assertEquals("""
            Name    State    Message
            router  RUNNING  exited with status 1 (exit 1);
                             next try in 8 s""", text);
        text.lines().forEach(l -> assertTrue(l, l.length() <= 50));
    }

    @Test
    public void aShrinkableColumnGivesWayFirstDownToItsHeader() {
        assertEquals("""
            PID  Namespaces                Exit
            1    credential,pid,mount,un~  killed by signal 15 (143)
            22   -                         exit 0""", table().shrinkable("Namespaces").toText(56));
        // Too narrow for the last column beside the others even so: it goes under, and nothing is cut.
        assertEquals("""
            PID  Namespaces
                Exit
            1    credential,pid,mount,uname
                killed by signal 15 (143)
            22   -
                exit 0""", table().shrinkable("Namespaces").toText(31));
    }
}
