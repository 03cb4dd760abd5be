/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/** The congestion avoidance of a unicast layer ({@code enum pol_cong_avoid}). */
public enum CongestionAvoidance {
    /** None. */
    NONE(IrmConsts.of("CA_NONE")),
    /** Multi-bit explicit congestion notification: the default. */
    MB_ECN(IrmConsts.of("CA_MB_ECN"));

    // Read once from native code; -1 while the native library is unavailable.
    private final int value;

    CongestionAvoidance(int value) {
        this.value = value;
    }

    /** The Ouroboros value, from native code. */
    int value() {
        return value;
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
