/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/** The congestion avoidance of a unicast layer ({@code enum pol_cong_avoid}). */
public enum CongestionAvoidance {
    /** None. */
    NONE("CA_NONE"),
    /** Multi-bit explicit congestion notification: the default. */
    MB_ECN("CA_MB_ECN");

    private final String cName;

    CongestionAvoidance(String cName) {
        this.cName = cName;
    }

    /** The Ouroboros value, from native code. */
    int value() {
        return IrmConsts.get(cName);
    }

    static CongestionAvoidance of(int value) {
        for (CongestionAvoidance v : values()) {
            if (v.value() == value) {
                return v;
            }
        }
        return null;
    }
}
