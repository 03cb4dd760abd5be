/*
 * jOuroboros examples - a client for NioEchoServer
 * SPDX-License-Identifier: BSD-3-Clause
 */

import io.jouroboros.Flow;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Opens several flows to a {@link NioEchoServer}, sends numbered lines on
 * each and checks that each comes back whole, on its own flow.
 */
public final class NioEchoClient {
    private NioEchoClient() {
    }

    public static void main(String[] args) throws IOException {
        String name = args.length > 0 ? args[0] : "nio-echo";
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int messages = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        Flow[] flows = new Flow[clients];
        for (int i = 0; i < clients; i++) {
            flows[i] = Flow.open(name);
            flows[i].receiveTimeout(Duration.ofSeconds(10));
        }
        long t0 = System.nanoTime();
        for (int m = 0; m < messages; m++) {
            for (int i = 0; i < clients; i++) {
                flows[i].write(StandardCharsets.UTF_8.encode("client " + i + " message " + m + "\n"));
            }
            for (int i = 0; i < clients; i++) {
                String want = "client " + i + " message " + m + "\n";
                ByteBuffer b = ByteBuffer.allocate(want.length());
                while (b.hasRemaining()) {
                    if (flows[i].read(b) < 0) {
                        throw new IOException("server closed flow " + i);
                    }
                }
                String got = new String(b.array(), StandardCharsets.UTF_8);
                if (!got.equals(want)) {
                    throw new IOException("flow " + i + ": sent '" + want.strip() + "', got '" + got.strip() + "'");
                }
            }
        }
        long us = (System.nanoTime() - t0) / 1000;
        for (Flow f : flows) {
            f.close();
        }
        System.out.printf("%d clients x %d messages echoed in %d ms%n", clients, messages, us / 1000);
    }
}
