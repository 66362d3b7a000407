/**
 * The Java side of Corral's spawn server ({@code corral-spawnd}), shared by
 * the isolation providers: starting and supervising the server, the wire
 * protocol of {@code docs/spawnd-protocol.md}, and Unit's id-map rules.
 * Not for bundle authors: use {@code io.corral.api.process.ProcessFactory}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.corral.spawner;
