/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The client ends of {@link SelectBench}, in a process of their own: 10,000
 * connections are 20,000 descriptors when both ends share one process, more
 * than a common hard limit of open files allows; split, each process holds
 * one end of each. The process connects N clients, writes one byte into the
 * one {@link SelectBench} names, prints {@code ready}, and holds everything
 * open until its standard input closes.
 */
final class Clients {
    private Clients() {
    }

    /**
     * Starts a process that connects {@code n} clients to {@code address} and
     * writes one byte into the one at {@code ready} (counted from 0, in the
     * order they connect).
     */
    static ChildJvm start(Transport transport, String address, int n, int ready) throws IOException {
        return ChildJvm.start("client", List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"),
                Clients.class, List.of(transport.name(), address, Integer.toString(n), Integer.toString(ready)), 60);
    }

    /** The client process: {@code TRANSPORT ADDRESS N READY}. */
    public static void main(String[] args) throws Exception {
        Transport transport = Transport.valueOf(args[0]);
        String address = args[1];
        int n = Integer.parseInt(args[2]);
        int at = Integer.parseInt(args[3]);
        List<SelectableChannel> clients = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                clients.add(transport.connect(address));
            }
            ByteChannel ready = (ByteChannel) clients.get(at);
            if (ready.write(ByteBuffer.wrap(new byte[] {42})) != 1) {
                throw new IOException("short write");
            }
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Held open until the benchmark closes our standard input.
            }
        } catch (IOException | RuntimeException e) {
            System.out.println("failed after " + clients.size() + " of " + n + " clients: " + e);
            System.out.flush();
            throw e;
        } finally {
            for (SelectableChannel c : clients) {
                c.close();
            }
        }
    }
}
