/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The checks every test relies on can fail: a buffer leaked on purpose is
 * reported, a selector rebuild would be seen in the log; and an idle event
 * loop with flows registered sleeps in select instead of spinning.
 */
class ChecksSelfTest {
    @Test
    void aLeakedBufferIsReported() throws Exception {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
        NettyChecks.expectLeaks = true;
        try {
            NettyTestSession.drainLeaks();
            System.out.println("ChecksSelfTest: a buffer is leaked on purpose; Netty's LEAK report of it"
                    + " (SEVERE, with a stack trace) follows and is expected");
            leak();
            List<String> leaks = new ArrayList<>();
            for (int i = 0; i < 20 && leaks.isEmpty(); i++) {
                leaks.addAll(NettyTestSession.drainLeaks());
            }
            assertFalse(leaks.isEmpty(), "a buffer leaked on purpose was not reported");
            NettyTestSession.drainLog(); // its LEAK: line, expected here
        } finally {
            NettyChecks.expectLeaks = false;
        }
    }

    private static void leak() {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeLong(42);
        // dropped without release()
    }

    @Test
    void aSelectorRebuildWouldBeSeen() {
        // NioIoHandler's own logger: what a rebuild logs goes where NettyChecks looks.
        InternalLoggerFactory.getInstance(NioIoHandler.class)
                .warn("ChecksSelfTest, logged on purpose: rebuilding Selector {} (no real rebuild).", "none");
        List<String> log = NettyTestSession.drainLog();
        assertTrue(log.stream().anyMatch(NettyChecks::isFailure), "not captured: " + log);
    }

    @Test
    void idleLoopsSleepInSelect() throws Exception {
        try (Harness h = new Harness(2)) {
            String name = Harness.unique("idle");
            Channel server = h.server(NioFlowServerChannel.class, name, ch -> { });
            List<Channel> clients = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                clients.add(h.client(NioFlowChannel.class, ch -> { }).connect(new FlowAddress(name)).sync().channel());
            }
            List<Long> ids = new ArrayList<>();
            for (var loop : h.group()) {
                ids.add(loop.submit(() -> Thread.currentThread().getId()).get(10, TimeUnit.SECONDS));
            }
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long cpu0 = 0;
            for (long id : ids) {
                cpu0 += mx.getThreadCpuTime(id);
            }
            long t0 = System.nanoTime();
            Thread.sleep(1500);
            long cpu = -cpu0;
            for (long id : ids) {
                cpu += mx.getThreadCpuTime(id);
            }
            long wall = System.nanoTime() - t0;
            // Two loops, each allowed 5% of one core while idle.
            assertTrue(cpu < wall / 10, "idle event loops used " + cpu / 1_000_000 + " ms of CPU in "
                    + wall / 1_000_000 + " ms");
            for (Channel c : clients) {
                c.close().sync();
            }
            server.close().sync();
        }
    }
}
