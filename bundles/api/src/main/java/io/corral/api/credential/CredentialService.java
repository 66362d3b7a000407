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
     * <p>A value made only of ASCII digits is an id, anything else a name.
     * A user must have a passwd entry, also when given by uid
     * ({@code user 4242 not found}). A group given by name must exist; a group
     * given by gid need not, and is then named by its number.
     *
     * <p>The groups are those of getgrouplist(3) with the base gid, as in Unit
     * and initgroups(3): the base group first, then every group that lists the
     * user as a member, each once. Without {@code group} this is exactly what
     * {@code id USER} prints. With {@code group}, the user's passwd primary
     * group is kept only if the group database lists the user in it.
     *
     * @param user  a user name, or a numeric uid
     * @param group a group name, a numeric gid, or null for the user's primary group
     * @throws CredentialException when either is invalid or not found, or a lookup
     *         failed (with the error's text); the message names the value
     */
    Credential resolve(String user, String group) throws CredentialException;

    /**
     * The identity the container itself runs with: its real uid and gid, and
     * its groups (the gid first). Names that cannot be looked up are numbers.
     */
    Credential current();

    /**
     * Whether this process may give a child other ids: effective uid 0, or
     * both CAP_SETUID and CAP_SETGID. Decides which id-map rules apply.
     */
    boolean canChangeIds();
}
