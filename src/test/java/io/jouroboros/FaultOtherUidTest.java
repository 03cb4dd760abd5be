/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fault suite: another user cannot reach our names. As root, a child JVM
 * run as {@code nobody} ({@code setpriv}, else {@code runuser}) tries our
 * rendezvous directory and a live socket of a name bound here: listing it,
 * planting a file or a folder, looking at the socket, connecting to it,
 * allocating to the name and binding it through the library pointed at our
 * directory, and allocating to it from a directory of its own. Each must
 * be refused. The same probe run as root, the directory's owner, must get
 * through where it can, so the probe is shown to see access when there is
 * some. Skips with the reason when not root or neither tool is there.
 */
@Tag("embedded")
@ExtendWith(HelperThread.Check.class)
class FaultOtherUidTest {
    private static final Duration LIMIT = Duration.ofSeconds(90);

    /**
     * The probe, run in the child: one line {@code PROBE <what> DENIED|ALLOWED|OTHER <detail>}
     * per attempt, then {@code END}. No JUnit here: the child's user may
     * not read the test class path's jars.
     */
    public static final class Child {
        public static void main(String[] args) {
            String mode = args[0];
            Path dir = Path.of(args[1]);
            Path socket = Path.of(args[2]);
            String name = args[3];
            if (mode.equals("files")) {
                probe("list", () -> {
                    try (Stream<Path> s = Files.list(dir)) {
                        return s.count() + " entries";
                    }
                });
                probe("plant-file", () -> {
                    Path p = Files.createFile(dir.resolve("planted-" + ProcessHandle.current().pid() + ".s"));
                    Files.delete(p);
                    return "made " + p;
                });
                probe("plant-folder", () -> {
                    Path p = Files.createDirectory(dir.resolve("n-planted-" + ProcessHandle.current().pid()));
                    Files.delete(p);
                    return "made " + p;
                });
                probe("stat-socket", () -> "size " + Files.readAttributes(socket, BasicFileAttributes.class).size());
                probe("connect-socket", () -> {
                    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                        return "connected";
                    } catch (IOException e) {
                        // A stream socket meets a SEQPACKET listener: reachable, of the wrong type.
                        if (String.valueOf(e.getMessage()).contains("wrong type")) {
                            return "reached: " + e.getMessage();
                        }
                        throw e;
                    }
                });
            }
            // "files": the library on our directory; "own": on a directory of its own.
            probe("open-name", () -> {
                try (Flow f = Flow.open(name, QoSSpec.raw(), Duration.ofSeconds(5))) {
                    return "allocated " + f;
                }
            });
            probe("bind-name", () -> {
                try (FlowServerChannel s = FlowServerChannel.open().bind(name)) {
                    return "bound " + s;
                }
            });
            System.out.println("END");
        }

