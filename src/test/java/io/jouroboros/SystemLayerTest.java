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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Ouroboros 0.23 defects the system layer contains, each seen on a flow
 * through the IRMd to a second process (flows inside one JVM never reach
 * the IRMd), and interop with the C tools ({@code oecho}, {@code irm}).
 * Runs only in the system-layer execution, and only when an IRMd answers.
 */
@Tag("system")
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
    @Test
    void smallReadsLoseNothingAndTheLargestSduComesWhole() {
        String name = TestSupport.unique("sys-small");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess peer = PeerProcess.start("message-echo-server", name)) {
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
            }
        });
    }

    /** A thread blocked in flow_read is never woken by Ouroboros: close() reaches it within a slice. */
    @Test
    void closeWakesABlockedReaderWithin100Ms() {
        String name = TestSupport.unique("sys-wake");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess peer = PeerProcess.start("echo-server", name)) {
                peer.expect("READY");
                Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10));
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                AtomicLong woke = new AtomicLong();
                Thread t = new Thread(() -> {
                    try {
                        f.read(ByteBuffer.allocate(100));
                    } catch (Throwable e) {
                        woke.set(System.nanoTime());
                        thrown.set(e);
                    }
                });
                t.start();
                TestSupport.awaitIn(t, "flowRead", Duration.ofSeconds(10));
                Thread.sleep(300);
                long t0 = System.nanoTime();
                f.close();
                t.join(5000);
                assertFalse(t.isAlive(), "the reader is still blocked");
                long ms = (woke.get() - t0) / 1_000_000;
                System.out.println("system layer: close woke a blocked reader after " + ms + " ms");
                assertEquals(AsynchronousCloseException.class, thrown.get().getClass());
                assertTrue(ms < 100, "woken after " + ms + " ms");
            }
        });
    }

    /**
     * flow_dealloc blocks forever when the peer is gone and SDUs we sent are
     * unread: the layer's deallocation thread must end all the same.
     */
    @Test
    void closeWithADeadPeerAndUnreadDataEnds() {
        String name = TestSupport.unique("sys-dead");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess peer = PeerProcess.start("hold-server", name)) {
                peer.expect("READY");
                Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10));
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
        });
    }

    /** fevent has no wake-up: a select over Ouroboros flows still returns promptly on wakeup(). */
    @Test
    void wakeupEndsASelectOverOuroborosFlowsPromptly() {
        String name = TestSupport.unique("sys-sel");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess peer = PeerProcess.start("echo-server", name);
                    Selector sel = FlowSelectorProvider.provider().openSelector()) {
                peer.expect("READY");
                try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                    f.configureBlocking(false);
                    f.register(sel, OP_READ);
                    AtomicLong back = new AtomicLong();
                    Thread t = new Thread(() -> {
                        try {
                            sel.select();
                            back.set(System.nanoTime());
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    });
                    t.start();
                    Thread.sleep(300);
                    assertTrue(t.isAlive(), "select() must block");
                    long t0 = System.nanoTime();
                    sel.wakeup();
                    t.join(5000);
                    long ms = (back.get() - t0) / 1_000_000;
                    System.out.println("system layer: wakeup ended select after " + ms + " ms");
                    assertTrue(ms < 100, "select returned " + ms + " ms after wakeup");
                    // And data makes the key readable.
                    f.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                    assertEquals(1, sel.select(5000));
                }
            }
        });
    }

    // ------------------------------------------------------- C tools

    private static String tool(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        for (String dir : new String[] {"/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin"}) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    private static int run(Duration max, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(max.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
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
                server.destroyForcibly();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        });
    }

    /** C client, Java server: {@code oecho} allocates "oecho", which this JVM binds and serves. */
    @Test
    void oechoClientTalksToAJavaServer() {
        String oecho = tool("oecho");
        Assumptions.assumeTrue(oecho != null, "oecho is needed on the PATH");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel srv = FlowServerChannel.open().bind("oecho")) {
                AtomicReference<Throwable> error = new AtomicReference<>();
                AtomicReference<String> heard = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try (Flow f = srv.accept(Duration.ofSeconds(20))) {
                        ByteBuffer b = ByteBuffer.allocate(256);
                        int n = f.readMessage(b);
                        heard.set(new String(b.array(), 0, Math.max(n, 0), StandardCharsets.UTF_8));
                        f.writeMessage(b.flip());
                        // Wait for the client to hang up before closing.
                        f.receiveTimeout(Duration.ofSeconds(10));
                        f.read(ByteBuffer.allocate(10));
                    } catch (Throwable e) {
                        error.set(e);
                    }
                });
                t.start();
                Process client = new ProcessBuilder(oecho).redirectErrorStream(true).start();
                assertTrue(client.waitFor(30, TimeUnit.SECONDS), "oecho did not end");
                String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                t.join(15_000);
                assertEquals(null, error.get());
                assertEquals("Client says hi!\0", heard.get());
                assertEquals(0, client.exitValue(), out);
                assertTrue(out.contains("Server replied with Client says hi!"), out);
            }
        });
    }
}
