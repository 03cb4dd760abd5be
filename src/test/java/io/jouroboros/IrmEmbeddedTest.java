/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.irm.AutobootResult;
import io.jouroboros.irm.IpcpType;
import io.jouroboros.irm.Irm;
import io.jouroboros.irm.LoadBalance;
import io.jouroboros.irm.LocalConfig;
import io.jouroboros.irm.SystemLayerRequiredException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * The IRM management API on the embedded layer: binding this process and
 * name creation work, everything that needs IPCPs or the IRMd says so.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class IrmEmbeddedTest {
    private static final long SELF = ProcessHandle.current().pid();
    private static final String NAME = "irm-embedded-" + SELF;

    @Test
    void systemOnlyCallsSaySo() throws Exception {
        assertEquals(Layer.EMBEDDED, Ouroboros.layer());
        List<Executable> calls = List.of(
            () -> Irm.createIpcp("x", IpcpType.LOCAL),
            () -> Irm.destroyIpcp(12345),
            () -> Irm.listIpcps(),
            () -> Irm.bootstrapIpcp(12345, new LocalConfig("x")),
            () -> Irm.enrollIpcp(12345, "x"),
            () -> Irm.connectIpcp(12345, Irm.DT_COMPONENT, "x", null),
            () -> Irm.disconnectIpcp(12345, Irm.DT_COMPONENT, "x"),
            () -> Irm.listNames(),
            () -> Irm.registerName("x", 12345),
            () -> Irm.registerName("x", "layer"),
            () -> Irm.unregisterName("x", "layer"),
            () -> Irm.bindProgram("/bin/true", "x", false),
            () -> Irm.unbindProgram("true", "x"),
            () -> Irm.bindIpcp("ipcp", "x"),
            () -> Irm.bindProcess(SELF + 1, "x"),
            () -> Irm.unbindProcess(SELF + 1, "x"));
        for (Executable c : calls) {
            SystemLayerRequiredException e = assertThrows(SystemLayerRequiredException.class, c);
            assertTrue(e.getMessage().contains("needs the system layer"), e.getMessage());
            assertTrue(e.getMessage().contains("embedded layer"), e.getMessage());
            assertEquals("ENOTSUP", e.errorName());
        }
        // Bad input is still bad input.
        assertThrows(IllegalArgumentException.class, () -> Irm.createIpcp("", IpcpType.LOCAL));
        assertThrows(IllegalArgumentException.class, () -> Irm.destroyIpcp(0));
    }

    @Test
    void namesAndAutobootSucceedWithNothingToDo() throws Exception {
        Irm.createName(NAME + "-n", LoadBalance.ROUND_ROBIN);
        Irm.destroyName(NAME + "-n");
        assertThrows(IllegalArgumentException.class, () -> Irm.createName("", LoadBalance.ROUND_ROBIN));
        AutobootResult r = Irm.autoboot(NAME + "-auto");
        assertNull(r.ipcp());
        assertFalse(r.ipcpCreated());
        assertFalse(r.nameCreated());
    }

    /** bindProcess of this process is Ouroboros.bindProcess: the name becomes reachable. */
    @Test
    void bindProcessWorks() {
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            String name = NAME + "-bound";
            Irm.bindProcess(SELF, name);
            try (FlowServerChannel server = FlowServerChannel.open().bind(name);
                    HelperThread<Void> client = HelperThread.start("client", () -> {
                        try (Flow f = Flow.open(name)) {
                            f.write(ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)));
                        }
                    })) {
                try (Flow f = server.accept()) {
                    ByteBuffer b = ByteBuffer.allocate(16);
                    f.read(b);
                    assertEquals("hi", new String(b.array(), 0, b.position(), StandardCharsets.UTF_8));
                }
                client.join();
            }
            Irm.unbindProcess(SELF, name);
            // Counted like Ouroboros.unbindProcess: one more unbind has nothing to undo.
            assertThrows(OuroborosException.class, () -> Irm.unbindProcess(SELF, name));
        });
    }
}
