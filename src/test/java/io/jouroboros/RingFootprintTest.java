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
                Map<String, Long> before = mappings();
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
                    Map<String, Long> after = mappings();
                    after.keySet().removeAll(before.keySet());
                    assertEquals(1, after.size(), "the flow's shared memory, mapped once: " + after);
                    long kib = after.values().iterator().next();
                    System.out.println("a flow's rings after 10,000 round trips of 64 bytes: " + kib + " KiB resident");
                    assertTrue(kib <= 160, "the flow touched " + kib + " KiB of its rings");
                }
            }
        });
    }

    /** This process's mappings of flows' shared memory: address range to Rss in KiB. */
    private static Map<String, Long> mappings() throws IOException {
        Map<String, Long> m = new HashMap<>();
        List<String> lines = Files.readAllLines(Path.of("/proc/self/smaps"));
        String range = null;
        for (String l : lines) {
            if (!l.isEmpty() && Character.isLetterOrDigit(l.charAt(0)) && l.contains(" ") && l.indexOf('-') > 0
                    && l.indexOf('-') < l.indexOf(' ')) {
                range = l.contains(MAPPING) ? l.substring(0, l.indexOf(' ')) : null;
            } else if (range != null && l.startsWith("Rss:")) {
                m.put(range, Long.parseLong(l.substring(4).replace("kB", "").trim()));
                range = null;
            }
        }
        return m;
    }
}
