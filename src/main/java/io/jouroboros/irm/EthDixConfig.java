/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * Bootstraps a {@link IpcpType#ETH_DIX} IPCP: a layer over an Ethernet
 * device with DIX (Ethernet II) framing under its own ethertype.
 *
 * @param layer the layer's name, 1 to 255 bytes of UTF-8
 * @param hash the directory hash
 * @param dev the network device, such as {@code "eth0"}, 1 to 255 bytes
 * @param ethertype the ethertype, 0x0600 to 0xFFFF (0xA000 by default)
 */
public record EthDixConfig(String layer, DirHashAlgo hash, String dev, int ethertype) implements IpcpConfig {
    /** Ouroboros's default ethertype, 0xA000. */
    public static final int DEFAULT_ETHERTYPE = 0xA000;

    /**
     * Checks the fields.
     *
     * @param layer see the record
     * @param hash see the record
     * @param dev see the record
     * @param ethertype see the record
     * @throws IllegalArgumentException if the layer or device name or the ethertype is bad
     * @throws NullPointerException if hash is null
     */
    public EthDixConfig {
        Checks.layer(layer);
        Checks.nonNull("hash", hash);
        io.jouroboros.internal.Names.encode("dev", dev);
        if (ethertype < 0x0600 || ethertype > 0xFFFF) {
            throw new IllegalArgumentException("ethertype must be 0x0600..0xFFFF (lower values are"
                    + " frame lengths): 0x" + Integer.toHexString(ethertype));
        }
    }

    /**
     * A DIX layer with the default hash and ethertype.
     *
     * @param layer the layer's name
     * @param dev the network device
     */
    public EthDixConfig(String layer, String dev) {
        this(layer, DirHashAlgo.SHA3_256, dev, DEFAULT_ETHERTYPE);
    }

    /** {@link IpcpType#ETH_DIX}. */
    @Override
    public IpcpType type() {
        return IpcpType.ETH_DIX;
    }
}
