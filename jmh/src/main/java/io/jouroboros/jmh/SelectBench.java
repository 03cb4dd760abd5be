/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import io.jouroboros.Layer;
import io.jouroboros.Ouroboros;
import java.io.IOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of {@code selectNow()} (and of {@code select()}) with exactly one
 * ready channel among {@code n} registered, for flows and, as the reference, the JDK's
 * Unix-domain sockets. The design goal of the flow selector is that this
 * cost follows the ready channels, not the registered ones, as epoll's does.
 *
 * <p>The {@code n} client ends live in a child process ({@link Clients});
 * this JVM holds the accepted ends, all registered for {@code OP_READ} in one
 * selector. One client wrote one byte that is never read, so one key is
 * ready at every select (level-triggered) and the others never are.
 *
 * <p>{@code open}, when more than {@code n}, holds that many connections open
 * in all, the {@code n} registered among them around the ready one: 1 of 10
 * among 10,000 open tells what a process's 10,000 connections cost a select
 * apart from the selector's registrations.
 *
 * <p>{@code ready} says which connection is the ready one: {@code early}
 * (the default) or {@code middle}. It matters to flows of the embedded
 * layer: a flow end on rings holds seven descriptors (its socket, four
 * eventfds, two private epoll sets), so a process gives one more end rings
 * only while {@code (ends + 1) * 7} stays below half of its limit of open
 * files, and later flows stay on their socket ({@code ering_affordable} in
 * native/embedded_flow.c; {@link #ringEnds}). With a limit of 20,000, the
 * first 1,428 flows of a process have rings. {@code early} is the one at
 * {@code min(total / 2, 500, rings / 2)}: on rings at every {@code n}, so
 * that 1 of 10,000 against 1 of 10 compares like with like (the selector
 * looks at the ring in memory), which is what the target means, the cost
 * of registrations. {@code middle} is the one at {@code total / 2}, and the
 * trial fails unless it is past the rings' share, on its socket (epoll
 * reports it at every wait): another data plane, measured apart (at
 * 10,000, a limit of at most 70,015 puts it there). On the JDK's sockets, and
 * on the system layer, the two differ only in position. With more than two
 * registered, neither is the first or the last of them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class SelectBench {
    @Param({"flows", "jdk"})
    public String transport;

    @Param({"10", "1000", "10000"})
    public int n;

    /** Connections open in all (at least {@code n}); those past {@code n} are never registered. */
    @Param({"0"})
    public int open;

    /** Which connection the client writes into: {@code early} or {@code middle} (see above). */
    @Param({"early"})
    public String ready;

    private Transport.Server server;
    private ChildJvm clients;
    private final List<SelectableChannel> accepted = new ArrayList<>();
    private Selector selector;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        int total = Math.max(n, open);
        Transport t = Transport.of(transport);
        boolean rings = transport.equals("flows") && Ouroboros.layer() == Layer.EMBEDDED;
        long limit = openFilesLimit();
        int ringEnds = rings ? ringEnds(limit) : Integer.MAX_VALUE;
        // One descriptor a connection, six more for a flow end on rings, and some for the JVM.
        requireOpenFiles(total + 200 + (rings ? 6L * Math.min(total, ringEnds) : 0));
        if (total > t.maxConnections()) {
            throw new IllegalStateException(total + " connections: one process holds at most " + t.maxConnections()
                    + " connections of " + transport + " here (on the system layer, Ouroboros's limit of flows"
                    + " per process); run with -p n=... (and -p open=...)");
        }
        int at;
        if ("early".equals(ready)) {
            at = Math.min(Math.min(total / 2, 500), ringEnds / 2);
            if (at >= ringEnds) {
                throw new IllegalStateException("ready=early: no flow takes rings under a limit of " + limit
                        + " open files");
            }
        } else if ("middle".equals(ready)) {
            at = total / 2;
            if (at < ringEnds) {
                throw new IllegalStateException("ready=middle: connection " + at + " takes rings under a limit of "
                        + limit + " open files (the first " + ringEnds + " do): this case is the ready flow on"
                        + " its socket, which it is only under a limit of at most " + (14L * (at + 1) + 1));
            }
        } else {
            throw new IllegalArgumentException("ready=" + ready + ": early or middle");
        }
        server = t.bind();
        clients = Clients.start(t, server.address, total, at);
        // A client process that dies would leave accept() waiting forever.
        AtomicBoolean acceptDone = new AtomicBoolean();
        clients.process().onExit().thenRun(() -> {
            if (!acceptDone.get()) {
                try {
                    server.close();
                } catch (IOException e) {
                    // accept() fails on its own then
                }
            }
        });
        try {
            for (int i = 0; i < total; i++) {
                SelectableChannel ch = server.accept();
                accepted.add(ch);
                ch.configureBlocking(false);
            }
        } finally {
            acceptDone.set(true);
        }
        clients.awaitReady();

        selector = t.provider().openSelector();
        // Registered are the n around the one the client wrote into.
        int from = Math.max(0, Math.min(at - n / 2, total - n));
        for (SelectableChannel ch : accepted.subList(from, from + n)) {
            ch.register(selector, SelectionKey.OP_READ);
        }
        if (selector.keys().size() != n) {
            throw new IllegalStateException(selector.keys().size() + " keys registered, not " + n);
        }
        // The byte may still be on its way: wait for it once, then insist
        // that every select sees that one key and no other.
        if (selector.select(10_000) != 1) {
            throw new IllegalStateException("expected 1 ready key after the write, got "
                    + selector.selectedKeys().size());
        }
        for (int i = 0; i < 100; i++) {
            selector.selectedKeys().clear();
            int got = selector.selectNow();
            if (got != 1 || selector.selectedKeys().size() != 1) {
                throw new IllegalStateException("selectNow() = " + got + ", selected "
                        + selector.selectedKeys().size() + "; expected exactly 1 of " + n);
            }
        }
        selector.selectedKeys().clear();
    }

    /** One select with one ready key; JMH consumes the count (always 1). */
    @Benchmark
    public int selectNow() throws IOException {
        int ready = selector.selectNow();
        selector.selectedKeys().clear();
        return ready;
    }

    /**
     * The same through the blocking {@code select()}: it returns at once as
     * a key is ready, but takes the blocking path (begin/end, interruptible).
     */
    @Benchmark
    public int select() throws IOException {
        int ready = selector.select();
        selector.selectedKeys().clear();
        return ready;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        Transport.closeAll(selector);
        Transport.closeAll(accepted.toArray(new AutoCloseable[0]));
        accepted.clear();
        Transport.closeAll(clients, server);
    }

    /**
     * This process's limit of open files, -1 if unlimited or unknown. HotSpot
     * raises the soft limit to the hard one at start-up, so on a JVM's
     * default settings this is the hard limit.
     */
    static long openFilesLimit() throws IOException {
        Path limits = Path.of("/proc/self/limits");
        if (!Files.isReadable(limits)) {
            return -1;
        }
        for (String line : Files.readAllLines(limits)) {
            if (line.startsWith("Max open files")) {
                String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                return "unlimited".equals(soft) ? -1 : Long.parseLong(soft);
            }
        }
        return -1;
    }

    /**
     * How many flow ends of one process take rings under a limit of open
     * files: {@code ering_affordable} (native/embedded_flow.c) gives one more
     * end rings while {@code (ends + 1) * 7 < limit / 2}. Every end of this
     * benchmark's processes is one of its connections.
     */
    static int ringEnds(long limit) {
        return limit < 0 ? Integer.MAX_VALUE : (int) Math.max(0, (limit / 2 + 6) / 7 - 1);
    }

    /** Fails at once, and says why, if this process may not open {@code needed} descriptors. */
    static void requireOpenFiles(long needed) throws IOException {
        long limit = openFilesLimit();
        if (limit >= 0 && limit < needed) {
            throw new IllegalStateException("this benchmark needs " + needed + " open files per process, the"
                    + " limit is " + limit + ": raise it (ulimit -n) before starting the benchmark");
        }
    }
}
