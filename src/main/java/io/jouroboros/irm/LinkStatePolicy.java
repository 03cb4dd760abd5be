/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/** How a unicast layer computes its forwarding tables from link state ({@code enum pol_link_state}). */
public enum LinkStatePolicy {
    /** Shortest paths. */
    SIMPLE(IrmConsts.of("LS_SIMPLE")),
    /** Shortest paths with loop-free alternates. */
    LFA(IrmConsts.of("LS_LFA")),
    /** Equal-cost multipath. */
    ECMP(IrmConsts.of("LS_ECMP"));

    // Read once from native code; -1 while the native library is unavailable.
    private final int value;

    LinkStatePolicy(int value) {
        this.value = value;
    }

    /** The Ouroboros value, from native code. */
    int value() {
        return value;
    }

    static LinkStatePolicy of(int value) {
        for (LinkStatePolicy v : values()) {
            if (v.value() == value) {
                return v;
            }
        }
        return null;
    }
}
