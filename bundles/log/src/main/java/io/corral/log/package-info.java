/**
 * Logging for Corral's bundles: {@link io.corral.log.Log}, a class's logger
 * through the OSGi Log Service (standard error while there is none), and
 * {@link io.corral.log.LogRotation}, the size-based rotation that
 * {@code log/corral.log} and the applications' logs share, and
 * {@link io.corral.log.PrivateSocket}, how the instance's sockets in the
 * owner-only {@code run/} are made. Not for bundle
 * authors, who use the Log Service directly. Not exported: compiled into
 * each bundle that uses it.
 */
package io.corral.log;
