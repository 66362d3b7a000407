package io.corral.api.app;

import io.corral.api.process.ProcessType;
import java.nio.file.Path;
import java.util.List;

/**
 * One application as its pool sees it at one moment.
 *
 * @param name     the application's name, its key under {@code "applications"}
 * @param role     the process type of its processes (Corral's {@code "role"})
 * @param state    where the pool stands
 * @param wanted   how many processes the pool keeps running now
 * @param running  how many of its processes are alive and not being asked to quit
 * @param idle     how many of the running ones are idle (not busy with work)
 * @param restarts how many times a process was respawned after it exited unasked
 * @param pids     the pids of the running processes, oldest first
 * @param message  what an operator should know, e.g. the last exit and the next try; null when nothing
 * @param logFiles the application's log, newest first: {@code log/NAME.log}, then rotated files
 */
public record ApplicationStatus(String name, ProcessType role, ApplicationState state, int wanted, int running,
        int idle, int restarts, List<Integer> pids, String message, List<Path> logFiles) {

    public ApplicationStatus {
        pids = List.copyOf(pids);
        logFiles = List.copyOf(logFiles);
    }
}
