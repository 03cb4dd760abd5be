/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * An IPCP as the IRMd lists it ({@code struct ipcp_list_info}).
 *
 * @param pid its process id
 * @param type its type; {@code null} if this Ouroboros reports a type this binding does not know
 * @param name its name
 * @param layer its layer, or {@value Irm#NOT_ENROLLED} before it is bootstrapped or enrolled
 */
public record IpcpInfo(int pid, IpcpType type, String name, String layer) {
    /**
     * Whether the IPCP is in a layer (bootstrapped or enrolled).
     *
     * @return false while the IRMd lists its layer as {@value Irm#NOT_ENROLLED}
     */
    public boolean inLayer() {
        return !Irm.NOT_ENROLLED.equals(layer);
    }
}
