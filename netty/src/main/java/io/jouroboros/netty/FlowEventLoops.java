/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.netty;

import io.jouroboros.FlowSelectorProvider;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

/**
 * Event loops for flow channels: Netty's {@link NioIoHandler} on the
 * flows' {@link FlowSelectorProvider}. Flow channels register only with
 * these (a loop of the JDK's provider refuses them with
 * {@link java.nio.channels.IllegalSelectorException}), and these take only
 * flow channels.
 */
public final class FlowEventLoops {
    private FlowEventLoops() {
    }

    /**
     * {@code NioIoHandler.newFactory(FlowSelectorProvider.provider())}.
     *
     * @return the factory
     */
    public static IoHandlerFactory ioHandlerFactory() {
        return NioIoHandler.newFactory(FlowSelectorProvider.provider());
    }

    /**
     * A group of {@code nThreads} event loops for flow channels.
     *
     * @param nThreads the number of loops; 0 for Netty's default (twice the cores)
     * @return the group; shut it down when done
     */
    public static MultiThreadIoEventLoopGroup newGroup(int nThreads) {
        return new MultiThreadIoEventLoopGroup(nThreads, ioHandlerFactory());
    }
}
