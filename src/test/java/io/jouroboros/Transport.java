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
        @Override
        SelectorProvider provider() {
            return SelectorProvider.provider();
        }

        @Override
        SelectableChannel server() throws IOException {
            Path dir = Files.createTempDirectory("sel");
            Path p = dir.resolve("s");
            p.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(p));
            return s;
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
