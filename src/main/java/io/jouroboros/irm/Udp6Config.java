/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import java.net.Inet6Address;

/**
 * Bootstraps a {@link IpcpType#UDP6} IPCP: a layer over UDP/IPv6
 * ({@code struct udp6_config}). The IRMd of Ouroboros 0.23 replaces the
 * directory hash of UDP layers with MD5, whatever is asked here.
 *
 * @param layer the layer's name, 1 to 255 bytes of UTF-8
 * @param hash the directory hash (replaced by the IRMd, see above)
 * @param ip the local address to use; not the wildcard ::
 * @param dns a DNS server for name lookups, {@code null} for none
 * @param port the UDP port, 1 to 65535 ({@value #DEFAULT_PORT} by default)
 */
public record Udp6Config(String layer, DirHashAlgo hash, Inet6Address ip, Inet6Address dns, int port)
        implements IpcpConfig {
    /** The default UDP port of Ouroboros, as for {@link Udp4Config}. */
    public static final int DEFAULT_PORT = Udp4Config.DEFAULT_PORT;

    /**
     * Checks the fields.
     *
     * @param layer see the record
     * @param hash see the record
     * @param ip see the record
     * @param dns see the record
     * @param port see the record
     * @throws IllegalArgumentException if the layer name or port is bad, or ip is the wildcard
     * @throws NullPointerException if hash or ip is null
     */
    public Udp6Config {
        Checks.layer(layer);
        Checks.nonNull("hash", hash);
        Checks.udp(ip, port);
    }

    /**
     * A UDP/IPv6 layer on the default port, no DNS, default hash.
     *
     * @param layer the layer's name
     * @param ip the local address
     */
    public Udp6Config(String layer, Inet6Address ip) {
        this(layer, DirHashAlgo.SHA3_256, ip, null, DEFAULT_PORT);
    }

    /** {@link IpcpType#UDP6}. */
    @Override
    public IpcpType type() {
        return IpcpType.UDP6;
    }
}
