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

/**
 * The far end of a benchmark, in a process of its own (a JVM with the
 * benchmark's class path and {@code jouroboros.*} settings): it connects to
 * the benchmark's server and then, by its role,
 * <ul>
 * <li>{@code echo SIZE}: one connection; reads up to SIZE bytes (one SDU
 * on a flow) and writes them back, until the benchmark closes it;</li>
 * <li>{@code sink SIZE}: one connection; reads and drops everything;</li>
 * <li>{@code clients SIZE N}: N connections, non-blocking, driven by one
 * selector: each sends SIZE bytes, waits for them to come back, sends
 * again, so N messages are in flight at any time.</li>
 * </ul>
 * It prints {@code ready} once connected and ends when its standard input
 * closes or the benchmark closes the connections.
 */
final class Peer {
    private Peer() {
    }

    /** Starts {@code Peer ROLE TRANSPORT ADDRESS ARGS...}; connect from the benchmark's side next. */
    static ChildJvm start(String role, Transport transport, String address, int... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(role, transport.name(), address));
        for (int a : args) {
            cmd.add(Integer.toString(a));
        }
        return ChildJvm.start("peer", List.of("-Xmx256m"), Peer.class, cmd, 30);
    }

    public static void main(String[] args) throws Exception {
        String role = args[0];
        Transport transport = Transport.valueOf(args[1]);
        String address = args[2];
        int size = Integer.parseInt(args[3]);
        // Standard input closing (the benchmark is done) ends this process.
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing
                }
            } catch (IOException e) {
                // the same
            }
            System.exit(0);
        }, "stdin");
        stdin.setDaemon(true);
        stdin.start();
        switch (role) {
            case "echo":
                echo((ByteChannel) connect(transport, address), size);
                break;
            case "sink":
                sink((ByteChannel) connect(transport, address), size);
                break;
            case "clients":
                clients(transport, address, size, Integer.parseInt(args[4]));
                break;
            default:
                throw new IllegalArgumentException(role);
        }
    }

    private static SelectableChannel connect(Transport transport, String address) throws IOException {
        SelectableChannel c = transport.connect(address);
        System.out.println("ready");
        System.out.flush();
        return c;
    }

    static void echo(ByteChannel c, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        try (c) {
            while (true) {
                b.clear();
                if (c.read(b) < 0) {
                    return;
                }
                b.flip();
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // torn down
        }
    }

    private static void sink(ByteChannel c, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(size, 64 * 1024));
        try (c) {
            while (true) {
                b.clear();
                if (c.read(b) < 0) {
                    return;
                }
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // torn down
        }
    }

    private static void clients(Transport transport, String address, int size, int n) throws IOException {
        List<SelectableChannel> cs = new ArrayList<>(n);
        Selector sel = transport.provider().openSelector();
        try {
            for (int i = 0; i < n; i++) {
                cs.add(transport.connect(address));
            }
            for (SelectableChannel c : cs) {
                c.configureBlocking(false);
                // One byte more than a message: a read that fills it is not a flow's partial SDU.
                ByteBuffer b = ByteBuffer.allocateDirect(size + 1);
                c.register(sel, SelectionKey.OP_READ, b);
                send((ByteChannel) c, size);
            }
            System.out.println("ready");
            System.out.flush();
            while (true) {
                sel.select();
                for (Iterator<SelectionKey> i = sel.selectedKeys().iterator(); i.hasNext();) {
                    SelectionKey k = i.next();
                    i.remove();
                    ByteChannel c = (ByteChannel) k.channel();
                    ByteBuffer b = (ByteBuffer) k.attachment();
                    int r = c.read(b);
                    if (r < 0) {
                        return;
                    }
                    if (b.position() >= size) {
                        b.clear();
                        send(c, size);
                    }
                }
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // torn down
        } finally {
            sel.close();
            for (SelectableChannel c : cs) {
                c.close();
            }
        }
    }

    private static final ByteBuffer MESSAGE = ByteBuffer.allocateDirect(64 * 1024);

    /** Sends one message of size bytes on a non-blocking channel, spinning while it is full. */
    static void send(ByteChannel c, int size) throws IOException {
        ByteBuffer m = MESSAGE.duplicate().clear().limit(size);
        while (m.hasRemaining()) {
            c.write(m);
        }
    }
}
