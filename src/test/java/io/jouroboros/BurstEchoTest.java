/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bursts through the message view: one thread writes SDUs back to back
 * while the test thread reads what a peer JVM echoes. Every SDU must come
 * back once, whole and in order, and the reader must never wait for good.
 *
 * <p>On the system layer each queued SDU holds a block of Ouroboros's
 * shared packet pool until the peer reads it, and a pool size class has
 * fewer blocks than a flow's ring has slots: a writer that queues a whole
 * class stops the peer's echo (its write waits for a block), and with it
 * the peer's reading. The late peer makes that queue build up every time.
 */
class BurstEchoTest {
    private static final String NAME = "burst-echo-" + ProcessHandle.current().pid();
    private static final String LATE_NAME = NAME + "-late";
    /** A stalled flow shows as a read that waits this long. */
    private static final Duration STALL = Duration.ofSeconds(10);
    /** The late peer starts reading after this, or once this many SDUs wait. */
    private static final int LATE_MS = 1000;
    private static final int LATE_SDUS = 900;
    private static PeerProcess echo;
    private static TestJvm late;

    @BeforeAll
    static void startPeers() throws Exception {
        echo = PeerProcess.start("message-echo-server", NAME);
        late = TestJvm.start(LatePeer.class, List.of(), LATE_NAME);
        echo.expect("READY");
        late.expect("READY");
    }

    @AfterAll
    static void stopPeers() throws Exception {
        if (echo != null) {
            echo.close();
        }
        if (late != null) {
            late.close();
        }
    }

    private static byte[] sdu(int i, int size) {
        byte[] b = new byte[size];
        new Random(i * 31L + size).nextBytes(b);
        return b;
    }

    /**
     * Writes count SDUs (of size.applyAsInt(i) bytes) to name from a writer
     * thread and reads their echoes here; fails on a stall, a loss, a
     * reordering or a damaged SDU, and with the writer's failure if it failed.
     * (EncryptionTest runs it on an encrypted name.)
     */
    static void burst(String name, int count, IntUnaryOperator size) throws Exception {
        try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30))) {
            f.receiveTimeout(STALL);
            AtomicInteger written = new AtomicInteger();
            try (HelperThread<Void> writer = HelperThread.start("burst-writer", () -> {
                for (int i = 0; i < count; i++) {
                    byte[] b = sdu(i, size.applyAsInt(i));
                    assertEquals(b.length, f.writeMessage(ByteBuffer.wrap(b)), "write of SDU " + i);
                    written.incrementAndGet();
                }
            })) {
                readEchoes(f, count, size, written, writer);
            }
        }
    }

    private static void readEchoes(Flow f, int count, IntUnaryOperator size, AtomicInteger written,
            HelperThread<Void> writer) throws Exception {
        ByteBuffer in = ByteBuffer.allocate(Ouroboros.maxSdu());
        for (int i = 0; i < count; i++) {
            byte[] want = sdu(i, size.applyAsInt(i));
            in.clear();
            int n;
            try {
                n = f.readMessage(in);
            } catch (FlowTimeoutException e) {
                fail("stalled: echo " + i + " of " + count + " did not come within " + STALL + "; "
                        + written.get() + " written (" + state(writer) + "), queued: "
                        + f.txQueueLength() + " to the peer, " + f.rxQueueLength() + " from it", e);
                return;
            }
            assertEquals(want.length, n, "length of echo " + i);
            assertArrayEquals(want, Arrays.copyOf(in.array(), n), "echo " + i);
        }
        // The writer's failure, if any, reaches this thread.
        writer.join(STALL);
        assertEquals(count, written.get());
    }

    private static String state(HelperThread<Void> writer) {
        return writer.isAlive() ? "the writer waits" : "the writer is done: " + writer;
    }

    /** As reported: 1,000 SDUs of 1 to 3,000 bytes. */
    @Test
    void burstOfMixedSizes() throws Exception {
        int[] sizes = new Random(1).ints(1000, 1, 3001).toArray();
        burst(NAME, sizes.length, i -> sizes[i]);
    }

    @Test
    void manyBurstsOfMixedSizes() throws Exception {
        Random r = new Random(2);
        for (int round = 0; round < 10; round++) {
            int[] sizes = r.ints(1000, 1, 3001).toArray();
            burst(NAME, sizes.length, i -> sizes[i]);
        }
    }

    /** Sizes in three pool classes of the system layer (512 B, 2 KiB, 4 KiB blocks). */
    @ParameterizedTest
    @ValueSource(ints = {64, 1400, 3000})
    void floodOfOneSize(int size) throws Exception {
        burst(NAME, 5000, i -> size);
    }

    /** A peer that is busy a moment (a GC pause, say) while the burst queues up. */
    @ParameterizedTest
    @ValueSource(ints = {64, 1400, 3000})
    void burstToALatePeer(int size) throws Exception {
        burst(LATE_NAME, 1000, i -> size);
    }

    /**
     * The late peer, in its own JVM: accepts flows to the name in args[0];
     * each one waits until LATE_SDUS SDUs are queued or LATE_MS passed,
     * then echoes every SDU as it reads it. Prints READY, then a line per
     * flow that ends.
     */
    static final class LatePeer {
        public static void main(String[] args) throws Exception {
            FlowServerChannel server = FlowServerChannel.open().bind(args[0]);
            System.out.println("READY");
            while (true) {
                Flow f = server.accept();
                Thread t = new Thread(() -> serve(f), "late-echo");
                t.setDaemon(true);
                t.start();
            }
        }

        private static void serve(Flow f) {
            try (f) {
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LATE_MS);
                while (f.rxQueueLength() < LATE_SDUS && System.nanoTime() < until) {
                    Thread.sleep(10);
                }
                ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
                while (true) {
                    b.clear();
                    if (f.readMessage(b) < 0) {
                        break;
                    }
                    f.writeMessage(b.flip());
                }
                System.out.println("CLOSED");
            } catch (IOException | InterruptedException e) {
                System.out.println("ERROR " + e);
            }
        }
    }
}
