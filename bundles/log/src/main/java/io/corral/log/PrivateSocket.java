package io.corral.log;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A Unix socket that nobody else can reach at any moment: the server binds
 * it in a fresh 0700 directory beside its place, it is made 0600 there, then
 * renamed into place. The control socket (Gogo) and the control API (HTTP)
 * are made so.
 */
public final class PrivateSocket {

    /** sun_path holds 108 bytes with the terminating NUL. */
    public static final int MAX_PATH = 107;

    private final Path target;
    private final Path dir;
    private final Path inside;

    private PrivateSocket(Path target, Path dir) {
        this.target = target;
        this.dir = dir;
        this.inside = dir.resolve("s");
    }

    /** Checks the place (path length, a live server there) and makes the private directory. */
    public static PrivateSocket prepare(Path target) throws IOException {
        if (target.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH) {
            throw new IOException("the path is longer than a Unix socket allows (" + MAX_PATH
                + " bytes); choose a shorter CORRAL_BASE");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (listening(target)) {
                throw new IOException("another instance listens on it");
            }
            Files.delete(target); // left behind by an instance that was killed
        }
        Path dir = Files.createTempDirectory(target.getParent(), ".socket-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new PrivateSocket(target, dir);
    }

    /** Where the server binds. */
    public Path inside() {
        return inside;
    }

    /** Once bound: owner-only, then in place. */
    public void publish() throws IOException {
        Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rw-------"));
        Files.move(inside, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Removes the private directory (and the socket, when it was not published). */
    public void cleanUp() throws IOException {
        Files.deleteIfExists(inside);
        Files.deleteIfExists(dir);
    }

    /** Binds a server channel the private way and puts it in place. */
    public static ServerSocketChannel bind(Path target) throws IOException {
        PrivateSocket s = prepare(target);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(s.inside()));
            s.publish();
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        } finally {
            s.cleanUp();
        }
    }

    private static boolean listening(Path socket) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