        private static void probe(String what, Callable<String> c) {
            String out;
            try {
                out = "ALLOWED " + c.call();
            } catch (AccessDeniedException e) {
                out = "DENIED " + e;
            } catch (LayerUnavailableException e) {
                out = (e.errorName().equals("EACCES") ? "DENIED " : "OTHER ") + e.errorName() + " " + e.getMessage();
            } catch (UnknownNameException e) {
                out = "DENIED " + e.errorName() + " " + e.getMessage();
            } catch (IOException e) {
                String m = String.valueOf(e.getMessage());
                out = (m.contains("Permission denied") ? "DENIED " : "OTHER ") + e;
            } catch (Throwable e) {
                out = "OTHER " + e;
            }
            System.out.println("PROBE " + what + " " + out);
        }
    }

    private static boolean root() throws IOException {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    /** The command prefix that runs a command as nobody, or null. */
    private static List<String> asNobody() {
        if (TestSupport.tool("setpriv") != null) {
            return List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");
        }
        if (TestSupport.tool("runuser") != null) {
            return List.of("runuser", "-u", "nobody", "--");
        }
        return null;
    }

    /** Runs the probe (as nobody when {@code prefix} says so); its PROBE lines by what. */
    private static Map<String, String> probe(List<String> prefix, String mode, Path dir, Path socket, String name,
            Path layerDir) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(TestJvm.command(Child.class, List.of("-Djouroboros.layer=embedded",
                "-Djouroboros.embedded.dir=" + layerDir), mode, dir.toString(), socket.toString(), name));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe did not end");
        } finally {
            TestSupport.kill(p);
        }
        System.out.println("FaultOtherUidTest " + (prefix.isEmpty() ? "as root" : "as nobody") + ", " + mode
                + ":\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("\nEND"), out);
        Map<String, String> m = new LinkedHashMap<>();
        for (String l : out.split("\n")) {
            if (l.startsWith("PROBE ")) {
                String[] w = l.split(" ", 3);
                m.put(w[1], w[2]);
            }
        }
        return m;
    }

    @Test
    void anotherUserIsRefusedEverywhere() throws Exception {
        Assumptions.assumeTrue(root(), "running as another user needs root");
        List<String> nobody = asNobody();
        Assumptions.assumeTrue(nobody != null, "neither setpriv nor runuser is on the PATH");
        String name = TestSupport.unique("fault-uid");
        Path rdv = TestSupport.rendezvousDir();
        // A folder of nobody's own, for the probe's own rendezvous directory.
        Path own = Files.createTempDirectory("jouroboros-fault-uid-");
        assertTimeoutPreemptively(LIMIT, () -> {
            try (TestSupport.EchoServer server = new TestSupport.EchoServer(name)) {
                Path nameDir = TestSupport.nameDirOf(ProcessHandle.current().pid(), TestSupport.list(rdv));
                assertNotNull(nameDir, "the folder of our name");
                Path socket = nameDir.resolve(ProcessHandle.current().pid() + ".s");
                List<String> before = TestSupport.list(rdv);

                Map<String, String> theirs = probe(nobody, "files", rdv, socket, name, rdv);
                Files.setOwner(own, own.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
                Map<String, String> ownDir = probe(nobody, "own", rdv, socket, name, own.resolve("rdv"));

                List<String> probes = List.of("list", "plant-file", "plant-folder", "stat-socket", "connect-socket",
                        "open-name", "bind-name");
                assertEquals(probes, new ArrayList<>(theirs.keySet()), "every probe ran: " + theirs);
                for (String what : probes) {
                    assertTrue(theirs.get(what).startsWith("DENIED "), "nobody, " + what + ": " + theirs.get(what));
                }
                // From a directory of its own the name does not exist; binding it there harms no one.
                assertTrue(ownDir.get("open-name").startsWith("DENIED ENAME"), "nobody, own directory: " + ownDir);
                assertTrue(ownDir.get("bind-name").startsWith("ALLOWED "), "nobody, own directory: " + ownDir);
                assertEquals(before, TestSupport.list(rdv), "nothing planted in our directory");
                assertEquals(List.of(ProcessHandle.current().pid() + ".s"), TestSupport.list(nameDir));

                // The control: the owner's probe gets through, so the probe sees access when there is some.
                Map<String, String> ours = probe(List.of(), "files", rdv, socket, name, rdv);
                for (String what : List.of("list", "plant-file", "plant-folder", "stat-socket", "connect-socket")) {
                    assertTrue(ours.get(what).startsWith("ALLOWED "), "root, " + what + ": " + ours.get(what));
                }
                assertTrue(ours.get("open-name").startsWith("ALLOWED "), "root, open-name: " + ours.get("open-name"));
                assertTrue(ours.get("bind-name").startsWith("ALLOWED "), "root, bind-name: " + ours.get("bind-name"));
                assertEquals(1, server.accepted.get(), "the owner's allocation reached us, nobody's did not");
            } finally {
                try (Stream<Path> s = Files.walk(own)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        });
    }
}
