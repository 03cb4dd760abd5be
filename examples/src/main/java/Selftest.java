/*
 * jOuroboros examples - selftest: the first thing to run when something is wrong
 * SPDX-License-Identifier: BSD-3-Clause
 */

import io.jouroboros.Flow;
import io.jouroboros.FlowServerChannel;
import io.jouroboros.LayerUnavailableException;
import io.jouroboros.Ouroboros;
import io.jouroboros.QoSSpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Prints the platform, the native library, the layer and its largest SDU,
 * then sends one message around inside this JVM: a server thread bound to
 * {@code selftest-<pid>} echoes what a client flow writes.
 *
 * <p>Exit status: 0 when the round-trip works, 1 when it fails, 2 when the
 * layer cannot run.
 */
public final class Selftest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Selftest() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("os:             " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        System.out.println("java:           " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version"));
        try {
            // Loads the native library and starts the layer.
            String layer = String.valueOf(Ouroboros.layer());
            System.out.println("native library: " + Ouroboros.nativeLibrary());
            System.out.println("layer:          " + layer);
            System.out.println("layer info:     " + Ouroboros.layerInfo());
            System.out.println("largest SDU:    " + Ouroboros.maxSdu() + " bytes");
        } catch (LayerUnavailableException e) {
            System.out.println("native library: " + Ouroboros.nativeLibrary());
            System.out.println("layer unavailable: " + e.getMessage());
            System.exit(2);
        }
        try {
            roundTrip();
        } catch (Exception e) {
            System.out.println("round-trip FAILED: " + e);
            System.exit(1);
        }
    }

    private static void roundTrip() throws Exception {
        String name = "selftest-" + ProcessHandle.current().pid();
        byte[] message = ("jOuroboros selftest " + name).getBytes(StandardCharsets.UTF_8);
        AtomicReference<Exception> serverFailure = new AtomicReference<>();
        try (FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            Thread echo = new Thread(() -> {
                try (Flow f = server.accept(TIMEOUT)) {
                    f.receiveTimeout(TIMEOUT);
                    ByteBuffer b = ByteBuffer.allocate(Ouroboros.maxSdu());
                    f.readMessage(b);
                    b.flip();
                    f.writeMessage(b);
                } catch (Exception e) {
                    serverFailure.set(e);
                }
            }, "selftest-server");
            echo.setDaemon(true);
            echo.start();

            byte[] answer;
            long micros;
            try (Flow f = Flow.open(name, QoSSpec.raw(), TIMEOUT)) {
                f.receiveTimeout(TIMEOUT);
                ByteBuffer b = ByteBuffer.allocate(Ouroboros.maxSdu());
                long start = System.nanoTime();
                f.writeMessage(ByteBuffer.wrap(message));
                int n = f.readMessage(b);
                micros = (System.nanoTime() - start) / 1000;
                if (n < 0) {
                    throw new IllegalStateException("the server closed the flow without an answer",
                            serverFailure.get());
                }
                answer = Arrays.copyOf(b.array(), n);
            }
            echo.join(TIMEOUT.toMillis());
            if (serverFailure.get() != null) {
                throw serverFailure.get();
            }
            if (!Arrays.equals(answer, message)) {
                throw new IllegalStateException("sent \"" + new String(message, StandardCharsets.UTF_8)
                        + "\", got back \"" + new String(answer, StandardCharsets.UTF_8) + "\"");
            }
            System.out.println("round-trip OK (" + answer.length + " bytes, " + micros + " us)");
        }
    }
}
