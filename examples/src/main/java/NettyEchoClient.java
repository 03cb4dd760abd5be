/*
 * jOuroboros examples - Netty's echo client, over Ouroboros flows
 * SPDX-License-Identifier: BSD-3-Clause
 */

import io.jouroboros.FlowSelectorProvider;
import io.jouroboros.UnknownNameException;
import io.jouroboros.netty.FlowAddress;
import io.jouroboros.netty.NioFlowChannel;
import io.jouroboros.netty.NioFlowMessageChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty's echo client on flows: connects to a {@link NettyEchoServer},
 * sends one line, prints the line that comes back and exits (0 if it came
 * back unchanged). On the byte stream, Netty's {@link LineBasedFrameDecoder}
 * finds the line; with {@code -m} (message channels) each SDU is one
 * message, so no frame decoder is needed.
 *
 * <pre>
 * java -cp target/jouroboros-examples.jar NettyEchoClient [-n NAME] [-m] [TEXT]
 * </pre>
 */
public final class NettyEchoClient {
    private NettyEchoClient() {
    }

    public static void main(String[] args) throws Exception {
        String name = "netty-echo";
        boolean messages = false;
        String text = "Hello, Netty over Ouroboros!";
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("-n") && i + 1 < args.length) {
                name = args[++i];
            } else if (args[i].equals("-m")) {
                messages = true;
            } else if (!args[i].startsWith("-")) {
                text = args[i];
            } else {
                System.err.println("usage: NettyEchoClient [-n NAME] [-m] [TEXT]");
                System.exit(64);
            }
        }
        boolean framed = !messages;
        CompletableFuture<String> reply = new CompletableFuture<>();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                NioIoHandler.newFactory(FlowSelectorProvider.provider()));
        try {
            ChannelFuture connected = connect(group, name, messages, framed, reply).await();
            if (!connected.isSuccess()) {
                // A name nobody is bound to: the library's typed exception, as the connect future's cause.
                String hint = connected.cause() instanceof UnknownNameException
                        ? " (start NettyEchoServer -n " + name + " first)" : "";
                System.err.println("NettyEchoClient: " + connected.cause().getMessage() + hint);
                System.exit(1);
            }
            Channel ch = connected.channel();
            ch.writeAndFlush(framed ? text + "\n" : text);
            String got = reply.get(30, TimeUnit.SECONDS);
            System.out.println(got);
            if (!got.equals(text)) {
                System.exit(1);
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static ChannelFuture connect(EventLoopGroup group, String name, boolean messages, boolean framed,
            CompletableFuture<String> reply) {
        return new Bootstrap()
                    .group(group)
                    .channel(messages ? NioFlowMessageChannel.class : NioFlowChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (framed) {
                                ch.pipeline().addLast(new LineBasedFrameDecoder(65536));
                            }
                            ch.pipeline().addLast(new StringDecoder(StandardCharsets.UTF_8),
                                    new StringEncoder(StandardCharsets.UTF_8),
                                    new SimpleChannelInboundHandler<String>() {
                                        @Override
                                        protected void channelRead0(ChannelHandlerContext ctx, String s) {
                                            reply.complete(s);
                                            ctx.close();
                                        }

                                        @Override
                                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
                                            reply.completeExceptionally(t);
                                            ctx.close();
                                        }
                                    });
                        }
                    })
                    .connect(new FlowAddress(name));
    }
}
