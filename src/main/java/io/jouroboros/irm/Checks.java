/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.internal.Names;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/** Argument checks the records share. */
final class Checks {
    private Checks() {
    }

    static String layer(String layer) {
        Names.encode("layer", layer);
        return layer;
    }

    static <T> T nonNull(String what, T v) {
        return Objects.requireNonNull(v, what);
    }

    /** The endpoint of a UDP layer: a local (not wildcard) address and a port. */
    static void udp(InetAddress ip, int port) {
        nonNull("ip", ip);
        if (ip.isAnyLocalAddress()) {
            throw new IllegalArgumentException("ip must be a local address, not the wildcard " + ip);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535: " + port);
        }
    }

    /** A positive duration, truncated to whole seconds (the C fields hold seconds). */
    static Duration seconds(String what, Duration d) {
        Objects.requireNonNull(d, what);
        Duration s = Duration.ofSeconds(d.getSeconds());
        if (s.isNegative() || s.isZero() || s.getSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " must be at least 1 s and at most "
                    + Integer.MAX_VALUE + " s: " + d);
        }
        return s;
    }
}
