/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault suite: senders in child JVMs killed with {@code kill -9} at random
 * points of a stream of SDUs, and started again where the receiver (this
 * JVM) got to. Across all of them every SDU arrives once, in order, whole,
 * every SDU a sender said it had written arrives, and each death ends its
 * flow with {@code -1} promptly. Two streams run at once, each on its own
 * name. The short run (50,000 SDUs) is part of {@code mvn -B test}; the
 * soak run (1,000,000) is tagged {@code soak}.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class FaultKillTest {
    private static final int STREAMS = 2;

    @Test
    void fiftyThousandSdusThroughKills() throws Exception {
        run(50_000, 30, Duration.ofSeconds(150));
    }

    @Test
    @Tag("soak")
    @Timeout(value = 40, unit = TimeUnit.MINUTES)
    void aMillionSdusThroughKills() throws Exception {
        run(1_000_000, 400, Duration.ofMinutes(38));
    }

    /** What one stream saw. */
    private static final class Stream {
        long received;
        int deaths;
        long maxDeathMs;
    }

    /**
     * {@code total} SDUs over {@link #STREAMS} streams, each sender killed
     * after a random number of SDUs (on average {@code total / STREAMS / kills}).
     */
    private static void run(long total, int kills, Duration limit) throws Exception {
        long seed = FaultSupport.seed("FaultKillTest");
        long quota = total / STREAMS;
        FaultSupport.warmUp();
        long t0 = System.nanoTime();
        Map<String, String> fds = TestSupport.fdSnapshot();
        List<Stream> done = new ArrayList<>();
        assertTimeoutPreemptively(limit, () -> {
            List<HelperThread<Stream>> streams = new ArrayList<>();
            try {
                for (int s = 0; s < STREAMS; s++) {
                    int slot = s;
                    Random rnd = new Random(seed + s);
                    streams.add(HelperThread.call("kill-stream-" + s,
                            () -> stream(slot, quota, Math.max(1, quota / kills), rnd)));
                }
                // The first to end first: a stream that fails is reported as itself.
                List<HelperThread<Stream>> left = new ArrayList<>(streams);
                while (!left.isEmpty()) {
                    HelperThread<Stream> h = left.stream().filter(x -> !x.isAlive()).findFirst().orElse(null);
                    if (h == null) {
                        Thread.sleep(10);
                        continue;
                    }
                    left.remove(h);
                    done.add(h.join(Duration.ZERO));
                }
            } finally {
                for (HelperThread<Stream> h : streams) {
                    h.close();
                }
            }
        });
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long received = done.stream().mapToLong(s -> s.received).sum();
        int deaths = done.stream().mapToInt(s -> s.deaths).sum();
        long slowest = done.stream().mapToLong(s -> s.maxDeathMs).max().orElse(0);
        System.out.printf("FaultKillTest: %d SDUs in order through %d kill -9s in %d ms "
                + "(slowest end of flow after a kill: %d ms)%n", received, deaths, ms, slowest);
        assertTrue(received >= total, "received " + received + " of " + total);
        TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), "after " + deaths + " killed senders");
    }

    /**
     * One stream: starts a sender at the next SDU the receiver wants, reads
     * and checks until a random count, kills the sender then (after a random
     * few microseconds, from another thread, while this one reads on),
     * reads what it had sent and the end; again until {@code quota}.
     */
    private static Stream stream(int slot, long quota, long meanRun, Random rnd) throws Exception {
        Stream st = new Stream();
        String name = TestSupport.unique("fault-kill-" + slot);
        ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
        try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            while (st.received < quota) {
                // Now and then right away, mostly after a run of up to twice the mean.
                long killAt = st.received + (rnd.nextInt(8) == 0 ? rnd.nextInt(4) : (long) (rnd.nextDouble() * 2 * meanRun));
                int delayUs = rnd.nextInt(500);
                AtomicLong progress = new AtomicLong(st.received);
                try (TestJvm sender = TestJvm.start(FaultPeers.class, List.of(), "sender", name,
                        Integer.toString(slot), Long.toString(st.received));
                        Flow f = server.accept(Duration.ofSeconds(60))) {
                    f.receiveTimeout(Duration.ofSeconds(30));
                    AtomicLong killedAt = new AtomicLong();
                    AtomicBoolean ended = new AtomicBoolean();
                    try (HelperThread<Void> killer = HelperThread.start("killer-" + slot, () -> {
                        while (progress.get() < killAt) {
                            if (ended.get()) {
                                return; // the flow ended before the kill: checked below
                            }
                            Thread.sleep(0, 100_000);
                        }
                        long until = System.nanoTime() + delayUs * 1000L;
                        while (System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        killedAt.set(System.nanoTime());
                        sender.kill();
                    })) {
                        while (true) {
                            b.clear();
                            int n = f.readMessage(b);
                            if (n < 0) {
                                break;
                            }
                            check(b, n, slot, st.received);
                            progress.set(++st.received);
                        }
                        long endAt = System.nanoTime();
                        ended.set(true);
                        killer.join(Duration.ofSeconds(30));
                        assertTrue(killedAt.get() != 0, "stream " + slot + ": the flow ended after " + st.received
                                + " SDUs, before the kill at " + killAt + "; the sender said " + sender.output());
                        long ms = (endAt - killedAt.get()) / 1_000_000;
                        st.maxDeathMs = Math.max(st.maxDeathMs, ms);
                        assertTrue(ms < 5000, "stream " + slot + ": the end came " + ms + " ms after the kill");
                    }
                    assertEquals(-1, f.readMessage(b.clear()), "the end stays");
                    assertTrue(f.flags().contains(FlowFlag.DOWN), "flags after the kill: " + f.flags());
                    sender.waitFor();
                    long said = -1;
                    for (String l : sender.output()) {
                        if (l.startsWith("AT ")) {
                            said = Math.max(said, Long.parseLong(l.substring(3)));
                        } else if (!l.equals("OPEN")) {
                            throw new AssertionError("stream " + slot + ": the sender said " + l);
                        }
                    }
                    assertTrue(said < st.received, "stream " + slot + ": the sender had written SDU " + said
                            + " but only " + st.received + " arrived");
                    st.deaths++;
                }
            }
        }
        return st;
    }

    /** SDU {@code n} bytes long in {@code b} is SDU {@code seq} of the stream, whole. */
    private static void check(ByteBuffer b, int n, int slot, long seq) {
        if (n < 12) {
            throw new AssertionError("stream " + slot + ", SDU " + seq + ": " + n + " bytes");
        }
        long got = b.getLong(0);
        if (got != seq || b.getInt(8) != slot) {
            throw new AssertionError("stream " + slot + ": SDU " + got + " of stream " + b.getInt(8)
                    + " where SDU " + seq + " was due (" + (got < seq ? "twice" : got > seq ? "lost some" : "") + ")");
        }
        if (n != FaultPeers.length(slot, seq)) {
            throw new AssertionError("stream " + slot + ", SDU " + seq + ": " + n + " bytes, not "
                    + FaultPeers.length(slot, seq));
        }
        for (int i = 12; i < n; i++) {
            if (b.get(i) != FaultPeers.fill(seq, i)) {
                throw new AssertionError("stream " + slot + ", SDU " + seq + ": byte " + i + " differs");
            }
        }
    }
}
