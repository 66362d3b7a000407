package io.corral.api.isolation;

/**
 * A process a provider created and executed.
 *
 * @param pid         pid in the container's namespace
 * @param isolatedPid the program's pid inside its own pid namespace (2 there, under
 *                    the provider's init), else pid
 * @param pidfd       a pidfd owned by the caller (close-on-exec), or -1 where the
 *                    platform has none; it identifies the process without pid reuse races
 */
public record Launched(int pid, int isolatedPid, int pidfd) {
}
