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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A same-user peer (python3) completes a valid handshake, keeps the shared
 * counter page it handed over mapped, and writes what it likes into it:
 * every value out of range must take the flow down with the embedded
 * protocol error (EPEERPROTO) on the next call, and never size a loop or
 * an allocation of ours ({@link FlowSet#wait} returns at once, no
 * {@code OutOfMemoryError}, no "Unknown error").
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class SecurityCountersTest {
    private static final Duration LIMIT = Duration.ofSeconds(30);
    /** Offsets in the page (embedded_handshake.h): dir[0] client to server, each counter on its own 64 bytes. */
    private static final int CLIENT_SENT = 0;
    private static final int CLIENT_RCVD = 192;

    /*
     * The peer: a valid allocation with a sealed memfd it keeps mapped, one
     * honest SDU ("first", counted), then for each "poke OFFSET VALUE SIZE"
     * line on stdin: writes VALUE at OFFSET of the page and sends one SDU of
     * SIZE bytes without counting it (SIZE 0: none). Ends at end of stdin.
     */
    private static final String PY = String.join("\n",
        "import array, fcntl, mmap, os, socket, struct, sys",
        "where, name = sys.argv[1], bytes.fromhex(sys.argv[2])",
        "os.chdir(os.path.dirname(where))",
        "fd = os.memfd_create('hostile', os.MFD_ALLOW_SEALING)",
        "os.ftruncate(fd, 4096)",
        "fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)",
        "page = mmap.mmap(fd, 4096)",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
        "s.connect(os.path.basename(where))",
        "req = b'JOUR' + bytes([2, 1]) + struct.pack('<H', len(name)) + bytes(30) + name",
        "s.sendmsg([req], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd]))])",
        "r = s.recv(100)",
        "assert len(r) == 42 and r[5] == 2, r.hex()",
        "struct.pack_into('<Q', page, 0, 1)",
        "s.send(b'\\x00first')",
        "print('READY', flush=True)",
        "for line in sys.stdin:",
        "    _, off, val, size = line.split()",
        "    struct.pack_into('<Q', page, int(off), int(val) & 0xffffffffffffffff)",
        "    if int(size) > 0:",
        "        s.send(b'\\x00' + b'x' * int(size))",
        "    print('DONE', flush=True)",
        "");

    private static Path script;
    private static String name;
    private static Path socket;
    private static FlowServerChannel server;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(HostilePeerTest.python() != null,
                "python3 (with os.memfd_create) is needed for the hostile peer");
        script = Files.createTempFile(TestSupport.scratchDir(), "counters", ".py");
        Files.writeString(script, PY);
        name = TestSupport.unique("counters");
        ScriptedPeer.Bound bound = ScriptedPeer.bind(name);
        server = bound.server();
        socket = bound.socket();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        if (script != null) {
            Files.deleteIfExists(script);
        }
    }

    /** The hostile peer, connected and accepted (its script: {@code script}). */
    private static final class Peer extends ScriptedPeer {
        Peer() throws Exception {
            super(script, socket, name, server);
        }
    }

    private static byte[] readFirst(Flow f) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(Ouroboros.maxSdu() + 1);
        int n = f.readMessage(b);
        assertEquals(5, n, "the honest first SDU");
        return java.util.Arrays.copyOf(b.array(), n);
    }

    /**
     * The flow is down with the protocol error (the call that read the bad
     * value found it): read, write, queue lengths fail with it; flags say DOWN.
     */
    private static void assertBroken(Flow f) throws Exception {
        OuroborosException e = assertThrows(OuroborosException.class,
                () -> f.readMessage(ByteBuffer.allocate(Ouroboros.maxSdu() + 1)));
        assertEquals("EPEERPROTO", e.errorName(), e.toString());
        e = assertThrows(OuroborosException.class, f::rxQueueLength);
        assertEquals("EPEERPROTO", e.errorName(), e.toString());
        e = assertThrows(OuroborosException.class, f::txQueueLength);
        assertEquals("EPEERPROTO", e.errorName(), e.toString());
        e = assertThrows(OuroborosException.class, () -> f.writeMessage(ByteBuffer.wrap(new byte[] {1})));
        assertEquals("EPEERPROTO", e.errorName(), e.toString());
        assertTrue(f.flags().contains(FlowFlag.DOWN), "flags " + f.flags());
    }

    /**
     * The peer's "sent" counter, read to count packet events, set beyond
     * what its socket can hold (10^8: an OutOfMemoryError out of wait
     * before; 2^63-1 and 2^64-1: an endless loop) or below what this end
     * has already read (0).
     */
    @ParameterizedTest
    @ValueSource(longs = {100_000_000L, Long.MAX_VALUE, -1L, 0L, 1_000_000L})
    void sentCounterOutOfRangeTakesTheFlowDownAndWaitReturnsAtOnce(long value) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer(); FlowSet set = new FlowSet()) {
                readFirst(p.flow);
                set.add(p.flow);
                p.poke(CLIENT_SENT, value, 3);
                FlowEventQueue q = new FlowEventQueue();
                long t0 = System.nanoTime();
                int n = set.wait(q, Duration.ofSeconds(5));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(n >= 1 && n <= 2, "events of one wait: " + n);
                assertTrue(ms < 2000, "the wait took " + ms + " ms");
                // The flow is down now: the next wait says so, and every call on it fails typed.
                boolean down = n == 2 && q.next() != null && q.next().type() == FlowEventType.DOWN;
                if (!down) {
                    q = new FlowEventQueue();
                    set.wait(q, Duration.ofSeconds(5));
                    List<FlowEventType> types = new ArrayList<>();
                    for (FlowEvent e; (e = q.next()) != null;) {
                        types.add(e.type());
                    }
                    assertTrue(types.contains(FlowEventType.DOWN), "events after the violation: " + types);
                }
                assertBroken(p.flow);
            }
        });
    }

    /** The same counter read for rxQueueLength(), without a flow set. */
    @Test
    void sentCounterOutOfRangeFailsTheQueueLength() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                readFirst(p.flow);
                assertEquals(0, p.flow.rxQueueLength());
                p.poke(CLIENT_SENT, 1L << 40, 0);
                OuroborosException e = assertThrows(OuroborosException.class, p.flow::rxQueueLength);
                assertEquals("EPEERPROTO", e.errorName(), e.toString());
                assertBroken(p.flow);
            }
        });
    }

    /**
     * The peer's "rcvd" counter (read for txQueueLength) beyond what this
     * end ever sent.
     */
    @ParameterizedTest
    @ValueSource(longs = {1L, 2L << 31, -1L})
    void rcvdCounterOutOfRangeTakesTheFlowDown(long value) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                readFirst(p.flow);
                assertEquals(0, p.flow.txQueueLength());
                p.poke(CLIENT_RCVD, value, 0);
                OuroborosException e = assertThrows(OuroborosException.class, p.flow::txQueueLength);
                assertEquals("EPEERPROTO", e.errorName(), e.toString());
                assertBroken(p.flow);
            }
        });
    }

    /**
     * Defect 3 of issue 10: with part of an SDU held by a short read, the rx
     * queue length added 1 to a count capped at 2^31-1 (signed overflow,
     * "Unknown error -2147483648" when the counter was scribbled). An honest
     * count is the queued SDUs plus the held part; a scribbled one is the
     * protocol error.
     */
    @Test
    void heldPartOfAnSduCountsOnceAndNeverOverflows() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                ByteBuffer small = ByteBuffer.allocate(2);
                assertEquals(2, p.flow.readMessage(small), "a short read of the honest first SDU");
                assertEquals(1, p.flow.rxQueueLength(), "the held rest of the first SDU");
                // Honest: one more SDU, counted.
                p.poke(CLIENT_SENT, 2, 7);
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (p.flow.rxQueueLength() != 2 && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                assertEquals(2, p.flow.rxQueueLength(), "the held rest and the queued SDU");
                // Scribbled: one read so far, so 2^31 means 2^31 - 1 queued, plus the held part.
                p.poke(CLIENT_SENT, 1L << 31, 0);
                OuroborosException e = assertThrows(OuroborosException.class, p.flow::rxQueueLength);
                assertEquals("EPEERPROTO", e.errorName(), e.toString());
                // The rest of an SDU read before the violation is ours already; nothing after it is.
                assertEquals(3, p.flow.readMessage(ByteBuffer.allocate(100)), "the held rest");
                assertBroken(p.flow);
            }
        });
    }

    /** Values in range are no violation: an honest peer's counters keep the flow up. */
    @Test
    void honestCountersKeepTheFlowUp() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer(); FlowSet set = new FlowSet(p.flow)) {
                FlowEventQueue q = new FlowEventQueue();
                // The first SDU, queued before the flow joined the set or not, counts as the next three do.
                for (int i = 2; i <= 4; i++) {
                    p.poke(CLIENT_SENT, i, 1);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                int events = 0;
                while (events < 4 && System.nanoTime() < deadline) {
                    events += set.wait(q, Duration.ofMillis(200));
                }
                assertEquals(4, events, "one packet event per SDU");
                assertEquals(4, p.flow.rxQueueLength());
                assertEquals(Set.of(FlowFlag.READ_WRITE, FlowFlag.NO_PARTIAL_WRITE), p.flow.flags());
                for (int i = 0; i < 4; i++) {
                    assertTrue(p.flow.readMessage(ByteBuffer.allocate(Ouroboros.maxSdu() + 1)) > 0);
                }
                assertEquals(0, p.flow.rxQueueLength());
            }
        });
    }
}
