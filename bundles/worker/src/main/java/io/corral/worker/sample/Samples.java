package io.corral.worker.sample;

import io.corral.worker.Handler;
import io.corral.worker.Worker;
import java.io.IOException;

/** What both samples share: attach, say ready, run, and exit with a status an operator can read. */
final class Samples {

    private static String name = "sample";

    private Samples() {
    }

    static void run(String program, Handler handler) {
        name = program;
        try (Worker w = Worker.attach()) {
            w.ready();
            log("ready: " + w.type() + ", pid " + ProcessHandle.current().pid());
            w.run(handler);
        } catch (IOException e) {
            System.err.println(program + ": " + e.getMessage());
            System.exit(2);
        }
        log("exiting");
        System.exit(0);
    }

    static void log(String line) {
        System.out.println(name + ": " + line);
    }
}
