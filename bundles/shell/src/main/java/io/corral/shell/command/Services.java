package io.corral.shell.command;

/** The commands' optional services: present, or a one-line error that says which bundle to start. */
final class Services {

    private Services() {
    }

    static <T> T require(T service, String missing) {
        if (service == null) {
            throw new IllegalStateException(missing);
        }
        return service;
    }
}
