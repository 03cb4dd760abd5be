/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import java.util.concurrent.Callable;

/**
 * Second-JVM commands the contract tests need beyond {@link Peer}, run by
 * {@link TestJvm}. One line per fact on stdout.
 */
public final class TestPeers {
    private TestPeers() {
    }

    public static void main(String[] args) throws Exception {
        TestJvm.haltOnUncaughtException();
        switch (args[0]) {
            case "layer-probe":
                layerProbe();
                break;
            case "layer-info":
                try {
                    Layer l = Ouroboros.layer();
                    System.out.println("LAYER " + l + " | " + Ouroboros.layerInfo());
                } catch (LayerUnavailableException e) {
                    System.out.println("UNAVAILABLE " + e.errorName() + " " + e.getMessage());
                }
                break;
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Asks for the layer twice and tries every entry point; prints
     * {@code LAYER ...} or {@code UNAVAILABLE <errorName>} per call and
     * {@code RESULT <what> <outcome>} for the others, then {@code END}.
     */
    private static void layerProbe() {
        for (int i = 0; i < 2; i++) {
            try {
                System.out.println("LAYER " + Ouroboros.layer());
            } catch (LayerUnavailableException e) {
                System.out.println("UNAVAILABLE " + e.errorName() + " " + e.getMessage());
            } catch (Throwable e) {
                System.out.println("UNEXPECTED " + e);
            }
        }
        probe("open", () -> Flow.open("layer-probe-nobody"));
        probe("unconnected", Flow::open);
        probe("join", () -> Flow.join("layer-probe-bcast"));
        probe("server", FlowServerChannel::open);
        probe("bindProcess", () -> {
            Ouroboros.bindProcess("layer-probe-bind");
            return null;
        });
        probe("maxSdu", Ouroboros::maxSdu);
        probe("selector", () -> FlowSelectorProvider.provider().openSelector());
        System.out.println("END");
    }

    private static void probe(String what, Callable<Object> c) {
        try {
            Object o = c.call();
            System.out.println("RESULT " + what + " OK " + o);
            if (o instanceof AutoCloseable) {
                ((AutoCloseable) o).close();
            }
        } catch (LayerUnavailableException e) {
            System.out.println("RESULT " + what + " UNAVAILABLE " + e.errorName());
        } catch (Throwable e) {
            System.out.println("RESULT " + what + " " + e.getClass().getName() + " " + e.getMessage());
        }
    }
}
