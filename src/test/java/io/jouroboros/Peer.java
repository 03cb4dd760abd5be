/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The other end of the cross-process tests, run in a second JVM by
 * {@link PeerProcess}. It says what it does on stdout, one line per fact.
 */
public final class Peer {
    private Peer() {
    }

    public static void main(String[] args) throws Exception {
        TestJvm.haltOnUncaughtException();
        switch (args[0]) {
            case "echo-server":
                echoServer(args[1], false, null);
                break;
            case "message-echo-server":
                echoServer(args[1], true, null);
                break;
            case "tag-server":
                echoServer(args[1], false, args[2]);
                break;
            case "hold-server":
                holdServer(args[1]);
                break;
            case "late-reader":
                lateReader(args[1]);
                break;
            case "bind-and-wait":
                Ouroboros.bindProcess(args[1]);
                closeOnExit(() -> Ouroboros.unbindProcess(args[1]));
                System.out.println("READY");
                // "rebind": a new listener, so what waited in the old one's accept queue goes.
                try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                        StandardCharsets.UTF_8))) {
                    for (String l; (l = in.readLine()) != null;) {
                        if (l.equals("rebind")) {
                            Ouroboros.unbindProcess(args[1]);
                            Ouroboros.bindProcess(args[1]);
                            System.out.println("REBOUND");
                        }
                    }
                }
                Thread.sleep(Long.MAX_VALUE);
                break;
            case "broadcast":
                broadcast(args[1], args[2], Integer.parseInt(args[3]));
                break;
            case "many-clients":
                manyClients(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]));
                break;
            case "layer":
                try {
                    System.out.println("LAYER " + Ouroboros.layer());
                } catch (LayerUnavailableException e) {
                    System.out.println("UNAVAILABLE " + e.errorName() + " " + e.getMessage());
                }
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * On a normal exit (the test's SIGTERM), closes what this peer bound, so
     * that it leaves no socket in the rendezvous directory (kill -9 does).
     */
    private static void closeOnExit(AutoCloseable c) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                c.close();
            } catch (Exception e) {
                // exiting anyway
            }
        }, "peer-exit"));
    }

    /**
     * Accepts flows until closed on exit; each one echoes (or sends a tag) on
     * its own thread (an exception none of them catches ends this JVM with
     * FATAL: {@link TestJvm#haltOnUncaughtException()}).
     */
    private static void echoServer(String name, boolean messages, String tag) throws IOException {
        FlowServerChannel server = FlowServerChannel.open().bind(name);
        closeOnExit(server);
        System.out.println("READY");
        while (true) {
            Flow f;
            try {
                f = server.accept();
            } catch (ClosedChannelException e) {
                return; // exiting
            }
            QoSSpec q = f.qos();
            System.out.println("ACCEPTED " + q);
            Thread t = new Thread(() -> serve(f, messages, tag));
            t.setDaemon(true);
            t.start();
        }
    }

    private static void serve(Flow f, boolean messages, String tag) {
        try (f) {
            if (tag != null) {
                f.write(ByteBuffer.wrap(tag.getBytes(StandardCharsets.UTF_8)));
            }
            ByteBuffer b = ByteBuffer.allocateDirect(Ouroboros.maxSdu());
            while (true) {
                b.clear();
                int n = messages ? f.readMessage(b) : f.read(b);
                if (n < 0) {
                    break;
                }
                b.flip();
                if (messages) {
                    f.writeMessage(b);
                } else {
                    f.write(b);
                }
            }
            System.out.println("CLOSED");
        } catch (IOException e) {
            System.out.println("ERROR " + e);
        }
    }

    /**
     * Opens count flows to name, then for each round writes one numbered SDU
     * on every flow and reads every echo, checking each comes back once, in
     * order, on its own flow.
     */
    private static void manyClients(String name, int count, int rounds) throws IOException {
        Flow[] flows = new Flow[count];
        for (int i = 0; i < count; i++) {
            flows[i] = Flow.open(name);
            flows[i].receiveTimeout(Duration.ofSeconds(30));
        }
        System.out.println("CONNECTED " + count);
        ByteBuffer in = ByteBuffer.allocate(256);
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < count; i++) {
                flows[i].writeMessage(ByteBuffer.wrap(("flow " + i + " round " + r).getBytes(StandardCharsets.UTF_8)));
            }
            for (int i = 0; i < count; i++) {
                in.clear();
                int n = flows[i].readMessage(in);
                String got = new String(in.array(), 0, Math.max(n, 0), StandardCharsets.UTF_8);
                if (!got.equals("flow " + i + " round " + r)) {
                    System.out.println("FAIL flow " + i + " round " + r + " got '" + got + "'");
                    return;
                }
            }
        }
        for (Flow f : flows) {
            f.close();
        }
        System.out.println("OK " + count * rounds);
    }

    /** Accepts one flow, sends 10 SDUs, then waits to be killed. */
    private static void holdServer(String name) throws Exception {
        FlowServerChannel server = FlowServerChannel.open().bind(name);
        closeOnExit(server);
        System.out.println("READY");
        Flow f;
        try {
            f = server.accept();
        } catch (ClosedChannelException e) {
            return; // exiting
        }
        for (int i = 0; i < 10; i++) {
            f.write(ByteBuffer.wrap(("sdu " + i).getBytes(StandardCharsets.UTF_8)));
        }
        System.out.println("SENT");
        Thread.sleep(Long.MAX_VALUE);
    }

    /**
     * Opens a flow to name, says CONNECTED, reads nothing until the line
     * "READ" on stdin, then reads until the end of the flow: says "GOT x"
     * for each SDU, then "END n" (or "TIMEOUT n" when 10 s pass).
     */
    private static void lateReader(String name) throws Exception {
        try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(30));
                var stdin = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            System.out.println("CONNECTED");
            String line;
            while ((line = stdin.readLine()) != null && !line.equals("READ")) {
                // waiting
            }
            f.receiveTimeout(Duration.ofSeconds(10));
            ByteBuffer in = ByteBuffer.allocate(Ouroboros.maxSdu());
            int n = 0;
            try {
                while (f.readMessage(in.clear()) >= 0) {
                    System.out.println("GOT " + new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
                    n++;
                }
                System.out.println("END " + n);
            } catch (FlowTimeoutException e) {
                System.out.println("TIMEOUT " + n);
            }
        }
    }

    /**
     * Joins, says READY, waits for the SDU "go", writes its id once, and
     * says "GOT x" for each of the first {@code expect} SDUs of the others.
     * A broadcast layer keeps the order of each writer's SDUs only: another
     * member's answer to the same "go" can arrive here before that "go"
     * (the embedded layer sends to the members one at a time), so what
     * comes before "go" is reported and counted like the rest.
     */
    private static void broadcast(String layer, String id, int expect) throws Exception {
        try (Flow f = Flow.join(layer)) {
            System.out.println("READY");
            f.receiveTimeout(Duration.ofSeconds(30));
            int got = 0;
            for (String s = message(f); !s.equals("go"); s = message(f)) {
                System.out.println("GOT " + s);
                got++;
            }
            f.writeMessage(ByteBuffer.wrap(id.getBytes(StandardCharsets.UTF_8)));
            for (; got < expect; got++) {
                System.out.println("GOT " + message(f));
            }
        }
    }

    /** The next SDU of a flow, as text. */
    private static String message(Flow f) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Ouroboros.maxSdu());
        if (f.readMessage(b) < 0) {
            throw new IOException("end of flow");
        }
        return StandardCharsets.UTF_8.decode(b.flip()).toString();
    }
}
