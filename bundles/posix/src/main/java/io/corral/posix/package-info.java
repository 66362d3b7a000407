/**
 * The C library calls Corral needs and the JVM lacks: Unix socketpairs with
 * descriptor passing, pidfds, user and group databases, process spawning.
 *
 * <p>Every failed call raises a {@link io.corral.posix.PosixException} that
 * names the call, the value and the errno text. Every descriptor this package
 * creates is close-on-exec, so none leaks into processes the JVM starts.
 *
 * <p>Not exported: compiled into each bundle that uses it (and readable from
 * this jar on a plain class path); the posix bundle exports only the jnr
 * packages underneath.
 */
package io.corral.posix;
