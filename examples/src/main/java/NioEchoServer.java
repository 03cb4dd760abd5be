/*
 * jOuroboros examples - an echo server written as a plain NIO selector loop
 * SPDX-License-Identifier: BSD-3-Clause
 */

import io.jouroboros.Flow;
import io.jouroboros.FlowSelectorProvider;
import io.jouroboros.FlowServerChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;

/**
 * An echo server for many clients in one thread: the selector loop one
 * writes for {@code ServerSocketChannel}/{@code SocketChannel}, line for
 * line, with flows instead (the README shows the two side by side). Each
 * client's bytes are echoed back; a client that cannot take them yet gets
 * them when its flow is writable again.
 *
 * <pre>
 * java -cp target/jouroboros-examples.jar NioEchoServer [name] &amp;
 * java -cp target/jouroboros-examples.jar NioEchoClient [name] [clients] [messages]
 * </pre>
 */
public final class NioEchoServer {
    private NioEchoServer() {
    }

    public static void main(String[] args) throws IOException {
        String name = args.length > 0 ? args[0] : "nio-echo";
        try (Selector selector = FlowSelectorProvider.provider().openSelector();
                FlowServerChannel server = FlowServerChannel.open().bind(name)) {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            System.out.println("Serving " + name + ".");
            while (true) {
                selector.select();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.isAcceptable()) {
                        Flow client = server.accept();
                        if (client != null) {
                            client.configureBlocking(false);
                            client.register(selector, SelectionKey.OP_READ, ByteBuffer.allocate(64 * 1024));
                        }
                    } else {
                        echo(key);
                    }
                }
            }
        }
    }

    private static void echo(SelectionKey key) throws IOException {
        Flow client = (Flow) key.channel();
        ByteBuffer buf = (ByteBuffer) key.attachment();
        try {
            if (key.isReadable() && client.read(buf) < 0) {
                client.close();
                return;
            }
            buf.flip();
            client.write(buf);
            buf.compact();
            // Bytes left over: wait until the flow takes them.
            key.interestOps(buf.position() > 0 ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        } catch (IOException e) {
            System.out.println("Dropping a client: " + e.getMessage());
            client.close();
        }
    }
}
