/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.internal.Native;
import io.jouroboros.internal.NativeLibrary;
import io.jouroboros.irm.Irm;
import io.jouroboros.irm.IpcpInfo;
import io.jouroboros.irm.IpcpType;
import io.jouroboros.irm.LoadBalance;
import io.jouroboros.irm.LocalConfig;
import io.jouroboros.irm.SecurityPaths;
import io.jouroboros.irm.UnicastConfig;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM whose native library cannot be used: every class still loads,
 * {@link Ouroboros#isAvailable()} says no and
 * {@link Ouroboros#unavailabilityCause()} says why, calls that do I/O throw
 * {@link LayerUnavailableException} and the others
 * {@link UnsupportedOperationException}, each carrying that cause, and
 * nothing throws an {@link Error}. Each case runs in a second JVM
 * ({@link Probe}), since a JVM tries to load the library once.
 */
@Tag("embedded")
class AvailabilityTest {
    private static final Duration LIMIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    @Test
    void theLiveLibraryIsAvailable() {
        assertTrue(Ouroboros.isAvailable());
        assertEquals(null, Ouroboros.unavailabilityCause());
        assertNotNull(QoSSpec.DEFAULT_PEER_TIMEOUT, "read from the native library");
        assertNotNull(Irm.NOT_ENROLLED, "read from the native library");
    }

    /** jouroboros.native.path names a file that is no library: nothing else is tried. */
    @Test
    void unloadableLibraryLeavesEveryClassUsable() throws Exception {
        Path bogus = Files.writeString(tmp.resolve("libjouroboros.so"), "not an ELF file");
        List<String> out = assertTimeoutPreemptively(LIMIT,
                () -> run(List.of("-Djouroboros.native.path=" + bogus), Map.of(), "all"));

        assertEquals("AVAILABLE false", line(out, "AVAILABLE "), out.toString());
        String cause = line(out, "CAUSE ");
        assertTrue(cause.startsWith("CAUSE java.lang.UnsatisfiedLinkError "), cause);
        assertTrue(cause.contains("jouroboros.native.path=" + bogus), "the cause names the path: " + cause);
        assertTrue(out.contains("SAME-CAUSE true"), "asked again, the same cause: " + out);

        List<String> inits = lines(out, "INIT ");
        assertTrue(inits.size() > 40, "every class of the library, found: " + inits.size());
        assertEquals(List.of(), inits.stream().filter(l -> !l.endsWith(" OK")).collect(Collectors.toList()),
                "classes that failed to initialise");

        List<String> errors = lines(out, "").stream().filter(l -> l.contains(" ERROR ")).collect(Collectors.toList());
        assertEquals(List.of(), errors, "calls that threw an Error");

        Map<String, String> calls = new LinkedHashMap<>();
        for (String l : lines(out, "CALL ")) {
            String[] p = l.split(" ", 4);
            calls.put(p[1], p[2] + " " + p[3]);
        }
        for (String io : Probe.IO_CALLS) {
            String got = calls.get(io);
            assertNotNull(got, io + " was not called");
            assertTrue(got.startsWith("THROWS io.jouroboros.LayerUnavailableException cause=true"), io + ": " + got);
        }
        for (String uoe : Probe.UNSUPPORTED_CALLS) {
            String got = calls.get(uoe);
            assertNotNull(got, uoe + " was not called");
            assertTrue(got.startsWith("THROWS java.lang.UnsupportedOperationException cause=true"), uoe + ": " + got);
        }
        for (String ok : Probe.PLAIN_CALLS) {
            String got = calls.get(ok);
            assertTrue(got != null && got.startsWith("OK "), ok + ": " + got);
        }
        assertEquals(Probe.IO_CALLS.size() + Probe.UNSUPPORTED_CALLS.size() + Probe.PLAIN_CALLS.size(), calls.size(),
                "call names are unique and without spaces");
        assertTrue(lines(out, "SWEEP ").size() > 10, "the public static no-argument methods: " + out);
        assertEquals("END", out.get(out.size() - 1));
    }

    /**
     * A module's init fails: JNI_OnLoad undoes the ones before it, so the
     * library the JDK then unmaps leaves no natives bound to it (a call is
     * an UnsatisfiedLinkError, not a crash), and the cause names the module.
     */
    @Test
    void aFailingModuleInitIsUnwound() throws Exception {
        URL lib = NativeLibrary.class.getResource("/META-INF/native/" + NativeLibrary.platform() + "/libjouroboros.so");
        Assumptions.assumeTrue(lib != null && lib.getProtocol().equals("file"), "needs the built library as a file");
        Path path = Path.of(lib.toURI());
        assertTimeoutPreemptively(LIMIT, () -> {
            for (String module : new String[] {"natives", "errors", "layer", "flow", "server", "fset", "irm"}) {
                List<String> out = run(List.of("-Djouroboros.native.path=" + path),
                        Map.of("JOUROBOROS_TEST_FAIL_INIT", module), "natives");
                assertEquals("AVAILABLE false", line(out, "AVAILABLE "), module + ": " + out);
                String suppressed = line(out, "SUPPRESSED ");
                assertTrue(suppressed.contains("the " + module + " module failed to initialise"),
                        module + ": " + suppressed);
                List<String> natives = lines(out, "NATIVE ");
                assertTrue(natives.size() > 30, module + ": every native of the facade: " + natives);
                assertEquals(List.of(), natives.stream()
                        .filter(l -> !l.endsWith(" java.lang.UnsatisfiedLinkError")).collect(Collectors.toList()),
                        module + ": natives still bound after a failed load");
                assertEquals("END", out.get(out.size() - 1), module + ": " + out);
            }
        });
    }

    /**
     * A native library of another version (a copy of the built one with its
     * version string changed) is refused, found on java.library.path or named
     * by jouroboros.native.path, with a message that names both versions and
     * the file; the library of this version loads.
     */
    @Test
    void aLibraryOfAnotherVersionIsRefused() throws Exception {
        URL lib = NativeLibrary.class.getResource("/META-INF/native/" + NativeLibrary.platform() + "/libjouroboros.so");
        Assumptions.assumeTrue(lib != null && lib.getProtocol().equals("file"), "needs the built library as a file");
        String ours = NativeLibrary.version();
        assertTrue(ours.matches("\\d+\\.\\d+\\.\\d+.*"), "the project's version: " + ours);
        String other = (ours.charAt(0) == '9' ? "8" : "9") + ours.substring(1);
        byte[] bytes = Files.readAllBytes(Path.of(lib.toURI()));
        byte[] mark = (ours + "\0").getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(bytes, mark, 0);
        assertTrue(at >= 0, "the library carries its version " + ours);
        assertEquals(-1, indexOf(bytes, mark, at + 1), "the version string occurs once");
        System.arraycopy((other + "\0").getBytes(StandardCharsets.US_ASCII), 0, bytes, at, mark.length);
        Path dir = Files.createDirectories(tmp.resolve("old"));
        Path old = Files.write(dir.resolve("libjouroboros.so"), bytes);

        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> out = run(List.of("-Djava.library.path=" + dir), Map.of(), "cause");
            assertEquals("AVAILABLE false", line(out, "AVAILABLE "), out.toString());
            assertEquals("CAUSE java.lang.UnsatisfiedLinkError the jOuroboros native library from java.library.path ("
                    + old + ") is version " + other + ", this library is version " + ours + ": remove that file, or"
                    + " point jouroboros.native.path at the library of version " + ours, line(out, "CAUSE "));

            out = run(List.of("-Djouroboros.native.path=" + old), Map.of(), "cause");
            assertEquals("AVAILABLE false", line(out, "AVAILABLE "), out.toString());
            String cause = line(out, "CAUSE ");
            assertTrue(cause.contains("from jouroboros.native.path=" + old + " is version " + other
                    + ", this library is version " + ours), cause);

            // The control: the built library itself, by the same two ways.
            Files.copy(Path.of(lib.toURI()), old, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            out = run(List.of("-Djava.library.path=" + dir), Map.of(), "cause");
            assertEquals("AVAILABLE true", line(out, "AVAILABLE "), out.toString());
            assertEquals("FROM java.library.path: " + old, line(out, "FROM "));
            out = run(List.of("-Djouroboros.native.path=" + old), Map.of(), "cause");
            assertEquals("AVAILABLE true", line(out, "AVAILABLE "), out.toString());
        });
    }

    private static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = from; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String line(List<String> out, String prefix) {
        return out.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line '" + prefix + "...' in " + out));
    }

    private static List<String> lines(List<String> out, String prefix) {
        return out.stream().filter(l -> l.startsWith(prefix)).collect(Collectors.toList());
    }

    /** Runs the probe in a second JVM; its stdout lines. It must exit 0. */
    private List<String> run(List<String> jvmOptions, Map<String, String> env, String what)
            throws IOException, InterruptedException {
        Path stdout = Files.createTempFile(tmp, "probe", ".out");
        Path stderr = Files.createTempFile(tmp, "probe", ".err");
        ProcessBuilder pb = new ProcessBuilder(TestJvm.command(Probe.class, jvmOptions, what))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not exit");
        } finally {
            p.destroyForcibly();
        }
        List<String> out = Files.readAllLines(stdout, StandardCharsets.UTF_8);
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "the probe JVM must end normally; stdout " + out + ", stderr " + err);
        return out;
    }

    /** The second JVM. */
    public static final class Probe {
        /** Calls that do I/O: LayerUnavailableException with the cause. */
        static final List<String> IO_CALLS = new ArrayList<>();
        /** Calls that need a native fact: UnsupportedOperationException with the cause. */
        static final List<String> UNSUPPORTED_CALLS = new ArrayList<>();
        /** Calls that need nothing native. */
        static final List<String> PLAIN_CALLS = new ArrayList<>();

        private static final Map<String, Callable<Object>> CALLS = new LinkedHashMap<>();

        static {
            QoSSpec q = new QoSSpec(Duration.ZERO, 0, 0, 0, 0, false, Duration.ZERO, Duration.ZERO);
            long me = ProcessHandle.current().pid();
            io("Ouroboros.layer", Ouroboros::layer);
            io("Ouroboros.maxSdu", Ouroboros::maxSdu);
            io("Ouroboros.bindProcess", () -> run(() -> Ouroboros.bindProcess("probe")));
            io("Ouroboros.unbindProcess", () -> run(() -> Ouroboros.unbindProcess("probe")));
            io("Flow.open()", Flow::open);
            io("Flow.open(name)", () -> Flow.open("probe"));
            io("Flow.open(name,qos,timeout)", () -> Flow.open("probe", q, Duration.ofSeconds(1)));
            io("Flow.join", () -> Flow.join("probe"));
            io("Flow.join(timeout)", () -> Flow.join("probe", Duration.ofSeconds(1)));
            io("FlowServerChannel.open", FlowServerChannel::open);
            io("provider.openSelector", () -> FlowSelectorProvider.provider().openSelector());
            io("provider.openFlow", () -> FlowSelectorProvider.provider().openFlow());
            io("provider.openFlowServerChannel", () -> FlowSelectorProvider.provider().openFlowServerChannel());
            io("FlowSet.new", FlowSet::new);
            io("Irm.listIpcps", Irm::listIpcps);
            io("Irm.listNames", Irm::listNames);
            io("Irm.createIpcp", () -> Irm.createIpcp("probe", IpcpType.LOCAL));
            io("Irm.destroyIpcp", () -> run(() -> Irm.destroyIpcp(123456)));
            io("Irm.bootstrapIpcp(local)", () -> run(() -> Irm.bootstrapIpcp(123456, new LocalConfig("probe"))));
            io("Irm.bootstrapIpcp(unicast)", () -> run(() -> Irm.bootstrapIpcp(123456, new UnicastConfig("probe"))));
            io("Irm.enrollIpcp", () -> run(() -> Irm.enrollIpcp(123456, "probe")));
            io("Irm.connectIpcp", () -> run(() -> Irm.connectIpcp(123456, Irm.DT_COMPONENT, "probe", null)));
            io("Irm.disconnectIpcp", () -> run(() -> Irm.disconnectIpcp(123456, Irm.DT_COMPONENT, "probe")));
            io("Irm.createName", () -> run(() -> Irm.createName("probe", LoadBalance.ROUND_ROBIN)));
            io("Irm.createName(paths)", () -> run(() -> Irm.createName("probe", LoadBalance.SPILLOVER,
                    new SecurityPaths("/e", "/k", "/c"), null)));
            io("Irm.destroyName", () -> run(() -> Irm.destroyName("probe")));
            io("Irm.registerName(pid)", () -> run(() -> Irm.registerName("probe", 123456)));
            io("Irm.unregisterName(pid)", () -> run(() -> Irm.unregisterName("probe", 123456)));
            io("Irm.registerName(layer)", () -> Irm.registerName("probe", "probe"));
            io("Irm.unregisterName(layer)", () -> Irm.unregisterName("probe", "probe"));
            io("Irm.bindProgram", () -> run(() -> Irm.bindProgram("/bin/true", "probe", false)));
            io("Irm.unbindProgram", () -> run(() -> Irm.unbindProgram("/bin/true", "probe")));
            io("Irm.bindProcess", () -> run(() -> Irm.bindProcess(me, "probe")));
            io("Irm.unbindProcess", () -> run(() -> Irm.unbindProcess(me, "probe")));
            io("Irm.bindIpcp", () -> run(() -> Irm.bindIpcp("probe", "probe")));
            io("Irm.unbindIpcp", () -> run(() -> Irm.unbindIpcp("probe", "probe")));
            io("Irm.autoboot", () -> Irm.autoboot("probe"));
            for (FlowFlag f : FlowFlag.values()) {
                unsupported("FlowFlag." + f + ".value", f::value);
            }
            for (FrctFlag f : FrctFlag.values()) {
                unsupported("FrctFlag." + f + ".value", f::value);
            }
            for (FlowEventType t : FlowEventType.values()) {
                unsupported("FlowEventType." + t + ".value", t::value);
            }
            unsupported("QoSSpec.raw", QoSSpec::raw);
            unsupported("QoSSpec.rawNoErrors", QoSSpec::rawNoErrors);
            unsupported("QoSSpec.bestEffort", QoSSpec::bestEffort);
            unsupported("QoSSpec.video", QoSSpec::video);
            unsupported("QoSSpec.voice", QoSSpec::voice);
            unsupported("QoSSpec.data", QoSSpec::data);
            unsupported("QoSSpec.builder", QoSSpec::builder);
            unsupported("IpcpInfo.inLayer", () -> new IpcpInfo(1, IpcpType.LOCAL, "a", "b").inLayer());
            plain("FlowFlag.nonBlocking", FlowFlag::nonBlocking);
            plain("QoSSpec.new", () -> q);
            plain("QoSSpec.toBuilder", () -> q.toBuilder().build());
            plain("FlowEventQueue.new", () -> new FlowEventQueue().size());
            plain("Ouroboros.nativeLibrary", Ouroboros::nativeLibrary);
            plain("Ouroboros.layerInfo", Ouroboros::layerInfo);
            plain("FlowSelectorProvider.provider", FlowSelectorProvider::provider);
            plain("UnicastConfig.new", () -> new UnicastConfig("probe"));
            plain("LayerUnavailableException.new", () -> new LayerUnavailableException(1, "E1", "m"));
            plain("SystemLayerRequiredException.new",
                    () -> new io.jouroboros.irm.SystemLayerRequiredException(1, "m"));
        }

        private Probe() {
        }

        @FunctionalInterface
        private interface Action {
            void run() throws Exception;
        }

        private static Object run(Action a) throws Exception {
            a.run();
            return null;
        }

        private static void io(String name, Callable<Object> c) {
            IO_CALLS.add(name);
            CALLS.put(name, c);
        }

        private static void unsupported(String name, Callable<Object> c) {
            UNSUPPORTED_CALLS.add(name);
            CALLS.put(name, c);
        }

        private static void plain(String name, Callable<Object> c) {
            PLAIN_CALLS.add(name);
            CALLS.put(name, c);
        }

        public static void main(String[] args) throws Exception {
            boolean available = Ouroboros.isAvailable();
            Throwable cause = Ouroboros.unavailabilityCause();
            System.out.println("AVAILABLE " + available);
            if (cause != null) {
                System.out.println("CAUSE " + cause.getClass().getName() + " " + oneLine(cause.getMessage()));
                for (Throwable s : cause.getSuppressed()) {
                    System.out.println("SUPPRESSED " + s.getClass().getName() + " " + oneLine(s.getMessage()));
                }
                System.out.println("SAME-CAUSE " + (Ouroboros.unavailabilityCause() == cause));
            }
            if (args[0].equals("cause")) {
                System.out.println("FROM " + Ouroboros.nativeLibrary());
            } else if (args[0].equals("all")) {
                initEveryClass();
                for (Map.Entry<String, Callable<Object>> e : CALLS.entrySet()) {
                    System.out.println("CALL " + e.getKey() + " " + outcome(e.getValue(), cause));
                }
                sweep(cause);
            } else {
                callEveryNative();
            }
            System.out.println("END");
        }

        /** Initialises every class of the library (public or not), as a user's first touch would. */
        private static void initEveryClass() throws Exception {
            Path root = Path.of(Ouroboros.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            List<String> names;
            try (Stream<Path> s = Files.walk(root.resolve("io/jouroboros"))) {
                names = s.map(p -> root.relativize(p).toString()).filter(n -> n.endsWith(".class"))
                        .map(n -> n.substring(0, n.length() - 6).replace('/', '.')).sorted()
                        .collect(Collectors.toList());
            }
            for (String n : names) {
                try {
                    Class.forName(n, true, Probe.class.getClassLoader());
                    System.out.println("INIT " + n + " OK");
                } catch (Throwable t) {
                    System.out.println("INIT " + n + " ERROR " + t);
                }
            }
        }

        /** Every public static method without arguments of the exported packages. */
        private static void sweep(Throwable cause) throws Exception {
            Class<?>[] exported = {Flow.class, FlowEventQueue.class, FlowEventType.class, FlowFlag.class,
                FlowSelectorProvider.class, FlowServerChannel.class, FlowSet.class, FrctFlag.class, Layer.class,
                Ouroboros.class, QoSSpec.class, Irm.class, IpcpType.class, LoadBalance.class,
                io.jouroboros.irm.DirHashAlgo.class, io.jouroboros.irm.CongestionAvoidance.class,
                io.jouroboros.irm.LinkStatePolicy.class, SecurityPaths.class, UnicastConfig.class};
            for (Class<?> c : exported) {
                for (Method m : c.getDeclaredMethods()) {
                    if (Modifier.isPublic(m.getModifiers()) && Modifier.isStatic(m.getModifiers())
                            && m.getParameterCount() == 0) {
                        System.out.println("SWEEP " + c.getSimpleName() + "." + m.getName() + " "
                                + outcome(() -> m.invoke(null), cause));
                    }
                }
            }
        }

        private static String outcome(Callable<Object> c, Throwable cause) {
            try {
                Object o = c.call();
                if (o instanceof AutoCloseable) {
                    ((AutoCloseable) o).close();
                }
                return "OK " + oneLine(String.valueOf(o));
            } catch (Throwable t) {
                if (t instanceof InvocationTargetException) {
                    t = t.getCause();
                }
                boolean carries = false;
                for (Throwable x = t.getCause(); x != null; x = x.getCause()) {
                    carries |= x == cause;
                }
                return (t instanceof Error ? "ERROR " : "THROWS ") + t.getClass().getName() + " cause="
                        + carries + " " + oneLine(t.getMessage());
            }
        }

        /** Calls each native of the facade with blank arguments: none may still be bound. */
        private static void callEveryNative() {
            for (Method m : Native.class.getDeclaredMethods()) {
                if (!Modifier.isNative(m.getModifiers())) {
                    continue;
                }
                m.setAccessible(true);
                Object[] a = new Object[m.getParameterCount()];
                Class<?>[] types = m.getParameterTypes();
                for (int i = 0; i < a.length; i++) {
                    a[i] = types[i] == int.class ? (Object) 0 : types[i] == long.class ? (Object) 0L
                            : types[i] == boolean.class ? (Object) false : null;
                }
                String got;
                try {
                    got = "returned " + m.invoke(null, a);
                } catch (InvocationTargetException e) {
                    got = e.getCause().getClass().getName();
                } catch (ReflectiveOperationException e) {
                    got = e.toString();
                }
                System.out.println("NATIVE " + m.getName() + " " + got);
            }
        }

        private static String oneLine(String s) {
            return s == null ? "null" : s.replace('\n', ' ');
        }
    }
}
