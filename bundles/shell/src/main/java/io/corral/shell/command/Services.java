package io.corral.shell.command;

import java.util.function.Supplier;

/** The commands' optional services: present, or a one-line error that says which bundle to start. */
final class Services {

    /**
     * How long a command waits for a service that is on its way: the process
     * factory is registered on a thread of the process table's own once a
     * provider and the credential service are bound, shortly after the
     * framework says it has started (`bin/corral -c` runs then).
     */
    static final long ARRIVAL_MILLIS = 5_000;

    private Services() {
    }

    static <T> T require(T service, String missing) {
        if (service == null) {
            throw new IllegalStateException(missing);
        }
        return service;
    }

    /**
     * The service as {@link #require} gives it, after waiting up to
     * {@link #ARRIVAL_MILLIS} for it while {@code coming} says it is on its way.
     */
    static <T> T await(Supplier<T> service, Supplier<Boolean> coming, String missing) throws InterruptedException {
        long deadline = System.nanoTime() + ARRIVAL_MILLIS * 1_000_000;
        T s = service.get();
        while (s == null && coming.get() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            s = service.get();
        }
        return require(s, missing);
    }
}
