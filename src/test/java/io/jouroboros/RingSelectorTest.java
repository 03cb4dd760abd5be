/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Readiness of the embedded layer's shared-memory rings reaches a selector
 * through the flow set alone: a flow registered while its allocation is
 * pending (before it has rings) sees its data arrive without any change of
 * interest, and a full ring is not writable until the reader makes room.
 * Run on every layer: the contract is the selector's.
 */
@ExtendWith(HelperThread.Check.class)
class RingSelectorTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);

    @Test
    void aFlowRegisteredWhilePendingSeesItsData() {
        String name = TestSupport.unique("ring-pending");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    Selector sel = FlowSelectorProvider.provider().openSelector();
                    HelperThread<Void> peer = HelperThread.start("server", () -> {
                        Thread.sleep(300); // the client's select arms its key while pending
                        try (Flow a = server.accept()) {
                            Thread.sleep(200);
                            a.write(ByteBuffer.wrap(new byte[] {42}));
                            a.read(ByteBuffer.allocate(1)); // until the client closes
                        }
                    });
                    Flow f = Flow.open()) {
                f.configureBlocking(false);
                boolean connected = f.connect(name, QoSSpec.raw(), null);
                SelectionKey k = f.register(sel, OP_CONNECT | OP_READ);
                assertFalse(connected, "pending: the server accepts later");
                ByteBuffer b = ByteBuffer.allocate(4);
                long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!connected && System.nanoTime() < end) {
                    sel.select(1000);
                    sel.selectedKeys().clear();
                    if (k.isConnectable()) {
                        connected = f.finishConnect();
                    }
                }
                // The server writes 200 ms after it accepted: a select that returns sooner is woken by it.
                sel.selectedKeys().clear();
                while (b.position() == 0 && System.nanoTime() < end) {
                    int n = sel.select(5000);
                    assertTrue(n == 1 || f.read(b) == 0, "a select that said nothing while an SDU waited");
                    if (n == 1) {
                        assertTrue(k.isReadable(), "ready " + k.readyOps());
                        sel.selectedKeys().clear();
                        assertTrue(f.read(b) >= 0);
                    }
                }
                assertTrue(connected, "connected");
                assertEquals(1, b.position(), "the SDU reached the selector with interest unchanged");
                assertEquals(42, b.get(0));
                f.close();
                peer.join(Duration.ofSeconds(10));
            }
        });
    }

    @Test
    void aFullFlowIsWritableOnlyOnceTheReaderMakesRoom() {
        String name = TestSupport.unique("ring-full");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    Flow f = Flow.open();
                    Selector sel = FlowSelectorProvider.provider().openSelector()) {
                Flow a = connectNonBlocking(f, server, name);
                SelectionKey k = f.register(sel, OP_WRITE);
                assertEquals(1, sel.selectNow(), "an empty flow is writable");
                sel.selectedKeys().clear();
                int n = 0;
                while (f.writeMessage(ByteBuffer.allocate(1000)) > 0) {
                    n++;
                    assertTrue(n < 100_000, "never full");
                }
                assertEquals(0, sel.select(200), "full: not writable");
                ByteBuffer b = ByteBuffer.allocate(1001);
                for (int i = 0; i < n; i++) {
                    b.clear();
                    assertEquals(1000, a.readMessage(b));
                }
                assertEquals(1, sel.select(5000), "room again: writable");
                assertTrue(k.isWritable());
                a.close();
            }
        });
    }

    /**
     * A flow whose SDUs were all read is not selected again until another
     * comes, as a socket drained to empty is not: no select that wakes for
     * a read finding nothing (the ring's wake-up goes with its last SDU).
     */
    @Test
    void aFlowReadToEmptyIsNotSelectedAgain() {
        withPair("ring-settle", LIMIT, (sel, f, a) -> {
            SelectionKey k = f.register(sel, OP_READ);
            ByteBuffer b = ByteBuffer.allocate(16);
            for (int i = 0; i < 200; i++) {
                int burst = 1 + i % 3;
                for (int j = 0; j < burst; j++) {
                    a.writeMessage(ByteBuffer.wrap(new byte[] {(byte) i, (byte) j}));
                }
                for (int j = 0; j < burst; j++) {
                    assertEquals(1, sel.select(5000), "round " + i + ": the SDU " + j + " selects the flow");
                    assertTrue(k.isReadable(), "ready " + k.readyOps());
                    sel.selectedKeys().clear();
                    b.clear();
                    assertEquals(2, f.readMessage(b), "round " + i + ", SDU " + j);
                    assertEquals((byte) i, b.get(0));
                    assertEquals(j, b.get(1));
                }
                assertEquals(0, sel.selectNow(), "round " + i + ": read to empty, yet selected");
            }
        });
    }

    /**
     * SDUs read without a select in between leave no readiness behind: the
     * wake-up their first one made is still queued, but the selector looks at
     * the ring before it reports one (EV_RING), and finds it empty.
     */
    @Test
    void aFlowReadWithoutSelectIsNotSelectedAfter() {
        withPair("ring-unselected", LIMIT, (sel, f, a) -> {
            SelectionKey k = f.register(sel, OP_READ);
            assertEquals(0, sel.selectNow());
            ByteBuffer b = ByteBuffer.allocate(16);
            for (int i = 0; i < 100; i++) {
                for (int j = 0; j < 3; j++) {
                    a.writeMessage(ByteBuffer.wrap(new byte[] {(byte) i, (byte) j}));
                }
                for (int j = 0; j < 3; j++) {
                    b.clear();
                    int n;
                    long end = System.nanoTime() + LIMIT.toNanos();
                    while ((n = f.readMessage(b)) == 0 && System.nanoTime() < end) {
                        Thread.onSpinWait();
                    }
                    assertEquals(2, n, "round " + i + ", SDU " + j);
                    assertEquals(j, b.get(1));
                }
                assertEquals(0, f.readMessage(b.clear()), "round " + i + ": a fourth SDU");
                assertEquals(0, sel.selectNow(), "round " + i + ": all read, yet selected");
                assertFalse(sel.selectedKeys().contains(k));
            }
        });
    }

    /**
     * More unread ring flows than a selector looks at in one native call
     * (256) and than one wait returns: each select reports every one of
     * them still (level-triggered), and none once all are read.
     */
    @Test
    void moreReadableRingsThanOneLookTakes() throws Exception {
        Assumptions.assumeTrue(Ouroboros.layer() == Layer.EMBEDDED, "rings are the embedded layer's");
        String name = TestSupport.unique("ring-many");
        int n = 300;
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            List<Flow> open = new ArrayList<>();
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    Selector sel = FlowSelectorProvider.provider().openSelector()) {
                Flow[] ours = new Flow[n];
                Flow[] theirs = new Flow[n];
                for (int i = 0; i < n; i++) {
                    ours[i] = Flow.open();
                    open.add(ours[i]);
                    theirs[i] = connectNonBlocking(ours[i], server, name);
                    open.add(theirs[i]);
                    ours[i].register(sel, OP_READ, i);
                }
                for (int i = 0; i < n; i++) {
                    theirs[i].writeMessage(ByteBuffer.wrap(new byte[] {(byte) i}));
                }
                // Selected keys kept: the selects add to them until every flow is in.
                long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (sel.selectedKeys().size() < n && System.nanoTime() < end) {
                    sel.select(1000);
                }
                assertEquals(n, sel.selectedKeys().size(), "flows selected");
                sel.selectedKeys().clear();
                assertEquals(n, sel.selectNow(), "none read: every one again");
                for (SelectionKey k : sel.selectedKeys()) {
                    assertTrue(k.isReadable(), "key " + k.attachment());
                }
                sel.selectedKeys().clear();
                ByteBuffer b = ByteBuffer.allocate(16);
                for (int i = 0; i < n; i++) {
                    assertEquals(1, ours[i].readMessage(b.clear()), "flow " + i);
                    assertEquals((byte) i, b.get(0));
                }
                assertEquals(0, sel.selectNow(), "all read, yet selected");
            } finally {
                for (Flow f : open) {
                    f.close();
                }
            }
        });
    }

    /**
     * A server that writes first: the client's key waits for OP_CONNECT
     * (which watches for data too), finishes, and turns to OP_READ: the
     * greeting that came meanwhile is reported.
     */
    @Test
    void aGreetingThatCameWhileConnectingIsReported() {
        String name = TestSupport.unique("ring-greeting");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    Selector sel = FlowSelectorProvider.provider().openSelector()) {
                for (int round = 0; round < 20; round++) {
                    // Even rounds wait for OP_CONNECT, then ask for OP_READ; odd ones ask for
                    // OP_READ alone from the start and finish the connection by polling.
                    boolean viaConnect = round % 2 == 0;
                    try (Flow c = Flow.open()) {
                        c.configureBlocking(false);
                        boolean connected = c.connect(name, QoSSpec.raw(), null);
                        SelectionKey k = c.register(sel, connected || !viaConnect ? OP_READ : OP_CONNECT);
                        try (Flow a = server.accept()) {
                            a.writeMessage(ByteBuffer.wrap(new byte[] {(byte) round}));
                            long end = System.nanoTime() + LIMIT.toNanos();
                            while (!connected && System.nanoTime() < end) {
                                if (viaConnect) {
                                    sel.select(1000);
                                    if (k.isConnectable()) {
                                        connected = c.finishConnect();
                                    }
                                    sel.selectedKeys().clear();
                                } else {
                                    assertEquals(0, sel.selectNow(), "round " + round + ": readable while connecting");
                                    connected = c.finishConnect();
                                    Thread.sleep(1);
                                }
                            }
                            assertTrue(connected, "round " + round + ": connected");
                            if (viaConnect) {
                                k.interestOps(OP_READ);
                            }
                            assertEquals(1, sel.select(5000), "round " + round + ": the greeting selects the flow");
                            assertTrue(k.isReadable());
                            sel.selectedKeys().clear();
                            ByteBuffer b = ByteBuffer.allocate(16);
                            assertEquals(1, c.readMessage(b), "round " + round);
                            assertEquals((byte) round, b.get(0));
                            assertEquals(0, sel.selectNow(), "round " + round + ": read to empty, yet selected");
                        }
                        k.cancel();
                    }
                }
            }
        });
    }

    /**
     * The selector in one thread, the reads in another with the interest left
     * on: every SDU is read, none sits in the ring unreported (the selector's
     * look at a ring races the reader's reads).
     */
    @Test
    void aWorkerThreadReadsWhatTheSelectorReports() {
        int total = 20_000;
        withPair("ring-worker", Duration.ofSeconds(90), (sel, f, a) -> {
            SelectionKey k = f.register(sel, OP_READ);
            Semaphore reported = new Semaphore(0);
            AtomicBoolean done = new AtomicBoolean();
            try (HelperThread<Integer> worker = HelperThread.call("ring-worker", () -> {
                    ByteBuffer b = ByteBuffer.allocate(16);
                    int got = 0;
                    try {
                        while (got < total) {
                            if (!reported.tryAcquire(30, TimeUnit.SECONDS)) {
                                throw new AssertionError("no report for 30 s after SDU " + got);
                            }
                            reported.drainPermits();
                            while (f.readMessage(b.clear()) > 0) {
                                assertEquals(got, b.getInt(0), "in order");
                                got++;
                            }
                        }
                    } finally {
                        done.set(true);
                        sel.wakeup();
                    }
                    return got;
                });
                    HelperThread<Void> writer = HelperThread.start("ring-writer", () -> {
                        for (int i = 0; i < total; i++) {
                            a.writeMessage(ByteBuffer.allocate(4).putInt(0, i));
                            if (i % 16 == 0) {
                                Thread.yield();
                            }
                        }
                    })) {
                while (!done.get()) {
                    sel.select(100);
                    if (sel.selectedKeys().remove(k)) {
                        reported.release();
                    }
                }
                writer.join();
                assertEquals(total, worker.join());
            }
        });
    }

    /**
     * A flow both readable and writable is reported once a select, with both
     * ready at once: one action with OP_READ | OP_WRITE, and a count of one.
     */
    @Test
    void readAndWriteReadinessComeTogether() {
        withPair("ring-both", LIMIT, (sel, f, a) -> {
            a.writeMessage(ByteBuffer.wrap(new byte[] {1}));
            SelectionKey k = f.register(sel, OP_READ | OP_WRITE);
            for (int i = 0; i < 5; i++) {
                List<Integer> seen = new ArrayList<>();
                long end = System.nanoTime() + LIMIT.toNanos();
                // Until the SDU's readiness is in (on the system layer it may come a little later).
                while (seen.isEmpty() || seen.get(seen.size() - 1) != (OP_READ | OP_WRITE)) {
                    assertTrue(System.nanoTime() < end, "select " + i + ": seen " + seen);
                    seen.clear();
                    assertEquals(1, sel.select(key -> seen.add(key.readyOps()), 5000), "select " + i);
                }
                assertEquals(List.of(OP_READ | OP_WRITE), seen, "select " + i + ": one action, both ops");
            }
            assertEquals(1, sel.selectNow(), "one key");
            assertEquals(OP_READ | OP_WRITE, k.readyOps());
        });
    }

    /**
     * A selector with nothing to report sleeps: after an SDU was selected and
     * read, a blocking select that waits a second costs its thread almost no
     * CPU (a wake-up left behind must not come back again and again).
     */
    @Test
    void anIdleSelectorSleeps() {
        withPair("ring-idle", LIMIT, (sel, f, a) -> {
            SelectionKey k = f.register(sel, OP_READ);
            ByteBuffer b = ByteBuffer.allocate(16);
            for (int i = 0; i < 3; i++) {
                a.writeMessage(ByteBuffer.wrap(new byte[] {(byte) i}));
                assertEquals(1, sel.select(5000), "round " + i);
                sel.selectedKeys().clear();
                assertEquals(1, f.readMessage(b.clear()));
                long cpu = threadCpuNanos();
                long t0 = System.nanoTime();
                assertEquals(0, sel.select(1000), "round " + i + ": nothing to report");
                long wall = System.nanoTime() - t0;
                cpu = threadCpuNanos() - cpu;
                assertTrue(wall >= 900_000_000L, "round " + i + ": the select waited " + wall / 1_000_000 + " ms");
                assertTrue(cpu < wall / 5, "round " + i + ": the select spun: " + cpu / 1_000_000
                        + " ms of CPU in " + wall / 1_000_000 + " ms");
                assertFalse(k.isReadable() && sel.selectedKeys().contains(k));
            }
        });
    }

    /**
     * Two selectors on one flow: one in a thread of its own selecting all the
     * time (its looks find rings empty and drain their wake-ups), the other
     * here, which must see every SDU come. (The narrowest race, a drain that
     * takes the wake-up of an SDU put between its two looks, is covered by
     * the signal again after the second look, e_flow_rx_ready; this loop did
     * not reach it with that signal removed, in two runs of 20,000 SDUs.)
     */
    @Test
    void aSecondSelectorNeverTakesTheFirstsWakeUp() {
        int total = 20_000;
        withPair("ring-two-selectors", Duration.ofSeconds(90), (mine, f, a) -> {
            try (Selector other = FlowSelectorProvider.provider().openSelector()) {
                SelectionKey k = f.register(mine, OP_READ);
                f.register(other, OP_READ);
                AtomicBoolean done = new AtomicBoolean();
                try (HelperThread<Void> noisy = HelperThread.start("ring-other-selector", () -> {
                    while (!done.get()) {
                        other.selectNow();
                        other.selectedKeys().clear();
                    }
                })) {
                    ByteBuffer b = ByteBuffer.allocate(16);
                    for (int i = 0; i < total; i++) {
                        a.writeMessage(ByteBuffer.allocate(4).putInt(0, i));
                        assertEquals(1, mine.select(10_000), "SDU " + i + " reported");
                        assertTrue(k.isReadable());
                        mine.selectedKeys().clear();
                        assertEquals(4, f.readMessage(b.clear()), "SDU " + i);
                        assertEquals(i, b.getInt(0));
                    }
                    done.set(true);
                    other.wakeup();
                    noisy.join();
                }
            }
        });
    }

    /** A test's body: a selector, our flow f (non-blocking, connected) and a, the accepted end. */
    @FunctionalInterface
    private interface PairBody {
        void run(Selector sel, Flow f, Flow a) throws Exception;
    }

    /** Runs body on a fresh pair and selector, under a name from prefix, within limit; closes them all. */
    private static void withPair(String prefix, Duration limit, PairBody body) {
        String name = TestSupport.unique(prefix);
        assertTimeoutPreemptively(limit, () -> {
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    Flow f = Flow.open();
                    Selector sel = FlowSelectorProvider.provider().openSelector();
                    Flow a = connectNonBlocking(f, server, name)) {
                body.run(sel, f, a);
            }
        });
    }

    /** The calling thread's time on a CPU so far (Linux: /proc/thread-self/schedstat). */
    private static long threadCpuNanos() throws java.io.IOException {
        String s = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/schedstat"));
        return Long.parseLong(s.substring(0, s.indexOf(' ')));
    }

    /** Connects f, non-blocking, to the server's name: the accepted end. */
    private static Flow connectNonBlocking(Flow f, FlowServerChannel server, String name) throws Exception {
        f.configureBlocking(false);
        boolean connected = f.connect(name, QoSSpec.raw(), null);
        Flow a = server.accept();
        while (!connected) {
            Thread.sleep(1);
            connected = f.finishConnect();
        }
        return a;
    }
}
