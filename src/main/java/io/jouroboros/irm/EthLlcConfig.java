/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * Bootstraps a {@link IpcpType#ETH_LLC} IPCP: a layer over an Ethernet
 * device with IEEE 802.2 LLC framing.
 *
 * @param layer the layer's name, 1 to 255 bytes of UTF-8
 * @param hash the directory hash
 * @param dev the network device, such as {@code "eth0"}, 1 to 255 bytes
 */
public record EthLlcConfig(String layer, DirHashAlgo hash, String dev) implements IpcpConfig {
    /**
     * Checks the fields.
     *
     * @param layer see the record
     * @param hash see the record
     * @param dev see the record
     * @throws IllegalArgumentException if the layer or device name is bad
     * @throws NullPointerException if hash is null
     */
    public EthLlcConfig {
        Checks.layer(layer);
        Checks.nonNull("hash", hash);
        io.jouroboros.internal.Names.encode("dev", dev);
    }

    /**
     * An LLC layer with the default hash.
     *
     * @param layer the layer's name
     * @param dev the network device
     */
    public EthLlcConfig(String layer, String dev) {
        this(layer, DirHashAlgo.SHA3_256, dev);
    }

    /** {@link IpcpType#ETH_LLC}. */
    @Override
    public IpcpType type() {
        return IpcpType.ETH_LLC;
    }
}
