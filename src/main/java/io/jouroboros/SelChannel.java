/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

/** What {@link FlowSelector} needs of the channels it multiplexes. */
interface SelChannel {
    /** The native handle; valid while the channel is registered. */
    int registeredHandle();

    /** Whether this is an accepting side. */
    boolean isServer();

    /** Frees native state once closed and deregistered. */
    void kill();

    /**
     * The ready operations for native event bits, given the interest set;
     * a hang-up makes every interesting operation ready, as in the JDK.
     */
    int translateReadyOps(int events, int interestOps);

    /** Native interest bits for NIO interest ops. */
    int nativeInterest(int interestOps);

    /** Notes a key so the channel can report data it buffers itself. */
    void addKey(FlowKey key);

    void removeKey(FlowKey key);

    /** Whether the channel holds readable data the layer's fd does not show. */
    boolean hasBufferedInput();
}
