/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A same-user peer (python3, another process) takes the shared-memory rings
 * in the handshake (native/embedded_ring.h) and then writes what it likes
 * into them: a head, tail or record length out of range takes the flow
 * down with the protocol error (EPEERPROTO); flags it scribbles, a peer
 * that stops consuming or dies in the middle of a record never crash, hang
 * or corrupt this side, and the accepting side keeps serving.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class RingHostileTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int RING = 256 * 1024;
    private static final int DATA0 = 4096;           // client to server
    private static final int CTL0 = 1024;            // its header
    private static final int HEAD0 = CTL0;
    private static final int RDWAKE0 = CTL0 + 128;
    private static final int CTL1 = CTL0 + 256;      // server to client
    private static final int TAIL1 = CTL1 + 64;
    private static final int WRWAIT1 = CTL1 + 192;

    /*
     * The peer: a handshake that offers the rings (a memfd of 4096 + 2 *
     * RING bytes and its two eventfds), checks that the reply took them and
     * carries the server's two, then one command per stdin line, answering
     * DONE (or GOT):
     *   put HEX            an honest SDU into ring 0, counted, the server woken
     *   poke OFF VAL SIZE  VAL (SIZE 4 or 8 bytes) at OFF of the memfd, then
     *                      both of the server's eventfds signalled
     *   take               one honest record out of ring 1: GOT HEX
     *   skips              how many skips take followed: GOT N
     *   skip               a skip (length 0xffffffff) where the next record
     *                      would go, unpublished: the next put goes to the
     *                      start of the ring and publishes both
     *   half               half a record written, never published; then dies
     */
    private static final String PY = String.join("\n",
        "import array, fcntl, mmap, os, signal, socket, struct, sys",
        "where, name = sys.argv[1], bytes.fromhex(sys.argv[2])",
        "os.chdir(os.path.dirname(where))",
        "RING = 256 * 1024; SHM = 4096 + 2 * RING; CTL0 = 1024; CTL1 = CTL0 + 256",
        "fd = os.memfd_create('hostile-ring', os.MFD_ALLOW_SEALING)",
        "os.ftruncate(fd, SHM)",
        "fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)",
        "m = mmap.mmap(fd, SHM)",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
        "s.connect(os.path.basename(where))",
        "req = b'JOUR' + bytes([2, 1]) + struct.pack('<H', len(name)) + bytes(30) + name",
        "C_RX = os.eventfd(0, os.EFD_NONBLOCK); C_SP = os.eventfd(1, os.EFD_NONBLOCK)",
        "s.sendmsg([req], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd, C_RX, C_SP]))])",
        "r, anc, fl, _ = s.recvmsg(100, socket.CMSG_SPACE(8 * 4))",
        "fds = []",
        "for lvl, typ, data in anc:",
        "    fds += list(array.array('i', data[:len(data) - len(data) % 4]))",
        "assert len(r) == 42 and r[5] == 2 and struct.unpack('<H', r[6:8])[0] & 1 and len(fds) == 2, (r.hex(), fds)",
        "S_RX, S_SP = fds",
        "head = 0; sent = 0; tail1 = 0; rcvd = 0; skips = 0",
        "def wake(e):",
        "    os.write(e, struct.pack('<Q', 1))",
        "def ring_write(base, pos, b):",
        "    for i in range(len(b)):",
        "        m[base + (pos + i) % RING] = b[i]",
        "def ring_read(base, pos, n):",
        "    return bytes(m[base + (pos + i) % RING] for i in range(n))",
        "print('READY', flush=True)",
        "for line in sys.stdin:",
        "    c = line.split()",
        "    if c[0] == 'put':",
        "        b = bytes.fromhex(c[1]) if len(c) > 1 else b''",
        "        ring_write(4096, head, struct.pack('<II', len(b), 0) + b)",
        "        sent += 1; struct.pack_into('<Q', m, 0, sent)",
        "        head += 8 + (len(b) + 7) // 8 * 8",
        "        struct.pack_into('<Q', m, CTL0, head)",
        "        wake(S_RX)",
        "    elif c[0] == 'poke':",
        "        off, val, size = int(c[1]), int(c[2]), int(c[3])",
        "        struct.pack_into('<Q' if size == 8 else '<I', m, off, val & (2 ** (8 * size) - 1))",
        "        wake(S_RX); wake(S_SP)",
        "    elif c[0] == 'skips':",
        "        print('GOT %d' % skips, flush=True); continue",
        "    elif c[0] == 'skip':",
        "        p = head % RING",
        "        ring_write(4096, head, struct.pack('<II', 0xffffffff, 0))",
        "        head += RING - p",
        "    elif c[0] == 'take':",
        "        h = struct.unpack_from('<Q', m, CTL1)[0]",
        "        if h == tail1:",
        "            print('GOT none', flush=True); continue",
        "        n = struct.unpack('<I', ring_read(4096 + RING, tail1, 4))[0]",
        "        if n == 0xffffffff:",  // a skip: the record is at the start of the ring
        "            tail1 += RING - tail1 % RING; skips += 1",
        "            n = struct.unpack('<I', ring_read(4096 + RING, tail1, 4))[0]",
        "        b = ring_read(4096 + RING, tail1 + 8, n)",
        "        tail1 += 8 + (n + 7) // 8 * 8; rcvd += 1",
        "        struct.pack_into('<Q', m, CTL1 + 64, tail1)",
        "        struct.pack_into('<Q', m, 192, rcvd)",
        "        print('GOT ' + (b.hex() or '-'), flush=True); continue",
        "    elif c[0] == 'half':",
        "        ring_write(4096, head, struct.pack('<II', 1000, 0) + b'y' * 500)",
        "        print('DONE', flush=True)",
        "        os.kill(os.getpid(), signal.SIGKILL)",
        "    print('DONE', flush=True)",
        "");

    /*
     * A handshake that gets the descriptors of the rings wrong (argv[3]):
     * prints the server's answer (OK with or without the rings, REFUSED,
     * or CLOSED), then, if it was OK, sends one SDU on the socket (the
     * data plane without the rings) and prints what comes back.
     */
    private static final String PY_FDS = String.join("\n",
        "import array, fcntl, mmap, os, socket, struct, sys",
        "where, name, case = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.argv[3]",
        "os.chdir(os.path.dirname(where))",
        "RING = 256 * 1024",
        "def memfd(size):",
        "    fd = os.memfd_create('hostile-fds', os.MFD_ALLOW_SEALING)",
        "    os.ftruncate(fd, size)",
        "    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)",
        "    return fd",
        "ev = lambda: os.eventfd(0, os.EFD_NONBLOCK)",
        "r, w = os.pipe()",
        "fds = {'pipes': [memfd(4096 + 2 * RING), r, w],",
        "       'one-eventfd': [memfd(4096 + 2 * RING), ev()],",
        "       'eventfds-small-memfd': [memfd(4096), ev(), ev()],",
        "       'ring-memfd-alone': [memfd(4096 + 2 * RING)],",
        "       'four': [memfd(4096 + 2 * RING), ev(), ev(), ev()]}[case]",
        "s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
        "s.settimeout(5)",
        "s.connect(os.path.basename(where))",
        "req = b'JOUR' + bytes([2, 1]) + struct.pack('<H', len(name)) + bytes(30) + name",
        "s.sendmsg([req], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))])",
        "try:",
        "    rep, anc, fl, _ = s.recvmsg(100, socket.CMSG_SPACE(8 * 4))",
        "except (ConnectionResetError, socket.timeout):",
        "    rep, anc = b'', []",
        "if len(rep) == 42 and rep[5] == 2:",
        "    print('OK-RING' if rep[6] & 1 else 'OK', len(anc), flush=True)",
        "    if not rep[6] & 1:",
        "        s.send(b'\\x00ping')",
        "        print('GOT', s.recv(100).hex(), flush=True)",
        "elif len(rep) == 42 and rep[5] == 3:",
        "    print('REFUSED', flush=True)",
        "else:",
        "    print('CLOSED', flush=True)",
        "");

    private static Path script;
    private static Path fdsScript;
    private static String name;
    private static Path socket;
    private static FlowServerChannel server;

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(Ouroboros.layer() == Layer.EMBEDDED, "the rings are the embedded layer's");
        Assumptions.assumeTrue(HostilePeerTest.python() != null,
                "python3 (with os.memfd_create) is needed for the hostile peer");
        script = Files.createTempFile(TestSupport.scratchDir(), "ring", ".py");
        Files.writeString(script, PY);
        fdsScript = Files.createTempFile(TestSupport.scratchDir(), "ring-fds", ".py");
        Files.writeString(fdsScript, PY_FDS);
        name = TestSupport.unique("ring-hostile");
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
        if (fdsScript != null) {
            Files.deleteIfExists(fdsScript);
        }
    }

    /** The hostile peer, connected and accepted (its script: {@code script}). */
    private static final class Peer extends ScriptedPeer {
        Peer() throws Exception {
            super(script, socket, name, server);
        }
    }

    private static byte[] read(Flow f) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Ouroboros.maxSdu() + 1);
        int n = f.readMessage(b);
        assertTrue(n >= 0, "read " + n);
        return java.util.Arrays.copyOf(b.array(), n);
    }

    private static void assertBroken(Flow f) throws IOException {
        OuroborosException e = assertThrows(OuroborosException.class,
                () -> f.readMessage(ByteBuffer.allocate(Ouroboros.maxSdu() + 1)));
        assertEquals("EPEERPROTO", e.errorName(), e.toString());
        e = assertThrows(OuroborosException.class, () -> f.writeMessage(ByteBuffer.wrap(new byte[] {1})));
        assertEquals("EPEERPROTO", e.errorName(), e.toString());
        assertTrue(f.flags().contains(FlowFlag.DOWN), "flags " + f.flags());
    }

    /** After a case: an honest peer still gets its SDUs through. */
    private static void stillServes() throws Exception {
        try (Peer p = new Peer()) {
            p.put(new byte[] {7, 7});
            assertArrayEquals(new byte[] {7, 7}, read(p.flow));
        }
    }

    /** Descriptors that are not two eventfds after a memfd of the rings' size: refused. */
    @ParameterizedTest
    @ValueSource(strings = {"pipes", "one-eventfd", "eventfds-small-memfd", "four"})
    void wrongDescriptorsForTheRingsAreRefused(String fdCase) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            assertEquals("REFUSED", runFds(fdCase, false));
            stillServes();
        });
    }

    /** A memfd of the rings' size without eventfds: the flow runs on the socket, as before the rings. */
    @Test
    void aRingSizedMemfdAloneKeepsTheSocket() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            assertEquals("OK 0 / GOT 0070696e67", runFds("ring-memfd-alone", true), "the echo of ping");
        });
    }

    /** Runs the descriptor case; echoes, if accepted, one SDU back on the socket. */
    private static String runFds(String fdCase, boolean echo) throws Exception {
        Process pr = TestSupport.python(HostilePeerTest.python(), fdsScript.toString(), socket.toString(),
                HexFormat.of().formatHex(name.getBytes(StandardCharsets.UTF_8)), fdCase)
                .redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(pr.getInputStream(), StandardCharsets.UTF_8));
            Flow f = null;
            try {
                // Refused cases never reach accept: the time-out is the answer there.
                f = server.accept(Duration.ofMillis(echo ? 10_000 : 1000));
            } catch (FlowTimeoutException e) {
                if (echo) {
                    throw e;
                }
            }
            if (f != null) {
                try (Flow g = f) {
                    g.receiveTimeout(Duration.ofSeconds(5));
                    ByteBuffer b = ByteBuffer.allocate(100);
                    int n = g.readMessage(b);
                    b.flip();
                    g.writeMessage(b);
                    assertEquals(4, n, "the SDU sent on the socket");
                }
            }
            String first = r.readLine();
            String second = first != null && first.startsWith("OK ") ? r.readLine() : null;
            return second == null ? first : first + " / " + second;
        } finally {
            TestSupport.kill(pr);
        }
    }

    @Test
    void honestSdusBothWaysThroughTheRings() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                byte[] big = new byte[Ouroboros.maxSdu()];
                new Random(1).nextBytes(big);
                p.put("hello".getBytes(StandardCharsets.UTF_8));
                p.put(new byte[0]);
                p.put(big);
                assertEquals(3, p.flow.rxQueueLength());
                assertEquals("hello", new String(read(p.flow), StandardCharsets.UTF_8));
                assertEquals(0, read(p.flow).length, "an empty SDU");
                assertArrayEquals(big, read(p.flow), "the largest SDU");
                // Past the end of the ring: records that wrap.
                for (int i = 0; i < 20; i++) {
                    byte[] b = new byte[4000 + i];
                    new Random(i).nextBytes(b);
                    p.put(b);
                    assertArrayEquals(b, read(p.flow), "SDU " + i);
                }
                p.flow.writeMessage(ByteBuffer.wrap("back".getBytes(StandardCharsets.UTF_8)));
                assertEquals(1, p.flow.txQueueLength());
                assertEquals("GOT " + HexFormat.of().formatHex("back".getBytes(StandardCharsets.UTF_8)), p.say("take"));
                assertEquals(0, p.flow.txQueueLength());
            }
        });
    }

    /** A head not a multiple of 8, beyond the ring, behind the tail. */
    @ParameterizedTest
    @ValueSource(longs = {1L, 4L, RING + 8L, 1L << 40, Long.MAX_VALUE, -8L, -1L})
    void headOutOfRangeTakesTheFlowDown(long value) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                p.poke(HEAD0, value, 8);
                assertBroken(p.flow);
            }
            stillServes();
        });
    }

    /** A published record whose length is beyond the largest SDU or what was published. */
    @ParameterizedTest
    @ValueSource(longs = {65537L, 100L, 0xffffffffL, 0x80000000L})
    void recordLengthOutOfRangeTakesTheFlowDown(long len) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                p.poke(DATA0, len, 4);
                p.poke(HEAD0, 16, 8);
                assertBroken(p.flow);
            }
            stillServes();
        });
    }

    /** A skip to the start of the ring, then a record there: read as any other. */
    @Test
    void aSkipToTheStartOfTheRingIsFollowed() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                p.put(new byte[100]);
                assertEquals(100, read(p.flow).length);
                p.say("skip");
                p.put("after".getBytes(StandardCharsets.UTF_8));
                assertEquals(1, p.flow.rxQueueLength());
                assertEquals("after", new String(read(p.flow), StandardCharsets.UTF_8));
                p.put("next".getBytes(StandardCharsets.UTF_8));
                assertEquals("next", new String(read(p.flow), StandardCharsets.UTF_8));
            }
        });
    }

    /**
     * Our writer, once its ring is empty far enough into the lap (64 KiB),
     * puts the next small record at the start behind a skip: the peer reads
     * every SDU in order across those skips (each SDU taken before the next
     * is written, so the ring is empty before each).
     */
    @Test
    void ourSkipsAreReadByThePeer() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                for (int i = 0; i < 600; i++) { // about 180 KB: past 64 KiB twice
                    byte[] b = new byte[1 + i * 37 % 600];
                    new Random(i).nextBytes(b);
                    p.flow.writeMessage(ByteBuffer.wrap(b));
                    assertEquals("GOT " + HexFormat.of().formatHex(b), p.say("take"), "SDU " + i);
                }
                String skips = p.say("skips");
                assertTrue(Integer.parseInt(skips.substring(4)) >= 2, "our writer skipped: " + skips);
            }
        });
    }

    /**
     * A skip with nothing published after it (it would skip the whole lap
     * here); a skip followed by a record longer than the largest SDU; a skip
     * followed by a record of 100 bytes of which only 8 were published: the
     * flow goes down.
     */
    @ParameterizedTest
    @ValueSource(strings = {"alone", "record-too-long", "record-beyond-head"})
    void aBrokenSkipTakesTheFlowDown(String how) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                if (how.equals("alone")) {
                    p.poke(DATA0, 0xffffffffL, 4);
                    p.poke(HEAD0, 8, 8);
                } else {
                    p.put(new byte[100]); // 112 bytes: the skip is at 112
                    assertEquals(100, read(p.flow).length);
                    p.poke(DATA0 + 112, 0xffffffffL, 4);
                    p.poke(DATA0, how.equals("record-too-long") ? 65537 : 100, 4);
                    p.poke(HEAD0, RING + 16L, 8); // the skip and 16 bytes after it
                }
                assertBroken(p.flow);
            }
            stillServes();
        });
    }

    /** The reader's tail of our ring: ahead of what we wrote, or not a multiple of 8. */
    @ParameterizedTest
    @ValueSource(longs = {24L, 1L, RING + 16L, -1L})
    void tailOutOfRangeTakesTheFlowDown(long value) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                p.flow.writeMessage(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                p.poke(TAIL1, value, 8);
                OuroborosException e = assertThrows(OuroborosException.class,
                        () -> p.flow.writeMessage(ByteBuffer.wrap(new byte[] {4})));
                assertEquals("EPEERPROTO", e.errorName(), e.toString());
                assertBroken(p.flow);
            }
            stillServes();
        });
    }

    /** Wake-up flags full of garbage cost wake-ups, never correctness. */
    @Test
    void scribbledFlagsAreHarmless() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                p.poke(RDWAKE0, 0xffffffffL, 4);
                p.poke(WRWAIT1, 0xffffffffL, 4);
                p.poke(RDWAKE0 + 4, -1L, 8);
                for (int i = 0; i < 50; i++) {
                    p.put(new byte[] {(byte) i});
                    assertArrayEquals(new byte[] {(byte) i}, read(p.flow));
                    p.flow.writeMessage(ByteBuffer.wrap(new byte[] {(byte) i}));
                    assertEquals("GOT " + HexFormat.of().formatHex(new byte[] {(byte) i}), p.say("take"));
                }
            }
        });
    }

    /**
     * A peer that signals our eventfd with no SDU behind it never makes a
     * selector report the flow (the selector looks at the ring, EV_RING),
     * and the SDU that then comes is reported once, and not after its read.
     */
    @Test
    void wakeUpsWithoutDataSelectNothing() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer(); Selector sel = FlowSelectorProvider.provider().openSelector()) {
                p.flow.configureBlocking(false);
                SelectionKey k = p.flow.register(sel, SelectionKey.OP_READ);
                for (int i = 0; i < 20; i++) {
                    p.poke(RDWAKE0 + 8, i, 8); // padding: what counts is the wake-up
                    assertEquals(0, sel.select(20), "round " + i + ": woken for nothing, yet selected");
                    assertFalse(sel.selectedKeys().contains(k));
                    p.put(new byte[] {(byte) i});
                    assertEquals(1, sel.select(5000), "round " + i + ": an SDU came");
                    assertTrue(k.isReadable());
                    sel.selectedKeys().clear();
                    assertArrayEquals(new byte[] {(byte) i}, read(p.flow));
                    assertEquals(0, sel.selectNow(), "round " + i + ": read to empty, yet selected");
                }
            }
        });
        stillServes();
    }

    /**
     * A blocking select that a peer wakes for nothing waits on: it does not
     * return 0 early (which would count, for Netty, towards rebuilding its
     * selector), and returns once an SDU comes.
     */
    @Test
    void aWakeUpForNothingDoesNotEndABlockingSelect() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer(); Selector sel = FlowSelectorProvider.provider().openSelector()) {
                p.flow.configureBlocking(false);
                SelectionKey k = p.flow.register(sel, SelectionKey.OP_READ);
                CompletableFuture<Integer> selected = CompletableFuture.supplyAsync(() -> {
                    try {
                        return sel.select();
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                });
                Thread.sleep(100); // most likely in select by now; if not, it finds the wake-ups queued
                for (int i = 0; i < 5; i++) {
                    p.poke(RDWAKE0 + 8, i, 8);
                }
                Thread.sleep(200);
                assertFalse(selected.isDone(), () -> "select returned " + selected.join() + " for wake-ups alone");
                p.put(new byte[] {9});
                assertEquals(1, selected.get(10, TimeUnit.SECONDS));
                assertTrue(k.isReadable());
            }
        });
        stillServes();
    }

    /**
     * A peer that never consumes: the ring fills, a non-blocking write says
     * so, a write with a timeout times out, and close() wakes a blocked one.
     */
    @Test
    void aPeerThatStopsConsumingNeverHangsUs() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                p.flow.configureBlocking(false);
                int n = 0;
                while (p.flow.writeMessage(ByteBuffer.allocate(1000)) > 0) {
                    n++;
                    assertTrue(n < RING / 1000 + 1, "more SDUs than the ring holds: " + n);
                }
                assertTrue(n > 100, "the ring took only " + n + " SDUs of 1000 bytes");
                assertEquals(n, p.flow.txQueueLength());
                p.flow.configureBlocking(true);
                p.flow.sendTimeout(Duration.ofMillis(200));
                assertThrows(FlowTimeoutException.class, () -> p.flow.writeMessage(ByteBuffer.allocate(1000)));
                p.flow.sendTimeout(null);
                try (HelperThread<Void> t = HelperThread.start("writer", () -> {
                    assertThrows(AsynchronousCloseException.class,
                            () -> p.flow.writeMessage(ByteBuffer.allocate(1000)));
                })) {
                    TestSupport.awaitIn(t.thread(), "flowWrite", Duration.ofSeconds(10));
                    p.flow.close();
                    t.join(Duration.ofSeconds(10));
                }
            }
        });
    }

    /** A peer that dies in the middle of a record: its end, at once, and nothing of the half record. */
    @Test
    void aPeerThatDiesMidWriteIsTheEnd() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            try (Peer p = new Peer()) {
                p.put(new byte[] {1});
                assertEquals("DONE", p.say("half"));
                assertArrayEquals(new byte[] {1}, read(p.flow));
                long t0 = System.nanoTime();
                assertEquals(-1, p.flow.read(ByteBuffer.allocate(10)));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 2000, "the end was seen after " + ms + " ms");
            }
            stillServes();
        });
    }

    /**
     * Random values in the ring headers and the start of the data, each
     * followed by a read: an SDU, the protocol error, a time-out or the
     * end, never anything else, and the JVM survives to serve again.
     */
    @Test
    void randomScribblesNeverCrashOrHang() throws Exception {
        long seed = Long.getLong("jouroboros.ring.seed", System.nanoTime());
        System.out.println("RingHostileTest: seed " + seed + " (replay: -Djouroboros.ring.seed=" + seed + ")");
        Random rng = new Random(seed);
        assertTimeoutPreemptively(LIMIT, () -> {
            for (int round = 0; round < 20; round++) {
                try (Peer p = new Peer()) {
                    p.flow.receiveTimeout(Duration.ofMillis(50));
                    for (int k = 0; k < 10; k++) {
                        int off = rng.nextBoolean() ? 1024 + 8 * rng.nextInt(64) : DATA0 + 4 * rng.nextInt(64);
                        long v = switch (rng.nextInt(4)) {
                            case 0 -> rng.nextLong();
                            case 1 -> rng.nextInt(64);
                            case 2 -> 8L * rng.nextInt(64);
                            default -> rng.nextInt(70000);
                        };
                        p.poke(off, v, rng.nextBoolean() ? 8 : 4);
                        if (rng.nextInt(3) == 0) {
                            p.put(new byte[rng.nextInt(100)]);
                        }
                        try {
                            ByteBuffer b = ByteBuffer.allocate(Ouroboros.maxSdu() + 1);
                            int n = p.flow.readMessage(b);
                            assertTrue(n >= -1 && n <= Ouroboros.maxSdu(), "read " + n);
                        } catch (FlowTimeoutException e) {
                            // nothing published
                        } catch (OuroborosException e) {
                            assertEquals("EPEERPROTO", e.errorName(), "round " + round + ": " + e);
                            break;
                        }
                    }
                }
            }
            stillServes();
        });
    }
}
