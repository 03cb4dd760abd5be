/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.internal.NativeLibrary;

/**
 * An IPCP as the IRMd lists it ({@code struct ipcp_list_info}).
 *
 * @param pid its process id
 * @param type its type; {@code null} if this Ouroboros reports a type this binding does not know
 * @param name its name
 * @param layer its layer, or {@link Irm#NOT_ENROLLED} before it is bootstrapped or enrolled
 */
public record IpcpInfo(int pid, IpcpType type, String name, String layer) {
    /**
     * Whether the IPCP is in a layer (bootstrapped or enrolled).
     *
     * @return false while the IRMd lists its layer as {@link Irm#NOT_ENROLLED}
     * @throws UnsupportedOperationException if the native library is unavailable
     */
    public boolean inLayer() {
        if (Irm.NOT_ENROLLED == null) {
            throw NativeLibrary.unsupported("IpcpInfo.inLayer()");
        }
        return !Irm.NOT_ENROLLED.equals(layer);
    }
}
