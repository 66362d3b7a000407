/**
 * The Java side of Corral's spawn server ({@code corral-spawnd}), shared by
 * the isolation providers: starting and supervising the server, the wire
 * protocol of {@code docs/spawnd-protocol.md}, and Unit's id-map rules.
 * Not for bundle authors: use {@code io.corral.api.process.ProcessFactory}.
 * Not exported: compiled into each provider bundle.
 */
package io.corral.spawner;
