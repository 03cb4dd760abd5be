/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * The kinds of IPCP (Ouroboros's {@code enum ipcp_type}), each run by its own
 * daemon ({@code ipcpd-local}, {@code ipcpd-unicast}, ...).
 */
public enum IpcpType {
    /** Flows between processes of this machine. */
    LOCAL(IrmConsts.of("IPCP_LOCAL")),
    /** A unicast layer over other layers: routing, a directory (DHT), congestion avoidance. */
    UNICAST(IrmConsts.of("IPCP_UNICAST")),
    /** A broadcast layer: {@code flow_join} members receive what each writes. */
    BROADCAST(IrmConsts.of("IPCP_BROADCAST")),
    /** Over Ethernet with IEEE 802.2 LLC framing. */
    ETH_LLC(IrmConsts.of("IPCP_ETH_LLC")),
    /** Over Ethernet with DIX (Ethernet II) framing and its own ethertype. */
    ETH_DIX(IrmConsts.of("IPCP_ETH_DIX")),
    /** Over UDP/IPv4. */
    UDP4(IrmConsts.of("IPCP_UDP4")),
    /** Over UDP/IPv6. */
    UDP6(IrmConsts.of("IPCP_UDP6"));

    // Read once from native code; -1 while the native library is unavailable.
    private final int value;

    IpcpType(int value) {
        this.value = value;
    }

    /** The Ouroboros value, from native code. */
    int value() {
        return value;
    }

    static IpcpType of(int value) {
        for (IpcpType v : values()) {
            if (v.value() == value) {
                return v;
            }
        }
        return null;
    }
}
