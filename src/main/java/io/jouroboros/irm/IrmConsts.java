/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.internal.Native;
import io.jouroboros.internal.NativeLibrary;

/**
 * The IRM enum values and bounds, read once from native code ({@code irm.c})
 * by their C names, at class initialisation; {@code -1} while the native
 * library is unavailable (every {@link Irm} call throws first then).
 */
final class IrmConsts {
    private static final boolean AVAILABLE = NativeLibrary.isAvailable();

    static final int ROUTING_LINK_STATE = of("ROUTING_LINK_STATE");
    static final int DIR_DHT = of("DIR_DHT");
    static final int ADDR_AUTH_FLAT_RANDOM = of("ADDR_AUTH_FLAT_RANDOM");
    static final int DHT_ALPHA_MIN = of("DHT_ALPHA_MIN");
    static final int DHT_ALPHA_MAX = of("DHT_ALPHA_MAX");
    static final int DHT_K_MIN = of("DHT_K_MIN");
    static final int DHT_K_MAX = of("DHT_K_MAX");
    static final int DHT_T_EXPIRE_MIN = of("DHT_T_EXPIRE_MIN");
    static final int DHT_T_EXPIRE_MAX = of("DHT_T_EXPIRE_MAX");
    static final int DHT_T_REFRESH_MIN = of("DHT_T_REFRESH_MIN");
    static final int DHT_T_REFRESH_MAX = of("DHT_T_REFRESH_MAX");
    static final int DHT_T_REPLICATE_MIN = of("DHT_T_REPLICATE_MIN");
    static final int DHT_T_REPLICATE_MAX = of("DHT_T_REPLICATE_MAX");
    /** The longest security path, bytes. */
    static final int NAME_PATH_SIZE = of("NAME_PATH_SIZE");
    /** The longest program path, bytes. */
    static final int PROG_MAX = of("PROG_MAX");
    /** The most arguments of a bound program. */
    static final int ARGC_MAX = of("ARGC_MAX");
    /** The longest argument, bytes. */
    static final int ARG_MAX = of("ARG_MAX");

    private IrmConsts() {
    }

    /** A value by its C name, for class initialisers (the enums' constructors too). */
    static int of(String cName) {
        return AVAILABLE ? Native.irmConstant(cName) : -1;
    }
}
