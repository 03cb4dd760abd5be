/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A hostile local peer (python3, AF_UNIX SOCK_SEQPACKET) talks to the
 * rendezvous socket of a name bound in this JVM: every broken handshake is
 * refused (a REFUSED reply of handshake.h, or a closed socket), leaks
 * nothing, and the server keeps accepting legitimate flows.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class HostilePeerTest {
    private static final String NAME = TestSupport.unique("hostile");
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final int EPROTO = 71;
    private static final int ENAME = io.jouroboros.internal.Errors.ENAME;

    private static Path script;
    private static Path socketDir;
    private static String socketFile;
    private static FlowServerChannel server;
    private static HelperThread<Void> acceptor;
    /** What became of each flow the server accepted: "EOF", or the exception. */
    private static final BlockingQueue<String> flowEnds = new LinkedBlockingQueue<>();
    /** The echo thread of each flow the server accepted; its outcome is the end it also queued. */
    private static final Queue<HelperThread<String>> echoes = new ConcurrentLinkedQueue<>();
    private static final List<Throwable> acceptErrors = new CopyOnWriteArrayList<>();

    private static final String PY = String.join("\n",
        "import array, fcntl, os, socket, struct, sys, tempfile, time",
        "case, where, name = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3])",
        "os.chdir(os.path.dirname(where))",
        "def out(*a):",
        "    print(*a, flush=True)",
        "def memfd(sealed=True, size=4096):",
        "    fd = os.memfd_create('hostile', os.MFD_ALLOW_SEALING if sealed else 0)",
        "    os.ftruncate(fd, size)",
        "    if sealed:",
        "        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)",
        "    return fd",
        "def req(nm=name, namelen=None, magic=b'JOUR', ver=2, typ=1, qos=bytes(30)):",
        "    return magic + bytes([ver, typ]) + struct.pack('<H', len(nm) if namelen is None else namelen) + qos + nm",
        "def conn():",
        "    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
        "    s.connect(os.path.basename(where))",
        "    return s",
        "def send(s, data, fds=()):",
        "    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))] if fds else []",
        "    s.sendmsg([data], anc)",
        "def outcome(s, timeout=15):",
        "    s.settimeout(timeout)",
        "    t0 = time.monotonic()",
        "    try:",
        "        r = s.recv(70000)",
        "    except socket.timeout:",
        "        return 'TIMEOUT'",
        "    except ConnectionResetError:",
        "        return 'CLOSED reset'",
        "    ms = int((time.monotonic() - t0) * 1000)",
        "    if not r:",
        "        return 'CLOSED after %d ms' % ms",
        "    if len(r) == 42 and r[:4] == b'JOUR' and r[4] == 2:",
        "        kind = {2: 'OK', 3: 'REFUSED'}.get(r[5], 'TYPE%d' % r[5])",
        "        return '%s %d' % (kind, struct.unpack('<I', r[8:12])[0])",
        "    return 'GARBAGE ' + r[:64].hex()",
        "def finish(s):",
        "    res = outcome(s)",
        "    out('RESULT', res)",
        "    if res.startswith('REFUSED') or res.startswith('OK'):",
        "        if res.startswith('OK'):",
        "            return s",
        "        out('AFTER', outcome(s, 5).split(' ')[0])",
        "    s.close()",
        "    return None",
        "good = lambda: memfd(True)",
        "s = conn()",
        "out('CONNECTED')",
        "if case == 'control':",
        "    import mmap",
        "    fd = good()",
        "    m = mmap.mmap(fd, 4096)",
        "    send(s, req(), [fd])",
        "    s = finish(s)",
        "    m[0:8] = struct.pack('<Q', 1)  # an honest peer counts an SDU before it sends it",
        "    send(s, b'\\x00hello')",
        "    out('ECHO', s.recv(100).hex())",
        "    s.close()",
        "elif case == 'garbage':",
        "    send(s, os.urandom(100))",
        "    finish(s)",
        "elif case == 'garbage-with-fd':",
        "    send(s, os.urandom(300), [good()])",
        "    finish(s)",
        "elif case == 'garbage-big':",
        "    send(s, os.urandom(60000), [good()])",
        "    finish(s)",
        "elif case == 'magic-only':",
        "    send(s, b'JOUR', [good()])",
        "    finish(s)",
        "elif case == 'empty-message':",
        "    send(s, b'')",
        "    finish(s)",
        "elif case == 'empty-message-with-fds':",
        "    send(s, b'', [good(), good(), good(), good()])",
        "    finish(s)",
        "elif case == 'namelen-65535':",
        "    send(s, req(namelen=65535), [good()])",
        "    finish(s)",
        "elif case == 'namelen-65535-full':",
        "    send(s, req(nm=b'x' * 65535), [good()])",
        "    finish(s)",
        "elif case == 'namelen-0':",
        "    send(s, req(nm=b''), [good()])",
        "    finish(s)",
        "elif case == 'namelen-short':",
        "    send(s, req(namelen=len(name) - 1), [good()])",
        "    finish(s)",
        "elif case == 'namelen-long':",
        "    send(s, req(namelen=len(name) + 1), [good()])",
        "    finish(s)",
        "elif case == 'wrong-name':",
        "    send(s, req(nm=name + b'x'), [good()])",
        "    finish(s)",
        "elif case == 'other-name-same-length':",
        "    send(s, req(nm=name[:-1] + (b'Y' if name[-1:] != b'Y' else b'Z')), [good()])",
        "    finish(s)",
        "elif case == 'name-with-nul':",
        "    send(s, req(nm=name[:-1] + b'\\x00'), [good()])",
        "    finish(s)",
        "elif case == 'bad-version':",
        "    send(s, req(ver=1), [good()])",
        "    finish(s)",
        "elif case == 'bad-type':",
        "    send(s, req(typ=2), [good()])",
        "    finish(s)",
        "elif case == 'bad-qos':",
        "    q = bytearray(30); q[21] = 7",
        "    send(s, req(qos=bytes(q)), [good()])",
        "    finish(s)",
        "elif case == 'no-fd':",
        "    send(s, req())",
        "    finish(s)",
        "elif case == 'pipe-fd':",
        "    r, w = os.pipe()",
        "    send(s, req(), [r])",
        "    finish(s)",
        "elif case == 'unsealed-memfd':",
        "    send(s, req(), [memfd(False)])",
        "    finish(s)",
        "elif case == 'small-sealed-memfd':",
        "    send(s, req(), [memfd(True, 0)])",
        "    finish(s)",
        "elif case == 'file-fd':",
        "    f = tempfile.TemporaryFile()",
        "    f.truncate(4096)",
        "    send(s, req(), [f.fileno()])",
        "    finish(s)",
        "elif case == 'socket-fd':",
        "    send(s, req(), [s.fileno()])",
        "    finish(s)",
        "elif case == 'two-fds':",
        "    send(s, req(), [good(), good()])",
        "    finish(s)",
        "elif case == 'many-fds':",
        "    send(s, req(), [good() for i in range(32)])",
        "    finish(s)",
        "elif case == 'two-messages':",
        "    send(s, req(nm=name + b'x'), [good()])",
        "    try:",
        "        send(s, req(), [good()])",
        "    except BrokenPipeError:",
        "        pass",
        "    finish(s)",
        "elif case == 'hangup':",
        "    s.close()",
        "    out('RESULT hung up')",
        "elif case == 'request-then-hangup':",
        "    send(s, req(), [good()])",
        "    s.close()",
        "    out('RESULT hung up')",
        "elif case == 'bad-data-after-ok':",
        "    send(s, req(), [good()])",
        "    s = finish(s)",
        "    send(s, b'\\x07junk')",
        "    out('AFTER', outcome(s, 10).split(' ')[0])",
        "elif case.startswith('oversized-data-after-ok-'):",
        "    send(s, req(), [good()])",
        "    s = finish(s)",
        "    send(s, b'\\x00' + b'x' * int(case.split('-')[-1]))",
        "    out('AFTER', outcome(s, 10).split(' ')[0])",
        "elif case == 'scribble-counters':",
        "    fd = good()",
        "    import mmap",
        "    m = mmap.mmap(fd, 4096)",
        "    send(s, req(), [fd])",
        "    s = finish(s)",
        "    for i in range(0, 4096, 8):",
        "        m[i:i + 8] = struct.pack('<Q', 0xffffffffffffffff - i)",
        "    out('SCRIBBLED')",
        "    sys.stdin.readline()",
        "    send(s, b'\\x00hello')",
        "    out('ECHO', s.recv(100).hex())",
        "elif case.startswith('silent'):",
        "    extra = [conn() for i in range(int(case.split('-')[1]) - 1)]",
        "    out('SILENT')",
        "    res = outcome(s, 15)",
        "    out('RESULT', res)",
        "    out('OTHERS', ' '.join(outcome(x, 5).split(' ')[0] for x in extra))",
        "else:",
        "    raise SystemExit('unknown case ' + case)",
        "");

    private static volatile Optional<String> python;

    /** A python3 with os.memfd_create, or null (looked for once). */
    static String python() {
        if (python == null) {
            python = Optional.ofNullable(findPython());
        }
        return python.orElse(null);
    }

    private static String findPython() {
        for (String p : new String[] {"python3", "/usr/bin/python3", "/usr/local/bin/python3"}) {
            try {
                Process pr = TestSupport.python(p, "-c", "import os; os.memfd_create; print('ok')")
                        .redirectErrorStream(true).start();
                try {
                    String o = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                    if (pr.waitFor(30, TimeUnit.SECONDS) && pr.exitValue() == 0 && o.equals("ok")) {
                        return p;
                    }
                } finally {
                    TestSupport.kill(pr);
                }
            } catch (IOException e) {
                // try the next one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(python() != null, "python3 (with os.memfd_create) is needed for the hostile peer");
        script = Files.createTempFile(TestSupport.scratchDir(), "hostile", ".py");
        Files.writeString(script, PY);
        List<String> before = TestSupport.list(TestSupport.rendezvousDir());
        server = FlowServerChannel.open().bind(NAME);
        List<String> after = new ArrayList<>(TestSupport.list(TestSupport.rendezvousDir()));
        after.removeAll(before);
        Path dir = TestSupport.nameDirOf(ProcessHandle.current().pid(), after);
        assertNotNull(dir, "the new n-* directory with our socket; new entries: " + after);
        socketDir = dir;
        socketFile = ProcessHandle.current().pid() + ".s";
        acceptor = HelperThread.start("hostile-accept", HostilePeerTest::acceptLoop);
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (server != null) {
                try (HelperThread<Void> a = acceptor) {
                    server.close();
                    if (a != null) {
                        a.join(Duration.ofSeconds(5));
                    }
                }
            }
        } finally {
            if (script != null) {
                Files.deleteIfExists(script);
            }
        }
        assertTrue(acceptErrors.isEmpty(), "accept failed: " + acceptErrors);
    }

    /**
     * Takes the outcome of every echo thread (after each test, and before
     * one, for a flow accepted late): each must have ended, and not with an
     * Error (an assertion of its own); then forgets the ends seen so far.
     */
    @BeforeEach
    @AfterEach
    void collectEchoes() throws Exception {
        List<String> failed = new ArrayList<>();
        for (HelperThread<String> h; (h = echoes.poll()) != null;) {
            String end = h.join(Duration.ofSeconds(10));
            if (end.contains("Error")) {
                failed.add(end);
            }
        }
        flowEnds.clear();
        assertEquals(List.of(), failed, "echo threads that failed");
    }

    private static void acceptLoop() {
        while (server.isOpen()) {
            Flow f;
            try {
                f = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (Throwable e) {
                acceptErrors.add(e);
                return;
            }
            echoes.add(HelperThread.call("hostile-echo", () -> echo(f)));
        }
    }

    private static String echo(Flow f) {
        String end = "EOF";
        try (f) {
            ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
            while (true) {
                b.clear();
                int n = f.readMessage(b);
                if (n < 0) {
                    break;
                }
                // The counters live in memory the peer shares: whatever it wrote there,
                // these must answer in range (the scribble case).
                int rx = f.rxQueueLength();
                int tx = f.txQueueLength();
                if (rx < 0 || tx < 0) {
                    throw new AssertionError("queue lengths " + rx + "/" + tx);
                }
                b.flip();
                f.writeMessage(b);
            }
        } catch (Throwable e) {
            end = e.toString();
        }
        flowEnds.add(end);
        return end;
    }

    /** Runs the script; feeds {@code during} the process once it printed {@code marker}. */
    private static List<String> hostile(String kase, String marker, ThrowingConsumer<Process> during)
            throws Exception {
        Process p = TestSupport.python(python(), script.toString(), kase, socketDir.resolve(socketFile).toString(),
                HexFormat.of().formatHex(NAME.getBytes(StandardCharsets.UTF_8))).redirectErrorStream(true).start();
        List<String> out = new ArrayList<>();
        try {
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    out.add(line);
                    if (marker != null && line.startsWith(marker)) {
                        during.accept(p);
                    }
                }
            }
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "python did not end: " + out);
        } finally {
            TestSupport.kill(p);
        }
        assertEquals(0, p.exitValue(), "python failed: " + out);
        System.out.println("hostile " + kase + ": " + out);
        return out;
    }

    @FunctionalInterface
    interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }

    private static String line(List<String> out, String prefix) {
        return out.stream().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + prefix + " line in " + out));
    }

    /** A legitimate client from this JVM is still served, promptly. */
    private static void assertServerStillWorks() throws Exception {
        long t0 = System.nanoTime();
        try (Flow f = Flow.open(NAME, QoSSpec.raw(), Duration.ofSeconds(10))) {
            byte[] msg = "legit".getBytes(StandardCharsets.UTF_8);
            assertArrayEquals(msg, TestSupport.roundTrip(f, msg));
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 1500, "a legitimate allocation took " + ms + " ms");
        assertEquals("EOF", flowEnds.poll(10, TimeUnit.SECONDS), "the legitimate flow's end on the server");
        assertTrue(acceptor.isAlive(), "the accepting thread died: " + acceptErrors);
        assertTrue(acceptErrors.isEmpty(), acceptErrors.toString());
    }

    private void runRefused(String kase, Integer code) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            Map<String, String> fds = TestSupport.fdSnapshot();
            List<String> out = hostile(kase, null, null);
            String res = line(out, "RESULT ").substring(7);
            assertTrue(res.startsWith("REFUSED ") || res.startsWith("CLOSED"), kase + ": " + out);
            if (res.startsWith("REFUSED ")) {
                int status = Integer.parseInt(res.substring(8));
                assertTrue(status != 0, kase + ": a refusal carries an error code");
                if (code != null) {
                    assertEquals(code.intValue(), status, kase + ": refusal code");
                }
                assertEquals("AFTER CLOSED", line(out, "AFTER "), kase + ": the socket is closed after the refusal");
            }
            assertEquals(null, flowEnds.poll(), kase + ": the refused peer must never reach accept()");
            assertServerStillWorks();
            TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), kase);
        });
    }

    @Test
    void controlCaseIsAccepted() throws Exception {
        // Proves the script speaks the handshake: the refusals below are for the defects alone.
        assertTimeoutPreemptively(LIMIT, () -> {
            Map<String, String> fds = TestSupport.fdSnapshot();
            List<String> out = hostile("control", null, null);
            assertEquals("RESULT OK 0", line(out, "RESULT "), out.toString());
            assertEquals("ECHO " + HexFormat.of().formatHex("\0hello".getBytes(StandardCharsets.UTF_8)),
                    line(out, "ECHO "));
            assertEquals("EOF", flowEnds.poll(10, TimeUnit.SECONDS));
            assertServerStillWorks();
            TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), "hostile peer");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "garbage-with-fd", "garbage-big", "magic-only", "empty-message", "empty-message-with-fds",
        "namelen-65535", "namelen-65535-full", "namelen-0", "namelen-short", "namelen-long", "bad-version",
        "bad-type", "bad-qos", "two-messages"})
    void malformedRequestIsRefused(String kase) throws Exception {
        runRefused(kase, null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"wrong-name", "other-name-same-length", "name-with-nul"})
    void requestForAnotherNameIsRefused(String kase) throws Exception {
        runRefused(kase, ENAME);
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-fd", "pipe-fd", "unsealed-memfd", "small-sealed-memfd", "file-fd", "socket-fd",
        "two-fds", "many-fds"})
    void requestWithoutASealedMemfdIsRefused(String kase) throws Exception {
        runRefused(kase, EPROTO);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hangup", "request-then-hangup"})
    void earlyHangUpHarmsNothing(String kase) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            Map<String, String> fds = TestSupport.fdSnapshot();
            hostile(kase, null, null);
            if (kase.equals("request-then-hangup")) {
                // The request was complete: the server may accept a flow whose peer is already gone,
                // and then must see it end at once.
                String end = flowEnds.poll(3, TimeUnit.SECONDS);
                assertTrue(end == null || end.equals("EOF"), end);
            }
            assertServerStillWorks();
            TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), "hostile peer");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"bad-data-after-ok", "oversized-data-after-ok-150000"})
    void brokenDataAfterTheHandshakeTakesOnlyThatFlowDown(String kase) throws Exception {
        brokenData(kase);
    }

    /**
     * One byte over the largest SDU: the reader must not take it as an SDU
     * (a legitimate writer can never send it), whatever its buffer size.
     */
    @Test
    void sduOneByteOverTheLargestIsAProtocolError() throws Exception {
        brokenData("oversized-data-after-ok-65537");
    }

    private void brokenData(String kase) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            Map<String, String> fds = TestSupport.fdSnapshot();
            List<String> out = hostile(kase, null, null);
            assertEquals("RESULT OK 0", line(out, "RESULT "));
            assertEquals("AFTER CLOSED", line(out, "AFTER "), "the server drops the broken flow");
            String end = flowEnds.poll(10, TimeUnit.SECONDS);
            assertNotNull(end, "the server's read of a broken SDU must end, not hang");
            System.out.println("hostile " + kase + ": the server's flow ended with " + end);
            assertFalse(end.contains("Error"), "an exception, not an Error: " + end);
            assertServerStillWorks();
            TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), "hostile peer");
        });
    }

    /**
     * The counters are validated where they are read (embedded_flow.c): the
     * echo thread's queue lengths find them out of range, and that flow
     * alone goes down with the protocol error (SecurityCountersTest has the
     * cases one by one).
     */
    @Test
    void peerScribblingOnTheSharedCountersTakesOnlyItsFlowDown() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> out = hostile("scribble-counters", "SCRIBBLED", p -> {
                // The server's flow reads its counters now: it must neither crash nor hang.
                assertServerStillWorks();
                p.getOutputStream().write('\n');
                p.getOutputStream().flush();
            });
            assertEquals("ECHO ", line(out, "ECHO "), "the server dropped the flow: " + out);
            String end = flowEnds.poll(10, TimeUnit.SECONDS);
            assertNotNull(end, "the server's flow must end");
            assertTrue(end.contains("EPEERPROTO"), end);
            assertServerStillWorks();
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 20})
    void silentPeerIsDroppedAndDoesNotDelayOthers(int silent) throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            Map<String, String> fds = TestSupport.fdSnapshot();
            List<String> out = hostile("silent-" + silent, "SILENT", p -> {
                // While the silent connections hang there, a legitimate client allocates.
                for (int i = 0; i < 3; i++) {
                    assertServerStillWorks();
                }
            });
            String res = line(out, "RESULT ");
            assertTrue(res.startsWith("RESULT CLOSED"), "a silent peer must be dropped after a while: " + out);
            if (silent > 1) {
                assertFalse(line(out, "OTHERS ").contains("TIMEOUT"), out.toString());
            }
            assertEquals(null, flowEnds.poll());
            assertServerStillWorks();
            TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), "hostile peer");
        });
    }

    @Test
    void socketFileIsOursAlone() throws Exception {
        // Other users cannot reach it: the directories are 0700.
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(TestSupport.rendezvousDir())));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socketDir)));
        assertTrue(Files.exists(socketDir.resolve(socketFile)));
    }
}
