/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Peer death (kill -9) is seen at once, after everything the peer sent:
 * queued SDUs are still read, then read returns -1, then writes fail with
 * FlowDownException.
 */
@ExtendWith(HelperThread.Check.class)
class PeerDeathTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);

    private static String text(ByteBuffer b) {
        return StandardCharsets.UTF_8.decode(b.flip()).toString();
    }

    @FunctionalInterface
    private interface HeldFlowBody {
        void run(PeerProcess peer, Flow f) throws Exception;
    }

    /**
     * Runs body with a flow to a peer that sent its 10 SDUs ("hold-server")
     * and now waits to be killed, under the time limit.
     */
    private static void withHeldFlow(HeldFlowBody body) {
        String name = TestSupport.unique("hold");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess peer = PeerProcess.start("hold-server", name)) {
                peer.expect("READY");
                try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30))) {
                    peer.expect("SENT");
                    body.run(peer, f);
                }
            }
        });
    }

    /**
     * A reader that takes a killed sender's SDUs only after Ouroboros swept the
     * dead process (the IRMd frees, about once a second, the pool blocks a dead
     * process allocated, those waiting unread in our ring among them) must not
     * free them again: a block freed twice is handed to two writers later, and
     * other flows read each other's data. The reader here is a second JVM,
     * stopped (SIGSTOP) across the kill and the sweep so that it cannot read in
     * time; then a burst through another flow must come back intact.
     */
    @Test
    void sdusReadAfterTheSweepOfTheirKilledSenderLeaveThePoolSound() {
        String name = TestSupport.unique("sweep");
        String echo = TestSupport.unique("sweep-echo");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess sender = PeerProcess.start("hold-server", name)) {
                sender.expect("READY");
                try (PeerProcess reader = PeerProcess.start("late-reader", name)) {
                    reader.expect("CONNECTED");
                    sender.expect("SENT");
                    reader.signal("STOP");
                    try {
                        sender.kill();
                        Thread.sleep(2500); // past the IRMd's sweep of dead processes (each second)
                    } finally {
                        reader.signal("CONT");
                    }
                    reader.send("READ");
                    // What it still reads, if anything, is the sender's own SDUs, in order.
                    for (int i = 0;; i++) {
                        String line = reader.expect("");
                        if (line.startsWith("END") || line.startsWith("TIMEOUT")) {
                            assertEquals("END " + i, line, "the reader's end");
                            break;
                        }
                        assertEquals("GOT sdu " + i, line);
                    }
                }
            }
            // The pool is sound: rounds of 150 SDUs in flight at once (a flow queues at
            // most a quarter of a size class of the pool), each echoed as it was sent.
            try (PeerProcess server = PeerProcess.start("message-echo-server", echo)) {
                server.expect("READY");
                try (Flow f = Flow.open(echo, QoSSpec.raw(), Duration.ofSeconds(30))) {
                    f.receiveTimeout(Duration.ofSeconds(20));
                    ByteBuffer b = ByteBuffer.allocate(100);
                    for (int round = 0; round < 4; round++) {
                        for (int i = 0; i < 150; i++) {
                            f.writeMessage(ByteBuffer.wrap(String.format("burst %d %03d", round, i)
                                    .getBytes(StandardCharsets.UTF_8)));
                        }
                        for (int i = 0; i < 150; i++) {
                            b.clear();
                            f.readMessage(b);
                            assertEquals(String.format("burst %d %03d", round, i), text(b));
                        }
                    }
                }
            }
        });
    }

    @Test
    void queuedSdusSurviveTheSendersDeath() throws Exception {
        withHeldFlow((peer, f) -> {
            ByteBuffer b = ByteBuffer.allocate(100);
            for (int i = 0; i < 3; i++) {
                b.clear();
                assertTrue(f.read(b) > 0);
                assertEquals("sdu " + i, text(b));
            }
            assertEquals(7, f.rxQueueLength(), "still queued before the kill");
            assertTrue(!f.flags().contains(FlowFlag.DOWN), "up while the peer lives");
            peer.kill();
            // Reading on: the 7 SDUs the peer sent before it died, in order, boundaries kept.
            for (int i = 3; i < 10; i++) {
                b.clear();
                int n = f.read(b);
                assertTrue(n > 0, "SDU " + i + " after the peer died: read returned " + n);
                assertEquals("sdu " + i, text(b));
            }
            long t0 = System.nanoTime();
            b.clear();
            assertEquals(-1, f.read(b), "end of flow once the queue is drained");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 1000, "the end was seen after " + ms + " ms");
            b.clear();
            assertEquals(-1, f.read(b), "and stays so");
            b.clear();
            assertEquals(-1, f.readMessage(b), "in the message view too");
            assertTrue(f.flags().contains(FlowFlag.DOWN), "DOWN after death: " + f.flags());
            FlowDownException e = assertThrows(FlowDownException.class,
                    () -> f.write(ByteBuffer.wrap("anyone?".getBytes(StandardCharsets.UTF_8))));
            assertEquals("EFLOWDOWN", e.errorName());
            assertThrows(FlowDownException.class, () -> f.writeMessage(ByteBuffer.allocate(1)));
            assertTrue(f.isOpen(), "a down flow stays open until closed");
        });
    }

    @Test
    void blockedReaderSeesDeathAtOnce() throws Exception {
        withHeldFlow((peer, f) -> {
            ByteBuffer b = ByteBuffer.allocate(100);
            for (int i = 0; i < 10; i++) {
                b.clear();
                assertTrue(f.readMessage(b) > 0);
            }
            // Now a read blocks; kill the peer under it.
            AtomicLong endAt = new AtomicLong();
            try (HelperThread<Integer> t = HelperThread.call("reader", () -> {
                try {
                    return f.read(ByteBuffer.allocate(10));
                } finally {
                    endAt.set(System.nanoTime());
                }
            })) {
                TestSupport.awaitIn(t.thread(), "flowRead", Duration.ofSeconds(10));
                long t0 = System.nanoTime();
                peer.kill();
                // A read that threw fails here, with what it threw.
                assertEquals(-1, t.join(Duration.ofSeconds(10)), "a blocked read returns -1 when the peer dies");
                long ms = (endAt.get() - t0) / 1_000_000;
                System.out.println("blocked read saw the peer's death after " + ms + " ms (incl. kill)");
                assertTrue(ms < 2000, "seen after " + ms + " ms");
            }
        });
    }

    @Test
    void writerSeesDeathOfAReaderThatNeverRead() throws Exception {
        withHeldFlow((peer, f) -> {
            f.writeMessage(ByteBuffer.allocate(10));
            peer.kill();
            assertThrows(FlowDownException.class, () -> f.writeMessage(ByteBuffer.allocate(10)));
        });
    }
    /**
     * A peer that was echoing our writes a moment before it died: its own writes
     * stamp the ring (embedded_rflow.c), which spares our writes their look for
     * its end while the stamp is fresh, and must spare them no longer. Writes
     * made at a steady pace after the kill fail within 200 ms (the embedded layer
     * bounds it at 1 ms after the death), long before the ring could fill.
     */
    @Test
    void writerSeesDeathOfAnEchoingPeerSoon() {
        String name = TestSupport.unique("echo-death");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess peer = PeerProcess.start("echo-server", name)) {
                peer.expect("READY");
                try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30))) {
                    ByteBuffer b = ByteBuffer.allocate(100);
                    for (int i = 0; i < 200; i++) {
                        f.writeMessage(ByteBuffer.wrap(new byte[] {(byte) i}));
                        b.clear();
                        assertEquals(1, f.readMessage(b), "echo " + i);
                    }
                    peer.kill();
                    long t0 = System.nanoTime();
                    int written = 0;
                    FlowDownException down = null;
                    while (down == null && System.nanoTime() - t0 < 5_000_000_000L) {
                        try {
                            f.writeMessage(ByteBuffer.allocate(1));
                            written++;
                            java.util.concurrent.locks.LockSupport.parkNanos(50_000);
                        } catch (FlowDownException e) {
                            down = e;
                        }
                    }
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    System.out.println("writes to a dead echoing peer failed after " + ms + " ms, "
                            + written + " succeeded");
                    assertTrue(down != null, "writes to a dead peer went on for 5 s: " + written);
                    assertTrue(ms < 200, "writes to a dead peer failed only after " + ms + " ms (" + written + ")");
                }
            }
        });
    }
}
