/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Choosing the layer: the embedded layer in the test JVM; a layer that
 * cannot run is a clear {@link LayerUnavailableException} from every entry
 * point, and the JVM lives on (no exit from native code). Children that must
 * not find an IRMd are pointed at a socket path where none answers
 * ({@code jouroboros.irm.socket}), whether or not one runs on this machine.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class LayerTest {
    private static final Duration LIMIT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    /** -Djouroboros.irm.socket=a path where no IRMd answers. */
    private String noIrmd() {
        return "-Djouroboros.irm.socket=" + tmp.resolve("no-irmd.sock");
    }

    @Test
    void testJvmRunsTheEmbeddedLayer() throws Exception {
        assertEquals(Layer.EMBEDDED, Ouroboros.layer());
        assertEquals(TestSupport.rendezvousDir().toString(), Ouroboros.layerInfo());
        assertEquals(65536, Ouroboros.maxSdu(), "the embedded layer states 64 KiB as its largest SDU");
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(TestSupport.rendezvousDir());
        assertEquals(PosixFilePermissions.fromString("rwx------"), perms, "rendezvous directory mode");
    }

    @Test
    void explicitEmbeddedInAnyCaseAndAutoWithoutIrmd() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            for (String v : new String[] {"embedded", "EMBEDDED", "Auto", "auto"}) {
                try (PeerProcess p = PeerProcess.start(List.of(noIrmd(), "-Djouroboros.layer=" + v), "layer")) {
                    assertEquals("LAYER EMBEDDED", p.expect(""), "jouroboros.layer=" + v);
                    assertEquals(0, p.waitFor());
                }
            }
        });
    }

    /** The peer says UNAVAILABLE, exits 0, and every entry point throws LayerUnavailableException. */
    private static String assertUnavailable(List<String> jvmOptions) throws Exception {
        String line;
        try (PeerProcess p = PeerProcess.start(jvmOptions, "layer")) {
            line = p.expect("");
            assertTrue(line.startsWith("UNAVAILABLE "), jvmOptions + ": " + line);
            assertEquals(0, p.waitFor(), jvmOptions + ": the JVM must live on and exit normally");
        }
        try (TestJvm p = TestJvm.start(TestPeers.class, jvmOptions, "layer-probe")) {
            p.expect("END");
            assertEquals(0, p.waitFor());
            List<String> out = p.output();
            assertTrue(out.get(0).startsWith("UNAVAILABLE "), out.toString());
            assertTrue(out.get(1).startsWith("UNAVAILABLE "), "asked again: " + out);
            for (String l : out) {
                if (l.startsWith("RESULT ")) {
                    assertTrue(l.matches("RESULT \\S+ UNAVAILABLE .*"), jvmOptions + ": " + l);
                }
            }
            assertEquals(7, out.stream().filter(l -> l.startsWith("RESULT ")).count(), out.toString());
        }
        return line;
    }

    @Test
    void autoWithALiveIrmdTakesTheSystemLayer() throws Exception {
        boolean alive = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> io.jouroboros.internal.LayerRuntime.irmdAlive(null), "the IRMd probe hangs");
        Assumptions.assumeTrue(alive, "no IRMd answers on its default socket");
        assertTimeoutPreemptively(LIMIT, () -> {
            // The system layer, or (if it cannot start despite the IRMd) the embedded one, saying why.
            try (TestJvm p = TestJvm.start(TestPeers.class, List.of("-Djouroboros.layer=auto"), "layer-info")) {
                String line = p.expect("");
                assertTrue(line.startsWith("LAYER SYSTEM | ")
                        || line.startsWith("LAYER EMBEDDED | ") && line.contains("auto: the system layer could not start"),
                        line);
                assertEquals(0, p.waitFor());
            }
        });
    }

    /**
     * With a live IRMd, the system layer starts every time: a busy IRMd (its
     * backlog still holding a probe's connection, which happens at once when
     * the layer probes twice in a row) is alive, not absent.
     */
    @Test
    void systemLayerStartsEveryTimeWithALiveIrmd() throws Exception {
        boolean alive = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> io.jouroboros.internal.LayerRuntime.irmdAlive(null), "the IRMd probe hangs");
        Assumptions.assumeTrue(alive, "no IRMd answers on its default socket");
        assertTimeoutPreemptively(LIMIT, () -> {
            List<String> lines = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                try (TestJvm p = TestJvm.start(TestPeers.class, List.of("-Djouroboros.layer=system"), "layer-info")) {
                    lines.add(p.expect(""));
                    assertEquals(0, p.waitFor());
                }
            }
            assertTrue(lines.stream().allMatch(l -> l.startsWith("LAYER SYSTEM")), lines.toString());
        });
    }

    /**
     * An IRMd socket whose listener never accepts (a hung IRMd, its backlog
     * full): choosing the layer must still end promptly, with a layer or a
     * LayerUnavailableException, never hang the JVM.
     */
    @Test
    void hungIrmdDoesNotHangTheLayerChoice() throws Exception {
        String py = HostilePeerTest.python();
        Assumptions.assumeTrue(py != null, "python3 is needed for a SOCK_SEQPACKET listener");
        Path sock = tmp.resolve("hung-irm.sock");
        String script = String.join("\n",
                "import socket, sys, time",
                "l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
                "l.bind(sys.argv[1])",
                "l.listen(0)",
                "held = []",
                "while True:",
                "    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)",
                "    c.setblocking(False)",
                "    try:",
                "        c.connect(sys.argv[1])",
                "        held.append(c)",
                "    except BlockingIOError:",
                "        break",
                "print('FULL', len(held), flush=True)",
                "time.sleep(120)",
                "");
        Process hung = TestSupport.python(py, "-c", script, sock.toString()).redirectErrorStream(true).start();
        try {
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
                    hung.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
            String full = assertTimeoutPreemptively(Duration.ofSeconds(10), r::readLine);
            assertTrue(full != null && full.startsWith("FULL"), "python: " + full);
            for (String layer : new String[] {"auto", "system"}) {
                try (PeerProcess p = PeerProcess.start(List.of("-Djouroboros.irm.socket=" + sock,
                        "-Djouroboros.layer=" + layer), "layer")) {
                    String line = p.expect("", Duration.ofSeconds(15));
                    assertTrue(line.startsWith("LAYER ") || line.startsWith("UNAVAILABLE "), line);
                    assertEquals(0, p.waitFor());
                }
            }
        } finally {
            TestSupport.kill(hung);
        }
    }

    @Test
    void systemLayerWithoutIrmdIsUnavailable() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String line = assertUnavailable(List.of(noIrmd(), "-Djouroboros.layer=system"));
            assertTrue(line.contains("system"), line);
        });
    }

    @Test
    void systemLayerWithAPlainFileAsIrmdSocketIsUnavailable() throws Exception {
        Path notASocket = Files.writeString(tmp.resolve("irm.sock"), "x");
        assertTimeoutPreemptively(LIMIT, () -> assertUnavailable(
                List.of("-Djouroboros.irm.socket=" + notASocket, "-Djouroboros.layer=system")));
    }

    @Test
    void bogusLayerIsUnavailable() throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            String line = assertUnavailable(List.of("-Djouroboros.layer=bogus"));
            assertTrue(line.contains("bogus"), line);
        });
    }

    @Test
    void groupReadableRendezvousDirIsRefused() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("rdv-0755"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTimeoutPreemptively(LIMIT, () -> {
            String line = assertUnavailable(List.of("-Djouroboros.layer=embedded", "-Djouroboros.embedded.dir=" + dir));
            assertTrue(line.contains(dir.toString()), "the message names the directory: " + line);
        });
        assertEquals(List.of(), TestSupport.list(dir), "nothing may be created in an unsafe directory");
        assertEquals(PosixFilePermissions.fromString("rwxr-xr-x"), Files.getPosixFilePermissions(dir),
                "the library must not change the user's directory");
    }

    @Test
    void worldWritableRendezvousDirIsRefused() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("rdv-0703"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx----wx"));
        assertTimeoutPreemptively(LIMIT, () -> assertUnavailable(List.of("-Djouroboros.layer=embedded", "-Djouroboros.embedded.dir=" + dir)));
        assertEquals(List.of(), TestSupport.list(dir));
    }

    @Test
    void symlinkedRendezvousDirIsRefused() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("real"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(tmp.resolve("planted"), real);
        assertTimeoutPreemptively(LIMIT, () -> assertUnavailable(List.of("-Djouroboros.layer=embedded", "-Djouroboros.embedded.dir=" + link)));
        assertEquals(List.of(), TestSupport.list(real), "a planted symlink must not be followed");
    }

    @Test
    void regularFileAsRendezvousDirIsRefused() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "not a directory");
        assertTimeoutPreemptively(LIMIT, () -> assertUnavailable(List.of("-Djouroboros.layer=embedded", "-Djouroboros.embedded.dir=" + file)));
        assertEquals("not a directory", Files.readString(file));
    }

    @Test
    void missingRendezvousDirIsCreatedPrivate() throws Exception {
        Path dir = tmp.resolve("fresh");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (PeerProcess p = PeerProcess.start(List.of(noIrmd(), "-Djouroboros.layer=embedded",
                    "-Djouroboros.embedded.dir=" + dir), "layer")) {
                assertEquals("LAYER EMBEDDED", p.expect(""));
                assertEquals(0, p.waitFor());
            }
        });
        assertTrue(Files.isDirectory(dir));
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(dir));
    }
}
