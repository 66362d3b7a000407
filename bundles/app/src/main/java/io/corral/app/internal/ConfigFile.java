package io.corral.app.internal;

import io.corral.api.app.ConfigurationException;
import io.corral.app.internal.config.Document;
import io.corral.app.internal.config.JsonText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/** {@code etc/corral.json}: read as text; replaced whole when Corral writes it. */
final class ConfigFile {

    static final String MISSING = "No such file. To remove every application, write the empty document"
        + " {\"applications\": {}}.";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.OTHERS_READ,
        PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path path;

    ConfigFile(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /**
     * The document's bytes, or none when there is no file. A file beyond the
     * size limit is refused without being read whole.
     */
    Optional<byte[]> read() throws ConfigurationException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] bytes = in.readNBytes(JsonText.MAX_DOCUMENT_BYTES + 1);
            if (bytes.length > JsonText.MAX_DOCUMENT_BYTES) {
                JsonText.checkSize(Math.max(bytes.length, Files.size(path)));
            }
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ConfigurationException("", "reading " + path + ": " + e.getMessage());
        }
    }

    /**
     * The document's bytes; a missing file is refused. A file that went away
     * (moved, deleted, an editor between delete and write) is no request to
     * stop every application: that takes an explicit empty document.
     */
    byte[] readExisting() throws ConfigurationException {
        return read().orElseThrow(() -> new ConfigurationException("", MISSING));
    }

    /**
     * Writes aside and renames: a reader sees the old or the new document.
     * The file keeps its mode, less anything for other users (applications'
     * environments hold secrets); a new one is the owner's alone (0600).
     */
    void write(Document doc) throws IOException {
        Files.createDirectories(path.getParent());
        Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        Files.writeString(tmp, doc.toText(), StandardCharsets.UTF_8);
        if (Files.exists(path)) {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(path);
            mode.removeAll(OTHERS);
            Files.setPosixFilePermissions(tmp, mode);
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
