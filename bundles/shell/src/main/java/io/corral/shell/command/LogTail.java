package io.corral.shell.command;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The last lines of a log that may have been rotated: the newest file first, older ones when it holds too few. */
final class LogTail {

    /** The lines, and how many bytes of the newest file they were read from: where following it goes on. */
    record Tail(List<String> lines, long newestLength) {
    }

    private LogTail() {
    }

    /**
     * @param newestFirst the log, then its rotated files
     * @param lines       how many lines from the end; negative for all of them
     */
    static List<String> tail(List<Path> newestFirst, int lines) throws IOException {
        return read(newestFirst, lines).lines();
    }

    static Tail read(List<Path> newestFirst, int lines) throws IOException {
        List<String> result = new ArrayList<>();
        long newestLength = 0;
        boolean newest = true;
        for (Path file : newestFirst) {
            List<String> all;
            try {
                byte[] bytes = Files.readAllBytes(file);
                if (newest) {
                    newestLength = bytes.length;
                }
                // Malformed bytes are replaced: an application may write anything.
                all = new String(bytes, StandardCharsets.UTF_8).lines().toList();
            } catch (NoSuchFileException e) {
                continue;
            } finally {
                newest = false;
            }
            if (lines >= 0) {
                int want = lines - result.size();
                all = all.subList(Math.max(0, all.size() - want), all.size());
            }
            result.addAll(0, all);
            if (lines >= 0 && result.size() >= lines) {
                break;
            }
        }
        return new Tail(result, newestLength);
    }

    static void print(List<Path> newestFirst, int lines, PrintStream out) throws IOException {
        tail(newestFirst, lines).forEach(out::println);
    }
}
