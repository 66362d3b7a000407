/**
 * Isolation providers: how a platform creates a process, and with which
 * namespaces and id maps.
 *
 * <p>An {@link io.corral.api.isolation.IsolationProvider} is registered as an
 * OSGi service with a service ranking; the process factory uses the
 * highest-ranked one present. Providers check a request completely in
 * {@link io.corral.api.isolation.IsolationProvider#validate validate} before
 * anything is created.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package io.corral.api.isolation;
