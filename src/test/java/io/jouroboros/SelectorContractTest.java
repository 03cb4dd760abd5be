/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static java.nio.channels.SelectionKey.OP_ACCEPT;
import static java.nio.channels.SelectionKey.OP_CONNECT;
import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The selector contract, written once and run against our provider and
 * against the JDK's default provider with Unix-domain sockets: both must
 * give the same answers.
 */
@ExtendWith(HelperThread.Check.class)
class SelectorContractTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);

    static Stream<Transport> transports() {
        return Stream.of(Transport.FLOWS, Transport.JDK_UNIX);
    }

    /**
     * A connected pair: [client, accepted]. The accept runs on its own
     * thread: a flow allocation, as in Ouroboros, completes only when the
     * server accepts it, where a socket connect completes in the backlog.
     */
    private static SelectableChannel[] pair(Transport t, SelectableChannel server) throws Exception {
        try (HelperThread<SelectableChannel> acceptor = HelperThread.call("accept-" + t, () -> t.accept(server))) {
            SelectableChannel c = t.connect(server);
            try {
                return new SelectableChannel[] {c, acceptor.join()};
            } catch (Exception | Error e) {
                t.close(c);
                throw e;
            }
        }
    }

    @FunctionalInterface
    private interface PairBody {
        void run(Selector sel, SelectableChannel[] p) throws Exception;
    }

    /**
     * Runs body with a fresh selector and a connected pair [client, accepted]
     * of the transport, under the time limit, and closes everything after.
     */
    private static void withPair(Transport t, PairBody body) {
        assertTimeoutPreemptively(LIMIT, () -> {
            SelectableChannel server = t.server();
            try {
                SelectableChannel[] p = pair(t, server);
                try (Selector sel = t.provider().openSelector()) {
                    body.run(sel, p);
                } finally {
                    t.closeAll(p[0], p[1]);
                }
            } finally {
                t.close(server);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void wakeupBeforeSelectReturnsAtOnceAndCoalesces(Transport t) {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Selector sel = t.provider().openSelector()) {
                sel.wakeup();
                sel.wakeup();
                sel.wakeup();
                assertEquals(0, sel.select());
                // Many wakeups gave one early return: the next select waits.
                long t0 = System.nanoTime();
                assertEquals(0, sel.select(300));
                assertTrue(System.nanoTime() - t0 >= 250_000_000L, "select(300) returned early");
            }
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void wakeupFromAnotherThreadEndsBlockedSelect(Transport t) {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Selector sel = t.provider().openSelector()) {
                CountDownLatch entered = new CountDownLatch(1);
                try (HelperThread<Long> th = HelperThread.call("select-" + t, () -> {
                    entered.countDown();
                    sel.select(0); // 0 blocks
                    return System.nanoTime();
                })) {
                    entered.await();
                    Thread.sleep(200);
                    assertTrue(th.isAlive(), "select(0) must block");
                    long t0 = System.nanoTime();
                    sel.wakeup();
                    long woke = th.join();
                    System.out.printf("%s: wakeup to return %.2f ms%n", t, (woke - t0) / 1e6);
                }
            }
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void levelTriggeredReadAndSelectedKeysStay(Transport t) {
        withPair(t, (sel, p) -> {
            p[1].configureBlocking(false);
            SelectionKey k = p[1].register(sel, OP_READ);
            assertEquals(0, sel.selectNow());
            Transport.write(p[0], new byte[] {1, 2, 3});
            assertEquals(1, sel.select(5000));
            assertTrue(sel.selectedKeys().contains(k));
            assertEquals(OP_READ, k.readyOps());
            // Still ready, already selected, ready set unchanged: counts 0.
            assertEquals(0, sel.selectNow());
            assertTrue(sel.selectedKeys().contains(k));
            sel.selectedKeys().clear();
            // Level-triggered: not read, so selected again.
            assertEquals(1, sel.selectNow());
            ByteBuffer b = ByteBuffer.allocate(16);
            assertEquals(3, Transport.io(p[1]).read(b));
            assertEquals(0, Transport.io(p[1]).read(b.clear()));
            sel.selectedKeys().clear();
            assertEquals(0, sel.selectNow());
            assertThrows(UnsupportedOperationException.class, () -> sel.selectedKeys().add(k));
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void readyOpsAreOredIntoSelectedKeys(Transport t) {
        withPair(t, (sel, p) -> {
            p[1].configureBlocking(false);
            SelectionKey k = p[1].register(sel, OP_WRITE);
            assertEquals(1, sel.selectNow());
            assertEquals(OP_WRITE, k.readyOps());
            k.interestOps(OP_READ | OP_WRITE);
            Transport.write(p[0], new byte[] {9});
            Thread.sleep(50);
            assertEquals(1, sel.selectNow(), "ready set grew: counted");
            assertEquals(OP_READ | OP_WRITE, k.readyOps());
            assertEquals(0, sel.selectNow(), "nothing changed: not counted");
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void selectWithActionSetsReadyOps(Transport t) {
        withPair(t, (sel, p) -> {
            p[1].configureBlocking(false);
            SelectionKey k = p[1].register(sel, OP_READ);
            Transport.write(p[0], new byte[] {1});
            List<SelectionKey> seen = new ArrayList<>();
            assertEquals(1, sel.select(seen::add, 5000));
            assertEquals(List.of(k), seen);
            assertEquals(OP_READ, k.readyOps());
            assertTrue(sel.selectedKeys().isEmpty(), "the action form leaves the selected set alone");
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void acceptReadiness(Transport t) {
        assertTimeoutPreemptively(LIMIT, () -> {
            SelectableChannel server = t.server();
            SelectableChannel a = null;
            SelectableChannel c = null;
            try (Selector sel = t.provider().openSelector()) {
                server.configureBlocking(false);
                SelectionKey k = server.register(sel, OP_ACCEPT);
                assertEquals(0, sel.selectNow());
                assertEquals(null, t.accept(server), "non-blocking accept with nothing waiting");
                try (HelperThread<SelectableChannel> connector = HelperThread.call("connect-" + t,
                        () -> t.connect(server))) {
                    assertEquals(1, sel.select(5000));
                    assertEquals(OP_ACCEPT, k.readyOps());
                    a = t.accept(server);
                    assertNotNull(a);
                    c = connector.join();
                }
                sel.selectedKeys().clear();
                assertEquals(0, sel.selectNow());
            } finally {
                t.closeAll(a, c, server);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void cancelAndCloseDuringBlockedSelect(Transport t) {
        withPair(t, (sel, p) -> {
            p[0].configureBlocking(false);
            p[1].configureBlocking(false);
            SelectionKey k0 = p[0].register(sel, OP_READ);
            SelectionKey k1 = p[1].register(sel, OP_READ);
            try (HelperThread<Void> th = HelperThread.start("select-" + t, () -> {
                sel.select();
            })) {
                Thread.sleep(100);
                k0.cancel();
                p[1].close();
                assertFalse(k0.isValid());
                assertFalse(k1.isValid());
                sel.wakeup();
                th.join();
            }
            sel.selectNow();
            assertFalse(sel.keys().contains(k0), "cancelled key deregistered");
            assertFalse(sel.keys().contains(k1), "closed channel's key deregistered");
            assertFalse(p[0].isRegistered());
            assertFalse(p[1].isRegistered());
            assertTrue(p[0].isOpen(), "cancel does not close the channel");
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void registerDuringSelectFromAnotherThread(Transport t) {
        withPair(t, (sel, p) -> {
            AtomicInteger rounds = new AtomicInteger();
            try (HelperThread<SelectionKey> th = HelperThread.call("select-" + t, () -> {
                SelectionKey got = null;
                while (got == null) {
                    sel.select();
                    rounds.incrementAndGet();
                    for (SelectionKey k : sel.selectedKeys()) {
                        got = k;
                    }
                }
                return got;
            })) {
                Thread.sleep(100);
                p[1].configureBlocking(false);
                // Registration does not wait for the blocked select.
                SelectionKey k = p[1].register(sel, OP_READ);
                Transport.write(p[0], new byte[] {7});
                sel.wakeup();
                assertEquals(k, th.join());
            }
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void hangUpMakesKeyReadyAndPendingDataStaysReadable(Transport t) {
        withPair(t, (sel, p) -> {
            p[1].configureBlocking(false);
            SelectionKey k = p[1].register(sel, OP_READ);
            Transport.write(p[0], new byte[] {1, 2, 3, 4});
            p[0].close();
            assertEquals(1, sel.select(5000));
            assertEquals(OP_READ, k.readyOps());
            ByteBuffer b = ByteBuffer.allocate(16);
            assertEquals(4, Transport.io(p[1]).read(b), "pending data stays readable");
            assertEquals(-1, Transport.io(p[1]).read(b));
            assertTrue(k.isValid(), "the selector never closes the user's channel");
            assertTrue(p[1].isOpen());
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void writeReadinessReturnsAfterPeerDrains(Transport t) {
        withPair(t, (sel, p) -> {
            p[0].configureBlocking(false);
            SelectionKey k = p[0].register(sel, OP_WRITE);
            ByteBuffer chunk = ByteBuffer.allocate(1024);
            long sent = 0;
            while (true) {
                chunk.clear();
                int n = Transport.io(p[0]).write(chunk);
                if (n == 0) {
                    break;
                }
                sent += n;
            }
            sel.selectedKeys().clear();
            assertEquals(0, sel.select(200), "full queue: not writable");
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            long read = 0;
            while (read < sent) {
                b.clear();
                read += Transport.io(p[1]).read(b);
            }
            assertEquals(1, sel.select(5000));
            assertEquals(OP_WRITE, k.readyOps());
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void nonBlockingConnectWithOpConnect(Transport t) {
        assertTimeoutPreemptively(LIMIT, () -> {
            SelectableChannel server = t.server();
            SelectableChannel c = null;
            try (Selector sel = t.provider().openSelector()) {
                c = t.open();
                SelectableChannel client = c;
                client.configureBlocking(false);
                boolean done = t.startConnect(client, server);
                SelectionKey k = client.register(sel, OP_CONNECT);
                if (!done) {
                    // Our flows answer once the server accepts: do it now.
                    try (HelperThread<Void> acceptor = HelperThread.start("accept-" + t, () -> {
                        t.accept(server).close();
                    })) {
                        assertEquals(1, sel.select(5000));
                        assertEquals(OP_CONNECT, k.readyOps());
                        assertTrue(t.finishConnect(client));
                        acceptor.join();
                    }
                }
                assertTrue(t.finishConnect(client));
                assertThrows(IllegalArgumentException.class, () -> k.interestOps(OP_ACCEPT));
            } finally {
                t.closeAll(c, server);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void foreignChannelsAndBadOps(Transport t) {
        assertTimeoutPreemptively(LIMIT, () -> {
            Transport other = t == Transport.FLOWS ? Transport.JDK_UNIX : Transport.FLOWS;
            SelectableChannel foreign = other.open();
            SelectableChannel mine = null;
            try (Selector sel = t.provider().openSelector()) {
                mine = t.open();
                SelectableChannel m = mine;
                foreign.configureBlocking(false);
                assertThrows(IllegalSelectorException.class, () -> foreign.register(sel, OP_READ));
                m.configureBlocking(false);
                assertThrows(IllegalArgumentException.class, () -> m.register(sel, OP_ACCEPT));
            } finally {
                other.closeAll(foreign);
                t.closeAll(mine);
            }
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void closeWakesABlockedSelect(Transport t) {
        assertTimeoutPreemptively(LIMIT, () -> {
            CountDownLatch entered = new CountDownLatch(1);
            try (Selector sel = t.provider().openSelector();
                    HelperThread<Void> th = HelperThread.start("select-" + t, () -> {
                        entered.countDown();
                        sel.select();
                    })) {
                entered.await();
                Thread.sleep(100);
                sel.close();
                th.await(Duration.ofSeconds(5));
                assertFalse(th.isAlive(), "close() must wake a blocked select()");
                th.join();
                assertFalse(sel.isOpen());
            }
        });
    }

    @ParameterizedTest
    @MethodSource("transports")
    void closedSelectorDeregistersEverything(Transport t) {
        assertTimeoutPreemptively(LIMIT, () -> {
            SelectableChannel server = t.server();
            try {
                SelectableChannel[] p = pair(t, server);
                try (Selector sel = t.provider().openSelector()) {
                    p[1].configureBlocking(false);
                    SelectionKey k = p[1].register(sel, OP_READ);
                    sel.close();
                    assertFalse(k.isValid());
                    assertFalse(p[1].isRegistered());
                    assertThrows(ClosedSelectorException.class, sel::selectNow);
                    sel.wakeup(); // does nothing, throws nothing
                    assertTrue(p[1].isOpen());
                } finally {
                    t.closeAll(p[0], p[1]);
                }
            } finally {
                t.close(server);
            }
        });
    }

    @Test
    void flowsRejectJdkSocketFactories() {
        FlowSelectorProvider p = FlowSelectorProvider.provider();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, p::openSocketChannel);
        assertTrue(e.getMessage().contains("default provider"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, p::openServerSocketChannel);
        assertThrows(UnsupportedOperationException.class, p::openPipe);
        assertThrows(UnsupportedOperationException.class, p::openDatagramChannel);
    }
}
