/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nothing leaks: after many open/use/close cycles the JVM holds exactly the
 * descriptors (and shared-memory mappings) it held before.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class LeakTest {
    private static final Duration SETTLE = Duration.ofSeconds(5);

    /**
     * Lets descriptors of earlier test classes go (peer pipes closed by the
     * JDK's reaper, unreachable channels), so the baselines are stable.
     */
    @org.junit.jupiter.api.BeforeAll
    static void quiet() throws Exception {
        System.gc();
        int last = TestSupport.openFds();
        long stableSince = System.nanoTime();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() - stableSince < 500_000_000L && System.nanoTime() < deadline) {
            Thread.sleep(50);
            int n = TestSupport.openFds();
            if (n != last) {
                last = n;
                stableSince = System.nanoTime();
            }
        }
    }

    /** Mappings of flow counter pages (memfd "jouroboros-flow") in this process. */
    private static long flowMappings() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("jouroboros-flow")).count();
    }

    /**
     * Nothing opened meanwhile is still open: no descriptor that was not
     * there before, no more flow counter mappings than before. Fewer is no
     * leak (an earlier test's peer or flow may end meanwhile).
     */
    private static void assertSettled(String what, Map<String, String> fdsBefore, long mapsBefore)
            throws Exception {
        TestSupport.assertNoNewFds(fdsBefore, SETTLE, what);
        long deadline = System.nanoTime() + SETTLE.toNanos();
        long maps = flowMappings();
        while (maps > mapsBefore && System.nanoTime() < deadline) {
            Thread.sleep(20);
            maps = flowMappings();
        }
        assertTrue(maps <= mapsBefore, what + ": flow counter mappings before/after: " + mapsBefore + "/" + maps);
    }

    /** A server in this JVM: accept, echo one SDU, close; until the server channel closes. */
    private static HelperThread<Void> oneShotEchoServer(FlowServerChannel server, AtomicReference<Throwable> error) {
        return HelperThread.start("leak-echo", () -> {
            ByteBuffer b = ByteBuffer.allocateDirect(256);
            while (true) {
                try (Flow f = server.accept()) {
                    b.clear();
                    int n = f.readMessage(b);
                    if (n < 0) {
                        continue;
                    }
                    b.flip();
                    f.writeMessage(b);
                } catch (java.nio.channels.ClosedChannelException e) {
                    return;
                } catch (Throwable e) {
                    error.compareAndSet(null, e);
                    throw e;
                }
            }
        });
    }

    private static void cycle(String name, ByteBuffer out, ByteBuffer in, int i) throws IOException {
        try (Flow f = Flow.open(name)) {
            out.clear().putInt(i).flip();
            f.writeMessage(out);
            in.clear();
            int n = f.readMessage(in);
            if (n != 4 || in.getInt(0) != i) {
                throw new AssertionError("cycle " + i + ": read " + n);
            }
        }
    }

    @Test
    void tenThousandFlowsLeaveNothingBehind() throws Exception {
        String name = TestSupport.unique("leak");
        assertTimeoutPreemptively(Duration.ofSeconds(45), () -> {
            AtomicReference<Throwable> error = new AtomicReference<>();
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    HelperThread<Void> t = oneShotEchoServer(server, error)) {
                ByteBuffer out = ByteBuffer.allocateDirect(4);
                ByteBuffer in = ByteBuffer.allocateDirect(16);
                for (int i = 0; i < 200; i++) { // warm-up: scratch buffers, JIT, thread locals
                    cycle(name, out, in, i);
                }
                Thread.sleep(100);
                Map<String, String> fds = TestSupport.fdSnapshot();
                long maps = flowMappings();
                long t0 = System.nanoTime();
                for (int i = 0; i < 10_000; i++) {
                    cycle(name, out, in, i);
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.printf("10000 open/accept/echo/close cycles in %d ms (%.1f us each)%n", ms,
                        ms * 1000.0 / 10_000);
                assertEquals(null, error.get(), "server side");
                assertSettled("10000 flows", fds, maps);
                server.close();
                t.await(Duration.ofSeconds(5));
                assertFalse(t.isAlive());
                t.join();
            }
        });
    }

    @Test
    void heapBuffersAndPartialReadsLeaveNothingBehind() throws Exception {
        // Partial reads keep the rest of an SDU in native memory: closing with a rest pending frees it.
        String name = TestSupport.unique("leak-rest");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
                Map<String, String> fds = Map.of();
                long maps = -1;
                for (int i = 0; i < 1200; i++) {
                    if (i == 200) {
                        fds = TestSupport.fdSnapshot();
                        maps = flowMappings();
                    }
                    try (TestSupport.Pair p = TestSupport.connect(server, name)) {
                        p.server.writeMessage(ByteBuffer.allocate(5000));
                        p.server.writeMessage(ByteBuffer.allocate(7));
                        assertEquals(100, p.client.readMessage(ByteBuffer.allocate(100)));
                    }
                }
                assertSettled("1000 flows closed with unread data", fds, maps);
            }
        });
    }

    /**
     * A flow closed under a read blocked in it: the read holds the flow's read
     * lock over its handle, so the close leaves the free to it (Flow,
     * NativeRef.afterUnlock). Each flow must go all the same: descriptors,
     * rings, counters.
     */
    @Test
    void flowsClosedUnderBlockedReadsLeaveNothingBehind() throws Exception {
        String name = TestSupport.unique("leak-blocked");
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
                Map<String, String> fds = Map.of();
                long maps = -1;
                for (int i = 0; i < 120; i++) {
                    if (i == 20) {
                        fds = TestSupport.fdSnapshot();
                        maps = flowMappings();
                    }
                    try (TestSupport.Pair p = TestSupport.connect(server, name);
                            HelperThread<String> r = HelperThread.call("blocked-read", () -> {
                                try {
                                    return "read " + p.client.read(ByteBuffer.allocateDirect(64));
                                } catch (java.nio.channels.AsynchronousCloseException e) {
                                    return "closed";
                                }
                            })) {
                        TestSupport.awaitIn(r.thread(), "flowRead", Duration.ofSeconds(10));
                        p.client.close();
                        assertEquals("closed", r.join(Duration.ofSeconds(10)), "flow " + i);
                    }
                }
                assertSettled("100 flows closed under a blocked read", fds, maps);
            }
        });
    }

    @Test
    void serverChannelsLeaveNothingBehind() throws Exception {
        String name = TestSupport.unique("leak-srv");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            List<String> before = TestSupport.list(TestSupport.rendezvousDir());
            List<String> mine;
            try (FlowServerChannel s = FlowServerChannel.open().bind(name, name + "-2")) {
                mine = new java.util.ArrayList<>(TestSupport.list(TestSupport.rendezvousDir()));
                mine.removeAll(before);
            }
            assertEquals(2, mine.size(), "one directory per name: " + mine);
            Map<String, String> fds = TestSupport.fdSnapshot();
            for (int i = 0; i < 1000; i++) {
                try (FlowServerChannel s = FlowServerChannel.open()) {
                    s.bind(name);
                    if (i % 2 == 0) {
                        s.bind(name + "-2", name); // several names, one twice
                    }
                    if (i % 100 == 0) {
                        // A non-blocking accept with nothing waiting, now and then.
                        s.configureBlocking(false);
                        assertEquals(null, s.accept());
                    }
                }
            }
            assertSettled("1000 server channels", fds, flowMappings());
            for (String d : mine) {
                Path dir = TestSupport.rendezvousDir().resolve(d);
                assertEquals(List.of(), TestSupport.list(dir), "no socket left in " + dir);
            }
            assertTrue(org.junit.jupiter.api.Assertions.assertThrows(UnknownNameException.class,
                    () -> Flow.open(name)) != null, "unbound after close");
        });
    }

    @Test
    void processBindingsLeaveNothingBehind() throws Exception {
        String name = TestSupport.unique("leak-proc");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Ouroboros.bindProcess(name);
            Ouroboros.unbindProcess(name);
            Map<String, String> fds = TestSupport.fdSnapshot();
            for (int i = 0; i < 1000; i++) {
                Ouroboros.bindProcess(name);
                Ouroboros.bindProcess(name);
                Ouroboros.unbindProcess(name);
                Ouroboros.unbindProcess(name);
            }
            assertSettled("1000 process bindings", fds, flowMappings());
            org.junit.jupiter.api.Assertions.assertThrows(UnknownNameException.class,
                    () -> Ouroboros.unbindProcess(name), "one unbind too many");
        });
    }

    @Test
    void broadcastJoinsLeaveNothingBehind() throws Exception {
        String layer = TestSupport.unique("leak-bcast");
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (Flow keep = Flow.join(layer)) { // the folder exists from here on
                keep.receiveTimeout(Duration.ofSeconds(5));
                Map<String, String> fds = TestSupport.fdSnapshot();
                for (int i = 0; i < 1000; i++) {
                    try (Flow f = Flow.join(layer)) {
                        if (i % 10 == 0) {
                            f.writeMessage(ByteBuffer.wrap(new byte[] {1}));
                            // keep reads it, so its queue never fills (see BroadcastTest).
                            assertEquals(1, keep.readMessage(ByteBuffer.allocate(8)));
                        }
                    }
                }
                assertSettled("1000 joins", fds, flowMappings());
                long pid = ProcessHandle.current().pid();
                Path dir = null;
                for (String e : TestSupport.list(TestSupport.rendezvousDir())) {
                    Path d = TestSupport.rendezvousDir().resolve(e);
                    if (e.startsWith("b-") && TestSupport.list(d).stream().anyMatch(n -> n.startsWith(pid + "-"))) {
                        dir = d;
                    }
                }
                assertTrue(dir != null);
                assertEquals(1, TestSupport.list(dir).size(), "only the member still joined: " + TestSupport.list(dir));
            }
        });
    }

    @Test
    void failedAllocationsLeaveNothingBehind() throws Exception {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            String nobody = TestSupport.unique("leak-nobody");
            for (int i = 0; i < 10; i++) {
                org.junit.jupiter.api.Assertions.assertThrows(UnknownNameException.class, () -> Flow.open(nobody));
            }
            Map<String, String> fds = TestSupport.fdSnapshot();
            for (int i = 0; i < 1000; i++) {
                org.junit.jupiter.api.Assertions.assertThrows(UnknownNameException.class, () -> Flow.open(nobody));
                org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Flow.open(""));
            }
            assertSettled("1000 failed allocations", fds, flowMappings());
        });
    }
}
