/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault suite: a seeded generator of hostile local peers (python3,
 * {@code fault-hostile.py} beside this class) against the accepting side of
 * the embedded layer in this JVM: broken handshakes (garbage, every field
 * out of range, truncated and extended requests, wrong names, QoS out of
 * range, no, wrong, unsealed, small, big or several descriptors), silent
 * and hung-up peers, and after an honest handshake broken data framing
 * (unknown types, empty and oversized messages), scribbled shared counters
 * and uncounted SDUs, mixed with honest SDUs whose echoes must come back
 * whole. The server echoes on a thread per flow and checks the queue
 * lengths after each SDU, and a {@link FlowSet} over every accepted flow is
 * waited on all along. After every batch of cases a good client must still
 * round-trip promptly; no thread may end in an {@code Error}; at the end
 * no descriptor or counter mapping is left. The seed is printed
 * ({@code -Djouroboros.fault.seed=...} replays the run, and each case is
 * named by its number). Short run: 10,000 cases; soak: 500,000.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class FaultHostileTest {
    private static final int BATCH = 500;
    /** Events one wait of the flow set may report: what a socket can hold, many times over. */
    private static final int MAX_EVENTS = 1_000_000;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void tenThousandHostilePeers() throws Exception {
        run(Integer.getInteger("jouroboros.fault.cases", 10_000), Duration.ofSeconds(170));
    }

    @Test
    @Tag("soak")
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void halfAMillionHostilePeers() throws Exception {
        run(500_000, Duration.ofMinutes(58));
    }

    /** The accepting side under attack, in this JVM. */
    private static final class Server implements AutoCloseable {
        final String name = TestSupport.unique("fault-hostile");
        final FlowServerChannel channel;
        final FlowSet set = new FlowSet();
        final HelperThread<Void> acceptor;
        final HelperThread<Long> waiter;
        final Queue<HelperThread<String>> echoes = new ConcurrentLinkedQueue<>();
        final Map<String, Integer> ends = new TreeMap<>();
        /** The trails of the flows that ended last ({@link #echo}). */
        final ArrayDeque<String> trails = new ArrayDeque<>(); // guarded by itself
        static final int TRAILS = 4096;
        final List<String> failed = new ArrayList<>();
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong largestWait = new AtomicLong();
        volatile boolean closing;
        volatile boolean stopped; // stopAccepting

        Server() throws Exception {
            channel = FlowServerChannel.open().bind(name);
            acceptor = HelperThread.start("hostile-accept", this::accept);
            waiter = HelperThread.call("hostile-wait", this::waitLoop);
        }

        private void accept() throws Exception {
            while (true) {
                Flow f;
                try {
                    f = channel.accept();
                } catch (ClosedChannelException e) {
                    return;
                }
                accepted.incrementAndGet();
                try {
                    set.add(f);
                } catch (ClosedChannelException e) {
                    // closed meanwhile (by its echo thread): fine
                }
                echoes.add(HelperThread.call("hostile-echo", () -> echo(f)));
            }
        }

        /**
         * Waits on every accepted flow all along: the number of events of a
         * wait comes from counters the peers write, and must stay bounded.
         */
        private long waitLoop() throws Exception {
            FlowEventQueue q = new FlowEventQueue();
            long events = 0;
            while (!closing) {
                int n = set.wait(q, Duration.ofMillis(50));
                assertTrue(n >= 0 && n <= MAX_EVENTS, "a wait reported " + n + " events");
                largestWait.accumulateAndGet(n, Math::max);
                events += n;
            }
            return events;
        }

        /**
         * Echoes SDUs until the end; what ended it. What each flow did (the
         * sizes it read, and how it ended: where, and the message) goes to
         * {@link #trails}, for a case that fails.
         */
        private String echo(Flow f) {
            StringBuilder trail = new StringBuilder();
            String step = "read";
            try (f) {
                ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
                while (true) {
                    b.clear();
                    step = "read";
                    int n = f.readMessage(b);
                    if (n < 0) {
                        trail.append(" EOF");
                        return "EOF";
                    }
                    trail.append(" r").append(n);
                    // The counters live in memory the peer writes: in range, or the flow is down.
                    step = "rxQueueLength";
                    int rx = f.rxQueueLength();
                    step = "txQueueLength";
                    int tx = f.txQueueLength();
                    if (rx < 0 || tx < 0) {
                        throw new AssertionError("queue lengths " + rx + "/" + tx);
                    }
                    b.flip();
                    step = "write";
                    f.writeMessage(b);
                }
            } catch (OuroborosException e) {
                trail.append(" at ").append(step).append(": ").append(e);
                return e.getClass().getSimpleName() + " " + e.errorName();
            } catch (java.io.IOException e) {
                trail.append(" at ").append(step).append(": ").append(e);
                return e.getClass().getSimpleName();
            } finally {
                synchronized (trails) {
                    trails.add((System.nanoTime() / 1_000_000) + " ms:" + trail);
                    if (trails.size() > TRAILS) {
                        trails.poll();
                    }
                }
            }
        }

        /**
         * What the flows that ended lately did: those whose first reads were
         * the SDUs a failed case sent ({@code desc}: its "sdu-N" steps but
         * the last, which failed; a largest SDU reads as N then 0), so the
         * failed case's flow is among them; the last 16 if it sent none.
         */
        void printTrails(String desc) throws Exception {
            Thread.sleep(500); // the failed case's echo thread ends about when its peer sees it
            List<String> sizes = new ArrayList<>();
            for (String step : desc.replace(")", "").split(" ")) {
                if (step.startsWith("sdu-")) {
                    sizes.add(step.substring(4));
                }
            }
            StringBuilder prefix = new StringBuilder();
            for (int i = 0; i < sizes.size() - 1; i++) {
                prefix.append(" r").append(sizes.get(i));
                if (sizes.get(i).equals(Integer.toString(Ouroboros.maxSdu()))) {
                    prefix.append(" r0");
                }
            }
            List<String> all;
            synchronized (trails) {
                all = new ArrayList<>(trails);
            }
            if (prefix.length() == 0) {
                all = all.subList(Math.max(0, all.size() - 16), all.size());
            }
            System.out.println("FaultHostileTest: flows that read" + prefix
                    + " first, as they ended (ms; sizes read; where, and why, it ended):");
            for (String t : all) {
                if (t.substring(t.indexOf(':') + 1).startsWith(prefix.toString())) {
                    System.out.println("FaultHostileTest:   " + t);
                }
            }
        }

        /** Takes the outcome of every echo thread that ended (all of them when {@code all}). */
        void collect(boolean all) throws Exception {
            for (HelperThread<String> h : new ArrayList<>(echoes)) {
                if (!all && h.isAlive()) {
                    continue;
                }
                echoes.remove(h);
                try {
                    ends.merge(h.join(Duration.ofSeconds(20)), 1, Integer::sum);
                } catch (Exception | Error e) {
                    failed.add(e.toString());
                }
            }
            assertEquals(List.of(), failed, "echo threads that failed");
            assertTrue(stopped || acceptor.isAlive(), "the accepting thread ended");
            assertTrue(waiter.isAlive(), "the flow set's waiter ended");
        }

        /** A good client from this JVM still round-trips, promptly. */
        void stillServes() throws Exception {
            long t0 = System.nanoTime();
            try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(10))) {
                byte[] msg = ("good client " + t0).getBytes(StandardCharsets.UTF_8);
                assertArrayEquals(msg, TestSupport.roundTrip(f, msg));
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 3000, "a good client's round trip took " + ms + " ms");
        }

        /** Closes the channel and waits for the acceptor: every echo thread is in {@link #echoes} then. */
        void stopAccepting() throws Exception {
            stopped = true;
            channel.close();
            acceptor.join(Duration.ofSeconds(10));
        }

        @Override
        public void close() throws Exception {
            closing = true;
            try (HelperThread<Void> a = acceptor; HelperThread<Long> w = waiter; FlowSet s = set) {
                channel.close();
                a.join(Duration.ofSeconds(10));
                System.out.println("FaultHostileTest: the flow set's waiter saw " + w.join(Duration.ofSeconds(10))
                        + " events, at most " + largestWait.get() + " in one wait");
            } finally {
                for (HelperThread<String> h : echoes) {
                    h.close();
                }
            }
        }
    }

    private static void run(int cases, Duration limit) throws Exception {
        String python = HostilePeerTest.python();
        Assumptions.assumeTrue(python != null, "python3 (with os.memfd_create) is needed for the hostile peers");
        Path script = Path.of(FaultHostileTest.class.getResource("fault-hostile.py").toURI());
        long seed = FaultSupport.seed("FaultHostileTest");
        FaultSupport.warmUp();
        Map<String, String> fds = TestSupport.fdSnapshot();
        long maps = flowMappings();
        assertTimeoutPreemptively(limit, () -> {
            long t0 = System.nanoTime();
            List<String> failures = new ArrayList<>();
            String done = null;
            try (Server server = new Server()) {
                List<String> before = TestSupport.list(TestSupport.rendezvousDir());
                Path dir = TestSupport.nameDirOf(ProcessHandle.current().pid(), before);
                assertNotNull(dir, "the folder of the name under attack");
                server.stillServes();
                Process p = TestSupport.python(python, script.toString(),
                        dir.resolve(ProcessHandle.current().pid() + ".s").toString(),
                        HexFormat.of().formatHex(server.name.getBytes(StandardCharsets.UTF_8)), Long.toString(seed),
                        Integer.toString(cases), Integer.toString(BATCH)).redirectErrorStream(true).start();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8)); OutputStream in = p.getOutputStream()) {
                    for (String l; (l = r.readLine()) != null;) {
                        if (l.startsWith("BATCH ")) {
                            System.out.printf("FaultHostileTest: %s after %d ms%n", l,
                                    (System.nanoTime() - t0) / 1_000_000);
                            if (!failures.isEmpty()) {
                                break; // stops the generator (end of its input): the failures say enough
                            }
                            // The server after each batch: serving, no thread failed.
                            server.collect(false);
                            server.stillServes();
                            in.write("go\n".getBytes(StandardCharsets.UTF_8));
                            in.flush();
                        } else if (l.startsWith("DONE ")) {
                            done = l;
                        } else {
                            failures.add(l); // FAIL lines, or what python printed when it broke
                            System.out.println("FaultHostileTest: " + l);
                            server.printTrails(l.substring(l.lastIndexOf('(') + 1));
                        }
                    }
                    in.close();
                    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the generator did not end");
                } finally {
                    TestSupport.kill(p);
                }
                assertEquals(List.of(), failures, "cases the server answered wrongly (seed " + seed + ")");
                assertEquals(0, p.exitValue(), "the generator failed");
                assertNotNull(done, "the generator did not finish");
                server.stillServes();
                // No flow comes in any more (an accept under way adds its echo thread first).
                server.stopAccepting();
                // Every flow ends once its peer is gone.
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (server.echoes.stream().anyMatch(HelperThread::isAlive) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                server.collect(true);
                System.out.printf("FaultHostileTest: %s; %d flows accepted, which ended with %s; %d ms%n", done,
                        server.accepted.get(), server.ends, (System.nanoTime() - t0) / 1_000_000);
            }
        });
        TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), cases + " hostile peers");
        assertTrue(flowMappings() <= maps, "flow counter pages mapped before/after: " + maps + "/" + flowMappings());
    }

    /** Flow counter pages (memfd "jouroboros-flow") mapped in this process. */
    private static long flowMappings() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("jouroboros-flow"))
                .count();
    }
}
