package io.corral.shell.command;

import static org.junit.Assert.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.Test;

public class LogTailTest {

    @Test
    public void lastLinesComeFromTheRotatedFileWhenTheNewOneHoldsTooFew() throws Exception {
        Path dir = Files.createTempDirectory("logtail");
        Path log = Files.writeString(dir.resolve("web.log"), "d\ne\n");
        Path one = Files.writeString(dir.resolve("web.log.1"), "a\nb\nc\n");
        List<Path> files = List.of(log, one, dir.resolve("web.log.2"));
        assertEquals(List.of("d", "e"), LogTail.tail(files, 2));
        assertEquals(List.of("c", "d", "e"), LogTail.tail(files, 3));
        assertEquals(List.of("a", "b", "c", "d", "e"), LogTail.tail(files, -1));
        assertEquals(List.of(), LogTail.tail(files, 0));
    }
}
