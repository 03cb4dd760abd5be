/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * close() from another thread wakes a thread blocked in read, write, accept
 * and connect promptly with AsynchronousCloseException; an interrupt gives
 * ClosedByInterruptException and closes the channel, as with JDK sockets.
 */
@ExtendWith(HelperThread.Check.class)
class ThreadsTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static final long MAX_LATENCY_MS = 1000;
    private static final String NAME = TestSupport.unique("threads");
    private static final String NO_ACCEPT = TestSupport.unique("threads-noaccept");
    private static FlowServerChannel server;
    private static PeerProcess binder;

    @BeforeAll
    static void setUp() throws Exception {
        server = FlowServerChannel.open().bind(NAME);
        binder = PeerProcess.start("bind-and-wait", NO_ACCEPT);
        binder.expect("READY");
    }

    @AfterAll
    static void tearDown() throws Exception {
        try (FlowServerChannel s = server; PeerProcess b = binder) {
            // both closed, whichever @BeforeAll made
        }
    }

    @FunctionalInterface
    interface Blocking {
        void run() throws Exception;
    }

    /**
     * Runs {@code op} on a thread, waits until it is inside the native method
     * {@code where}, then closes {@code ch} (or interrupts the thread); returns
     * what the thread threw and checks how soon.
     */
    private static Throwable wake(String what, Channel ch, Blocking op, String where, boolean interrupt)
            throws Exception {
        AtomicLong woke = new AtomicLong();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        try (HelperThread<Void> t = HelperThread.start("blocked-" + what, () -> {
            try {
                op.run();
            } finally {
                woke.set(System.nanoTime());
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        })) {
            TestSupport.awaitIn(t.thread(), where, Duration.ofSeconds(10));
            Thread.sleep(200); // well inside the blocking wait
            assertTrue(t.isAlive(), what + ": not blocked: " + (t.isAlive() ? null : t.joinThrown(Duration.ZERO)));
            long t0 = System.nanoTime();
            if (interrupt) {
                t.thread().interrupt();
            } else {
                ch.close();
            }
            t.await(Duration.ofSeconds(10));
            assertFalse(t.isAlive(), what + ": still blocked 10 s after " + (interrupt ? "interrupt" : "close"));
            Throwable thrown = t.joinThrown(Duration.ZERO);
            long ms = (woke.get() - t0) / 1_000_000;
            System.out.printf("%s woken by %s after %.3f ms%n", what, interrupt ? "interrupt" : "close",
                    (woke.get() - t0) / 1e6);
            assertTrue(ms < MAX_LATENCY_MS, what + ": woken after " + ms + " ms");
            if (interrupt) {
                assertEquals(Boolean.TRUE, stillInterrupted.get(), what + ": the interrupt status stays set");
            }
            assertFalse(ch.isOpen(), what + ": the channel is closed afterwards");
            return thrown;
        }
    }

    private static void assertAsyncClose(Throwable e, String what) {
        assertNotNull(e, what);
        assertEquals(AsynchronousCloseException.class, e.getClass(), what + ": " + e);
    }

    private static void assertInterrupted(Throwable e, String what) {
        assertNotNull(e, what);
        assertEquals(ClosedByInterruptException.class, e.getClass(), what + ": " + e);
    }

    // -------------------------------------------------------------- read

    @Test
    void closeWakesBlockedRead() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                assertAsyncClose(wake("read", p.client, () -> p.client.read(ByteBuffer.allocate(100)),
                        "flowRead", false), "read");
                // The peer sees the flow go down.
                assertEquals(-1, p.server.read(ByteBuffer.allocate(10)));
            }
        });
    }

    @Test
    void closeWakesBlockedReadMessageWithDirectBuffer() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                assertAsyncClose(wake("readMessage", p.client,
                        () -> p.client.readMessage(ByteBuffer.allocateDirect(100)), "flowRead", false), "read");
            }
        });
    }

    @Test
    void interruptWakesBlockedRead() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                assertInterrupted(wake("read", p.client, () -> p.client.read(ByteBuffer.allocate(100)),
                        "flowRead", true), "read");
                assertEquals(-1, p.server.read(ByteBuffer.allocate(10)));
            }
        });
    }

    @Test
    void closeOfTheAcceptedEndWakesItsBlockedRead() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                assertAsyncClose(wake("accepted read", p.server, () -> p.server.read(ByteBuffer.allocate(100)),
                        "flowRead", false), "read");
            }
        });
    }

    // ------------------------------------------------------------- write

    /** Fills the flow (the peer never reads) until a blocking write would wait. */
    private static void fill(Flow f) throws Exception {
        f.configureBlocking(false);
        ByteBuffer sdu = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
        int n = 0;
        while (f.writeMessage(sdu.clear()) > 0) {
            assertTrue(++n < 100_000, "the flow never filled");
        }
        f.configureBlocking(true);
    }

    private static Blocking bigWrite(Flow f) {
        return () -> f.write(ByteBuffer.allocate(8 * Ouroboros.maxSdu()));
    }

    @Test
    void closeWakesBlockedWrite() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                fill(p.client);
                int queued = p.client.txQueueLength();
                assertAsyncClose(wake("write", p.client, bigWrite(p.client), "flowWrite", false), "write");
                // What was queued before is still there for the peer; then the end.
                ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
                int got = 0;
                while (p.server.readMessage(b.clear()) >= 0) {
                    got++;
                }
                assertTrue(got >= queued, "the peer read " + got + " of " + queued + " queued SDUs");
            }
        });
    }

    @Test
    void closeWakesBlockedWriteMessage() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                fill(p.client);
                assertAsyncClose(wake("writeMessage", p.client,
                        () -> p.client.writeMessage(ByteBuffer.allocateDirect(Ouroboros.maxSdu())), "flowWrite",
                        false), "write");
            }
        });
    }

    @Test
    void interruptWakesBlockedWrite() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                fill(p.client);
                assertInterrupted(wake("write", p.client, bigWrite(p.client), "flowWrite", true), "write");
            }
        });
    }

    @Test
    void closeWakesBlockedWriteWhileAnotherThreadReads() throws Exception {
        // Reads and writes run concurrently: one close wakes both.
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                fill(p.client);
                try (HelperThread<Integer> r = HelperThread.call("concurrent-reader",
                        () -> p.client.read(ByteBuffer.allocate(10)))) {
                    TestSupport.awaitIn(r.thread(), "flowRead", Duration.ofSeconds(10));
                    assertAsyncClose(wake("write", p.client, bigWrite(p.client), "flowWrite", false), "write");
                    r.await(Duration.ofMillis(MAX_LATENCY_MS));
                    assertFalse(r.isAlive(), "the reader is still blocked");
                    assertAsyncClose(r.joinThrown(Duration.ZERO), "read");
                }
            }
        });
    }

    // ------------------------------------------------------------ accept

    @Test
    void closeWakesBlockedAccept() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel s = FlowServerChannel.open().bind(TestSupport.unique("threads-accept"))) {
                assertAsyncClose(wake("accept", s, s::accept, "serverAccept", false), "accept");
            }
        });
    }

    @Test
    void closeWakesBlockedAcceptWithTimeout() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (FlowServerChannel s = FlowServerChannel.open().bind(TestSupport.unique("threads-accept"))) {
                assertAsyncClose(wake("accept(30 s)", s, () -> s.accept(Duration.ofSeconds(30)), "serverAccept",
                        false), "accept");
            }
        });
    }

    @Test
    void interruptWakesBlockedAccept() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String name = TestSupport.unique("threads-accept");
            try (FlowServerChannel s = FlowServerChannel.open().bind(name)) {
                assertInterrupted(wake("accept", s, s::accept, "serverAccept", true), "accept");
                assertThrows(UnknownNameException.class, () -> Flow.open(name), "closing unbinds the name");
            }
        });
    }

    // ----------------------------------------------------------- connect

    @Test
    void closeWakesBlockedConnect() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Flow f = Flow.open()) {
                assertAsyncClose(wake("connect", f, () -> f.connect(NO_ACCEPT), "flowAllocFinish", false), "connect");
                assertFalse(f.isConnected());
            }
        });
    }

    @Test
    void closeWakesBlockedConnectWithTimeout() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Flow f = Flow.open()) {
                assertAsyncClose(wake("connect(30 s)", f,
                        () -> f.connect(NO_ACCEPT, QoSSpec.raw(), Duration.ofSeconds(30)), "flowAllocFinish", false),
                        "connect");
            }
        });
    }

    @Test
    void interruptWakesBlockedConnect() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Flow f = Flow.open()) {
                assertInterrupted(wake("connect", f, () -> f.connect(NO_ACCEPT), "flowAllocFinish", true), "connect");
                assertFalse(f.isConnected());
            }
        });
    }

    @Test
    void connectToAServerThatNeverAcceptsTimesOut() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            long t0 = System.nanoTime();
            FlowTimeoutException e = org.junit.jupiter.api.Assertions.assertThrows(FlowTimeoutException.class,
                    () -> Flow.open(NO_ACCEPT, QoSSpec.raw(), Duration.ofMillis(300)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("ETIMEDOUT", e.errorName());
            assertTrue(ms >= 290 && ms < 3000, "timed out after " + ms + " ms");
        });
    }

    // ------------------------------------------------- already interrupted

    @Test
    void alreadyInterruptedThreadGetsClosedByInterrupt() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                Thread.currentThread().interrupt();
                try {
                    org.junit.jupiter.api.Assertions.assertThrows(ClosedByInterruptException.class,
                            () -> p.client.read(ByteBuffer.allocate(10)));
                } finally {
                    assertTrue(Thread.interrupted(), "the interrupt status stays set");
                }
                assertFalse(p.client.isOpen());
            }
        });
    }

    /** Even when the call would not block (data queued, room to write), as a socket does. */
    @Test
    void alreadyInterruptedThreadGetsClosedByInterruptWithDataQueuedAndRoom() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                p.server.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                ByteBuffer one = ByteBuffer.allocate(10);
                assertEquals(3, p.client.read(one), "the first SDU, uninterrupted");
                p.server.write(ByteBuffer.wrap(new byte[] {4, 5, 6}));
                Thread.sleep(50); // queued at the client
                Thread.currentThread().interrupt();
                try {
                    org.junit.jupiter.api.Assertions.assertThrows(ClosedByInterruptException.class,
                            () -> p.client.read(ByteBuffer.allocate(10)), "a read with an SDU queued");
                } finally {
                    assertTrue(Thread.interrupted(), "the interrupt status stays set");
                }
                assertFalse(p.client.isOpen());
            }
            try (TestSupport.Pair p = TestSupport.connect(server, NAME)) {
                Thread.currentThread().interrupt();
                try {
                    org.junit.jupiter.api.Assertions.assertThrows(ClosedByInterruptException.class,
                            () -> p.client.write(ByteBuffer.wrap(new byte[] {7})), "a write with room");
                } finally {
                    assertTrue(Thread.interrupted(), "the interrupt status stays set");
                }
                assertFalse(p.client.isOpen());
            }
        });
    }

    private static void assertThrows(Class<? extends Throwable> c, org.junit.jupiter.api.function.Executable e,
            String msg) {
        org.junit.jupiter.api.Assertions.assertThrows(c, e, msg);
    }
}
