/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Allocation failures are fast and typed; names are data, never paths; a
 * dead server's leftovers never block anyone.
 */
@ExtendWith(HelperThread.Check.class)
class AllocationErrorsTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    @Test
    void nameNobodyBindsFailsFast() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String name = TestSupport.unique("nobody");
            long t0 = System.nanoTime();
            UnknownNameException e = assertThrows(UnknownNameException.class,
                    () -> Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("ENAME", e.errorName());
            assertEquals(io.jouroboros.internal.Errors.ENAME, e.code());
            assertTrue(ms < 1000, "failing took " + ms + " ms");
            // Without a timeout too, and through connect() (which closes the flow).
            assertThrows(UnknownNameException.class, () -> Flow.open(name));
            Flow f = Flow.open();
            assertThrows(UnknownNameException.class, () -> f.connect(name));
            assertFalse(f.isOpen(), "a failed allocation closes the flow");
        });
    }

    private static List<String> badNames() {
        List<String> l = new ArrayList<>();
        l.add(null);
        l.add("");
        l.add("a".repeat(256));
        l.add("é".repeat(128)); // 256 bytes of UTF-8, 128 chars
        l.add("✓".repeat(86)); // 258 bytes
        l.add("a\0b");
        l.add("\0");
        return l;
    }

    @Test
    void badNamesAreRefusedEverywhereWithNothingLeftOpen() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String good = TestSupport.unique("good");
            try (FlowServerChannel server = FlowServerChannel.open(); Flow unconnected = Flow.open()) {
                Map<String, String> before = TestSupport.fdSnapshot();
                for (String bad : badNames()) {
                    String what = bad == null ? "null" : "\"" + bad.replace("\0", "\\0") + "\" ("
                            + bad.getBytes(StandardCharsets.UTF_8).length + " bytes)";
                    List<Executable> calls = List.of(
                        () -> Flow.open(bad),
                        () -> Flow.open(bad, QoSSpec.raw(), Duration.ofSeconds(1)),
                        () -> Flow.join(bad),
                        () -> Flow.join(bad, Duration.ofSeconds(1)),
                        () -> unconnected.connect(bad),
                        () -> server.bind(bad),
                        () -> server.bind(good, bad),
                        () -> Ouroboros.bindProcess(bad),
                        () -> Ouroboros.unbindProcess(bad));
                    for (int i = 0; i < calls.size(); i++) {
                        assertThrows(IllegalArgumentException.class, calls.get(i), "call " + i + " with " + what);
                    }
                }
                assertTrue(unconnected.isOpen(), "a refused name does not close the flow");
                assertFalse(unconnected.isConnected());
                assertEquals(List.of(), server.names(), "a bind with a bad name binds nothing");
                assertThrows(UnknownNameException.class, () -> Flow.open(good),
                        "bind(good, bad) must not have bound good");
                TestSupport.assertNoNewFds(before, Duration.ofSeconds(2), "failed allocations");
            }
        });
    }

    private static List<String> pathLikeNames() {
        String base = "-" + ProcessHandle.current().pid();
        List<String> l = new ArrayList<>();
        l.add("../../etc/passwd");
        l.add("../../etc/passwd" + base);
        l.add("a/b/c");
        l.add("/");
        l.add(".");
        l.add("..");
        l.add("./x" + base);
        l.add("/tmp/x" + base);
        l.add("n-00000000000000000000000000000000");
        l.add("名前 ✓ ünïcödé" + base);
        l.add("a\nb\tc d" + base);
        l.add("%s%n%x" + base);
        l.add("*" + base);
        l.add("x".repeat(255));
        l.add("é".repeat(127) + "a"); // exactly 255 bytes
        l.add("\uD83D\uDE00".repeat(63) + "abc"); // 63 four-byte emoji + 3 = 255 bytes
        return l;
    }

    private static final Pattern TOP = Pattern.compile("[nb]-[0-9a-f]{32}");
    private static final Pattern IN_NAME_DIR = Pattern.compile("\\d+\\.s|\\.\\d+-[0-9a-f]+\\.t");
    private static final Pattern IN_BCAST_DIR = Pattern.compile("\\d+-\\d+\\.m");

    /** Every entry of the rendezvous tree has the layer's own shape: nothing is made from a name. */
    private static void assertRendezvousShape() throws Exception {
        Path root = TestSupport.rendezvousDir();
        for (String top : TestSupport.list(root)) {
            assertTrue(top.startsWith("n-") || top.startsWith("b-"), "unexpected entry in " + root + ": " + top);
            assertTrue(TOP.matcher(top).matches(), "unexpected entry in " + root + ": " + top);
            Path d = root.resolve(top);
            assertTrue(Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS), d + " is not a directory");
            for (String e : TestSupport.list(d)) {
                Pattern p = top.startsWith("n-") ? IN_NAME_DIR : IN_BCAST_DIR;
                assertTrue(p.matcher(e).matches(), "unexpected entry " + d.resolve(e));
                assertFalse(Files.isDirectory(d.resolve(e)), "a directory inside " + d + ": " + e);
            }
        }
    }

    // Embedded only: it checks the rendezvous directory, and joins a broadcast layer named after each
    // name (Ouroboros joins only layers that exist).
    @Test
    @Tag("embedded")
    void pathLikeNamesWorkEndToEndAndMakeNoPaths() throws Exception {
        Path root = TestSupport.rendezvousDir();
        assertTimeoutPreemptively(LIMIT, () -> {
            for (String name : pathLikeNames()) {
                assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= 255, name);
                String shown = name.replace("\n", "\\n").replace("\t", "\\t");
                try (TestSupport.EchoServer server = new TestSupport.EchoServer(name)) {
                    for (int i = 0; i < 2; i++) {
                        try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                            assertEquals(name, f.remoteName());
                            byte[] msg = ("hello " + shown + " " + i).getBytes(StandardCharsets.UTF_8);
                            assertArrayEquals(msg, TestSupport.roundTrip(f, msg), "echo through " + shown);
                        }
                    }
                    // A broadcast layer of that name too.
                    try (Flow a = Flow.join(name, Duration.ofSeconds(5)); Flow b = Flow.join(name)) {
                        a.writeMessage(java.nio.ByteBuffer.wrap(new byte[] {42}));
                        b.receiveTimeout(Duration.ofSeconds(5));
                        java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(10);
                        assertEquals(1, b.readMessage(in), "broadcast through " + shown);
                    }
                    assertRendezvousShape();
                    assertTrue(server.errors.isEmpty(), server.errors.toString());
                }
                if (name.contains("-" + ProcessHandle.current().pid())) { // fixed names may be shared by another run
                    assertThrows(UnknownNameException.class, () -> Flow.open(name),
                            "after close, " + shown + " is no longer bound");
                }
            }
        });
        assertRendezvousShape();
        // Nothing was made where the names would point as paths.
        for (String name : pathLikeNames()) {
            if (name.equals("/") || name.equals(".") || name.equals("..") || name.startsWith("/tmp/")) {
                continue; // these exist anyway, or are checked below
            }
            Path p = root.resolve(name).normalize();
            assertFalse(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), "made from a name: " + p);
        }
        assertFalse(Files.exists(Path.of("/tmp/x-" + ProcessHandle.current().pid())), "made from a name: /tmp/x-...");
        try (Stream<Path> s = Files.walk(root)) {
            assertTrue(s.allMatch(p -> p.getNameCount() - root.getNameCount() <= 2), "the tree is two levels deep");
        }
    }

    @Test
    void sameNameDifferentCaseOrNormalisationAreDifferentNames() throws Exception {
        String base = TestSupport.unique("case");
        // "é" precomposed vs "e" + combining acute: different bytes, different names.
        String[] names = {base + "-A", base + "-a", base + "-\u00e9", base + "-e\u0301"};
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.EchoServer s0 = new TestSupport.EchoServer(names[0]);
                 TestSupport.EchoServer s2 = new TestSupport.EchoServer(names[2])) {
                assertThrows(UnknownNameException.class, () -> Flow.open(names[1]));
                assertThrows(UnknownNameException.class, () -> Flow.open(names[3]));
                try (Flow f = Flow.open(names[0])) {
                    assertArrayEquals(new byte[] {1}, TestSupport.roundTrip(f, new byte[] {1}));
                }
            }
        });
    }

    /** Starts Peer "bind-and-wait", finds its socket, kills it with -9; returns the stale socket. */
    private static Path bindAndKill(String name) throws Exception {
        Path stale;
        try (PeerProcess peer = PeerProcess.start("bind-and-wait", name)) {
            peer.expect("READY");
            stale = TestSupport.nameDirOf(peer.pid(), TestSupport.list(TestSupport.rendezvousDir()));
            assertNotNull(stale, "the peer's listener socket");
            stale = stale.resolve(peer.pid() + ".s");
            peer.kill();
        }
        assertTrue(Files.exists(stale), "kill -9 leaves the socket file behind: " + stale);
        return stale;
    }

    // Embedded only: it looks at the rendezvous directory of the embedded layer.
    @Test
    @Tag("embedded")
    void nameWhoseOnlyServerDiedFailsFast() throws Exception {
        String name = TestSupport.unique("died");
        assertTimeoutPreemptively(LIMIT, () -> {
            Path stale = bindAndKill(name);
            long t0 = System.nanoTime();
            UnknownNameException e = assertThrows(UnknownNameException.class,
                    () -> Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1000, "failing took " + ms + " ms");
            assertEquals("ENAME", e.errorName());
            assertFalse(Files.exists(stale), "the stale socket is cleaned up: " + stale);
            // And again, now that nothing is left.
            assertThrows(UnknownNameException.class, () -> Flow.open(name));
            // A new server takes the name.
            try (TestSupport.EchoServer server = new TestSupport.EchoServer(name);
                 Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                assertArrayEquals(new byte[] {7}, TestSupport.roundTrip(f, new byte[] {7}));
            }
        });
    }

    // Embedded only: it looks for the killed server's socket file in the rendezvous directory.
    @Test
    @Tag("embedded")
    void staleSocketNeverBlocksANewServer() throws Exception {
        String name = TestSupport.unique("stale");
        assertTimeoutPreemptively(LIMIT, () -> {
            Path stale = bindAndKill(name);
            try (TestSupport.EchoServer server = new TestSupport.EchoServer(name)) {
                // Allocations draw a server at random: every one must land on the live one.
                for (int i = 0; i < 20; i++) {
                    try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                        assertArrayEquals(new byte[] {(byte) i}, TestSupport.roundTrip(f, new byte[] {(byte) i}),
                                "allocation " + i);
                    }
                }
                assertFalse(Files.exists(stale), "the stale socket was met and cleaned up: " + stale);
                assertEquals(20, server.accepted.get());
            }
        });
    }

    // Embedded only: it plants a socket file in the rendezvous directory.
    @Test
    @Tag("embedded")
    void plantedStaleSocketUnderOurOwnPidDoesNotBlockBinding() throws Exception {
        // A stale "<pid>.s" of *this* pid (planted, as a dead process with a
        // recycled pid would leave it) must not stop this process from binding.
        String name = TestSupport.unique("planted");
        assertTimeoutPreemptively(LIMIT, () -> {
            Path dir;
            try (FlowServerChannel first = FlowServerChannel.open().bind(name)) {
                dir = TestSupport.nameDirOf(ProcessHandle.current().pid(),
                        TestSupport.list(TestSupport.rendezvousDir()));
                assertNotNull(dir);
            }
            Path mine = dir.resolve(ProcessHandle.current().pid() + ".s");
            assertFalse(Files.exists(mine), "closing the server removes its socket");
            assertFalse(Files.exists(dir), "and the name's folder, left empty");
            // As a dead process with our pid would have left it: the folder with its socket.
            Files.createDirectory(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
            // Plant a dead socket under our own file name.
            String py = "import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_SEQPACKET)\n"
                    + "s.bind(sys.argv[1])\n";
            org.junit.jupiter.api.Assumptions.assumeTrue(HostilePeerTest.python() != null, "python3 is needed");
            Process p = TestSupport.python(HostilePeerTest.python(), "-c", py, mine.toString())
                    .redirectErrorStream(true).start();
            try {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, p.waitFor(), out);
            } finally {
                TestSupport.kill(p);
            }
            assertTrue(Files.exists(mine));
            try (TestSupport.EchoServer server = new TestSupport.EchoServer(name);
                 Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                assertArrayEquals(new byte[] {9}, TestSupport.roundTrip(f, new byte[] {9}));
            }
        });
    }

    /**
     * unbindProcess undoes bindProcess only: a server channel's binding is
     * its own. Embedded only: on the system layer both are one IRMd binding
     * of the process (irm_bind_process), as in Ouroboros.
     */
    @org.junit.jupiter.api.Test
    @org.junit.jupiter.api.Tag("embedded")
    void unbindProcessLeavesServerBindingsAlone() throws Exception {
        String name = TestSupport.unique("unbind-server");
        try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            org.junit.jupiter.api.Assertions.assertThrows(UnknownNameException.class,
                    () -> Ouroboros.unbindProcess(name));
            Ouroboros.bindProcess(name);
            Ouroboros.unbindProcess(name);
            try (HelperThread<Void> client = HelperThread.start("client", () -> {
                try (Flow f = Flow.open(name)) {
                    f.write(java.nio.ByteBuffer.wrap(new byte[] {42}));
                }
            })) {
                try (Flow f = server.accept()) {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4);
                    org.junit.jupiter.api.Assertions.assertEquals(1, f.read(b));
                }
                client.join();
            }
        }
    }
}
