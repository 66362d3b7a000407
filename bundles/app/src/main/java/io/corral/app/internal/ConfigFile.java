package io.corral.app.internal;

import io.corral.api.app.ConfigurationException;
import io.corral.app.internal.config.Document;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** {@code etc/corral.json}: read as text; replaced whole when Corral writes it. */
final class ConfigFile {

    private final Path path;

    ConfigFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** The document's text; {@code {}} (no applications) when there is no file. */
    String read() throws ConfigurationException {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "{}";
        } catch (IOException e) {
            throw new ConfigurationException("", "reading " + path + ": " + e.getMessage());
        }
    }

    /** Writes aside and renames, keeping the file's permissions: a reader sees the old or the new document. */
    void write(Document doc) throws IOException {
        Files.createDirectories(path.getParent());
        Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
        Files.writeString(tmp, doc.toText(), StandardCharsets.UTF_8);
        if (Files.exists(path)) {
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(path));
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
