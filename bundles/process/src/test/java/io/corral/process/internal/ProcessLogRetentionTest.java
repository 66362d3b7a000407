package io.corral.process.internal;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.Test;

public class ProcessLogRetentionTest {

    private static Path log(Path dir, String name, long modified) throws Exception {
        Path p = Files.writeString(dir.resolve(name), name);
        Files.setLastModifiedTime(p, FileTime.fromMillis(modified));
        return p;
    }

    private static List<String> names(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    public void filesOfEarlierRunsPastTheNumberKeptGoOldestFirst() throws Exception {
        Path dir = Files.createTempDirectory("processes");
        log(dir, "b-2.log", 2_000);
        log(dir, "a-1.log", 1_000);
        log(dir, "c-3.log", 3_000);
        log(dir, "d-4.log", 4_000);
        Files.writeString(dir.resolve("notes.txt"), "not a log");
        new ProcessLogRetention(dir, 2, Set::of);
        assertEquals(List.of("c-3.log", "d-4.log", "notes.txt"), names(dir));
    }

    @Test
    public void aRunningProcessKeepsItsLogAndTheNextOldestGoesInstead() throws Exception {
        Path dir = Files.createTempDirectory("processes");
        Set<Path> running = new HashSet<>();
        ProcessLogRetention retention = new ProcessLogRetention(dir, 2, () -> running);
        Path server = log(dir, "server-10.log", 1_000);
        running.add(server);
        retention.add(server);
        for (int i = 11; i <= 20; i++) {
            retention.add(log(dir, "true-" + i + ".log", i * 1_000L));
        }
        assertEquals("the running one counts, but is not removed", List.of("server-10.log", "true-20.log"), names(dir));

        running.clear();
        retention.add(log(dir, "true-21.log", 21_000));
        assertEquals("once it exited its log is the oldest", List.of("true-20.log", "true-21.log"), names(dir));
    }
}
