/*
 * jOuroboros examples - Netty's echo server, over Ouroboros flows
 * SPDX-License-Identifier: BSD-3-Clause
 */

import io.jouroboros.FlowSelectorProvider;
import io.jouroboros.Ouroboros;
import io.jouroboros.netty.FlowAddress;
import io.jouroboros.netty.NioFlowMessageServerChannel;
import io.jouroboros.netty.NioFlowServerChannel;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

/**
 * Netty's echo server ({@code io.netty.example.echo.EchoServer}) on flows:
 * the same bootstrap and handler, with Netty's NIO event loops on the flows'
 * {@code SelectorProvider}, {@link NioFlowServerChannel} for
 * {@code NioServerSocketChannel}, and a name for a port.
 *
 * <pre>
 * java -cp target/jouroboros-examples.jar NettyEchoServer [-n NAME] [-m]
 * </pre>
 *
 * <p>{@code -n} the name to bind (default {@code netty-echo}); {@code -m}
 * accepts message channels (one {@code ByteBuf} per SDU) instead of byte
 * streams. Runs until killed.
 */
public final class NettyEchoServer {
    private NettyEchoServer() {
    }

    /** Writes back what it reads (Netty's {@code EchoServerHandler}). */
    @ChannelHandler.Sharable
    static final class EchoServerHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            cause.printStackTrace();
            ctx.close();
        }
    }

    public static void main(String[] args) throws Exception {
        String name = "netty-echo";
        boolean messages = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-n") && i + 1 < args.length) {
                name = args[++i];
            } else if (args[i].equals("-m")) {
                messages = true;
            } else {
                System.err.println("usage: NettyEchoServer [-n NAME] [-m]");
                System.exit(64);
            }
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(
                NioIoHandler.newFactory(FlowSelectorProvider.provider()));
        try {
            EchoServerHandler handler = new EchoServerHandler();
            Channel server = new ServerBootstrap()
                    .group(group)
                    .channel(messages ? NioFlowMessageServerChannel.class : NioFlowServerChannel.class)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(handler);
                        }
                    })
                    .bind(new FlowAddress(name)).sync().channel();
            System.out.println("Netty echo server bound to " + name + " ("
                    + Ouroboros.layer().toString().toLowerCase(java.util.Locale.ROOT) + " layer)");
            server.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }
}
