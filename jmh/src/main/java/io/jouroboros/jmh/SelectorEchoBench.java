/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A selector echo server: one thread, one selector, {@code n} connections
 * (100), non-blocking; each ready connection's bytes are written straight
 * back. The clients live in another process ({@link Peer}'s
 * {@code clients}), one 64-byte message in flight per connection, driven
 * by a selector of their own. The score is messages echoed per second.
 * Flows and our selector against the JDK's Unix-domain sockets and its
 * epoll selector.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class SelectorEchoBench {
    static final int SIZE = 64;
    static final int BATCH = 1000;

    @Param({"flows", "jdk"})
    public String transport;

    @Param({"100"})
    public int n;

    private Transport.Server server;
    private ChildJvm clients;
    private Selector selector;
    private final List<SelectableChannel> conns = new ArrayList<>();
    private long echoed; // bytes echoed, not yet counted as whole messages

    @Setup(Level.Trial)
    public void setup() throws Exception {
        Transport t = Transport.of(transport);
        server = t.bind();
        clients = Peer.start("clients", t, server.address, SIZE, n);
        selector = t.provider().openSelector();
        for (int i = 0; i < n; i++) {
            SelectableChannel c = server.accept();
            conns.add(c);
            c.configureBlocking(false);
            c.register(selector, SelectionKey.OP_READ, ByteBuffer.allocateDirect(4 * SIZE));
        }
        clients.awaitReady();
    }

    /** Echoes until BATCH messages (of 64 bytes) went back. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long echo() throws IOException {
        long goal = (long) BATCH * SIZE;
        long done = -echoed;
        while (done < goal) {
            selector.select();
            for (Iterator<SelectionKey> i = selector.selectedKeys().iterator(); i.hasNext();) {
                SelectionKey k = i.next();
                i.remove();
                ByteChannel c = (ByteChannel) k.channel();
                ByteBuffer b = (ByteBuffer) k.attachment();
                b.clear();
                int r = c.read(b);
                if (r < 0) {
                    throw new IOException("a client left");
                }
                b.flip();
                while (b.hasRemaining()) {
                    c.write(b);
                }
                done += r;
            }
        }
        echoed = done - goal;
        return done;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Transport.closeAll(clients, selector);
        Transport.closeAll(conns.toArray(new AutoCloseable[0]));
        Transport.closeAll(server);
    }
}
