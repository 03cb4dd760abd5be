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
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Selector behaviour specific to flows, across processes. */
@ExtendWith(HelperThread.Check.class)
class SelectorFlowsTest {
    private static final String BASE = "selflows-" + ProcessHandle.current().pid();

    /** One selector thread serves 200 flows of a second JVM: each SDU echoed once, in order. */
    @Test
    void oneSelectorThreadServes200Flows() {
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            String name = BASE + "-200";
            AtomicBoolean stop = new AtomicBoolean();
            try (Selector sel = FlowSelectorProvider.provider().openSelector();
                    FlowServerChannel server = FlowServerChannel.open().bind(name)) {
                server.configureBlocking(false);
                server.register(sel, OP_ACCEPT);
                try (PeerProcess peer = PeerProcess.start("many-clients", name, "200", "20")) {
                    Map<Flow, ArrayDeque<ByteBuffer>> out = new HashMap<>();
                    String result = null;
                    int accepted = 0;
                    ByteBuffer in = ByteBuffer.allocate(Ouroboros.maxSdu());
                    while (result == null) {
                        sel.select(100);
                        for (var it = sel.selectedKeys().iterator(); it.hasNext();) {
                            SelectionKey k = it.next();
                            it.remove();
                            if (k.isAcceptable()) {
                                Flow f;
                                while ((f = server.accept()) != null) {
                                    f.configureBlocking(false);
                                    f.register(sel, OP_READ);
                                    out.put(f, new ArrayDeque<>());
                                    accepted++;
                                }
                                continue;
                            }
                            Flow f = (Flow) k.channel();
                            ArrayDeque<ByteBuffer> q = out.get(f);
                            if (k.isReadable()) {
                                in.clear();
                                int n = f.readMessage(in);
                                if (n < 0) {
                                    k.cancel();
                                    f.close();
                                    continue;
                                }
                                if (n > 0) {
                                    q.add(ByteBuffer.wrap(java.util.Arrays.copyOf(in.array(), n)));
                                }
                            }
                            while (!q.isEmpty() && f.writeMessage(q.peek()) > 0) {
                                q.poll();
                            }
                            if (k.isValid()) {
                                k.interestOps(q.isEmpty() ? OP_READ : OP_READ | OP_WRITE);
                            }
                        }
                        result = peerResult(peer);
                    }
                    assertEquals(200, accepted);
                    assertEquals("OK 4000", result);
                }
            } finally {
                stop.set(true);
            }
        });
    }

    /** The peer's result line once it printed one (its CONNECTED lines are passed over); else null. */
    private static String peerResult(PeerProcess peer) {
        for (String line; (line = peer.poll()) != null;) {
            if (!line.startsWith("CONNECTED")) {
                return line;
            }
        }
        return null;
    }

    /** Data a small read leaves buffered natively keeps the key readable. */
    @Test
    void partlyReadSduKeepsKeyReadable() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            String name = BASE + "-part";
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    Selector sel = FlowSelectorProvider.provider().openSelector();
                    HelperThread<Integer> client = HelperThread.call("client", () -> {
                        try (Flow c = Flow.open(name)) {
                            c.writeMessage(ByteBuffer.allocate(1000));
                            // The test closes its end when done: the end of the flow.
                            return c.receiveTimeout(Duration.ofSeconds(20)).read(ByteBuffer.allocate(1));
                        }
                    })) {
                try (Flow f = server.accept()) {
                    f.configureBlocking(false);
                    SelectionKey k = f.register(sel, OP_READ);
                    int total = 0;
                    ByteBuffer small = ByteBuffer.allocate(100);
                    while (total < 1000) {
                        assertEquals(1, sel.select(5000), "readable while " + (1000 - total) + " bytes wait");
                        sel.selectedKeys().clear();
                        small.clear();
                        total += f.read(small);
                    }
                    assertEquals(1000, total);
                    assertEquals(0, f.read(small.clear()));
                    assertEquals(0, sel.selectNow(), "drained: not readable");
                    assertTrue(k.isValid());
                }
                client.join();
            }
        });
    }

    /** OP_CONNECT completes through finishConnect; a name nobody binds fails typed. */
    @Test
    void selectorDrivenAllocation() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            try (Selector sel = FlowSelectorProvider.provider().openSelector();
                    PeerProcess peer = PeerProcess.start("echo-server", BASE + "-conn")) {
                peer.expect("READY");
                Flow f = Flow.open();
                f.configureBlocking(false);
                // As SocketChannel's: a non-blocking connect may complete at once, when the
                // server's answer is in before connect returns (1 run in about 30 here).
                SelectionKey k;
                if (f.connect(BASE + "-conn", QoSSpec.voice(), null)) {
                    assertFalse(f.isConnectionPending());
                    k = f.register(sel, 0);
                } else {
                    assertTrue(f.isConnectionPending());
                    k = f.register(sel, OP_CONNECT);
                    assertEquals(1, sel.select(10_000));
                    assertTrue(k.isConnectable());
                    assertTrue(f.finishConnect());
                }
                assertTrue(f.isConnected());
                // Ouroboros 0.23 (QOS_DISABLE_CRC) gives every flow ber = 1.
                assertEquals(Ouroboros.layer() == Layer.SYSTEM ? QoSSpec.voice().toBuilder().ber(1).build()
                        : QoSSpec.voice(), f.qos());
                k.interestOps(OP_WRITE);
                sel.selectedKeys().clear();
                assertEquals(1, sel.select(5000));
                assertTrue(k.isWritable());
                f.close();

                Flow g = Flow.open();
                g.configureBlocking(false);
                UnknownNameException e = assertThrows(UnknownNameException.class,
                        () -> g.connect(BASE + "-nobody"));
                assertEquals("ENAME", e.errorName());
                assertFalse(g.isOpen(), "a failed allocation closes the flow");
            }
        });
    }

    /** A non-blocking accept with nothing waiting returns null; a read returns 0. */
    @Test
    void nonBlockingModes() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            String name = BASE + "-nb";
            try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
                server.configureBlocking(false);
                assertNull(server.accept());
                try (HelperThread<Integer> client = HelperThread.call("client", () -> {
                    try (Flow c = Flow.open(name)) {
                        // The test closes its end when done: the end of the flow.
                        return c.receiveTimeout(Duration.ofSeconds(20)).read(ByteBuffer.allocate(1));
                    }
                })) {
                    Flow accepted;
                    while ((accepted = server.accept()) == null) {
                        Thread.sleep(5);
                    }
                    try (Flow f = accepted) {
                        f.configureBlocking(false);
                        assertTrue(f.flags().containsAll(FlowFlag.nonBlocking()));
                        long t0 = System.nanoTime();
                        assertEquals(0, f.read(ByteBuffer.allocate(10)));
                        assertEquals(0, f.readMessage(ByteBuffer.allocate(10)));
                        assertTrue(System.nanoTime() - t0 < 2_000_000_000L);
                        f.configureBlocking(true);
                        assertFalse(f.flags().contains(FlowFlag.NON_BLOCKING_READ));
                    }
                    client.join();
                }
            }
        });
    }
}
