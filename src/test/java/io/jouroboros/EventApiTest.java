/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The seed's event API: FlowSet, FlowEventQueue, FlowEvent, FlowEventType. */
@ExtendWith(HelperThread.Check.class)
class EventApiTest {
    private static final String NAME = "events-" + ProcessHandle.current().pid();

    private static Map<FlowEventType, Integer> collect(FlowSet set, FlowEventQueue fq, Flow f, int packets,
            boolean down) throws Exception {
        Map<FlowEventType, Integer> counts = new HashMap<>();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (counts.getOrDefault(FlowEventType.PACKET, 0) < packets
                || (down && !counts.containsKey(FlowEventType.DOWN))) {
            assertTrue(System.nanoTime() < deadline, "events so far: " + counts);
            set.wait(fq, Duration.ofMillis(500));
            for (FlowEvent e; (e = fq.next()) != null;) {
                if (e.flow() == f) {
                    counts.merge(e.type(), 1, Integer::sum);
                }
            }
        }
        return counts;
    }

    /** As Ouroboros's fset_add: SDUs queued before a flow joins a set are reported by the next wait, once. */
    @Test
    void addingAFlowWithSdusQueuedReportsThem() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (PeerProcess peer = PeerProcess.start("message-echo-server", NAME)) {
                peer.expect("READY");
                Flow a = Flow.open(NAME);
                FlowEventQueue fq = new FlowEventQueue();
                try (a; FlowSet set = new FlowSet()) {
                    for (int i = 0; i < 3; i++) {
                        a.writeMessage(ByteBuffer.wrap(new byte[] {(byte) i}));
                    }
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (a.rxQueueLength() < 3) {
                        assertTrue(System.nanoTime() < deadline, "the echoes never came");
                        Thread.sleep(5);
                    }
                    set.add(a);
                    Map<FlowEventType, Integer> ca = collect(set, fq, a, 3, false);
                    assertEquals(3, ca.get(FlowEventType.PACKET), "one packet event per SDU queued: " + ca);
                    assertEquals(0, set.wait(fq, Duration.ofMillis(200)), "reported once: " + fq.next());
                    a.writeMessage(ByteBuffer.wrap(new byte[] {3}));
                    Map<FlowEventType, Integer> cb = collect(set, fq, a, 1, false);
                    assertEquals(1, cb.get(FlowEventType.PACKET), "then one per new SDU: " + cb);
                    assertEquals(4, a.rxQueueLength());
                }
            }
        });
    }

    /** On the system layer the death is seen through the peer's pidfd (Ouroboros alone sees it after the QoS timeout). */
    @Test
    void packetEventPerSduAndDownWhenPeerDies() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (PeerProcess peer = PeerProcess.start("message-echo-server", NAME)) {
                peer.expect("READY");
                Flow a = Flow.open(NAME);
                Flow b = Flow.open(NAME);
                FlowEventQueue fq = new FlowEventQueue();
                try (a; b; FlowSet set = new FlowSet(a, b)) {
                    assertTrue(set.contains(a) && set.contains(b));
                    assertEquals(0, set.wait(fq, Duration.ofMillis(100)), "nothing yet");
                    assertNull(fq.next());
                    for (int i = 0; i < 7; i++) {
                        a.writeMessage(ByteBuffer.wrap(new byte[] {(byte) i}));
                    }
                    b.writeMessage(ByteBuffer.wrap(new byte[] {42}));
                    Map<FlowEventType, Integer> ca = collect(set, fq, a, 7, false);
                    assertEquals(7, ca.get(FlowEventType.PACKET), "one packet event per SDU: " + ca);
                    while (b.rxQueueLength() < 1) {
                        set.wait(fq, Duration.ofMillis(50));
                    }
                    set.wait(fq, Duration.ofMillis(50));
                    // Nothing new arrives: edge-like, no events although unread.
                    assertEquals(0, set.wait(fq, Duration.ofMillis(200)), "unexpected: " + fq.next());
                    assertEquals(7, a.rxQueueLength());
                    ByteBuffer buf = ByteBuffer.allocate(8);
                    for (int i = 0; i < 7; i++) {
                        buf.clear();
                        assertEquals(1, a.readMessage(buf));
                        assertEquals(i, buf.get(0));
                    }
                    peer.kill();
                    Map<FlowEventType, Integer> cb = collect(set, fq, b, 0, true);
                    assertEquals(1, cb.get(FlowEventType.DOWN), "one down event: " + cb);
                    assertEquals(1, b.readMessage(buf.clear()), "queued data survives the peer");
                    assertEquals(-1, b.readMessage(buf.clear()));

                    set.remove(a);
                    assertFalse(set.contains(a));
                    set.zero();
                    assertEquals(0, set.size());
                }
                FlowSet closed = new FlowSet();
                closed.close();
                assertThrows(ClosedChannelException.class, () -> closed.wait(new FlowEventQueue(), Duration.ZERO));
            }
        });
    }

    /**
     * One packet event per SDU while another thread asks for the flow's
     * flags all along: on the system layer that looks for a gone peer with
     * a zero-timeout read, which may take an SDU that lands at that moment
     * into the binding's own queue, before its Ouroboros event is counted.
     */
    @Test
    void packetEventPerSduWhileFlagsArePolled() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            try (PeerProcess peer = PeerProcess.start("message-echo-server", NAME + "-polled")) {
                peer.expect("READY");
                final int total = 3000;
                try (Flow a = Flow.open(NAME + "-polled"); FlowSet set = new FlowSet(a)) {
                    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
                    FlowEventQueue fq = new FlowEventQueue();
                    int events = 0;
                    try (HelperThread<Void> poller = HelperThread.start("flags-poller", () -> {
                        while (!stop.get()) {
                            assertFalse(a.flags().contains(FlowFlag.DOWN), "the peer is alive");
                        }
                    })) {
                        ByteBuffer buf = ByteBuffer.allocate(8);
                        for (int i = 0; i < total; i += 10) {
                            for (int k = i; k < i + 10; k++) {
                                a.writeMessage(ByteBuffer.wrap(new byte[] {(byte) k}));
                            }
                            // Every echo counted before any is read: nothing else takes them.
                            long deadline = System.nanoTime() + 5_000_000_000L;
                            while (events < i + 10) {
                                assertTrue(System.nanoTime() < deadline, "packet events for " + (i + 10)
                                        + " SDUs echoed: " + events + " (rx queue " + a.rxQueueLength() + ")");
                                set.wait(fq, Duration.ofMillis(100));
                                for (FlowEvent e; (e = fq.next()) != null;) {
                                    events += e.type() == FlowEventType.PACKET ? 1 : 0;
                                }
                            }
                            for (int k = i; k < i + 10; k++) {
                                buf.clear();
                                assertEquals(1, a.readMessage(buf), "echo " + k);
                                assertEquals((byte) k, buf.get(0), "echo " + k + " in order");
                            }
                        }
                        stop.set(true);
                        poller.join(Duration.ofSeconds(10));
                    }
                    set.wait(fq, Duration.ofMillis(200));
                    assertNull(fq.next(), "no more events than SDUs");
                }
            }
        });
    }

    @Test
    void eventTypeValuesAreOuroboros() {
        assertEquals(1, FlowEventType.PACKET.value());
        assertEquals(2, FlowEventType.DOWN.value());
        assertEquals(4, FlowEventType.UP.value());
        assertEquals(8, FlowEventType.ALLOC.value());
        assertEquals(16, FlowEventType.DEALLOC.value());
        assertEquals(32, FlowEventType.PEER_TIMEOUT.value());
    }
}
