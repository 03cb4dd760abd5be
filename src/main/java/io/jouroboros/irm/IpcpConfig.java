/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

/**
 * How to bootstrap an IPCP: the layer it starts, the hash of the layer's
 * directory, and what its type needs. One record per kind:
 * {@link LocalConfig}, {@link BroadcastConfig}, {@link UnicastConfig},
 * {@link Udp4Config}, {@link Udp6Config}, {@link EthLlcConfig},
 * {@link EthDixConfig}. The IPCP must be of the matching {@link #type()}.
 */
public sealed interface IpcpConfig permits LocalConfig, BroadcastConfig, UnicastConfig, Udp4Config,
        Udp6Config, EthLlcConfig, EthDixConfig {
    /**
     * The name of the layer the IPCP bootstraps.
     *
     * @return 1 to 255 bytes of UTF-8
     */
    String layer();

    /**
     * The hash of the layer's directory.
     *
     * @return the algorithm
     */
    DirHashAlgo hash();

    /**
     * The type of IPCP this configuration is for.
     *
     * @return the type
     */
    IpcpType type();
}
