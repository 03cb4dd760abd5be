/*
 * jOuroboros examples - oecho with a flow set, as pyOuroboros's oecho_set.py
 * SPDX-License-Identifier: BSD-3-Clause
 */

import io.jouroboros.Flow;
import io.jouroboros.FlowEvent;
import io.jouroboros.FlowEventQueue;
import io.jouroboros.FlowEventType;
import io.jouroboros.FlowServerChannel;
import io.jouroboros.FlowSet;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The echo server of {@code oecho_set.py}: each accepted flow is put in a
 * {@link FlowSet}; the server waits for its event in a
 * {@link FlowEventQueue} and answers when a packet arrives. The client is
 * the same as {@link OEcho}'s.
 *
 * <pre>
 * java -cp target/jouroboros-examples.jar OEchoSet -l &amp;   # server
 * java -cp target/jouroboros-examples.jar OEchoSet        # client
 * </pre>
 */
public final class OEchoSet {
    private OEchoSet() {
    }

    public static void main(String[] args) throws IOException {
        String name = args.length > 1 && args[args.length - 2].equals("-n") ? args[args.length - 1] : "oecho";
        if (args.length > 0 && args[0].equals("-l")) {
            server(name);
        } else {
            client(name);
        }
    }

    private static void client(String name) throws IOException {
        try (Flow f = Flow.open(name)) {
            f.write(StandardCharsets.UTF_8.encode("Hello, jOuroboros!\n"));
            ByteBuffer b = ByteBuffer.allocate(4096);
            f.receiveTimeout(Duration.ofSeconds(10)).read(b);
            System.out.print(StandardCharsets.UTF_8.decode(b.flip()));
        }
    }

    private static void server(String name) throws IOException {
        try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            System.out.println("Starting the server.");
            FlowEventQueue fq = new FlowEventQueue();
            while (true) {
                try (Flow f = server.accept()) {
                    System.out.println("New flow.");
                    try (FlowSet fs = new FlowSet(f)) {
                        // Data that came before the flow joined the set is no event.
                        if (f.rxQueueLength() == 0) {
                            fs.wait(fq, null);
                        }
                    }
                    FlowEvent e = fq.next();
                    if (e != null && e.type() != FlowEventType.PACKET) {
                        continue;
                    }
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    f.read(b);
                    String line = StandardCharsets.UTF_8.decode(b.flip()).toString().strip();
                    System.out.println("Message from client is " + line);
                    f.write(StandardCharsets.UTF_8.encode(line + "\n"));
                }
            }
        }
    }
}
