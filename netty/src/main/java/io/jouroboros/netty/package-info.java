/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
/**
 * A Netty 4.2 transport over Ouroboros flows: {@link io.jouroboros.netty.NioFlowChannel}
 * (a byte stream), {@link io.jouroboros.netty.NioFlowMessageChannel} (one
 * {@code ByteBuf} per SDU), {@link io.jouroboros.netty.NioFlowServerChannel} and
 * {@link io.jouroboros.netty.NioFlowMessageServerChannel}, addressed by
 * {@link io.jouroboros.netty.FlowAddress}, on Netty's NIO event loops with the
 * flows' selector provider ({@link io.jouroboros.netty.FlowEventLoops}).
 */
package io.jouroboros.netty;
