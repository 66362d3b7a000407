/**
 * Users, groups and supplementary groups.
 *
 * <p>A {@link io.corral.api.credential.CredentialService} resolves a user and
 * an optional group into a {@link io.corral.api.credential.Credential}.
 * Implementations never change the identity of the JVM they run in to do so.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package io.corral.api.credential;
