/**
 * Creating and supervising processes.
 *
 * <p>A {@link io.corral.api.process.ProcessFactory} turns a
 * {@link io.corral.api.process.SpawnSpec} into a running, supervised
 * {@link io.corral.api.process.ManagedProcess}. Implementations guarantee that
 * a spawn either yields a process that is tracked until its exit is seen, or
 * fails with a {@link io.corral.api.process.SpawnException} that names the
 * failing step and leaves no process, zombie or descriptor behind.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.0.0")
package io.corral.api.process;
