/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A flow end on the shared-memory rings holds seven descriptors (its socket,
 * four eventfds and the two private epoll sets a flow set watches them
 * through), one on its socket holds one: a process takes the rings
 * only while the ends on them need at most half of its RLIMIT_NOFILE, and
 * its other flows stay on their sockets, so a process does not run out of
 * descriptors where it would not have without the rings.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class RingBudgetTest {
    /**
     * A client JVM limited to 256 descriptors opens 60 flows (420
     * descriptors on rings alone) to this one, which has plenty: the first
     * ones take the rings, the rest stay on their sockets, and every flow
     * echoes its messages in order.
     */
    @Test
    void aProcessShortOfDescriptorsKeepsItsOtherFlowsOnTheirSockets() {
        Assumptions.assumeTrue(TestSupport.tool("prlimit") != null, "prlimit (util-linux) is needed");
        String name = TestSupport.unique("ring-budget");
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            List<HelperThread<Void>> echoes = new ArrayList<>();
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    HelperThread<Void> acceptor = HelperThread.start("budget-acceptor", () -> {
                        while (true) {
                            Flow f;
                            try {
                                f = server.accept();
                            } catch (ClosedChannelException e) {
                                return;
                            }
                            synchronized (echoes) {
                                echoes.add(HelperThread.start("budget-echo", () -> echo(f)));
                            }
                        }
                    })) {
                try (TestJvm client = TestJvm.start(List.of("prlimit", "--nofile=256:256"), Peer.class, List.of(),
                        "many-clients", name, "60", "5")) {
                    client.expect("CONNECTED");
                    assertEquals("OK 300", client.expect("OK"));
                }
                server.close();
                acceptor.join();
                synchronized (echoes) {
                    for (HelperThread<Void> e : echoes) {
                        e.join();
                    }
                }
            }
        });
    }

    private static void echo(Flow f) throws Exception {
        try (f) {
            ByteBuffer b = ByteBuffer.allocate(256);
            while (f.readMessage(b.clear()) >= 0) {
                f.writeMessage(b.flip());
            }
        }
    }
}
