/**
 * The C library calls Corral needs and the JVM lacks: Unix socketpairs with
 * descriptor passing, pidfds, user and group databases, process spawning.
 *
 * <p>Every failed call raises a {@link io.corral.posix.PosixException} that
 * names the call, the value and the errno text. Every descriptor this package
 * creates is close-on-exec, so none leaks into processes the JVM starts.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package io.corral.posix;
