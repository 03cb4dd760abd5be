/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault suite: a seeded generator of hostile local servers (python3,
 * {@code fault-hostile-server.py} beside this class) against the allocating
 * side of the embedded layer in this JVM. The generator binds the name's
 * listener in the rendezvous folder as our servers do and plays one case
 * per allocation: no reply, a hang-up before or after the request, garbage,
 * every reply field out of range, truncated and extended replies, refusals
 * known and unknown, the ring flag with no, one, too many or wrong
 * descriptors (pipes, files, sockets, memfds small, unsealed or sealed
 * wrong), then, after an honest reply, broken data framing, bytes on the
 * socket of a ring flow, bad records and ring indices, scribbled counters
 * and eventfds made full and blocking, mixed with honest servers (on the
 * rings or on the socket, odd flags, QoS or stray descriptors, or late,
 * for a connect that waits in a {@link Selector}) whose echoes must come
 * back whole. Each case must end in an {@link IOException} with a message,
 * or in a working flow; an honest one must round-trip; nothing may hang (a
 * watchdog per case prints every stack) or throw anything else. After
 * every 500 cases the selector, with no key left, must sleep through a
 * select; at the end no descriptor and no counter mapping is left. The seed is printed
 * ({@code -Djouroboros.fault.seed=...} replays the run; each case is named
 * by its number). Short run: 5,000 cases ({@code -Djouroboros.fault.cases});
 * soak: 200,000.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class FaultHostileServerTest {
    private static final int BATCH = 500;
    /** The most one case may take before the watchdog calls it hung. */
    private static final Duration CASE_MAX = Duration.ofSeconds(15);
    /** Cases whose every reply breaks the protocol: the allocation fails with EPEERPROTO. */
    private static final java.util.regex.Pattern PROTO = java.util.regex.Pattern.compile(
            " fail (bad-field|bad-ring-fds|too-many-fds)$");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void fiveThousandHostileServers() throws Exception {
        run(Integer.getInteger("jouroboros.fault.cases", 5_000), Duration.ofSeconds(110));
    }

    @Test
    @Tag("soak")
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void twoHundredThousandHostileServers() throws Exception {
        run(200_000, Duration.ofMinutes(58));
    }

    /** What the cases ended with, and the cases that went wrong. */
    private static final class Tally {
        final Map<String, Integer> ends = new TreeMap<>();
        final List<String> failures = new ArrayList<>();

        void end(String expect, String what) {
            ends.merge(expect + ":" + what, 1, Integer::sum);
        }

        void fail(String c, String what) {
            failures.add(c + ": " + what);
            System.out.println("FaultHostileServerTest: FAIL " + c + ": " + what);
        }
    }

    private static void run(int cases, Duration limit) throws Exception {
        String python = HostilePeerTest.python();
        Assumptions.assumeTrue(python != null, "python3 (with os.memfd_create) is needed for the hostile servers");
        Path script = Path.of(FaultHostileServerTest.class.getResource("fault-hostile-server.py").toURI());
        long seed = FaultSupport.seed("FaultHostileServerTest");
        FaultSupport.warmUp();
        String name = TestSupport.unique("fault-hostile-server");
        String folder = folderOf(name);
        Map<String, String> fds = TestSupport.fdSnapshot();
        long maps = flowMappings();
        assertTimeoutPreemptively(limit, () -> {
            long t0 = System.nanoTime();
            Tally tally = new Tally();
            String done = null;
            Process p = TestSupport.python(python, script.toString(), TestSupport.rendezvousDir().toString(),
                    HexFormat.of().formatHex(name.getBytes(StandardCharsets.UTF_8)), Long.toString(seed),
                    Integer.toString(cases)).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8)); FaultSupport.Watchdog dog = new FaultSupport.Watchdog("hostile-server");
                    Selector sel = FlowSelectorProvider.provider().openSelector()) {
                String ready = r.readLine();
                assertEquals("READY " + folder, ready, "the generator's listener is not where our servers bind");
                int n = 0;
                dog.step("waiting for the generator's first case", CASE_MAX);
                for (String l; (l = r.readLine()) != null; dog.step("waiting for the generator after " + n + " cases",
                        CASE_MAX)) {
                    if (l.startsWith("CASE ")) {
                        String[] w = l.split(" ", 4);
                        dog.step(l, CASE_MAX);
                        play(name, Integer.parseInt(w[1]), w[2], l, new Random(seed ^ (Long.parseLong(w[1]) << 20)),
                                sel, tally);
                        if (++n % BATCH == 0) {
                            quiet(sel, tally, n);
                            System.out.printf("FaultHostileServerTest: %d cases after %d ms%n", n,
                                    (System.nanoTime() - t0) / 1_000_000);
                        }
                        if (tally.failures.size() > 20) {
                            break; // enough said
                        }
                    } else if (l.startsWith("INFO ")) {
                        System.out.println("FaultHostileServerTest: " + l); // HOSTILE_VERBOSE=1: what each case did
                    } else if (l.startsWith("DONE ")) {
                        done = l;
                    } else {
                        tally.fail("generator", l); // its FAIL lines, or what python printed when it broke
                    }
                }
                dog.idle();
                quiet(sel, tally, n);
                if (tally.failures.isEmpty()) {
                    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the generator did not end");
                }
            } finally {
                TestSupport.kill(p);
            }
            System.out.printf("FaultHostileServerTest: %s; the client's ends: %s; %d ms%n", done, tally.ends,
                    (System.nanoTime() - t0) / 1_000_000);
            assertEquals(List.of(), tally.failures, "cases the client met wrongly (seed " + seed + ")");
            assertEquals(0, p.exitValue(), "the generator failed");
            assertNotNull(done, "the generator did not finish");
        });
        TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), cases + " hostile servers");
        assertTrue(flowMappings() <= maps, "flow mappings before/after: " + maps + "/" + flowMappings());
    }

    /**
     * One case: allocates a flow to the hostile server and uses it as the
     * case says (expect: ok, fail, any, slow: see the script).
     */
    private static void play(String name, int i, String expect, String c, Random rnd, Selector sel, Tally tally) {
        Duration open = expect.equals("slow") ? Duration.ofMillis(100) : Duration.ofSeconds(5);
        Flow f;
        try {
            f = expect.equals("sel") ? connectInSelector(name, sel, tally) : Flow.open(name, QoSSpec.raw(), open);
        } catch (IOException e) {
            String what = ended(e);
            if (what == null) {
                tally.fail(c, "an allocation failed with no message: " + e);
            } else if (honest(expect)) {
                tally.fail(c, "an honest server's allocation failed: " + what);
            } else if (PROTO.matcher(c).find() && !what.equals("OuroborosException EPEERPROTO")) {
                tally.fail(c, "a reply that broke the protocol failed the allocation as " + what);
            }
            tally.end(expect, "open " + what);
            return;
        } catch (RuntimeException | Error e) {
            tally.fail(c, "the allocation threw " + e);
            return;
        }
        String step = "setting timeouts";
        try (f) {
            if (expect.equals("fail") || expect.equals("slow")) {
                tally.fail(c, "a flow was allocated on a reply the client must refuse");
                return;
            }
            boolean honest = honest(expect);
            f.sendTimeout(Duration.ofSeconds(honest ? 10 : 3));
            f.receiveTimeout(Duration.ofSeconds(honest ? 10 : 3));
            int sdus = 1 + rnd.nextInt(4);
            // One byte more than the largest SDU: a read that fills the buffer would be followed by a read of 0.
            ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu() + 1);
            for (int k = 0; k < sdus; ++k) {
                int len = switch (rnd.nextInt(6)) {
                    case 0 -> 1;
                    case 1 -> Ouroboros.maxSdu();
                    default -> 1 + rnd.nextInt(3000);
                };
                byte[] msg = new byte[len];
                rnd.nextBytes(msg);
                step = "writing SDU " + k;
                f.writeMessage(ByteBuffer.wrap(msg));
                b.clear();
                step = "reading the echo of SDU " + k;
                int got = f.readMessage(b);
                if (got < 0) {
                    if (honest) {
                        tally.fail(c, "an honest server's flow ended before its echo");
                    }
                    tally.end(expect, "end of file");
                    return;
                }
                byte[] back = new byte[got];
                b.flip().get(back);
                if (honest && !Arrays.equals(msg, back)) {
                    tally.fail(c, "the echo of SDU " + k + " (" + len + " bytes) came back as " + got + " bytes ("
                            + HexFormat.of().formatHex(back, 0, Math.min(got, 16)) + " for "
                            + HexFormat.of().formatHex(msg, 0, Math.min(len, 16)) + "), not whole");
                    return;
                }
                step = "queue lengths after SDU " + k;
                int rx = f.rxQueueLength();
                int tx = f.txQueueLength();
                if (rx < 0 || tx < 0) {
                    tally.fail(c, "queue lengths " + rx + "/" + tx);
                    return;
                }
            }
            tally.end(expect, honest ? "round trips" : "flow still up");
        } catch (IOException e) {
            String what = ended(e);
            if (what == null) {
                tally.fail(c, "a flow failed with no message, " + step + ": " + e);
            } else if (honest(expect)) {
                tally.fail(c, "an honest server's flow failed, " + step + ": " + what);
            }
            tally.end(expect, what);
        } catch (RuntimeException | Error e) {
            tally.fail(c, "the flow threw, " + step + ": " + e);
        }
    }

    private static boolean honest(String expect) {
        return expect.equals("ok") || expect.equals("sel");
    }

    /**
     * A non-blocking connect that waits for the server's reply in sel (so
     * a flow set watches the pending flow's eventfds), then the flow out of
     * it and blocking again.
     */
    private static Flow connectInSelector(String name, Selector sel, Tally tally) throws IOException {
        Flow f = Flow.open();
        try {
            f.configureBlocking(false);
            if (!f.connect(name, QoSSpec.raw(), Duration.ofSeconds(5))) {
                tally.end("sel", "pending in a selector");
                SelectionKey k = f.register(sel, SelectionKey.OP_CONNECT);
                long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (!f.finishConnect()) {
                    if (System.nanoTime() - end > 0) {
                        throw new AssertionError("the reply never made the pending flow connectable");
                    }
                    sel.select(100);
                    sel.selectedKeys().clear();
                }
                k.cancel();
                sel.selectNow();
            }
            f.configureBlocking(true);
            return f;
        } catch (IOException | RuntimeException | Error e) {
            f.close();
            throw e;
        }
    }

    /**
     * The selector that waited for the pending flows, with no key left,
     * must sleep through a select: a server that keeps the eventfds the
     * client offered and signals them must not wake it any more.
     */
    private static void quiet(Selector sel, Tally tally, int cases) throws IOException {
        long t0 = System.nanoTime();
        for (int k = 0; k < 4; ++k) {
            sel.select(25);
            sel.selectedKeys().clear();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (ms < 90) {
            tally.fail("after " + cases + " cases", "a selector with no key spins: 4 selects of 25 ms took " + ms
                    + " ms");
        }
    }

    /** What an exception says (its type and code), or null when it has no message to read. */
    private static String ended(IOException e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return null;
        }
        return e instanceof OuroborosException o ? e.getClass().getSimpleName() + " " + o.errorName()
                : e.getClass().getSimpleName();
    }

    /**
     * The rendezvous folder of a name, as our own server makes it: bound
     * once here, then let go (the generator must bind the same).
     */
    private static String folderOf(String name) throws Exception {
        List<String> before = TestSupport.list(TestSupport.rendezvousDir());
        try (FlowServerChannel s = FlowServerChannel.open().bind(name)) {
            List<String> after = new ArrayList<>(TestSupport.list(TestSupport.rendezvousDir()));
            after.removeAll(before);
            Path dir = TestSupport.nameDirOf(ProcessHandle.current().pid(), after);
            assertNotNull(dir, "the folder of the name; new entries: " + after);
            return dir.getFileName().toString();
        }
    }

    /** Flow counter pages (memfd "jouroboros-flow") mapped in this process. */
    private static long flowMappings() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("jouroboros-flow"))
                .count();
    }
}
