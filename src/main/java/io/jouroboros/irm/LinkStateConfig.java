/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import java.time.Duration;

/**
 * Link-state routing of a unicast layer ({@code struct ls_config}). Times
 * are whole seconds (finer durations are truncated).
 *
 * @param policy how forwarding tables are computed
 * @param recalc time between recomputations of the forwarding table
 * @param update time between link-state updates
 * @param timeout time after which a silent link is declared down
 */
public record LinkStateConfig(LinkStatePolicy policy, Duration recalc, Duration update, Duration timeout) {
    /** Ouroboros's default: {@link LinkStatePolicy#SIMPLE}, 4 s, 15 s, 60 s. */
    public static final LinkStateConfig DEFAULT = new LinkStateConfig(LinkStatePolicy.SIMPLE,
            Duration.ofSeconds(4), Duration.ofSeconds(15), Duration.ofSeconds(60));

    /**
     * Checks the fields and truncates the times to whole seconds.
     *
     * @param policy see the record
     * @param recalc see the record
     * @param update see the record
     * @param timeout see the record
     * @throws IllegalArgumentException if a time is below 1 s
     * @throws NullPointerException if a field is null
     */
    public LinkStateConfig {
        Checks.nonNull("policy", policy);
        recalc = Checks.seconds("recalc", recalc);
        update = Checks.seconds("update", update);
        timeout = Checks.seconds("timeout", timeout);
    }
}
