package io.corral.port.internal;

import static io.corral.api.process.ProcessType.CONTROLLER;
import static io.corral.api.process.ProcessType.ROUTER;
import static io.corral.api.process.ProcessType.WORKER;
import static org.junit.Assert.assertEquals;

import io.corral.api.port.Matrix;
import io.corral.api.port.PortId;
import io.corral.api.process.ProcessType;
import java.util.List;
import java.util.Set;
import org.junit.Test;

/** The matrices' decisions on the table, with the default matrices and no sockets. */
public class TableTest {

    private final Table table = new Table();
    private final Matrix connect = Matrix.DEFAULT_CONNECT;

    private Entry spawn(int pid, ProcessType type) {
        Entry e = new Entry(pid, type, pid, null, null, () -> { });
        table.add(e);
        apply(table.onSpawn(e, connect));
        return e;
    }

    private void ready(Entry e) {
        e.ready = true;
        apply(table.onReady(e, connect));
    }

    private static void apply(List<Table.Grant> grants) {
        grants.forEach(g -> g.holder().holds.add(g.owner().port()));
    }

    private static Set<PortId> ports(Entry... owners) {
        return Set.of(java.util.Arrays.stream(owners).map(Entry::port).toArray(PortId[]::new));
    }

    @Test
    public void aRouterHoldsEveryWorkerAndTheControllerWhateverTheOrderOfReadiness() {
        Entry w1 = spawn(10, WORKER);
        Entry router = spawn(20, ROUTER);
        Entry controller = spawn(30, CONTROLLER);
        // A worker ready before the router, one after; the controller last.
        ready(w1);
        ready(router);
        Entry w2 = spawn(40, WORKER);
        ready(w2);
        ready(controller);
        assertEquals(ports(w1, w2, controller), router.holds);
        assertEquals(Set.of(), w1.holds);
        assertEquals(Set.of(), w2.holds);
        assertEquals(ports(router), controller.holds);
    }

    @Test
    public void aNewProcessGetsTheReadyPortsAtSpawnButItsOwnGoesOutOnlyOnceReady() {
        Entry router = spawn(20, ROUTER);
        ready(router);
        Entry controller = spawn(30, CONTROLLER);
        assertEquals("at spawn, the controller gets the ready router's port", ports(router), controller.holds);
        assertEquals("its own port waits for its PROCESS_READY", Set.of(), router.holds);
        ready(controller);
        assertEquals(ports(controller), router.holds);
        assertEquals("a second READY hands nothing twice", List.of(), table.onReady(controller, connect));
    }

    @Test
    public void aDeathIsToldByTheRemoveNotifyMatrixAndForgotten() {
        Entry router = spawn(20, ROUTER);
        Entry controller = spawn(30, CONTROLLER);
        Entry w1 = spawn(10, WORKER);
        Entry w2 = spawn(40, WORKER);
        List.of(router, controller, w1, w2).forEach(this::ready);

        assertEquals(List.of(router), table.onDeath(w1, Matrix.DEFAULT_REMOVE_NOTIFY));
        assertEquals("nobody holds the dead worker's port", ports(controller, w2), router.holds);
        assertEquals(null, table.get(10));

        assertEquals(List.of(controller, w2), table.onDeath(router, Matrix.DEFAULT_REMOVE_NOTIFY));
        assertEquals(Set.of(), controller.holds);
    }
}
