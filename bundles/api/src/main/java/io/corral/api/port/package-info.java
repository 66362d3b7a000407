/**
 * Ports: how Corral's processes talk to each other.
 *
 * <p>A port is one end of a Unix socketpair owned by a process and identified
 * by a {@link io.corral.api.port.PortId}. Which process may hold whose port is
 * the connection {@link io.corral.api.port.Matrix}; who hears of a death is
 * the remove-notify matrix. The wire format is documented in the project's
 * {@code docs/port-protocol.md}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package io.corral.api.port;
