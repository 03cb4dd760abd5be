/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nothing is left behind in the rendezvous directory: a name's folder goes
 * with its last entry; the entries of a process killed with -9 are gone by
 * the next bind or allocation of the name; a process that exits normally
 * (or on SIGTERM) without closing removes its own.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class LeftoverEntriesTest {
    private static final Duration LIMIT = Duration.ofSeconds(120);

    private static List<String> nameFolders() throws Exception {
        return folders("n-");
    }

    /** The rendezvous folders whose names start with prefix ("n-": names, "b-": broadcast layers). */
    private static List<String> folders(String prefix) throws Exception {
        List<String> l = new ArrayList<>(TestSupport.list(TestSupport.rendezvousDir()));
        l.removeIf(s -> !s.startsWith(prefix));
        return l;
    }

    /**
     * A broadcast layer's folder goes with its last member: 200 layers
     * joined and left (one member, or two that leave in either order) leave
     * no folder; a layer still joined keeps its own.
     */
    @Test
    void broadcastLayersJoinedAndLeftLeaveNoFolder() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> before = folders("b-");
            String kept = TestSupport.unique("leftover-bc-kept");
            try (Flow stays = Flow.join(kept)) {
                for (int i = 0; i < 200; i++) {
                    String layer = TestSupport.unique("leftover-bc");
                    if (i % 2 == 0) {
                        Flow.join(layer).close();
                    } else {
                        Flow a = Flow.join(layer);
                        Flow b = Flow.join(layer);
                        (i % 4 == 1 ? a : b).close();
                        (i % 4 == 1 ? b : a).close();
                    }
                }
                List<String> left = folders("b-");
                left.removeAll(before);
                assertEquals(1, left.size(), left.size() + " folders after 200 layers joined and left, and one joined: "
                        + left.subList(0, Math.min(5, left.size())));
                assertTrue(stays.isOpen());
            }
            List<String> after = folders("b-");
            after.removeAll(before);
            assertEquals(List.of(), after, "the last layer's folder after its member left");
        });
    }

    /** Folders made since {@code before} that are empty or hold an entry of {@code pid}. */
    private static List<String> leftBy(long pid, List<String> before) throws Exception {
        List<String> left = new ArrayList<>();
        for (String f : nameFolders()) {
            if (before.contains(f)) {
                continue;
            }
            List<String> in = TestSupport.list(TestSupport.rendezvousDir().resolve(f));
            if (in.isEmpty() || in.stream().anyMatch(e -> e.startsWith(pid + ".") || e.startsWith("." + pid + "-"))) {
                left.add(f + in);
            }
        }
        return left;
    }

    @Test
    void aThousandNamesBoundAndReleasedLeaveNoFolder() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> before = nameFolders();
            long me = ProcessHandle.current().pid();
            for (int i = 0; i < 1000; i++) {
                String name = TestSupport.unique("leftover");
                if (i % 10 == 0) {
                    Ouroboros.bindProcess(name);
                    Ouroboros.unbindProcess(name);
                } else {
                    FlowServerChannel.open().bind(name).close();
                }
            }
            List<String> left = leftBy(me, before);
            assertEquals(List.of(), left.subList(0, Math.min(5, left.size())),
                    left.size() + " folders left by 1,000 names bound and released");
        });
    }

    /**
     * A member that exits on SIGTERM removes its own member file; one
     * killed with -9 leaves it until the next join of the layer, which
     * sweeps it; the folder then goes with the last member.
     */
    @Test
    void membersOfGoneProcessesLeaveNothingAfterTheNextJoin() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String layer = TestSupport.unique("leftover-bc-peers");
            List<String> before = folders("b-");
            Path dir;
            long killed;
            try (PeerProcess a = PeerProcess.start("broadcast", layer, "A", "1");
                    PeerProcess b = PeerProcess.start("broadcast", layer, "B", "1")) {
                a.expect("READY");
                b.expect("READY");
                List<String> made = folders("b-");
                made.removeAll(before);
                assertEquals(1, made.size(), "the layer's folder: " + made);
                dir = TestSupport.rendezvousDir().resolve(made.get(0));
                assertEquals(2, TestSupport.list(dir).size(), "two members: " + TestSupport.list(dir));
                killed = a.pid();
                a.kill(); // -9: its file stays
                b.close(); // SIGTERM: exits, and its exit removes its file
                List<String> left = TestSupport.list(dir);
                assertEquals(1, left.size(), "after the SIGTERM: " + left);
                assertTrue(left.get(0).startsWith(killed + "-"), "the killed member's file stays: " + left);
            }
            Flow.join(layer).close();
            assertFalse(Files.exists(dir), "after a join and leave: " + (Files.exists(dir) ? TestSupport.list(dir) : ""));
        });
    }

    /** A second JVM that binds names, then exits, is killed, or is told to exit (stdin). */
    static final class Holder implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final OutputStream in;

        Holder(String server, String bound) throws Exception {
            process = new ProcessBuilder(TestJvm.command(HolderMain.class, List.of(), server, bound))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            in = process.getOutputStream();
            assertEquals("READY", out.readLine(), "the holder JVM");
        }

        long pid() {
            return process.pid();
        }

        void exitNormally() throws Exception {
            in.write("exit\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the holder did not exit");
            assertEquals(0, process.exitValue(), "the holder's exit status");
        }

        @Override
        public void close() throws Exception {
            TestSupport.kill(process);
        }
    }

    /** Binds a server channel to args[0] and the process to args[1], never closes them, exits on "exit". */
    public static final class HolderMain {
        public static void main(String[] args) throws Exception {
            TestJvm.haltOnUncaughtException();
            FlowServerChannel s = FlowServerChannel.open().bind(args[0]);
            Ouroboros.bindProcess(args[1]);
            System.out.println("READY");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            // Returns with both still bound: the JVM exits normally, nothing closed.
            if (s.isOpen()) {
                return;
            }
        }
    }

    /** The new folders holding an entry of pid (the holder's two names). */
    private static List<Path> foldersOf(long pid, List<String> before) throws Exception {
        List<Path> l = new ArrayList<>();
        for (String f : nameFolders()) {
            Path d = TestSupport.rendezvousDir().resolve(f);
            if (!before.contains(f) && Files.exists(d.resolve(pid + ".s"))) {
                l.add(d);
            }
        }
        assertEquals(2, l.size(), "the holder's two folders: " + l);
        return l;
    }

    @Test
    void aKilledServersEntryIsGoneAfterTheNextBind() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String name = TestSupport.unique("killed-bind");
            List<String> before = nameFolders();
            List<Path> dirs;
            long pid;
            try (Holder h = new Holder(name, TestSupport.unique("killed-bind-proc"))) {
                pid = h.pid();
                dirs = foldersOf(pid, before);
                h.close(); // kill -9
            }
            for (Path d : dirs) {
                assertTrue(Files.exists(d.resolve(pid + ".s")), "kill -9 leaves the entries (until the next bind)");
            }
            long me = ProcessHandle.current().pid();
            try (FlowServerChannel s = FlowServerChannel.open().bind(name)) {
                Path mine = TestSupport.nameDirOf(me, dirs.stream().map(d -> d.getFileName().toString()).toList());
                assertNotNull(mine, "our bind went into one of the holder's folders: " + dirs);
                assertEquals(List.of(me + ".s"), TestSupport.list(mine), "the folder after our bind");
                Path other = dirs.get(dirs.get(0).equals(mine) ? 1 : 0);
                assertEquals(List.of(pid + ".s"), TestSupport.list(other), "the other name's folder, untouched");
                s.close();
                assertFalse(Files.exists(mine), "the folder after our close");
            }
        });
    }

    @Test
    void aKilledServersEntryIsGoneAfterTheNextOpen() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String name = TestSupport.unique("killed-open");
            List<String> before = nameFolders();
            List<Path> dirs;
            long pid;
            try (Holder h = new Holder(name, TestSupport.unique("killed-open-proc"))) {
                pid = h.pid();
                dirs = foldersOf(pid, before);
                h.close(); // kill -9
            }
            for (Path d : dirs) {
                assertTrue(Files.exists(d.resolve(pid + ".s")), "kill -9 leaves the entries (until the next open)");
            }
            assertThrows(UnknownNameException.class, () -> Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(5)).close());
            List<Path> left = new ArrayList<>(dirs);
            left.removeIf(d -> !Files.exists(d));
            assertEquals(1, left.size(), "the opened name's folder goes, the other name's stays: " + left);
            assertEquals(List.of(pid + ".s"), TestSupport.list(left.get(0)), "the other name's folder, untouched");
        });
    }

    @Test
    void aJvmThatExitsWithoutClosingLeavesNoEntry() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> before = nameFolders();
            try (Holder h = new Holder(TestSupport.unique("exit"), TestSupport.unique("exit-proc"))) {
                assertEquals(2, leftBy(h.pid(), before).size(), "the holder's two folders while it runs");
                h.exitNormally();
                assertEquals(List.of(), leftBy(h.pid(), before), "what the holder left at exit");
            }
        });
    }

    @Test
    void aJvmEndedWithSigtermLeavesNoEntry() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> before = nameFolders();
            try (Holder h = new Holder(TestSupport.unique("term"), TestSupport.unique("term-proc"))) {
                assertEquals(2, leftBy(h.pid(), before).size(), "the holder's two folders while it runs");
                h.process.destroy(); // SIGTERM
                assertTrue(h.process.waitFor(60, TimeUnit.SECONDS), "the holder did not exit on SIGTERM");
                assertEquals(List.of(), leftBy(h.pid(), before), "what the holder left at SIGTERM");
            }
        });
    }
}
