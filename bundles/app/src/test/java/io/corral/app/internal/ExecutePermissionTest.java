package io.corral.app.internal;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.corral.api.app.ConfigurationException;
import io.corral.api.credential.Credential;
import io.corral.api.credential.GroupId;
import io.corral.api.isolation.Filesystem;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.SpawnSpec;
import io.corral.app.internal.ExecutePermission.Inode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class ExecutePermissionTest {

    private static final Credential NOBODY = new Credential(65534, "nobody", 65534, "nogroup",
        List.of(new GroupId(65534, "nogroup")), "/nonexistent");
    private static final Credential ROOT = new Credential(0, "root", 0, "root", List.of(new GroupId(0, "root")),
        "/root");
    /** uid 1000 in its own group 1000 and in "staff" (50). */
    private static final Credential ALICE = new Credential(1000, "alice", 1000, "alice",
        List.of(new GroupId(1000, "alice"), new GroupId(50, "staff")), "/home/alice");

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    /** A file system of root-owned 0755 directories, plus what a test adds; links are given as real paths. */
    private final Map<Path, Inode> files = new HashMap<>();
    private final Map<Path, Path> links = new HashMap<>();
    private final ExecutePermission permission = new ExecutePermission(new ExecutePermission.Inodes() {
        @Override
        public Inode stat(Path path) throws IOException {
            Path real = realPath(path);
            Inode inode = files.get(real);
            if (inode != null) {
                return inode;
            }
            if (files.keySet().stream().anyMatch(f -> f.startsWith(real))) {
                return new Inode(true, 0755, 0, 0);
            }
            throw new NoSuchFileException(path.toString());
        }

        @Override
        public Path realPath(Path path) {
            for (Map.Entry<Path, Path> l : links.entrySet()) {
                if (path.startsWith(l.getKey())) {
                    return l.getValue().resolve(l.getKey().relativize(path));
                }
            }
            return path;
        }
    });

    private void file(String path, int mode, int uid, int gid) {
        files.put(Path.of(path), new Inode(false, mode, uid, gid));
    }

    private void dir(String path, int mode, int uid, int gid) {
        files.put(Path.of(path), new Inode(true, mode, uid, gid));
    }

    private String refused(String executable, Credential user) {
        try {
            permission.checkExecutable("applications/web", executable, Path.of(executable), user);
        } catch (ConfigurationException e) {
            return e.getMessage();
        }
        fail("must be refused: " + executable + " as " + user.user());
        return null;
    }

    private void allowed(String executable, Credential user) throws ConfigurationException {
        permission.checkExecutable("applications/web", executable, Path.of(executable), user);
    }

    @Test
    public void aRootOnlyScriptIsRefusedForNobodyNamingTheRule() {
        file("/opt/app/run.sh", 0700, 0, 0);
        assertEquals("applications/web: executable \"/opt/app/run.sh\": user \"nobody\" (uid=65534(nobody)"
            + " gid=65534(nogroup) groups=65534(nogroup)) may not execute it: its mode 0700 (owner 0, group 0)"
            + " gives others no execute permission", refused("/opt/app/run.sh", NOBODY));
    }

    @Test
    public void theOwnersBitsAloneCountForTheOwner() throws Exception {
        file("/opt/app/run.sh", 0075, 1000, 50);
        assertEquals("applications/web: executable \"/opt/app/run.sh\": user \"alice\" (uid=1000(alice)"
            + " gid=1000(alice) groups=1000(alice),50(staff)) may not execute it: its mode 0075 (owner 1000,"
            + " group 50) gives its owner no execute permission", refused("/opt/app/run.sh", ALICE));
    }

    @Test
    public void aSupplementaryGroupGrantsWhatItsBitsSay() throws Exception {
        file("/opt/app/run.sh", 0750, 0, 50);
        allowed("/opt/app/run.sh", ALICE);
        file("/opt/app/run.sh", 0705, 0, 50);
        assertEquals("the group's bits, not the others', for a member", "applications/web: executable"
            + " \"/opt/app/run.sh\": user \"alice\" (uid=1000(alice) gid=1000(alice) groups=1000(alice),50(staff))"
            + " may not execute it: its mode 0705 (owner 0, group 50) gives its group no execute permission",
            refused("/opt/app/run.sh", ALICE));
    }

    @Test
    public void everyDirectoryOnTheWayMustBeSearchable() throws Exception {
        file("/srv/private/bin/app", 0755, 0, 0);
        dir("/srv/private", 0750, 0, 50);
        allowed("/srv/private/bin/app", ALICE);
        assertEquals("applications/web: executable \"/srv/private/bin/app\": user \"nobody\" (uid=65534(nobody)"
            + " gid=65534(nogroup) groups=65534(nogroup)) may not search the directory \"/srv/private\": its mode"
            + " 0750 (owner 0, group 50) gives others no search permission", refused("/srv/private/bin/app", NOBODY));
    }

    @Test
    public void theDirectoriesOfALinksTargetCountToo() {
        file("/secret/app", 0755, 0, 0);
        dir("/secret", 0700, 0, 0);
        links.put(Path.of("/usr/bin/app"), Path.of("/secret/app"));
        String m = refused("/usr/bin/app", NOBODY);
        assertEquals("may not search the directory \"/secret\": its mode 0700 (owner 0, group 0) gives others no"
            + " search permission", m.substring(m.indexOf("may not")));
    }

    @Test
    public void rootExecutesAFileOnlyWhenSomeExecuteBitIsSet() throws Exception {
        dir("/root", 0700, 0, 0);
        file("/root/app", 0100, 1000, 1000);
        allowed("/root/app", ROOT);
        file("/root/app", 0644, 0, 0);
        assertEquals("applications/web: executable \"/root/app\": user \"root\" (uid=0(root) gid=0(root)"
            + " groups=0(root)) may not execute it: its mode 0644 has no execute bit, and even root executes a"
            + " file only when one is set", refused("/root/app", ROOT));
    }

    @Test
    public void theWorkingDirectoryAndItsParentsMustBeSearchable() throws Exception {
        dir("/srv/work", 0700, 0, 0);
        file("/srv/work/x", 0644, 0, 0);
        try {
            permission.checkDirectory("applications/web", "/srv/work", Path.of("/srv/work"), NOBODY);
            fail();
        } catch (ConfigurationException e) {
            assertEquals("applications/web: working_directory \"/srv/work\": user \"nobody\" (uid=65534(nobody)"
                + " gid=65534(nogroup) groups=65534(nogroup)) may not search the directory \"/srv/work\": its mode"
                + " 0700 (owner 0, group 0) gives others no search permission", e.getMessage());
        }
        permission.checkDirectory("applications/web", "/srv/work", Path.of("/srv/work"), ROOT);
    }

    @Test
    public void aFileThatCannotBeSeenIsLeftToTheFactorysOwnCheck() throws Exception {
        allowed("/no/such/file", NOBODY);
    }

    @Test
    public void theRealFileSystem() throws Exception {
        Path script = tmp.newFile("run.sh").toPath();
        Files.setPosixFilePermissions(tmp.getRoot().toPath(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        ExecutePermission real = new ExecutePermission(ExecutePermission.FILES);
        try {
            real.checkExecutable("applications/web", script.toString(), script, NOBODY);
            fail("0700 and not nobody's");
        } catch (ConfigurationException e) {
            assertEquals("may not execute it: its mode 0700", e.getMessage().substring(e.getMessage().indexOf("may"),
                e.getMessage().indexOf(" (owner")));
        }
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        real.checkExecutable("applications/web", script.toString(), script, NOBODY);
    }

    @Test
    public void anApplicationsExecutableIsAPathNeverLookedUpInPath() throws Exception {
        Path bin = tmp.newFolder("bin").toPath();
        Path tool = Files.createFile(bin.resolve("tool"));
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
        SpawnSpec spec = SpawnSpec.builder("tool").name("web").env("PATH", "/no/such:" + bin).build();
        assertEquals(null, ExecutePermission.spawned(spec));
        assertEquals(Path.of("/bin/sh"), ExecutePermission.spawned(SpawnSpec.builder("/bin/sh").name("w").build()));
    }

    @Test
    public void theHostTellsNothingInsideAnotherTreeOrAnotherUsersIds() {
        SpawnSpec.Builder web = SpawnSpec.builder("/opt/app/run.sh").name("web");
        assertTrue(ExecutePermission.appliesTo(web.build()));
        assertTrue("a read-only root keeps the paths", ExecutePermission.appliesTo(web.filesystem(
            Filesystem.builder().readOnlyRoot(true).build()).build()));
        assertFalse(ExecutePermission.appliesTo(web.filesystem(Filesystem.builder().rootfs("/srv/r").build())
            .build()));
        assertFalse(ExecutePermission.appliesTo(web.filesystem(Filesystem.builder()
            .mount(Filesystem.Mount.bind("/srv/app", "/opt/app", true)).build()).build()));
        assertFalse(ExecutePermission.appliesTo(web.filesystem(Filesystem.NONE)
            .isolation(IsolationRequest.of(Set.of(Namespace.CREDENTIAL))).build()));
    }
}
