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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Several processes bound to one name share its flows. */
@ExtendWith(HelperThread.Check.class)
class LoadShareTest {
    private static final Duration LIMIT = Duration.ofSeconds(90);

    private static String tagOf(Flow f) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(16);
        int n = f.read(b);
        assertTrue(n > 0, "no tag: " + n);
        return StandardCharsets.UTF_8.decode(b.flip()).toString();
    }

    @Test
    void twoServersOnOneNameBothGetFlows() throws Exception {
        String name = TestSupport.unique("share");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess a = PeerProcess.start("tag-server", name, "A");
                 PeerProcess b = PeerProcess.start("tag-server", name, "B")) {
                a.expect("READY");
                b.expect("READY");
                Map<String, Integer> count = new TreeMap<>();
                List<Flow> flows = new ArrayList<>();
                try {
                    for (int i = 0; i < 40; i++) {
                        Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30));
                        flows.add(f);
                        f.receiveTimeout(Duration.ofSeconds(30));
                        String tag = tagOf(f);
                        assertTrue(tag.equals("A") || tag.equals("B"), "tag " + tag);
                        count.merge(tag, 1, Integer::sum);
                    }
                    // Every flow is a working echo flow of the server that tagged it.
                    for (int i = 0; i < flows.size(); i++) {
                        byte[] msg = ("ping " + i).getBytes(StandardCharsets.UTF_8);
                        flows.get(i).write(ByteBuffer.wrap(msg));
                        ByteBuffer back = ByteBuffer.allocate(64);
                        flows.get(i).read(back);
                        assertEquals("ping " + i, StandardCharsets.UTF_8.decode(back.flip()).toString());
                    }
                } finally {
                    for (Flow f : flows) {
                        f.close();
                    }
                }
                System.out.println("flows per server: " + count);
                assertEquals(2, count.size(), "both servers must get flows: " + count);
                assertEquals(40, count.values().stream().mapToInt(Integer::intValue).sum());
            }
        });
    }

    @Test
    void whenOneSharerDiesTheOtherTakesEveryFlow() throws Exception {
        String name = TestSupport.unique("share");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess a = PeerProcess.start("tag-server", name, "A");
                 PeerProcess b = PeerProcess.start("tag-server", name, "B")) {
                a.expect("READY");
                b.expect("READY");
                a.kill();
                for (int i = 0; i < 20; i++) {
                    try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30))) {
                        f.receiveTimeout(Duration.ofSeconds(30));
                        assertEquals("B", tagOf(f), "flow " + i);
                    }
                }
            }
        });
    }

    @Test
    void serversInOneJvmShareToo() throws Exception {
        String name = TestSupport.unique("share-local");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess remote = PeerProcess.start("tag-server", name, "R");
                 FlowServerChannel local = FlowServerChannel.open().bind(name)) {
                remote.expect("READY");
                Map<String, Integer> count = new TreeMap<>();
                try (HelperThread<Void> acceptor = HelperThread.start("local-tagger", () -> {
                    try {
                        while (true) {
                            try (Flow f = local.accept()) {
                                f.write(ByteBuffer.wrap("L".getBytes(StandardCharsets.UTF_8)));
                            }
                        }
                    } catch (ClosedChannelException e) {
                        // closed: done
                    }
                })) {
                    for (int i = 0; i < 40; i++) {
                        try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30))) {
                            f.receiveTimeout(Duration.ofSeconds(30));
                            count.merge(tagOf(f), 1, Integer::sum);
                        }
                    }
                    local.close();
                    acceptor.join();
                }
                System.out.println("flows per server: " + count);
                // Ouroboros 0.23 cannot connect a process to itself (the IRMd frees a ring twice and
                // dies later), so on the system layer a JVM's flows to a name it serves stay in the
                // JVM: they never reach the other sharers (flows from other processes are shared).
                java.util.Set<String> expected = Ouroboros.layer() == Layer.SYSTEM ? java.util.Set.of("L")
                        : java.util.Set.of("L", "R");
                assertEquals(expected, count.keySet(), count.toString());
            }
        });
    }
}
