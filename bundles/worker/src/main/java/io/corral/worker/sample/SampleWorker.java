package io.corral.worker.sample;

import io.corral.worker.Handler;
import io.corral.worker.Message;
import io.corral.worker.Peer;
import io.corral.worker.Worker;
import java.io.IOException;
import java.util.Locale;

/**
 * A sample worker: answers every DATA with its text upper-cased, on the same
 * stream, to whoever sent it; logs the ports it gets and the deaths it hears
 * of on standard output (its log file); exits 0 on QUIT.
 */
public final class SampleWorker implements Handler {

    private SampleWorker() {
    }

    public static void main(String[] args) {
        Samples.run("sample-worker", new SampleWorker());
    }

    @Override
    public void data(Worker worker, Message message) throws IOException {
        message.reply(message.text().toUpperCase(Locale.ROOT));
    }

    @Override
    public void newPort(Worker worker, Peer peer) {
        Samples.log("new port: " + peer);
    }

    @Override
    public void removePid(Worker worker, int pid) {
        Samples.log("remove pid " + pid);
    }

    @Override
    public void quit(Worker worker) {
        Samples.log("quit");
        worker.stop();
    }
}
