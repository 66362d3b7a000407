package io.corral.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.corral.api.isolation.IdMapEntry;
import io.corral.api.isolation.IsolationRequest;
import io.corral.api.isolation.Namespace;
import io.corral.api.process.ExitStatus;
import io.corral.api.process.ManagedProcess;
import io.corral.api.process.ProcessAdmin;
import io.corral.api.process.ProcessFactory;
import io.corral.api.process.ProcessState;
import io.corral.api.process.Signal;
import io.corral.api.process.SpawnSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.inject.Inject;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration.ConfigurationAttribute;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Termination, ownership and lifecycle of the process factory: destroy, a
 * lifetime, a listener per spawn, bundle-scoped factories, and processes that
 * stay running and supervised across an update of the process bundle, a
 * configuration change, refreshes and a restart of the credential bundle.
 * No jnr class is used here: jnr is loaded once, by the framework (the
 * io.corral.jnr extension), and what is refreshed is every bundle that calls it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class LifecycleIT {

    @Inject
    private BundleContext context;

    @Inject
    private ProcessAdmin admin;

    /** Pids this test started, killed at the end whatever happened. */
    private final List<ManagedProcess> started = new ArrayList<>();

    @Configuration
    public Option[] config() throws Exception {
        return options(CorralOptions.distribution(Files.createTempDirectory("corral-it").toFile()));
    }

    @After
    public void killLeftovers() throws Exception {
        for (ManagedProcess p : started) {
            Optional<ManagedProcess> current = admin().process(p.pid());
            current.ifPresent(ManagedProcess::destroyForcibly);
        }
    }

    /** The factory as registered now (a new one after an update of the process bundle). */
    private ProcessFactory factory() throws InterruptedException {
        return factory(context);
    }

    private static ProcessFactory factory(BundleContext ctx) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            ServiceReference<ProcessFactory> ref = ctx.getServiceReference(ProcessFactory.class);
            ProcessFactory f = ref == null ? null : ctx.getService(ref);
            if (f != null) {
                return f;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no ProcessFactory registered within 15 s");
    }

    private ProcessAdmin admin() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            ServiceReference<ProcessAdmin> ref = context.getServiceReference(ProcessAdmin.class);
            ProcessAdmin a = ref == null ? null : context.getService(ref);
            if (a != null) {
                return a;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no ProcessAdmin registered within 15 s");
    }

    private ManagedProcess spawn(ProcessFactory f, SpawnSpec.Builder spec) throws Exception {
        ManagedProcess p = f.spawn(spec.build());
        started.add(p);
        return p;
    }

    private static SpawnSpec.Builder sleep(int seconds) {
        return SpawnSpec.builder("/bin/sleep").arguments(Integer.toString(seconds));
    }

    /** User, pid and mount namespaces with a one-entry map: Corral's init is pid 1, the program pid 2. */
    private static IsolationRequest isolated() throws Exception {
        long uid = Long.parseLong(Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1]);
        return new IsolationRequest(EnumSet.of(Namespace.CREDENTIAL, Namespace.PID, Namespace.MOUNT),
            List.of(new IdMapEntry(0, uid, 1)), List.of(), null, true);
    }

    private static boolean running(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (Exception e) {
            return false;
        }
    }

    private static ExitStatus exit(ManagedProcess p, long seconds) throws Exception {
        return p.onExit().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    }

    // ---- termination ----

    @Test
    public void destroyEndsAnIsolatedSleepWithin100Milliseconds() throws Exception {
        ManagedProcess p = spawn(factory(), sleep(10).isolation(isolated()));
        assertEquals(2, p.isolatedPid());
        long t0 = System.nanoTime();
        p.destroy();
        ExitStatus s = exit(p, 5);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue("destroy took " + millis + " ms", millis < 100);
        assertEquals("SIGTERM, forwarded by Corral's init to the program: " + s, 15, s.signal());
        assertFalse(s.timedOut());
        assertFalse(running(p.pid()));
    }

    @Test
    public void destroyForciblyKillsAtOnceAndSignalTakesNames() throws Exception {
        ManagedProcess p = spawn(factory(), SpawnSpec.builder("/bin/sh").arguments("-c", "trap '' TERM; sleep 10"));
        assertTrue(p.signal(Signal.CONT));
        p.destroyForcibly();
        assertEquals(ExitStatus.killed(9), exit(p, 5));
        assertFalse("a signal to an exited process", p.signal(Signal.TERM));
    }

    @Test
    public void aLifetimeOf200MillisecondsEndsASleepAsTimedOut() throws Exception {
        long t0 = System.nanoTime();
        ManagedProcess p = spawn(factory(), sleep(10).lifetime(Duration.ofMillis(200)));
        ExitStatus s = exit(p, 10);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue("timed out: " + s, s.timedOut());
        assertEquals(9, s.signal());
        assertTrue("ended after " + millis + " ms", millis >= 200 && millis < 2000);
        assertTrue(s.toString(), s.toString().endsWith("lifetime ran out"));
    }

    @Test
    public void aLifetimeThatIsNotPositiveIsRefusedByName() {
        try {
            sleep(1).lifetime(Duration.ZERO);
            fail("a zero lifetime was taken");
        } catch (IllegalArgumentException e) {
            assertEquals("lifetime PT0S: must be positive", e.getMessage());
        }
    }

    @Test
    public void theListenerOfASpawnHearsRunningAndReadyBeforeSpawnReturns() throws Exception {
        List<ProcessState> heard = new CopyOnWriteArrayList<>();
        List<ManagedProcess> about = new CopyOnWriteArrayList<>();
        CountDownLatch exited = new CountDownLatch(1);
        ManagedProcess p = spawn(factory(), sleep(10).listener((process, state) -> {
            heard.add(state);
            about.add(process);
            if (state == ProcessState.EXITED) {
                exited.countDown();
            }
        }));
        assertEquals(List.of(ProcessState.RUNNING, ProcessState.READY), List.copyOf(heard));
        assertSame(p, about.get(0));
        // Another spawn's changes are not this listener's.
        ManagedProcess other = spawn(factory(), sleep(10));
        other.destroyForcibly();
        exit(other, 5);
        p.destroy();
        assertTrue(exited.await(5, TimeUnit.SECONDS));
        assertEquals(List.of(ProcessState.RUNNING, ProcessState.READY, ProcessState.EXITED), List.copyOf(heard));
    }

    // ---- ownership ----

    /** A bundle with no code: the test spawns through its context, as the bundle itself would. */
    private Bundle client(String name) throws Exception {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", name);
        a.putValue("Bundle-Version", "1.0.0");
        ByteArrayOutputStream jar = new ByteArrayOutputStream();
        try (JarOutputStream out = new JarOutputStream(jar, m)) {
            // the manifest is all
        }
        Bundle b = context.installBundle("test:" + name, new ByteArrayInputStream(jar.toByteArray()));
        b.start();
        return b;
    }

    @Test
    public void eachBundleSeesItsOwnProcessesAndStoppingOneEndsOnlyItsOwn() throws Exception {
        Bundle a = client("io.corral.itest.client.a");
        Bundle b = client("io.corral.itest.client.b");
        try {
            ProcessFactory fa = factory(a.getBundleContext());
            ProcessFactory fb = factory(b.getBundleContext());
            ManagedProcess pa = spawn(fa, sleep(30));
            ManagedProcess pb = spawn(fb, sleep(30));
            assertEquals(List.of(pa.pid()), fa.processes().stream().map(ManagedProcess::pid).toList());
            assertEquals(List.of(pb.pid()), fb.processes().stream().map(ManagedProcess::pid).toList());
            assertTrue(fa.process(pb.pid()).isEmpty());
            assertEquals(a.getBundleId(), pa.ownerBundleId());
            assertTrue(admin.process(pa.pid()).isPresent());
            assertTrue(admin.process(pb.pid()).isPresent());

            a.stop();
            ExitStatus s = exit(pa, 5);
            assertEquals("the quit sequence: SIGTERM first", 15, s.signal());
            Thread.sleep(200);
            assertTrue("the other bundle's process runs on", running(pb.pid()));
            assertEquals(ProcessState.READY, pb.state());
            try {
                fa.spawn(sleep(1).build());
                fail("a stopped bundle spawned");
            } catch (io.corral.api.process.SpawnException e) {
                assertEquals("bundle " + a.getBundleId() + " is not active: a bundle spawns only while it runs,"
                    + " and its processes are stopped when it stops", e.getMessage());
            }
        } finally {
            a.uninstall();
            b.uninstall();
        }
    }

    // ---- lifecycle ----

    private Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }

    private void refresh(String symbolicName) throws Exception {
        refresh(List.of(bundle(symbolicName)));
    }

    private void refresh(List<Bundle> bundles) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(bundles, e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        assertTrue("refresh of " + bundles, done.await(30, TimeUnit.SECONDS));
    }

    /**
     * Corral's bundles that call jnr: those wired to com.kenai.jffi, which only
     * the system bundle exports (extended by io.corral.jnr, which is never refreshed).
     */
    private List<Bundle> jnrUsers() {
        List<Bundle> users = new ArrayList<>();
        for (Bundle b : context.getBundles()) {
            BundleWiring wiring = b.adapt(BundleWiring.class);
            if (b.getSymbolicName() == null || !b.getSymbolicName().startsWith("io.corral.") || wiring == null) {
                continue;
            }
            for (BundleWire wire : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                if ("com.kenai.jffi".equals(wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                    assertEquals(b.getSymbolicName() + " gets jnr from the system bundle", 0,
                        wire.getProvider().getBundle().getBundleId());
                    users.add(b);
                }
            }
        }
        List<String> names = users.stream().map(Bundle::getSymbolicName).toList();
        assertTrue(names.toString(), names.containsAll(List.of("io.corral.credential", "io.corral.isolation.fork",
            "io.corral.isolation.linux", "io.corral.port", "io.corral.process")));
        return users;
    }

    /** A process runs across {@code action}: same pid, still running, and its exit is still seen after it. */
    private void survives(String what, ThrowingRunnable action) throws Exception {
        ManagedProcess before = spawn(factory(), sleep(60).isolation(isolated()));
        int pid = before.pid();
        action.run();
        ProcessFactory after = factory();
        ManagedProcess p = waitFor(() -> after.process(pid));
        assertTrue(what + ": pid " + pid + " must still run", running(pid));
        assertTrue(what + ": " + p.state(), p.state() == ProcessState.READY);
        assertTrue(what + ": the operator still sees it", admin().process(pid).isPresent());
        p.destroy();
        ExitStatus s = exit(p, 10);
        assertEquals(what + ": " + s, 15, s.signal());
        assertEquals(what, ProcessState.EXITED, p.state());
    }

    private static ManagedProcess waitFor(java.util.function.Supplier<Optional<ManagedProcess>> lookup)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            Optional<ManagedProcess> p = lookup.get();
            if (p.isPresent()) {
                return p.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the process is not listed again within 15 s");
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    public void anUpdateOfTheProcessBundleKeepsProcessesRunningAndSupervised() throws Exception {
        survives("felix:update io.corral.process", () -> bundle("io.corral.process").update());
    }

    @Test
    public void anExitWhileTheProcessBundleIsStoppedIsSeenWhenItStartsAgain() throws Exception {
        ManagedProcess p = spawn(factory(), sleep(60).isolation(isolated()));
        int pid = p.pid();
        Bundle process = bundle("io.corral.process");
        process.stop();
        assertTrue("still running while the factory is stopped", running(pid));
        // Ended from outside while nobody supervises it: the provider holds its exit.
        new ProcessBuilder("kill", "-KILL", Integer.toString(pid)).start().waitFor();
        Thread.sleep(300);
        process.start();
        ManagedProcess again = waitFor(() -> {
            try {
                return admin().process(pid);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(ExitStatus.killed(9), exit(again, 10));
    }

    @Test
    public void aConfigurationChangeIsTakenLiveAndKillsNothing() throws Exception {
        ServiceReference<ProcessAdmin> ref = context.getServiceReference(ProcessAdmin.class);
        Object serviceId = ref.getProperty("service.id");
        ManagedProcess p = spawn(factory(), sleep(60));
        ConfigurationAdmin ca = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        org.osgi.service.cm.Configuration c = ca.getConfiguration("io.corral.process", "?");
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("exited.kept", 500);
        c.update(props);
        Thread.sleep(1000);
        assertEquals("the table was not restarted", serviceId,
            context.getServiceReference(ProcessAdmin.class).getProperty("service.id"));
        assertSame(p, factory().process(p.pid()).orElseThrow());
        assertTrue(running(p.pid()));
        assertFalse(c.getAttributes().contains(ConfigurationAttribute.READ_ONLY));
        survives("a ConfigAdmin change of io.corral.process", () -> {
            props.put("exited.kept", 400);
            c.update(props);
            Thread.sleep(500);
        });
    }

    @Test
    public void aRefreshOfEveryBundleThatCallsJnrKeepsProcessesRunningAndSupervised() throws Exception {
        survives("felix:refresh of every bundle that calls jnr", () -> refresh(jnrUsers()));
    }

    @Test
    public void aRefreshOfTheLinuxProviderKeepsProcessesRunningAndSupervised() throws Exception {
        // The spawn server's client is compiled into the provider: refreshing the provider refreshes it.
        survives("felix:refresh io.corral.isolation.linux", () -> refresh("io.corral.isolation.linux"));
    }

    @Test
    public void aRestartOfTheCredentialBundleKeepsProcessesRunningAndSupervised() throws Exception {
        survives("restart of io.corral.credential", () -> {
            Bundle credential = bundle("io.corral.credential");
            credential.stop();
            Thread.sleep(200);
            assertEquals("the factory is withdrawn while it cannot spawn", null,
                context.getServiceReference(ProcessFactory.class));
            credential.start();
        });
    }

    private io.corral.api.app.ApplicationManager apps() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            ServiceReference<io.corral.api.app.ApplicationManager> ref =
                context.getServiceReference(io.corral.api.app.ApplicationManager.class);
            io.corral.api.app.ApplicationManager a = ref == null ? null : context.getService(ref);
            if (a != null) {
                return a;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no ApplicationManager registered within 15 s");
    }

    private List<Integer> appPids(String name, int count) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<Integer> pids = List.of();
        while (System.nanoTime() < deadline) {
            try {
                pids = apps().application(name).orElseThrow().pids();
                if (pids.size() == count) {
                    return pids.stream().sorted().toList();
                }
            } catch (RuntimeException e) {
                // the manager is being reactivated
            }
            Thread.sleep(50);
        }
        throw new AssertionError(name + ": " + pids);
    }

    @Test
    public void applicationsRunOnAcrossARestartOfTheCredentialBundleAndAnUpdateOfTheProcessBundle() throws Exception {
        Path file = apps().configurationFile();
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"applications\": {\"steady\": {\"type\": \"external\", \"executable\":"
            + " \"/bin/sleep\", \"arguments\": [\"1000\"], \"processes\": 2}}}");
        apps().reload();
        List<Integer> pids = appPids("steady", 2);
        Bundle credential = bundle("io.corral.credential");
        credential.stop();
        Thread.sleep(300);
        credential.start();
        assertEquals("the same processes after a restart of the credential bundle", pids, appPids("steady", 2));
        bundle("io.corral.process").update();
        assertEquals("the same processes after an update of the process bundle", pids, appPids("steady", 2));
        pids.forEach(pid -> assertTrue(running(pid)));
        // Still supervised by the application: a process killed from outside is replaced.
        new ProcessBuilder("kill", "-KILL", Integer.toString(pids.get(0))).start().waitFor();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        List<Integer> now = pids;
        while (System.nanoTime() < deadline && (now.contains(pids.get(0)) || now.size() != 2)) {
            Thread.sleep(100);
            now = apps().application("steady").orElseThrow().pids();
        }
        assertFalse("the killed process was seen to exit: " + now, now.contains(pids.get(0)));
        assertEquals("and replaced: " + now, 2, now.size());
        Files.writeString(file, "{\"applications\": {}}");
        apps().reload();
    }

    @Test
    public void felixStartTakesASymbolicName() throws Exception {
        org.apache.felix.service.command.CommandProcessor processor = context.getService(
            context.getServiceReference(org.apache.felix.service.command.CommandProcessor.class));
        Bundle fork = bundle("io.corral.isolation.fork");
        fork.stop();
        assertEquals(Bundle.RESOLVED, fork.getState());
        Gogo.run(processor, "felix:start io.corral.isolation.fork");
        assertEquals(Bundle.ACTIVE, fork.getState());
        try {
            Gogo.run(processor, "felix:start io.corral.no.such.bundle");
            fail("an unknown name was taken");
        } catch (IllegalArgumentException e) {
            assertEquals("felix:start: no bundle \"io.corral.no.such.bundle\": give a bundle id or symbolic name,"
                + " as felix:lb lists them, or a location with a scheme (file:, mvn:)", e.getMessage());
        }
    }

    /**
     * The port service is a DS component that both listens (ProcessListener,
     * SpawnParticipant) and spawns (ProcessFactory): SCR found a cycle there
     * when the factory was a DS component that referenced the listeners.
     */
    @Test
    public void aBundleThatListensAndSpawnsMakesNoCircularReference() throws Exception {
        refresh("io.corral.process");
        ManagedProcess p = spawn(factory(), sleep(0));
        assertEquals(ExitStatus.exited(0), exit(p, 10));
        assertTrue("the port service took part", p.state() == ProcessState.EXITED);
        org.osgi.service.log.LogReaderService reader = context.getService(
            context.getServiceReference(org.osgi.service.log.LogReaderService.class));
        List<String> circular = new ArrayList<>();
        for (java.util.Enumeration<org.osgi.service.log.LogEntry> e = reader.getLog(); e.hasMoreElements();) {
            String message = e.nextElement().getMessage();
            if (message != null && message.contains("Circular reference")) {
                circular.add(message);
            }
        }
        assertEquals(List.of(), circular);
    }

    @Test
    public void theFactorySaysWhatItsProviderOffers() throws Exception {
        factory();
        ServiceReference<ProcessFactory> ref = context.getServiceReference(ProcessFactory.class);
        assertEquals("linux-clone", ref.getProperty(ProcessFactory.PLATFORM_PROPERTY));
        List<String> ns = List.of((String[]) ref.getProperty(ProcessFactory.NAMESPACES_PROPERTY));
        assertTrue(ns.toString(), ns.containsAll(List.of("credential", "pid", "mount")));
        assertNotNull(ref.getProperty(ProcessFactory.FEATURES_PROPERTY));
        assertEquals("bundle", ref.getProperty("service.scope"));
    }

    @Test
    public void fiveRefreshesOfTheBundlesThatCallJnrLeakNoThreadAndNoClassLoader() throws Exception {
        refresh(jnrUsers());
        factory().spawn(sleep(0).build()).onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        Thread.sleep(1000);
        int before = threads();
        List<String> namesBefore = threadNames();
        WeakReference<ClassLoader> oldLoader = null;
        for (int i = 0; i < 5; i++) {
            if (i == 1) {
                // A class loader that has called jnr (the spawn before), dropped by the refreshes that follow.
                oldLoader = new WeakReference<>(bundle("io.corral.process").adapt(BundleWiring.class).getClassLoader());
            }
            refresh(jnrUsers());
            // Each time through the new class loaders: jnr binds their interfaces on first use.
            factory().spawn(sleep(0).build()).onExit().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        // Threads of the old instances (a spawn server's reader, the stop timer) end within their keep-alive.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (threads() > before && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue("threads before: " + namesBefore + ", after: " + threadNames(), threads() <= before);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (oldLoader.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
        }
        assertEquals("the class loader of a refreshed io.corral.process is collected", null, oldLoader.get());
    }

    /** Every thread of the JVM, none excepted. */
    private static int threads() {
        return Thread.getAllStackTraces().size();
    }

    private static List<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList();
    }
}
