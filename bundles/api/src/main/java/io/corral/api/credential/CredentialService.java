package io.corral.api.credential;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Looks up users and groups as the operating system knows them (passwd and
 * group databases, NSS included).
 *
 * <p>Guarantees: lookups never change the JVM's own uid, gid or groups; names
 * are validated before they are looked up (not empty, no NUL, '/', ':' or
 * newline, at most 32 bytes); ids are non-negative.
 */
@ProviderType
public interface CredentialService {

    /**
     * Resolves a user and an optional group.
     *
     * @param user  a user name, or a numeric uid
     * @param group a group name, a numeric gid, or null for the user's primary group
     * @throws CredentialException when either is invalid or not found; the message names it
     */
    Credential resolve(String user, String group) throws CredentialException;

    /** The identity the container itself runs with. */
    Credential current();

    /**
     * Whether this process may give a child other ids: effective uid 0, or
     * both CAP_SETUID and CAP_SETGID. Decides which id-map rules apply.
     */
    boolean canChangeIds();
}
