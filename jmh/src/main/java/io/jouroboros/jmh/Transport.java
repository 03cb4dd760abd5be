/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import io.jouroboros.Flow;
import io.jouroboros.FlowSelectorProvider;
import io.jouroboros.FlowServerChannel;
import io.jouroboros.Layer;
import io.jouroboros.Ouroboros;
import io.jouroboros.QoSSpec;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two sides of every comparison, chosen by the benchmarks' {@code transport}
 * parameter: {@code flows} (our provider, on the layer the library chooses:
 * {@code -Djouroboros.layer=embedded} or {@code system}, which the forked JVM
 * and the client process both take) and {@code jdk} (the JDK's default
 * provider, Unix-domain stream sockets, the reference).
 */
enum Transport {
    FLOWS {
        @Override
        SelectorProvider provider() {
            return FlowSelectorProvider.provider();
        }

        @Override
        int maxConnections() throws IOException {
            return Ouroboros.layer() == Layer.SYSTEM ? SYSTEM_MAX_FLOWS : Integer.MAX_VALUE;
        }

        @Override
        Server bind() throws IOException {
            // Printed into JMH's log, so a result says which layer it measured.
            System.out.println("jOuroboros layer: " + Ouroboros.layer() + ", native library: "
                    + Ouroboros.nativeLibrary());
            String name = "jmh-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet();
            FlowServerChannel ch = FlowServerChannel.open().bind(name);
            return new Server(name, ch) {
                @Override
                SelectableChannel accept() throws IOException {
                    return ch.accept();
                }

                @Override
                public void close() throws IOException {
                    ch.close();
                }
            };
        }

        @Override
        SelectableChannel connect(String address) throws IOException {
            return Flow.open(address, NO_KEEPALIVE, null);
        }
    },

    JDK {
        @Override
        SelectorProvider provider() {
            return SelectorProvider.provider();
        }

        @Override
        Server bind() throws IOException {
            // A private folder (0700) for the socket file; close() deletes both, as does a failed bind.
            Path dir = Files.createTempDirectory("jouroboros-jmh");
            Path path = dir.resolve("s");
            ServerSocketChannel ch;
            try {
                ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            } catch (IOException | RuntimeException e) {
                delete(e, dir);
                throw e;
            }
            try {
                ch.bind(UnixDomainSocketAddress.of(path));
            } catch (IOException | RuntimeException e) {
                try {
                    ch.close();
                } catch (IOException x) {
                    e.addSuppressed(x);
                }
                delete(e, path, dir);
                throw e;
            }
            return new Server(path.toString(), ch) {
                @Override
                SelectableChannel accept() throws IOException {
                    return ch.accept();
                }

                @Override
                public void close() throws IOException {
                    try {
                        ch.close();
                    } finally {
                        // The file before its folder: a folder that is not empty stays.
                        Files.deleteIfExists(path);
                        Files.deleteIfExists(dir);
                    }
                }
            };
        }

        @Override
        SelectableChannel connect(String address) throws IOException {
            return SocketChannel.open(UnixDomainSocketAddress.of(address));
        }
    };

    private static final AtomicInteger SEQ = new AtomicInteger();

    /** Deletes paths in order (a file before its folder), adding any failure to {@code failure}. */
    private static void delete(Exception failure, Path... paths) {
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Flows one process can hold on the system layer: Ouroboros 0.23 gives a
     * process PROG_MAX_FLOWS (4096) flow descriptors and keeps PROG_RES_FDS
     * (64) of them back; the next flow_alloc fails with EBADF.
     */
    static final int SYSTEM_MAX_FLOWS = 4096 - 64;

    /**
     * Raw QoS without a peer timeout. With one (the presets' 120 s), an
     * Ouroboros 0.23 flow that has sent nothing for a quarter of it sends a
     * keepalive: on a raw flow an empty SDU that waits in the peer's queue
     * until a read, so after 30 s every idle flow of SelectBench would read
     * as ready, not one.
     */
    static final QoSSpec NO_KEEPALIVE = QoSSpec.builder().timeout(Duration.ZERO).build();

    /**
     * A trial's tear-down: closes each of {@code cs} that is not {@code null},
     * in order; the first failure ends it.
     */
    static void closeAll(AutoCloseable... cs) throws Exception {
        for (AutoCloseable c : cs) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** The transport of a {@code transport} parameter value. */
    static Transport of(String param) {
        switch (param) {
            case "flows":
                return FLOWS;
            case "jdk":
                return JDK;
            default:
                throw new IllegalArgumentException("transport: flows or jdk, not " + param);
        }
    }

    /** The provider whose selector multiplexes this transport's channels. */
    abstract SelectorProvider provider();

    /** How many connections one process can hold, whatever the open-files limit. */
    int maxConnections() throws IOException {
        return Integer.MAX_VALUE;
    }

    /** A listening end at a fresh address, blocking. */
    abstract Server bind() throws IOException;

    /** A connected client end, blocking; returns once the server accepted. */
    abstract SelectableChannel connect(String address) throws IOException;

    /** A listening end and the address clients give to {@link #connect}. */
    abstract static class Server implements AutoCloseable {
        final String address;
        final SelectableChannel channel;

        Server(String address, SelectableChannel channel) {
            this.address = address;
            this.channel = channel;
        }

        /** The next connection, blocking; closing the server wakes it. */
        abstract SelectableChannel accept() throws IOException;

        @Override
        public abstract void close() throws IOException;
    }
}
