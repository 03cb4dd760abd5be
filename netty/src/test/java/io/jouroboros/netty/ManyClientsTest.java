/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** 100 clients at once on two event loops, against one server on two loops of its own. */
class ManyClientsTest {
    @Test
    void hundredClientsOnTwoEventLoops() throws Exception {
        int clients = 100;
        int size = 48 * 1024;
        try (Harness h = new Harness(2); Harness s = new Harness(2)) {
            String name = Harness.unique("many");
            Channel server = s.echoServer(NioFlowServerChannel.class, name);
            try {
                List<Channel> chans = new ArrayList<>();
                List<Harness.Collect> collects = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    Harness.Collect c = new Harness.Collect(size);
                    collects.add(c);
                    chans.add(h.connect(NioFlowChannel.class, name, c));
                }
                Set<EventLoop> loops = new HashSet<>();
                for (Channel c : chans) {
                    loops.add(c.eventLoop());
                }
                assertEquals(2, loops.size(), "the clients share the group's two loops");
                // All write at once, in pieces, so the flows interleave on each loop.
                List<byte[]> data = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    data.add(Harness.random(size, i));
                }
                for (int piece = 0; piece < 4; piece++) {
                    for (int i = 0; i < clients; i++) {
                        int q = size / 4;
                        chans.get(i).writeAndFlush(Unpooled.wrappedBuffer(data.get(i), piece * q, q));
                    }
                }
                for (int i = 0; i < clients; i++) {
                    assertArrayEquals(data.get(i), collects.get(i).done.get(60, TimeUnit.SECONDS), "client " + i);
                }
                for (Channel c : chans) {
                    c.close().sync();
                }
            } finally {
                server.close().sync();
            }
        }
    }
}
