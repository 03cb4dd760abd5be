/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.internal.Native;
import io.jouroboros.internal.NativeLibrary;
import java.util.concurrent.ConcurrentHashMap;

/** The IRM enum values and bounds, read from native code ({@code irm.c}) by their C names. */
final class IrmConsts {
    private static final ConcurrentHashMap<String, Integer> CACHE = new ConcurrentHashMap<>();

    private IrmConsts() {
    }

    static int get(String cName) {
        return CACHE.computeIfAbsent(cName, c -> {
            NativeLibrary.load();
            return Native.irmConstant(c);
        });
    }
}
