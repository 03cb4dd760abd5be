/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault suite: open/echo/close cycles between processes leave nothing
 * behind, in descriptors or in resident memory. {@link LeakTest} runs its
 * cycles inside one JVM and counts descriptors; this one runs the clients
 * in a child JVM (a fixed, pre-touched heap, so what grows is native) that
 * reports its descriptors and RSS as it goes, and checks the accepting side
 * here too. Short run 10,000 cycles; soak 100,000.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class FaultLeakTest {
    /**
     * RSS growth allowed between the first checkpoint (a tenth of the way)
     * and the last: JIT and allocator noise stay well under it (about
     * 300 KiB seen over 9,000 cycles); a leak of 500 bytes per flow in the
     * short run, or of 50 bytes per flow in the soak run, does not.
     */
    private static final long RSS_SLACK_KIB = 4 * 1024;

    @Test
    void tenThousandCyclesBetweenProcesses() throws Exception {
        cycles(10_000, Duration.ofSeconds(120));
    }

    @Test
    @Tag("soak")
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void hundredThousandCyclesBetweenProcesses() throws Exception {
        cycles(100_000, Duration.ofMinutes(29));
    }

    /** Whether the JVMs run with the ASan runtime preloaded ({@code -Psanitize}). */
    private static boolean sanitized() {
        return System.getenv().getOrDefault("LD_PRELOAD", "").contains("asan");
    }

    /** Flow counter pages (memfd "jouroboros-flow") mapped in this process. */
    private static long flowMappings() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("jouroboros-flow"))
                .count();
    }

    private static void cycles(int count, Duration limit) throws Exception {
        FaultSupport.warmUp();
        String name = TestSupport.unique("fault-leak");
        assertTimeoutPreemptively(limit, () -> {
            AtomicLong served = new AtomicLong();
            Map<String, String> fds;
            long maps;
            long rssHere;
            List<String> report = new ArrayList<>();
            try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
                System.gc();
                fds = TestSupport.fdSnapshot();
                maps = flowMappings();
                rssHere = FaultSupport.rssKib(ProcessHandle.current().pid());
                try (HelperThread<Void> echo = HelperThread.start("leak-echo", () -> serve(server, served));
                        TestJvm client = TestJvm.start(FaultPeers.class,
                                List.of("-Xms48m", "-Xmx48m", "-XX:+AlwaysPreTouch"), "cycles", name,
                                Integer.toString(count), Integer.toString(count / 10))) {
                    long t0 = System.nanoTime();
                    String base = client.expect("BASE ", limit);
                    report.add(base);
                    for (int i = 1; i <= 10; i++) {
                        report.add(client.expect("AT ", limit));
                    }
                    client.expect("DONE", limit);
                    assertEquals(0, client.waitFor(), "the client JVM");
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    server.close();
                    echo.join(Duration.ofSeconds(10));
                    System.out.printf("FaultLeakTest: %d open/echo/close cycles between processes in %d ms "
                            + "(%.0f us each); client (fds, RSS KiB): %s%n", count, ms, ms * 1000.0 / count, report);
                }
            }
            assertEquals(count + 1000, served.get(), "cycles the server saw");
            int baseFds = Integer.parseInt(report.get(0).split(" ")[1]);
            long firstRss = Long.parseLong(report.get(1).split(" ")[3]);
            for (String l : report.subList(1, report.size())) {
                String[] w = l.split(" ");
                assertEquals(baseFds, Integer.parseInt(w[2]), "client descriptors at cycle " + w[1] + ": " + report);
                long rss = Long.parseLong(w[3]);
                assertTrue(rss - firstRss < RSS_SLACK_KIB || sanitized(), "client RSS grew by " + (rss - firstRss)
                        + " KiB by cycle " + w[1] + ": " + report);
            }
            if (sanitized()) {
                System.out.println("FaultLeakTest: RSS not checked under AddressSanitizer (its quarantine of freed "
                        + "blocks and its shadow memory grow it); descriptors were");
            }
            TestSupport.assertNoNewFds(fds, Duration.ofSeconds(5), count + " accepted flows");
            assertTrue(flowMappings() <= maps, "flow counter mappings here before/after: " + maps + "/"
                    + flowMappings());
            System.gc();
            System.out.printf("FaultLeakTest: accepting side RSS %d KiB before, %d KiB after (not checked: "
                    + "the test JVM's heap)%n", rssHere, FaultSupport.rssKib(ProcessHandle.current().pid()));
        });
    }

    /** Accepts flows one at a time, echoes one SDU on each, closes it; until the server closes. */
    private static void serve(FlowServerChannel server, AtomicLong served) throws Exception {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        while (true) {
            Flow f;
            try {
                f = server.accept();
            } catch (ClosedChannelException e) {
                return;
            }
            try (f) {
                b.clear();
                int n = f.readMessage(b);
                if (n > 0) {
                    b.flip();
                    f.writeMessage(b);
                }
                served.incrementAndGet();
            }
        }
    }
}
