/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * Bootstraps a {@link IpcpType#LOCAL} IPCP: flows between processes of this
 * machine, in the named layer.
 *
 * @param layer the layer's name, 1 to 255 bytes of UTF-8
 * @param hash the directory hash
 */
public record LocalConfig(String layer, DirHashAlgo hash) implements IpcpConfig {
    /**
     * Checks the fields.
     *
     * @param layer see the record
     * @param hash see the record
     * @throws IllegalArgumentException if the layer name is bad
     * @throws NullPointerException if hash is null
     */
    public LocalConfig {
        Checks.layer(layer);
        Checks.nonNull("hash", hash);
    }

    /**
     * A local layer with the default hash, {@link DirHashAlgo#SHA3_256}.
     *
     * @param layer the layer's name
     */
    public LocalConfig(String layer) {
        this(layer, DirHashAlgo.SHA3_256);
    }

    /** {@link IpcpType#LOCAL}. */
    @Override
    public IpcpType type() {
        return IpcpType.LOCAL;
    }
}
