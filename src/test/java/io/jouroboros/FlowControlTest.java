/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static io.jouroboros.FlowFlag.DOWN;
import static io.jouroboros.FlowFlag.NON_BLOCKING_READ;
import static io.jouroboros.FlowFlag.NON_BLOCKING_WRITE;
import static io.jouroboros.FlowFlag.NO_PARTIAL_READ;
import static io.jouroboros.FlowFlag.NO_PARTIAL_WRITE;
import static io.jouroboros.FlowFlag.READ_ONLY;
import static io.jouroboros.FlowFlag.READ_WRITE;
import static io.jouroboros.FlowFlag.WRITE_ONLY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * fccntl in Java form: every getter/setter round-trips on a connected flow,
 * and the flags, timeouts and size limits take effect.
 */
@ExtendWith(HelperThread.Check.class)
class FlowControlTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final String NAME = TestSupport.unique("flowctl");
    private static FlowServerChannel server;

    private TestSupport.Pair pair;
    private Flow client;
    private Flow accepted;

    @BeforeAll
    static void bind() throws Exception {
        server = FlowServerChannel.open().bind(NAME);
    }

    @AfterAll
    static void unbind() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void connect() throws Exception {
        pair = assertTimeoutPreemptively(LIMIT, () -> TestSupport.connect(server, NAME));
        client = pair.client;
        accepted = pair.server;
    }

    @AfterEach
    void close() throws Exception {
        if (pair != null) {
            pair.close();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ------------------------------------------------------- round trips

    @Test
    void timeoutsRoundTrip() throws Exception {
        for (Flow f : new Flow[] {client, accepted}) {
            assertNull(f.sendTimeout(), "default send timeout: none");
            assertNull(f.receiveTimeout(), "default receive timeout: none");
            for (Duration d : new Duration[] {Duration.ofMillis(1500), Duration.ofNanos(123_456_789),
                Duration.ofSeconds(3600), Duration.ofNanos(1), Duration.ZERO}) {
                assertTrue(f.sendTimeout(d) == f, "setter returns this");
                assertEquals(d, f.sendTimeout(), "send timeout " + d);
                assertTrue(f.receiveTimeout(d) == f);
                assertEquals(d, f.receiveTimeout(), "receive timeout " + d);
            }
            f.sendTimeout(null);
            f.receiveTimeout(null);
            assertNull(f.sendTimeout());
            assertNull(f.receiveTimeout());
            // Send and receive timeouts are separate settings.
            f.sendTimeout(Duration.ofMillis(7));
            assertNull(f.receiveTimeout());
            f.receiveTimeout(Duration.ofMillis(9));
            assertEquals(Duration.ofMillis(7), f.sendTimeout());
            assertEquals(Duration.ofMillis(9), f.receiveTimeout());
            assertThrows(IllegalArgumentException.class, () -> f.sendTimeout(Duration.ofMillis(-1)));
            assertThrows(IllegalArgumentException.class, () -> f.receiveTimeout(Duration.ofMillis(-1)));
            assertEquals(Duration.ofMillis(7), f.sendTimeout(), "a refused value changes nothing");
        }
        // One end's settings are its own.
        client.receiveTimeout(Duration.ofSeconds(5));
        accepted.receiveTimeout(null);
        assertEquals(Duration.ofSeconds(5), client.receiveTimeout());
        assertNull(accepted.receiveTimeout());
    }

    @Test
    void defaultFlags() throws Exception {
        assertEquals(EnumSet.of(READ_WRITE, NO_PARTIAL_WRITE), client.flags());
        assertEquals(EnumSet.of(READ_WRITE, NO_PARTIAL_WRITE), accepted.flags());
    }

    @Test
    void flagsRoundTrip() throws Exception {
        List<Set<FlowFlag>> sets = new ArrayList<>();
        sets.add(EnumSet.of(READ_WRITE));
        sets.add(EnumSet.of(READ_ONLY));
        sets.add(EnumSet.of(WRITE_ONLY));
        sets.add(EnumSet.of(READ_WRITE, NON_BLOCKING_READ));
        sets.add(EnumSet.of(READ_WRITE, NON_BLOCKING_WRITE));
        sets.add(EnumSet.of(READ_WRITE, NON_BLOCKING_READ, NON_BLOCKING_WRITE));
        sets.add(EnumSet.of(READ_WRITE, NO_PARTIAL_READ));
        sets.add(EnumSet.of(READ_ONLY, NO_PARTIAL_READ, NON_BLOCKING_READ));
        sets.add(EnumSet.of(WRITE_ONLY, NO_PARTIAL_WRITE, NON_BLOCKING_WRITE));
        sets.add(EnumSet.of(READ_WRITE, NON_BLOCKING_READ, NON_BLOCKING_WRITE, NO_PARTIAL_READ, NO_PARTIAL_WRITE));
        sets.add(EnumSet.of(READ_ONLY, NON_BLOCKING_READ, NON_BLOCKING_WRITE, NO_PARTIAL_READ, NO_PARTIAL_WRITE));
        sets.add(EnumSet.of(READ_WRITE, NO_PARTIAL_WRITE));
        for (Set<FlowFlag> s : sets) {
            assertTrue(client.flags(s) == client, "setter returns this");
            assertEquals(s, client.flags(), "flags " + s);
            assertTrue(client.isBlocking(), "flags do not change the channel's blocking mode");
        }
        // The two ends are separate.
        client.flags(EnumSet.of(READ_ONLY, NO_PARTIAL_READ));
        assertEquals(EnumSet.of(READ_WRITE, NO_PARTIAL_WRITE), accepted.flags());
    }

    @Test
    void flagsNeedExactlyOneAccessMode() throws Exception {
        client.flags(EnumSet.of(READ_WRITE, NO_PARTIAL_READ));
        for (Set<FlowFlag> bad : List.<Set<FlowFlag>>of(
                EnumSet.noneOf(FlowFlag.class),
                EnumSet.of(NON_BLOCKING_READ),
                EnumSet.of(NO_PARTIAL_READ, NON_BLOCKING_WRITE),
                EnumSet.of(READ_ONLY, WRITE_ONLY),
                EnumSet.of(READ_ONLY, READ_WRITE),
                EnumSet.of(WRITE_ONLY, READ_WRITE, NON_BLOCKING_READ),
                EnumSet.allOf(FlowFlag.class))) {
            assertThrows(IllegalArgumentException.class, () -> client.flags(bad), "flags " + bad);
        }
        assertThrows(NullPointerException.class, () -> client.flags(null));
        assertEquals(EnumSet.of(READ_WRITE, NO_PARTIAL_READ), client.flags(), "refused sets change nothing");
    }

    @Test
    void nonBlockingChannelShowsBothNonBlockingFlags() throws Exception {
        client.configureBlocking(false);
        assertTrue(client.flags().containsAll(FlowFlag.nonBlocking()), client.flags().toString());
        client.flags(EnumSet.of(READ_WRITE));
        assertTrue(client.flags().containsAll(FlowFlag.nonBlocking()),
                "a non-blocking channel keeps the non-blocking flags: " + client.flags());
        client.configureBlocking(true);
        assertFalse(client.flags().contains(NON_BLOCKING_READ), client.flags().toString());
        assertFalse(client.flags().contains(NON_BLOCKING_WRITE), client.flags().toString());
    }

    @Test
    void frctFlagsRoundTripInEveryCombination() throws Exception {
        assertEquals(EnumSet.noneOf(FrctFlag.class), client.frctFlags(), "default FRCT flags");
        FrctFlag[] all = FrctFlag.values();
        for (int mask = 0; mask < 1 << all.length; mask++) {
            EnumSet<FrctFlag> s = EnumSet.noneOf(FrctFlag.class);
            for (int i = 0; i < all.length; i++) {
                if ((mask & 1 << i) != 0) {
                    s.add(all[i]);
                }
            }
            for (Flow f : new Flow[] {client, accepted}) {
                assertTrue(f.frctFlags(s) == f);
                assertEquals(s, f.frctFlags(), "FRCT flags " + s);
            }
        }
        assertThrows(NullPointerException.class, () -> client.frctFlags(null));
    }

    @Test
    void queueLengthsCountUnreadSdus() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            assertEquals(0, client.txQueueLength());
            assertEquals(0, accepted.rxQueueLength());
            for (int i = 0; i < 3; i++) {
                client.writeMessage(ByteBuffer.wrap(bytes("sdu " + i)));
            }
            assertEquals(3, client.txQueueLength(), "writer's tx queue");
            assertEquals(3, accepted.rxQueueLength(), "reader's rx queue");
            assertEquals(0, client.rxQueueLength(), "nothing came the other way");
            assertEquals(0, accepted.txQueueLength());
            ByteBuffer b = ByteBuffer.allocate(100);
            for (int i = 0; i < 3; i++) {
                b.clear();
                assertEquals(5, accepted.readMessage(b));
                assertEquals(2 - i, accepted.rxQueueLength(), "after reading " + (i + 1));
                assertEquals(2 - i, client.txQueueLength(), "after reading " + (i + 1));
            }
            assertEquals(0, client.txQueueLength());
            assertEquals(0, accepted.rxQueueLength());

            // And the other way.
            for (int i = 0; i < 3; i++) {
                accepted.writeMessage(ByteBuffer.wrap(bytes("back " + i)));
            }
            assertEquals(3, accepted.txQueueLength());
            assertEquals(3, client.rxQueueLength());
            for (int i = 0; i < 3; i++) {
                b.clear();
                assertEquals(6, client.readMessage(b));
            }
            assertEquals(0, accepted.txQueueLength());
            assertEquals(0, client.rxQueueLength());
        });
    }

    // ----------------------------------------------------- flags at work

    @Test
    void nonBlockingReadFlagReturnsZeroAtOnce() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            client.flags(EnumSet.of(READ_WRITE, NON_BLOCKING_READ));
            assertTrue(client.isBlocking(), "the channel itself stays in blocking mode");
            ByteBuffer b = ByteBuffer.allocate(100);
            long t0 = System.nanoTime();
            assertEquals(0, client.read(b), "stream read with nothing queued");
            assertEquals(0, client.readMessage(b), "message read with nothing queued");
            ByteBuffer d = ByteBuffer.allocateDirect(100);
            assertEquals(0, client.read(d), "direct buffer");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 500, "non-blocking reads took " + ms + " ms");
            // Something queued is still read.
            accepted.writeMessage(ByteBuffer.wrap(bytes("x")));
            b.clear();
            long deadline = System.nanoTime() + 5_000_000_000L;
            int n;
            while ((n = client.readMessage(b)) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertEquals(1, n);
            // Back to blocking: a read waits (here: until the receive timeout).
            client.flags(EnumSet.of(READ_WRITE));
            client.receiveTimeout(Duration.ofMillis(100));
            b.clear();
            assertThrows(FlowTimeoutException.class, () -> client.read(b));
        });
    }

    /**
     * A blocking channel's read first tries without waiting and, when that try is
     * followed by a wait, leaves the peer's end to the wait (flow.c, JOUR_TRY_FIRST).
     * With NON_BLOCKING_READ no wait follows: the try itself must see the end.
     */
    @Test
    void nonBlockingReadFlagSeesThePeersEnd() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            client.flags(EnumSet.of(READ_WRITE, NON_BLOCKING_READ));
            accepted.close();
            ByteBuffer b = ByteBuffer.allocate(100);
            long deadline = System.nanoTime() + 5_000_000_000L;
            int n;
            while ((n = client.read(b)) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1); // the end may take a moment to travel (system layer)
            }
            assertEquals(-1, n, "stream read after the peer closed");
            assertEquals(-1, client.readMessage(b), "message read");
            assertEquals(-1, client.read(ByteBuffer.allocateDirect(100)), "direct buffer");
        });
    }

    @Test
    void readOnlyRefusesWrites() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            client.flags(EnumSet.of(READ_ONLY));
            FlowPermissionException e = assertThrows(FlowPermissionException.class,
                    () -> client.write(ByteBuffer.wrap(bytes("no"))));
            assertEquals("EPERM", e.errorName());
            assertThrows(FlowPermissionException.class, () -> client.writeMessage(ByteBuffer.wrap(bytes("no"))));
            assertEquals(0, accepted.rxQueueLength(), "nothing was sent");
            // Reading still works.
            accepted.writeMessage(ByteBuffer.wrap(bytes("yes")));
            ByteBuffer b = ByteBuffer.allocate(10);
            assertEquals(3, client.read(b));
        });
    }

    @Test
    void writeOnlyRefusesReads() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            client.flags(EnumSet.of(WRITE_ONLY));
            accepted.writeMessage(ByteBuffer.wrap(bytes("queued")));
            FlowPermissionException e = assertThrows(FlowPermissionException.class,
                    () -> client.read(ByteBuffer.allocate(10)));
            assertEquals("EPERM", e.errorName());
            assertThrows(FlowPermissionException.class, () -> client.readMessage(ByteBuffer.allocate(10)));
            assertEquals(1, client.rxQueueLength(), "the refused read took nothing");
            // Writing still works.
            client.writeMessage(ByteBuffer.wrap(bytes("out")));
            assertEquals(3, accepted.read(ByteBuffer.allocate(10)));
            // Back to READ_WRITE: the SDU is still there.
            client.flags(EnumSet.of(READ_WRITE));
            ByteBuffer b = ByteBuffer.allocate(10);
            assertEquals(6, client.readMessage(b));
            assertArrayEquals(bytes("queued"), java.util.Arrays.copyOf(b.array(), 6));
        });
    }

    @Test
    void noPartialReadRefusesAndKeepsTheWholeSdu() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            client.flags(EnumSet.of(READ_WRITE, NO_PARTIAL_READ));
            byte[] sdu = new byte[1000];
            new Random(1).nextBytes(sdu);
            // Message view, heap buffers.
            accepted.writeMessage(ByteBuffer.wrap(sdu));
            MessageTooLargeException e = assertThrows(MessageTooLargeException.class,
                    () -> client.readMessage(ByteBuffer.allocate(100)));
            assertEquals("EMSGSIZE", e.errorName());
            assertThrows(MessageTooLargeException.class, () -> client.readMessage(ByteBuffer.allocate(999)),
                    "still too large, and still queued");
            ByteBuffer whole = ByteBuffer.allocate(1000);
            assertEquals(1000, client.readMessage(whole));
            assertArrayEquals(sdu, whole.array());

            // Stream view, direct buffers.
            accepted.writeMessage(ByteBuffer.wrap(sdu));
            ByteBuffer small = ByteBuffer.allocateDirect(100);
            assertThrows(MessageTooLargeException.class, () -> client.read(small));
            assertEquals(0, small.position(), "a refused read fills nothing");
            ByteBuffer big = ByteBuffer.allocateDirect(1000);
            assertEquals(1000, client.read(big));
            byte[] got = new byte[1000];
            big.flip().get(got);
            assertArrayEquals(sdu, got);

            // A following SDU is untouched.
            accepted.writeMessage(ByteBuffer.wrap(bytes("next")));
            ByteBuffer b = ByteBuffer.allocate(100);
            assertEquals(4, client.readMessage(b));
        });
    }

    /**
     * Gathering writes and scattering reads in the stream view: an empty array or
     * range writes nothing (buffers outside the range are never looked at, even
     * null ones), empty buffers anywhere are skipped, and one SDU is spread over
     * the buffers of a read in order.
     */
    @Test
    void gatheringAndScatteringKeepTheirRanges() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            assertEquals(0, client.write(new ByteBuffer[0]));
            ByteBuffer[] some = {null, ByteBuffer.wrap(bytes("x")), null};
            assertEquals(0, client.write(some, 1, 0));
            assertEquals(0, client.write(some, 3, 0));
            ByteBuffer[] srcs = {ByteBuffer.allocate(0), ByteBuffer.wrap(bytes("ab")), ByteBuffer.allocate(0),
                    ByteBuffer.allocateDirect(3).put(bytes("cde")).flip(), ByteBuffer.allocate(0)};
            assertEquals(5, client.write(srcs));
            for (ByteBuffer b : srcs) {
                assertFalse(b.hasRemaining());
            }
            assertEquals(1, client.write(some, 1, 1));
            ByteBuffer[] dsts = {ByteBuffer.allocate(2), ByteBuffer.allocateDirect(0), ByteBuffer.allocate(10)};
            assertEquals(5, accepted.read(dsts));
            assertEquals("ab", new String(dsts[0].array(), StandardCharsets.UTF_8));
            assertEquals("cde", new String(dsts[2].array(), 0, dsts[2].position(), StandardCharsets.UTF_8));
            ByteBuffer one = ByteBuffer.allocate(10);
            assertEquals(1, accepted.read(new ByteBuffer[] {one}));
            assertEquals('x', one.get(0));
        });
    }

    @Test
    void downAppearsOnceThePeerCloses() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            assertFalse(client.flags().contains(DOWN));
            accepted.close();
            assertTrue(client.flags().contains(DOWN), "DOWN at once after the peer closed: " + client.flags());
            assertEquals(-1, client.read(ByteBuffer.allocate(10)));
            assertThrows(FlowDownException.class, () -> client.write(ByteBuffer.wrap(bytes("x"))));
            assertTrue(client.flags().contains(DOWN));
        });
    }

    @Test
    void settingDownRefusesWrites() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            client.flags(EnumSet.of(READ_WRITE, DOWN));
            assertTrue(client.flags().contains(DOWN));
            assertThrows(FlowDownException.class, () -> client.write(ByteBuffer.wrap(bytes("x"))));
        });
    }

    @Test
    void receiveTimeoutThrowsFlowTimeoutException() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            client.receiveTimeout(Duration.ofMillis(200));
            for (boolean message : new boolean[] {false, true}) {
                long t0 = System.nanoTime();
                FlowTimeoutException e = assertThrows(FlowTimeoutException.class,
                        () -> {
                            if (message) {
                                client.readMessage(ByteBuffer.allocate(10));
                            } else {
                                client.read(ByteBuffer.allocate(10));
                            }
                        });
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(110, e.code(), "ETIMEDOUT's code");
                assertEquals("ETIMEDOUT", e.errorName());
                assertTrue(ms >= 190 && ms < 2000, "timed out after " + ms + " ms");
                assertTrue(client.isOpen(), "a timeout does not close the flow");
            }
            // The flow still works after a timeout.
            accepted.writeMessage(ByteBuffer.wrap(bytes("late")));
            assertEquals(4, client.read(ByteBuffer.allocate(10)));
        });
    }

    @Test
    void sendTimeoutThrowsWhenThePeerDoesNotRead() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            client.sendTimeout(Duration.ofMillis(200));
            ByteBuffer sdu = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
            int sent = 0;
            FlowTimeoutException e = null;
            long t0 = 0;
            while (e == null) {
                sdu.clear();
                t0 = System.nanoTime();
                try {
                    client.writeMessage(sdu);
                    sent++;
                    assertTrue(sent < 100_000, "the queue never filled");
                } catch (FlowTimeoutException x) {
                    e = x;
                }
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("ETIMEDOUT", e.errorName());
            assertTrue(ms >= 190 && ms < 2000, "timed out after " + ms + " ms");
            assertEquals(sent, client.txQueueLength(), "the SDU that timed out is not counted");
            // Non-blocking write on the full flow: 0, at once.
            client.flags(EnumSet.of(READ_WRITE, NON_BLOCKING_WRITE));
            sdu.clear();
            assertEquals(0, client.writeMessage(sdu));
            assertEquals(Ouroboros.maxSdu(), sdu.remaining(), "nothing taken");
            // The reader gets every SDU that was sent.
            ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
            for (int i = 0; i < sent; i++) {
                b.clear();
                assertEquals(Ouroboros.maxSdu(), accepted.readMessage(b), "SDU " + i);
                b.clear();
                assertEquals(0, accepted.readMessage(b), "end-of-SDU marker " + i);
            }
            assertEquals(0, accepted.rxQueueLength());
        });
    }

    @Test
    void writeMessageLargerThanMaxSduIsRefused() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            int max = Ouroboros.maxSdu();
            for (ByteBuffer big : new ByteBuffer[] {ByteBuffer.allocate(max + 1), ByteBuffer.allocateDirect(max + 1),
                ByteBuffer.allocate(4 * max)}) {
                MessageTooLargeException e = assertThrows(MessageTooLargeException.class,
                        () -> client.writeMessage(big));
                assertEquals("EMSGSIZE", e.errorName());
                assertEquals(0, big.position(), "nothing taken from the buffer");
            }
            assertEquals(0, accepted.rxQueueLength(), "nothing was sent");
            // Exactly the largest SDU goes.
            assertEquals(max, client.writeMessage(ByteBuffer.allocate(max)));
            assertEquals(max, accepted.readMessage(ByteBuffer.allocate(max + 1)));
        });
    }

    @Test
    void controlOnAClosedOrUnconnectedFlowThrows() throws Exception {
        try (Flow f = Flow.open()) {
            assertThrows(java.nio.channels.NotYetConnectedException.class, f::flags);
            assertThrows(java.nio.channels.NotYetConnectedException.class, () -> f.sendTimeout(null));
        }
        client.close();
        assertThrows(java.nio.channels.ClosedChannelException.class, client::flags);
        assertThrows(java.nio.channels.ClosedChannelException.class, client::rxQueueLength);
        assertThrows(java.nio.channels.ClosedChannelException.class, () -> client.receiveTimeout(null));
    }
}
