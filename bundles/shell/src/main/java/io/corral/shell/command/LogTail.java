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

    private LogTail() {
    }

    /**
     * @param newestFirst the log, then its rotated files
     * @param lines       how many lines from the end; negative for all of them
     */
    static List<String> tail(List<Path> newestFirst, int lines) throws IOException {
        List<String> result = new ArrayList<>();
        for (Path file : newestFirst) {
            List<String> all;
            try {
                // Malformed bytes are replaced: an application may write anything.
                all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            } catch (NoSuchFileException e) {
                continue;
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
        return result;
    }

    static void print(List<Path> newestFirst, int lines, PrintStream out) throws IOException {
        tail(newestFirst, lines).forEach(out::println);
    }
}
