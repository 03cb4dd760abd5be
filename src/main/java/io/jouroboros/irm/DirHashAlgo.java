/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * The hash a layer's directory uses for names ({@code enum pol_dir_hash}).
 * Every member of a layer must use the same one.
 */
public enum DirHashAlgo {
    /** SHA3-224. */
    SHA3_224(IrmConsts.of("DIR_HASH_SHA3_224")),
    /** SHA3-256: the default of the {@code irm} tool. */
    SHA3_256(IrmConsts.of("DIR_HASH_SHA3_256")),
    /** SHA3-384. */
    SHA3_384(IrmConsts.of("DIR_HASH_SHA3_384")),
    /** SHA3-512. */
    SHA3_512(IrmConsts.of("DIR_HASH_SHA3_512"));

    // Read once from native code; -1 while the native library is unavailable.
    private final int value;

    DirHashAlgo(int value) {
        this.value = value;
    }

    /** The Ouroboros value, from native code. */
    int value() {
        return value;
    }

    static DirHashAlgo of(int value) {
        for (DirHashAlgo v : values()) {
            if (v.value() == value) {
                return v;
            }
        }
        return null;
    }
}
