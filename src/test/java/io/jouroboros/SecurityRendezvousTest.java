/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A rendezvous directory the embedded layer refuses (another user's, a
 * symbolic link, a file, open to others) is named by its path, in the
 * exception and in {@link Ouroboros#layerInfo()}; and layerInfo names the
 * directory before any layer runs. Each case runs in a child JVM, since the
 * layer is chosen once per process.
 */
@Tag("embedded")
class SecurityRendezvousTest {
    private static final Duration LIMIT = Duration.ofSeconds(90);

    private Path base;

    @BeforeEach
    void makeBase() throws Exception {
        base = Files.createDirectory(TestSupport.scratchDir().resolve(TestSupport.unique("rdv")),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @AfterEach
    void removeBase() throws Exception {
        if (base != null) {
            try (Stream<Path> s = Files.walk(base)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Prints layerInfo before any layer runs, starts the layer, prints the outcome and layerInfo again. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            System.out.println("BEFORE " + Ouroboros.layerInfo());
            try {
                System.out.println("RAN " + Ouroboros.layer());
            } catch (LayerUnavailableException e) {
                System.out.println("FAILED " + e.errorName() + " " + e.getMessage());
            }
            System.out.println("AFTER " + Ouroboros.layerInfo());
        }
    }

    /** The child's lines by their first word; dir null: no jouroboros.embedded.dir (the default). */
    private static Map<String, String> child(Path dir, Map<String, String> env) throws Exception {
        List<String> opts = new ArrayList<>(List.of("-Djouroboros.layer=embedded"));
        List<String> cmd = new ArrayList<>(TestJvm.command(Child.class, opts));
        if (dir == null) {
            cmd.removeIf(a -> a.startsWith("-Djouroboros.embedded.dir="));
        } else {
            cmd.add(cmd.size() - 1, "-Djouroboros.embedded.dir=" + dir);
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().remove("JOUROBOROS_EMBEDDED_DIR");
        pb.environment().remove("JOUROBOROS_LAYER");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out;
        try {
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not end");
        } finally {
            TestSupport.kill(p);
        }
        assertEquals(0, p.exitValue(), out);
        System.out.println("rendezvous " + dir + ": " + out);
        Map<String, String> m = new java.util.HashMap<>();
        for (String l : out.split("\n")) {
            int sp = l.indexOf(' ');
            m.put(sp < 0 ? l : l.substring(0, sp), sp < 0 ? "" : l.substring(sp + 1));
        }
        return m;
    }

    private static void assertRefusedWithPath(Path dir, Map<String, String> env, Path shown, String code)
            throws Exception {
        assertTimeoutPreemptively(LIMIT, () -> {
            Map<String, String> out = child(dir, env);
            String failed = out.get("FAILED");
            assertTrue(failed != null && failed.startsWith(code + " "), "refused with " + code + ": " + out);
            assertTrue(failed.contains(shown.toString()), "the refusal names the directory: " + failed);
            assertTrue(out.get("BEFORE").contains(shown.toString()), "layerInfo before: " + out);
            assertTrue(out.get("AFTER").contains(shown.toString()), "layerInfo after the refusal: " + out);
            assertTrue(out.get("AFTER").startsWith("no layer runs: "), "layerInfo after the refusal: " + out);
        });
    }

    private static boolean root() throws Exception {
        return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    @Test
    void anotherUsersDirectoryIsRefusedByPath() throws Exception {
        Assumptions.assumeTrue(root(), "chown to another user needs root");
        Path d = Files.createDirectory(base.resolve("theirs"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        UserPrincipalLookupService users = d.getFileSystem().getUserPrincipalLookupService();
        Files.setOwner(d, users.lookupPrincipalByName("nobody"));
        assertRefusedWithPath(d, Map.of(), d, "EACCES");
    }

    @Test
    void aSymbolicLinkIsRefusedByPath() throws Exception {
        Path good = Files.createDirectory(base.resolve("good"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path link = Files.createSymbolicLink(base.resolve("link"), good);
        assertRefusedWithPath(link, Map.of(), link, "ELOOP");
    }

    @Test
    void aFileIsRefusedByPath() throws Exception {
        Path f = Files.writeString(base.resolve("file"), "squatted");
        assertRefusedWithPath(f, Map.of(), f, "ENOTDIR");
    }

    @Test
    void aDirectoryOpenToOthersIsRefusedByPath() throws Exception {
        Path d = Files.createDirectory(base.resolve("open"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertRefusedWithPath(d, Map.of(), d, "EACCES");
    }

    /** Issue 10, defect 5: the default directory squatted, and no setting to say where it was. */
    @Test
    void theSquattedDefaultDirectoryIsRefusedByPath() throws Exception {
        Path xdg = Files.createDirectory(base.resolve("xdg"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path squatted = Files.writeString(xdg.resolve("jouroboros"), "squatted");
        assertRefusedWithPath(null, Map.of("XDG_RUNTIME_DIR", xdg.toString()), squatted, "ENOTDIR");
    }

    @Test
    void layerInfoNamesTheDirectoryBeforeAndWhileTheLayerRuns() throws Exception {
        Path d = base.resolve("fresh");
        assertTimeoutPreemptively(LIMIT, () -> {
            Map<String, String> out = child(d, Map.of());
            assertEquals("EMBEDDED", out.get("RAN"), out.toString());
            assertEquals("no layer runs yet; the embedded layer's rendezvous directory would be " + d,
                    out.get("BEFORE"));
            assertEquals(d.toString(), out.get("AFTER"));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
        });
    }
}
