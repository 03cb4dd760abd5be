/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import java.time.Duration;

/**
 * The directory (a DHT) of a unicast layer ({@code struct dir_dht_config}).
 * Times are whole seconds (finer durations are truncated). Ouroboros bounds
 * each field (alpha 1..10, k 1..20, expire 10 s..1 day, refresh and
 * replicate 3 s..1 h); {@link Irm#bootstrapIpcp} checks them.
 *
 * @param alpha parallel lookups
 * @param k replication factor
 * @param expire lifetime of an entry
 * @param refresh time between refreshes
 * @param replicate time between replications
 * @param peer the address of the first peer, 0 for none (unsigned)
 */
public record DhtConfig(int alpha, int k, Duration expire, Duration refresh, Duration replicate, long peer) {
    /** Ouroboros's default: alpha 3, k 8, expire 1 day, refresh and replicate 15 min, no peer. */
    public static final DhtConfig DEFAULT = new DhtConfig(3, 8, Duration.ofSeconds(86400),
            Duration.ofSeconds(900), Duration.ofSeconds(900), 0);

    /**
     * Checks the fields and truncates the times to whole seconds.
     *
     * @param alpha see the record
     * @param k see the record
     * @param expire see the record
     * @param refresh see the record
     * @param replicate see the record
     * @param peer see the record
     * @throws IllegalArgumentException if alpha or k is below 1 or a time below 1 s
     * @throws NullPointerException if a time is null
     */
    public DhtConfig {
        if (alpha < 1 || k < 1) {
            throw new IllegalArgumentException("alpha and k must be positive: " + alpha + ", " + k);
        }
        expire = Checks.seconds("expire", expire);
        refresh = Checks.seconds("refresh", refresh);
        replicate = Checks.seconds("replicate", replicate);
    }
}
