package io.corral.api.isolation;

import io.corral.api.credential.Credential;

/**
 * Who is asking: the container's own identity, and whether it may give
 * children other ids (which decides the id-map rules, as in Unit).
 */
public record Host(Credential caller, boolean privileged) {
}
