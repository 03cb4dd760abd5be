/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static java.nio.channels.SelectionKey.OP_READ;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.irm.Irm;
import io.jouroboros.irm.IrmException;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Ouroboros 0.23 defects the system layer contains, each seen on a flow
 * through the IRMd to a second process (flows inside one JVM never reach
 * the IRMd), and interop with the C tools ({@code oecho}, {@code irm}).
 * Runs only in the system-layer execution, and only when an IRMd answers.
 */
@Tag("system")
@ExtendWith(HelperThread.Check.class)
class SystemLayerTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Native threads of this JVM with the given name (the layer names its own). */
    private static int threadsNamed(String name) throws IOException {
        int n = 0;
        File[] tasks = new File("/proc/self/task").listFiles();
        if (tasks == null) {
            return -1;
        }
        for (File t : tasks) {
            try {
                if (Files.readString(t.toPath().resolve("comm")).trim().equals(name)) {
                    n++;
                }
            } catch (IOException e) {
                // the thread ended meanwhile
            }
        }
        return n;
    }

    /** A name only the IRMd probe below binds (to processes that are gone), destroyed after the class. */
    private static final String PROBE = TestSupport.unique("sys-probe");

    @AfterAll
    static void destroyProbeName() {
        try {
            Irm.destroyName(PROBE);
        } catch (IOException | RuntimeException e) {
            // never created: no probe found a process still listed
        }
    }

    /**
     * Whether the IRMd still lists the process: it binds only a process it
     * lists (the probe undoes the binding at once).
     */
    private static boolean irmdLists(long pid) throws IOException {
        try {
            Irm.bindProcess(pid, PROBE);
        } catch (IrmException e) {
            return false;
        }
        try {
            Irm.unbindProcess(pid, PROBE);
        } catch (IrmException e) {
            return false; // forgotten between the two calls (the IRMd refuses with EPERM)
        }
        return true;
    }

    /**
     * Waits until the IRMd no longer lists a process of ours that is gone
     * (reaped). The IRMd looks for dead processes about once a second; until
     * then it may still hand a flow to a name's dead process, and the next
     * test's client waits on a flow nobody accepts.
     */
    private static void awaitIrmdForgets(long pid) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (irmdLists(pid)) {
            assertTrue(System.nanoTime() < deadline, "the IRMd still lists process " + pid + " 10 s after its death");
            Thread.sleep(50);
        }
    }

    /** Kills and reaps a process we started (if it still runs), then waits until the IRMd forgot it. */
    private static void killAndForget(Process p) throws Exception {
        TestSupport.kill(p);
        awaitIrmdForgets(p.pid());
    }

    @FunctionalInterface
    private interface PeerBody {
        void run(PeerProcess peer) throws Exception;
    }

    /**
     * Runs body with a Peer started with {@code args}; after it, whatever
     * happened, kills and reaps the peer and waits until the IRMd forgot it.
     */
    private static void withPeer(PeerBody body, String... args) throws Exception {
        PeerProcess peer = PeerProcess.start(args);
        Throwable failed = null;
        try (peer) {
            body.run(peer);
        } catch (Exception | Error e) {
            failed = e;
            throw e;
        } finally {
            try {
                awaitIrmdForgets(peer.pid());
            } catch (Exception | Error e) {
                if (failed == null) {
                    throw e;
                }
                failed.addSuppressed(e);
            }
        }
    }

    /** The number of such threads once it is at most {@code want}, or after {@code max}. */
    private static int settle(String thread, int want, Duration max) throws Exception {
        long deadline = System.nanoTime() + max.toNanos();
        int n = threadsNamed(thread);
        while (n > want && System.nanoTime() < deadline) {
            Thread.sleep(20);
            n = threadsNamed(thread);
        }
        return n;
    }

    /**
     * Ouroboros drops the rest of an SDU a small read does not take, and
     * follows a read that exactly fills the buffer with a fake empty read:
     * the layer reads whole SDUs and flow.c hands them out in parts.
     */
    /**
     * close() wakes a read blocked on an Ouroboros flow (to a server in
     * another JVM) at once. Ouroboros 0.23 wakes no one when close marks
     * the flow's rings down, so the read used to end only at the end of its
     * wait slice, 0 to 50 ms later; the system layer now wakes it
     * (o_rx_kick). Five closes, at different points of the slices: the
     * median must be under 15 ms.
     */
    @Test
    void closeWakesAReadBlockedOnAnOuroborosFlowAtOnce() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String name = TestSupport.unique("sys-close");
            try (PeerProcess peer = PeerProcess.start("echo-server", name)) {
                peer.expect("READY");
                double[] ms = new double[5];
                for (int i = 0; i < ms.length; i++) {
                    Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30));
                    AtomicLong woke = new AtomicLong();
                    try (HelperThread<Integer> t = HelperThread.call("blocked-read", () -> {
                        try {
                            return f.read(ByteBuffer.allocate(10));
                        } finally {
                            woke.set(System.nanoTime());
                        }
                    })) {
                        TestSupport.awaitIn(t.thread(), "flowRead", Duration.ofSeconds(10));
                        Thread.sleep(20 + 9 * i);
                        long t0 = System.nanoTime();
                        f.close();
                        Throwable e = t.joinThrown(Duration.ofSeconds(10));
                        assertTrue(e instanceof AsynchronousCloseException, "the blocked read ended with " + e);
                        ms[i] = (woke.get() - t0) / 1e6;
                    }
                }
                double[] sorted = ms.clone();
                java.util.Arrays.sort(sorted);
                System.out.println("read blocked on an Ouroboros flow woken by close after (ms) "
                        + java.util.Arrays.toString(ms));
                assertTrue(sorted[2] < 15, "median " + sorted[2] + " ms: " + java.util.Arrays.toString(ms));
            }
        });
    }

    @Test
    void smallReadsLoseNothingAndTheLargestSduComesWhole() {
        String name = TestSupport.unique("sys-small");
        assertTimeoutPreemptively(LIMIT, () -> withPeer(peer -> {
            peer.expect("READY");
            try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                byte[] sdu = random(1000, 1);
                f.writeMessage(ByteBuffer.wrap(sdu));
                f.writeMessage(ByteBuffer.wrap(new byte[] {7, 8, 9}));
                ByteBuffer all = ByteBuffer.allocate(1000);
                ByteBuffer small = ByteBuffer.allocateDirect(64);
                while (all.hasRemaining()) {
                    small.clear().limit(Math.min(64, all.remaining()));
                    int n = f.readMessage(small);
                    assertTrue(n > 0, "part of the SDU: " + n);
                    all.put(small.flip());
                }
                assertArrayEquals(sdu, all.array());
                assertEquals(0, f.readMessage(ByteBuffer.allocate(10)), "end-of-SDU marker after the exact fill");
                ByteBuffer next = ByteBuffer.allocate(10);
                assertEquals(3, f.readMessage(next), "the next SDU is whole");

                // The largest SDU, into a buffer of exactly its size: no fake empty SDU after it.
                int max = Ouroboros.maxSdu();
                byte[] big = random(max, 2);
                f.writeMessage(ByteBuffer.wrap(big));
                f.writeMessage(ByteBuffer.wrap(new byte[] {42}));
                ByteBuffer in = ByteBuffer.allocateDirect(max);
                assertEquals(max, f.readMessage(in));
                byte[] got = new byte[max];
                in.flip().get(got);
                assertArrayEquals(big, got);
                assertEquals(0, f.readMessage(ByteBuffer.allocate(10)), "our own end-of-SDU marker");
                ByteBuffer one = ByteBuffer.allocate(10);
                assertEquals(1, f.readMessage(one));
                assertEquals(42, one.get(0));
            }
        }, "message-echo-server", name));
    }

    /** A thread blocked in flow_read is never woken by Ouroboros: close() reaches it within a slice. */
    @Test
    void closeWakesABlockedReaderWithin100Ms() {
        String name = TestSupport.unique("sys-wake");
        assertTimeoutPreemptively(LIMIT, () -> withPeer(peer -> {
            peer.expect("READY");
            Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10));
            AtomicLong woke = new AtomicLong();
            try (f; HelperThread<Void> t = HelperThread.start("reader", () -> {
                try {
                    f.read(ByteBuffer.allocate(100));
                } finally {
                    woke.set(System.nanoTime());
                }
            })) {
                TestSupport.awaitIn(t.thread(), "flowRead", Duration.ofSeconds(10));
                Thread.sleep(300);
                long t0 = System.nanoTime();
                f.close();
                t.await(Duration.ofSeconds(5));
                assertFalse(t.isAlive(), "the reader is still blocked");
                Throwable thrown = t.joinThrown(Duration.ZERO);
                long ms = (woke.get() - t0) / 1_000_000;
                System.out.println("system layer: close woke a blocked reader after " + ms + " ms");
                assertEquals(AsynchronousCloseException.class, thrown.getClass(), thrown.toString());
                assertTrue(ms < 100, "woken after " + ms + " ms");
            }
        }, "echo-server", name));
    }

    /**
     * flow_dealloc blocks forever when the peer is gone and SDUs we sent are
     * unread: the layer's deallocation thread must end all the same.
     */
    @Test
    void closeWithADeadPeerAndUnreadDataEnds() {
        String name = TestSupport.unique("sys-dead");
        assertTimeoutPreemptively(LIMIT, () -> withPeer(peer -> {
            peer.expect("READY");
            try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                peer.expect("SENT");
                int before = threadsNamed("jour-dealloc");
                for (int i = 0; i < 5; i++) {
                    f.writeMessage(ByteBuffer.wrap(("unread " + i).getBytes(StandardCharsets.UTF_8)));
                }
                assertEquals(5, f.txQueueLength(), "the peer never reads");
                peer.kill();
                long t0 = System.nanoTime();
                f.close();
                assertTrue(System.nanoTime() - t0 < 500_000_000L, "close returns at once");
                int after = settle("jour-dealloc", before, Duration.ofSeconds(5));
                assertTrue(after <= before, "a deallocation thread is stuck: " + after + " > " + before);
            }
        }, "hold-server", name));
    }

    /** fevent has no wake-up: a select over Ouroboros flows still returns promptly on wakeup(). */
    @Test
    void wakeupEndsASelectOverOuroborosFlowsPromptly() {
        String name = TestSupport.unique("sys-sel");
        assertTimeoutPreemptively(LIMIT, () -> withPeer(peer -> {
            try (Selector sel = FlowSelectorProvider.provider().openSelector()) {
                peer.expect("READY");
                try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                    f.configureBlocking(false);
                    f.register(sel, OP_READ);
                    try (HelperThread<Long> t = HelperThread.call("select", () -> {
                        sel.select();
                        return System.nanoTime();
                    })) {
                        Thread.sleep(300);
                        assertTrue(t.isAlive(), "select() must block");
                        long t0 = System.nanoTime();
                        sel.wakeup();
                        // A select that threw fails here (it once passed: no time, a negative latency).
                        long back = t.join(Duration.ofSeconds(5));
                        long ms = (back - t0) / 1_000_000;
                        System.out.println("system layer: wakeup ended select after " + ms + " ms");
                        assertTrue(ms < 100, "select returned " + ms + " ms after wakeup");
                    }
                    // And data makes the key readable.
                    f.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                    assertEquals(1, sel.select(5000));
                }
            }
        }, "echo-server", name));
    }

    // ------------------------------------------------------- C tools

    private static String tool(String name) {
        Path p = TestSupport.tool(name);
        return p == null ? null : p.toString();
    }

    /** Runs a command to its end; its exit status, or -1 if it ran longer than {@code max} (then it is killed). */
    private static int run(Duration max, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            return p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS) ? p.exitValue() : -1;
        } finally {
            TestSupport.kill(p);
        }
    }

    /** Java client, C server: {@code oecho -l} bound to "oecho" with {@code irm bind process}. */
    @Test
    void javaClientTalksToTheOechoServer() {
        String oecho = tool("oecho");
        String irm = tool("irm");
        Assumptions.assumeTrue(oecho != null && irm != null, "oecho and irm are needed on the PATH");
        assertTimeoutPreemptively(LIMIT, () -> {
            Process server = new ProcessBuilder(oecho, "-l").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                // The IRMd knows the process once libouroboros-dev announced it.
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (run(Duration.ofSeconds(5), irm, "bind", "process", Long.toString(server.pid()), "name",
                        "oecho") != 0) {
                    assertTrue(System.nanoTime() < deadline, "irm bind process " + server.pid() + " name oecho");
                    Thread.sleep(50);
                }
                byte[] msg = "Java says hi!\0".getBytes(StandardCharsets.UTF_8);
                try (Flow f = Flow.open("oecho", QoSSpec.raw(), Duration.ofSeconds(10))) {
                    f.receiveTimeout(Duration.ofSeconds(10));
                    f.writeMessage(ByteBuffer.wrap(msg));
                    ByteBuffer in = ByteBuffer.allocate(256);
                    assertEquals(msg.length, f.readMessage(in));
                    assertArrayEquals(msg, java.util.Arrays.copyOf(in.array(), msg.length));
                    // oecho deallocates after one echo: the end is seen, and writes fail.
                    assertEquals(-1, f.read(ByteBuffer.allocate(10)));
                    assertTrue(f.flags().contains(FlowFlag.DOWN), f.flags().toString());
                    assertThrows(FlowDownException.class, () -> f.write(ByteBuffer.wrap(msg)));
                }
            } finally {
                // Gone, and forgotten by the IRMd: else it may get the next test's oecho flow.
                killAndForget(server);
            }
        });
    }

    /** C client, Java server: {@code oecho} allocates "oecho", which this JVM binds and serves. */
    @Test
    void oechoClientTalksToAJavaServer() {
        String oecho = tool("oecho");
        Assumptions.assumeTrue(oecho != null, "oecho is needed on the PATH");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel srv = FlowServerChannel.open().bind("oecho");
                    HelperThread<String> t = HelperThread.call("oecho-server", () -> {
                        try (Flow f = srv.accept(Duration.ofSeconds(20))) {
                            ByteBuffer b = ByteBuffer.allocate(256);
                            int n = f.readMessage(b);
                            String heard = new String(b.array(), 0, Math.max(n, 0), StandardCharsets.UTF_8);
                            f.writeMessage(b.flip());
                            // Wait for the client to hang up before closing.
                            f.receiveTimeout(Duration.ofSeconds(10));
                            f.read(ByteBuffer.allocate(10));
                            return heard;
                        }
                    })) {
                Process client = new ProcessBuilder(oecho).redirectErrorStream(true).start();
                try {
                    assertTrue(client.waitFor(30, TimeUnit.SECONDS), "oecho did not end");
                    String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertEquals("Client says hi!\0", t.join(Duration.ofSeconds(15)));
                    assertEquals(0, client.exitValue(), out);
                    assertTrue(out.contains("Server replied with Client says hi!"), out);
                } finally {
                    // A client stuck on a flow nobody serves is killed, not left behind.
                    killAndForget(client);
                }
            }
        });
    }
}
