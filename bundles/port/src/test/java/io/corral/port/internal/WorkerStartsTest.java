package io.corral.port.internal;

import static org.junit.Assert.assertEquals;

import io.corral.api.port.WorkerStarter;
import io.corral.api.process.ProcessType;
import io.corral.api.process.SpawnException;
import io.corral.worker.wire.Frame;
import io.corral.worker.wire.FrameType;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.After;
import org.junit.Test;

public class WorkerStartsTest {

    private final Entry router = new Entry(20, ProcessType.ROUTER, 1, null, null, () -> { });
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private volatile WorkerStarter starter;
    private final WorkerStarts starts = new WorkerStarts(() -> starter, (to, stream, type, payload) ->
        answers.add(to.pid + " " + stream + " " + type + " " + (type == FrameType.RPC_READY
            ? Integer.toString(new Frame(type, 0, stream, 0, 0, payload, -1).intAt(0))
            : new String(payload, StandardCharsets.UTF_8))));

    @After
    public void close() {
        starts.close();
    }

    private String answer() throws InterruptedException {
        String a = answers.poll(5, TimeUnit.SECONDS);
        return a == null ? "no answer within 5 s" : a;
    }

    @Test
    public void withoutAnApplicationManagerTheAnswerIsAnError() throws Exception {
        starts.start(router, 7, "shop");
        assertEquals("20 7 RPC_ERROR no application manager is running to start a worker of \"shop\"", answer());
    }

    @Test
    public void theNewPidComesBackOnTheRoutersStream() throws Exception {
        starter = (application, requester) -> application.equals("shop") && requester == 20 ? 4321 : -1;
        starts.start(router, 8, "shop");
        assertEquals("20 8 RPC_READY 4321", answer());
    }

    @Test
    public void aFailedSpawnComesBackWithItsReason() throws Exception {
        starter = (application, requester) -> {
            throw new SpawnException("validate", "executable \"/no/such\": no such file");
        };
        starts.start(router, 9, "shop");
        assertEquals("20 9 RPC_ERROR starting a worker of \"shop\": executable \"/no/such\": no such file", answer());
    }
}
