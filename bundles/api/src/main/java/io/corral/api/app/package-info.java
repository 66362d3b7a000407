/**
 * Applications: the processes Corral keeps running from its configuration.
 *
 * <p>An {@link io.corral.api.app.ApplicationManager} runs the
 * {@code "applications"} of the instance's {@code etc/corral.json} (NGINX
 * Unit's format): it keeps each application's pool at its wanted size,
 * respawns crashed processes with back-off, and applies a new document
 * atomically: a document with any error is refused whole and changes nothing.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.corral.api.app;
