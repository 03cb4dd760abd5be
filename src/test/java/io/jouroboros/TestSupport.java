/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Small helpers shared by the contract tests (not by EchoTest/Peer). */
final class TestSupport {
    private static final AtomicInteger SEQ = new AtomicInteger();

    private TestSupport() {
    }

    /** A name no other test (or test run) uses. */
    static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + "-"
                + Long.toHexString(System.nanoTime());
    }

    /** The embedded layer's rendezvous directory, as Surefire sets it. */
    static Path rendezvousDir() {
        String d = System.getProperty("jouroboros.embedded.dir");
        assertNotNull(d, "jouroboros.embedded.dir is not set (run through Maven)");
        return Path.of(d);
    }

    /**
     * A directory for the files a test makes (sockets, scripts), in the
     * build directory beside the rendezvous directory rather than in /tmp;
     * private to this user. Tests delete what they put there.
     */
    static Path scratchDir() throws IOException {
        Path d = rendezvousDir().resolveSibling("test-tmp");
        if (!Files.isDirectory(d)) {
            try {
                Files.createDirectories(d, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made meanwhile by another test JVM
            }
        }
        return d;
    }

    /** The executable {@code name} as the PATH finds it, or null. */
    static Path tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Kills a process this JVM started (and any child of it) with SIGKILL
     * and reaps it: when this returns it is gone, not a zombie.
     */
    static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("process " + p.pid() + " still runs 30 s after SIGKILL");
        }
    }

    /** Names of the entries of a directory (empty if it does not exist). */
    static List<String> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** The n-* directory holding "pid.s" of the given process, or null. */
    static Path nameDirOf(long pid, List<String> candidates) {
        for (String c : candidates) {
            Path d = rendezvousDir().resolve(c);
            if (c.startsWith("n-") && Files.exists(d.resolve(pid + ".s"))) {
                return d;
            }
        }
        return null;
    }

    /** Open file descriptors of this JVM. */
    static int openFds() {
        String[] l = new File("/proc/self/fd").list();
        return l == null ? -1 : l.length;
    }

    /**
     * A process builder for a python3 peer. The sanitizers' runtime that
     * {@code -Psanitize} preloads into the test JVMs is kept out of it: it is
     * there for our native library, not for python.
     */
    static ProcessBuilder python(String... command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("LD_PRELOAD");
        return pb;
    }

    /** This JVM's open descriptors: number to target (a socket, a file, a memfd...). */
    static Map<String, String> fdSnapshot() {
        Map<String, String> m = new TreeMap<>();
        String[] l = new File("/proc/self/fd").list();
        if (l != null) {
            for (String s : l) {
                try {
                    m.put(s, Files.readSymbolicLink(Path.of("/proc/self/fd", s)).toString());
                } catch (IOException e) {
                    // Closed between the listing and the look: not open.
                }
            }
        }
        return m;
    }

    /**
     * Fails if, within {@code settle}, this JVM still holds a descriptor it
     * did not hold at {@code before} (same number, same target). Descriptors
     * closed meanwhile are no leak: another test's peer process or flow may
     * end while this one runs, so counts alone would go wrong both ways.
     */
    static void assertNoNewFds(Map<String, String> before, Duration settle, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + settle.toNanos();
        Map<String, String> added;
        while (true) {
            added = new TreeMap<>(fdSnapshot());
            added.entrySet().removeIf(e -> e.getValue().equals(before.get(e.getKey())));
            if (added.isEmpty() || System.nanoTime() >= deadline) {
                break;
            }
            Thread.sleep(20);
        }
        if (!added.isEmpty()) {
            throw new AssertionError(what + ": descriptors leaked: " + added + "; open now: " + fdTargets());
        }
    }

    /** A listing of /proc/self/fd targets, for failure messages. */
    static String fdTargets() {
        StringBuilder sb = new StringBuilder();
        String[] l = new File("/proc/self/fd").list();
        if (l != null) {
            for (String s : l) {
                try {
                    sb.append(s).append("->").append(Files.readSymbolicLink(Path.of("/proc/self/fd", s))).append(' ');
                } catch (IOException e) {
                    sb.append(s).append("->? ");
                }
            }
        }
        return sb.toString();
    }

    /** Waits until the thread's stack shows it inside the given method (e.g. a native call). */
    static void awaitIn(Thread t, String method, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            for (StackTraceElement e : t.getStackTrace()) {
                if (e.getMethodName().equals(method)) {
                    // Give it a moment to get from the JNI entry into poll().
                    Thread.sleep(50);
                    return;
                }
            }
            if (!t.isAlive()) {
                throw new AssertionError(t.getName() + " ended before it reached " + method);
            }
            Thread.sleep(5);
        }
        throw new AssertionError(t.getName() + " did not reach " + method + " within " + max);
    }

    /** A client flow and the flow the server accepted for it. */
    static final class Pair implements AutoCloseable {
        final Flow client;
        final Flow server;

        Pair(Flow client, Flow server) {
            this.client = client;
            this.server = server;
        }

        @Override
        public void close() throws IOException {
            try (Flow s = server) {
                client.close();
            }
        }
    }

    /** Allocates a flow to {@code name} and accepts it on {@code srv} (bound to it). */
    static Pair connect(FlowServerChannel srv, String name) throws Exception {
        HelperThread<Flow> acc = HelperThread.call("accept-" + name, () -> srv.accept(Duration.ofSeconds(10)));
        Flow c;
        try {
            c = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10));
        } catch (Exception | Error e) {
            // Not interrupted (that would close srv): the accept ends by its timeout.
            try {
                Flow a = acc.join(Duration.ofSeconds(15));
                if (a != null) {
                    a.close();
                }
            } catch (Exception | Error x) {
                e.addSuppressed(x);
            }
            throw e;
        }
        try {
            return new Pair(c, acc.join(Duration.ofSeconds(10)));
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    /**
     * A server in this JVM: accepts flows on a helper thread, echoes each SDU
     * back (message view) on a helper thread per flow. Errors are collected;
     * close() joins every thread and fails if any of them failed.
     */
    static final class EchoServer implements AutoCloseable {
        final String name;
        final FlowServerChannel channel;
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        final AtomicInteger accepted = new AtomicInteger();
        private final HelperThread<Void> acceptor;
        private final List<Flow> flows = new CopyOnWriteArrayList<>();
        private final List<HelperThread<Void>> servers = new CopyOnWriteArrayList<>();

        EchoServer(String name) throws IOException {
            this.name = name;
            this.channel = FlowServerChannel.open().bind(name);
            this.acceptor = HelperThread.start("echo-accept-" + name, this::acceptLoop);
        }

        private void acceptLoop() {
            while (channel.isOpen()) {
                Flow f;
                try {
                    f = channel.accept();
                } catch (ClosedChannelException e) {
                    return; // closed (AsynchronousCloseException too)
                } catch (Throwable e) {
                    errors.add(e);
                    return;
                }
                accepted.incrementAndGet();
                flows.add(f);
                servers.add(HelperThread.start("echo-" + name, () -> serve(f)));
            }
        }

        private void serve(Flow f) {
            try (f) {
                ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
                while (true) {
                    b.clear();
                    int n = f.readMessage(b);
                    if (n < 0) {
                        break;
                    }
                    b.flip();
                    f.writeMessage(b);
                }
            } catch (ClosedChannelException e) {
                // closed by close()
            } catch (FlowDownException e) {
                // the client went away while we wrote
            } catch (Throwable e) {
                errors.add(e);
            } finally {
                flows.remove(f);
            }
        }

        @Override
        public void close() throws Exception {
            try (acceptor) {
                channel.close();
                acceptor.join(Duration.ofSeconds(5));
            } finally {
                for (Flow f : new ArrayList<>(flows)) {
                    f.close();
                }
                for (HelperThread<Void> t : servers) {
                    try (t) {
                        t.join(Duration.ofSeconds(5));
                    }
                }
            }
            if (!errors.isEmpty()) {
                AssertionError e = new AssertionError("echo server " + name + " failed: " + errors, errors.get(0));
                errors.stream().skip(1).forEach(e::addSuppressed);
                throw e;
            }
        }
    }

    /** Writes one SDU and reads one back; returns what came back. */
    static byte[] roundTrip(Flow f, byte[] msg) throws IOException {
        f.writeMessage(ByteBuffer.wrap(msg));
        ByteBuffer b = ByteBuffer.allocate(Ouroboros.maxSdu());
        int n = f.readMessage(b);
        if (n < 0) {
            throw new AssertionError("flow went down instead of echoing");
        }
        byte[] out = new byte[n];
        b.flip().get(out);
        return out;
    }
}
