/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * Bootstraps a {@link IpcpType#UNICAST} IPCP ({@code struct uni_config}).
 * {@link #UnicastConfig(String)} gives Ouroboros's {@code uni_default_conf}:
 * 4-byte addresses, 8-byte endpoint ids, TTL 60, simple link state
 * (4/15/60 s), DHT directory (3/8/86400/900/900), multi-bit ECN. Address
 * authority (flat random), routing (link state) and directory (DHT) have one
 * policy each in Ouroboros 0.23 and are always those.
 *
 * @param layer the layer's name, 1 to 255 bytes of UTF-8
 * @param hash the directory hash
 * @param addrSize bytes of an address, 1 to 255
 * @param eidSize bytes of an endpoint id, 1 to 255
 * @param maxTtl largest time to live, 1 to 255
 * @param linkState link-state routing
 * @param dht the directory
 * @param congestionAvoidance the congestion avoidance
 */
public record UnicastConfig(String layer, DirHashAlgo hash, int addrSize, int eidSize, int maxTtl,
        LinkStateConfig linkState, DhtConfig dht, CongestionAvoidance congestionAvoidance)
        implements IpcpConfig {
    /**
     * Checks the fields.
     *
     * @param layer see the record
     * @param hash see the record
     * @param addrSize see the record
     * @param eidSize see the record
     * @param maxTtl see the record
     * @param linkState see the record
     * @param dht see the record
     * @param congestionAvoidance see the record
     * @throws IllegalArgumentException if the layer name is bad or a size is not 1..255
     * @throws NullPointerException if an object field is null
     */
    public UnicastConfig {
        Checks.layer(layer);
        Checks.nonNull("hash", hash);
        byteRange("addrSize", addrSize);
        byteRange("eidSize", eidSize);
        byteRange("maxTtl", maxTtl);
        Checks.nonNull("linkState", linkState);
        Checks.nonNull("dht", dht);
        Checks.nonNull("congestionAvoidance", congestionAvoidance);
    }

    /**
     * Ouroboros's defaults ({@code uni_default_conf}) for the named layer.
     *
     * @param layer the layer's name
     */
    public UnicastConfig(String layer) {
        this(layer, DirHashAlgo.SHA3_256, 4, 8, 60, LinkStateConfig.DEFAULT, DhtConfig.DEFAULT,
                CongestionAvoidance.MB_ECN);
    }

    private static void byteRange(String what, int v) {
        if (v < 1 || v > 255) {
            throw new IllegalArgumentException(what + " must be 1..255: " + v);
        }
    }

    /** {@link IpcpType#UNICAST}. */
    @Override
    public IpcpType type() {
        return IpcpType.UNICAST;
    }

    /**
     * This configuration with another directory hash.
     *
     * @param h the hash
     * @return a new configuration
     */
    public UnicastConfig withHash(DirHashAlgo h) {
        return new UnicastConfig(layer, h, addrSize, eidSize, maxTtl, linkState, dht, congestionAvoidance);
    }

    /**
     * This configuration with other data-transfer sizes.
     *
     * @param addr bytes of an address
     * @param eid bytes of an endpoint id
     * @param ttl largest time to live
     * @return a new configuration
     */
    public UnicastConfig withDataTransfer(int addr, int eid, int ttl) {
        return new UnicastConfig(layer, hash, addr, eid, ttl, linkState, dht, congestionAvoidance);
    }

    /**
     * This configuration with other link-state routing.
     *
     * @param ls the routing
     * @return a new configuration
     */
    public UnicastConfig withLinkState(LinkStateConfig ls) {
        return new UnicastConfig(layer, hash, addrSize, eidSize, maxTtl, ls, dht, congestionAvoidance);
    }

    /**
     * This configuration with another directory.
     *
     * @param d the directory
     * @return a new configuration
     */
    public UnicastConfig withDht(DhtConfig d) {
        return new UnicastConfig(layer, hash, addrSize, eidSize, maxTtl, linkState, d, congestionAvoidance);
    }

    /**
     * This configuration with another congestion avoidance.
     *
     * @param ca the congestion avoidance
     * @return a new configuration
     */
    public UnicastConfig withCongestionAvoidance(CongestionAvoidance ca) {
        return new UnicastConfig(layer, hash, addrSize, eidSize, maxTtl, linkState, dht, ca);
    }
}
