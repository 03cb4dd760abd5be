/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/** How a unicast layer computes its forwarding tables from link state ({@code enum pol_link_state}). */
public enum LinkStatePolicy {
    /** Shortest paths. */
    SIMPLE("LS_SIMPLE"),
    /** Shortest paths with loop-free alternates. */
    LFA("LS_LFA"),
    /** Equal-cost multipath. */
    ECMP("LS_ECMP");

    private final String cName;

    LinkStatePolicy(String cName) {
        this.cName = cName;
    }

    /** The Ouroboros value, from native code. */
    int value() {
        return IrmConsts.get(cName);
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
