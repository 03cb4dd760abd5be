/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A flow that carries a request and its answer at a time keeps to the first
 * 64 KiB of each of its shared-memory rings: once a ring is empty that far
 * into its lap, the writer puts the next small record at its start
 * (native/embedded_ring.h), so such a flow's memory stays about 140 KiB
 * however much it carried, not all 516 KiB of its rings (10,000 such flows:
 * 1.4 GB, not 5 GB).
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class RingFootprintTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final String MAPPING = "/memfd:jouroboros-flow";

    /**
     * 10,000 round trips of 64 bytes with an echo server in another JVM
     * (each direction carries 720 KB, almost three laps of its 256 KiB ring):
     * the pages of the flow's shared memory this process touched (its
     * mapping's Rss in /proc/self/smaps) stay at most 160 KiB.
     */
    @Test
    void aRequestAnswerFlowTouchesAFewPagesOfItsRings() throws Exception {
        Assumptions.assumeTrue(Ouroboros.layer() == Layer.EMBEDDED, "the rings are the embedded layer's");
        String name = TestSupport.unique("ring-footprint");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess peer = PeerProcess.start("echo-server", name)) {
                peer.expect("READY");
                Map<String, long[]> before = mappings();
                try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30))) {
                    ByteBuffer out = ByteBuffer.allocateDirect(64);
                    ByteBuffer in = ByteBuffer.allocateDirect(64);
                    for (int i = 0; i < 10_000; i++) {
                        out.clear();
                        out.put(0, (byte) i);
                        assertEquals(64, f.write(out));
                        in.clear();
                        while (in.hasRemaining()) {
                            if (f.read(in) < 0) {
                                throw new IOException("the echo server ended");
                            }
                        }
                        assertEquals((byte) i, in.get(0), "echo " + i);
                    }
                    Map<String, long[]> after = mappings();
                    after.keySet().removeAll(before.keySet());
                    assertEquals(1, after.size(), "the flow's shared memory, mapped once: " + after.keySet());
                    long[] sizeRss = after.values().iterator().next();
                    // 4 KiB of counters and two rings of 256 KiB: the flow is on its rings.
                    assertEquals(516, sizeRss[0], "the mapping's size (KiB)");
                    long kib = sizeRss[1];
                    System.out.println("a flow's rings after 10,000 round trips of 64 bytes: " + kib + " KiB resident");
                    assertTrue(kib <= 160, "the flow touched " + kib + " KiB of its rings");
                }
            }
        });
    }

    /**
     * This process's mappings of flows' shared memory, by the memfd's inode
     * (a range could be unmapped and mapped again between two looks): its
     * Size and Rss in KiB.
     */
    private static Map<String, long[]> mappings() throws IOException {
        Map<String, long[]> m = new HashMap<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        long[] cur = null;
        for (String l : lines) {
            String[] f = l.trim().split("\\s+");
            if (f.length >= 5 && f[0].indexOf('-') > 0 && !f[0].endsWith(":")) {
                // address perms offset dev inode [path]
                cur = l.contains(MAPPING) ? m.computeIfAbsent(f[4], k -> new long[2]) : null;
            } else if (cur != null && (f[0].equals("Size:") || f[0].equals("Rss:"))) {
                cur[f[0].equals("Size:") ? 0 : 1] += Long.parseLong(f[1]);
            }
        }
        return m;
    }
}
