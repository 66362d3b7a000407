/**
 * Logging for Corral's bundles: {@link io.corral.log.Log}, a class's logger
 * through the OSGi Log Service (standard error while there is none), and
 * {@link io.corral.log.LogRotation}, the size-based rotation that
 * {@code log/corral.log} and the applications' logs share. Not for bundle
 * authors, who use the Log Service directly.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.corral.log;
