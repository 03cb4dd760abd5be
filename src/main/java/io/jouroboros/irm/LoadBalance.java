/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * How the IRMd spreads the flows to a name over the processes bound to it
 * ({@code enum pol_balance}).
 */
public enum LoadBalance {
    /** Round-robin over the processes that accept. */
    ROUND_ROBIN(IrmConsts.of("LB_RR")),
    /** Spillover: the newest acceptor takes every flow (the default for names that binding creates). */
    SPILLOVER(IrmConsts.of("LB_SPILL"));

    // Read once from native code; -1 while the native library is unavailable.
    private final int value;

    LoadBalance(int value) {
        this.value = value;
    }

    /** The Ouroboros value, from native code. */
    int value() {
        return value;
    }

    static LoadBalance of(int value) {
        for (LoadBalance v : values()) {
            if (v.value() == value) {
                return v;
            }
        }
        return null;
    }
}
