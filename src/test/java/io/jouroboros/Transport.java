/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The two worlds the selector contract tests run in: flows with our
 * provider, and the JDK's Unix-domain sockets with its default provider as
 * the reference. A test written against this runs unchanged on both.
 */
abstract class Transport {
    private static final AtomicInteger SEQ = new AtomicInteger();

    abstract SelectorProvider provider();

    /** A bound server channel, blocking. */
    abstract SelectableChannel server() throws IOException;

    /** A connected client to the server, blocking. */
    abstract SelectableChannel connect(SelectableChannel server) throws IOException;

    abstract SelectableChannel accept(SelectableChannel server) throws IOException;

    /** An unconnected client. */
    abstract SelectableChannel open() throws IOException;

    /** Starts a connect; true if done at once. */
    abstract boolean startConnect(SelectableChannel client, SelectableChannel server) throws IOException;

    abstract boolean finishConnect(SelectableChannel client) throws IOException;

    static ByteChannel io(SelectableChannel ch) {
        return (ByteChannel) ch;
    }

    static int write(SelectableChannel ch, byte[] b) throws IOException {
        return io(ch).write(ByteBuffer.wrap(b));
    }

    /**
     * Closes a channel of this transport, and deletes what a server made
     * (a Unix-domain socket's file stays after its channel closes).
     */
    void close(SelectableChannel ch) throws IOException {
        ch.close();
    }

    /** Closes every channel given (nulls skipped), all of them even when one fails. */
    void closeAll(SelectableChannel... chs) throws IOException {
        IOException failed = null;
        for (SelectableChannel ch : chs) {
            if (ch == null) {
                continue;
            }
            try {
                close(ch);
            } catch (IOException e) {
                if (failed == null) {
                    failed = e;
                } else {
                    failed.addSuppressed(e);
                }
            }
        }
        if (failed != null) {
            throw failed;
        }
    }

    @Override
    public abstract String toString();

    static final Transport FLOWS = new Transport() {
        @Override
        SelectorProvider provider() {
            return FlowSelectorProvider.provider();
        }

        @Override
        SelectableChannel server() throws IOException {
            return FlowServerChannel.open().bind("sel-" + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet());
        }

        private String name(SelectableChannel server) {
            return ((FlowServerChannel) server).names().get(0);
        }

        @Override
        SelectableChannel connect(SelectableChannel server) throws IOException {
            Flow f = Flow.open();
            f.connect(name(server));
            return f;
        }

        @Override
        SelectableChannel accept(SelectableChannel server) throws IOException {
            return ((FlowServerChannel) server).accept();
        }

        @Override
        SelectableChannel open() throws IOException {
            return Flow.open();
        }

        @Override
        boolean startConnect(SelectableChannel client, SelectableChannel server) throws IOException {
            return ((Flow) client).connect(name(server));
        }

        @Override
        boolean finishConnect(SelectableChannel client) throws IOException {
            return ((Flow) client).finishConnect();
        }

        @Override
        public String toString() {
            return "flows";
        }
    };

    static final Transport JDK_UNIX = new Transport() {
        /** The socket file of each open server. */
        private final Map<SelectableChannel, Path> files = new ConcurrentHashMap<>();

        @Override
        SelectorProvider provider() {
            return SelectorProvider.provider();
        }

        @Override
        SelectableChannel server() throws IOException {
            // In the build directory, not /tmp; close() deletes it.
            Path p = TestSupport.scratchDir().resolve("sel-" + ProcessHandle.current().pid() + "-"
                    + SEQ.incrementAndGet() + ".sock");
            Files.deleteIfExists(p);
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                s.bind(UnixDomainSocketAddress.of(p));
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            files.put(s, p);
            return s;
        }

        @Override
        void close(SelectableChannel ch) throws IOException {
            Path p = files.remove(ch);
            try {
                ch.close();
            } finally {
                if (p != null) {
                    Files.deleteIfExists(p);
                }
            }
        }

        private UnixDomainSocketAddress addr(SelectableChannel server) throws IOException {
            return (UnixDomainSocketAddress) ((ServerSocketChannel) server).getLocalAddress();
        }

        @Override
        SelectableChannel connect(SelectableChannel server) throws IOException {
            return SocketChannel.open(addr(server));
        }

        @Override
        SelectableChannel accept(SelectableChannel server) throws IOException {
            return ((ServerSocketChannel) server).accept();
        }

        @Override
        SelectableChannel open() throws IOException {
            return SocketChannel.open(StandardProtocolFamily.UNIX);
        }

        @Override
        boolean startConnect(SelectableChannel client, SelectableChannel server) throws IOException {
            return ((SocketChannel) client).connect(addr(server));
        }

        @Override
        boolean finishConnect(SelectableChannel client) throws IOException {
            return ((SocketChannel) client).finishConnect();
        }

        @Override
        public String toString() {
            return "jdk-unix";
        }
    };
}
