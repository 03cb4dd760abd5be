/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the jar carries, checked where the build puts it before packaging
 * (target/classes, the jar's content): the licence, and the native library
 * without debug information (its copy with it stays in target/native-obj).
 */
@Tag("embedded")
class PackagingTest {
    private static final Path CLASSES = Path.of("target", "classes");

    @Test
    void theLicenceTravelsInsideTheJar() throws Exception {
        Path inJar = CLASSES.resolve("META-INF").resolve("LICENSE");
        assertTrue(Files.isRegularFile(inJar), "no " + inJar);
        assertArrayEquals(Files.readAllBytes(Path.of("LICENSE")), Files.readAllBytes(inJar));
    }

    @Test
    void theNativeLibraryInsideTheJarHasNoDebugInformation() throws Exception {
        // A sanitized build (mvn -Psanitize) keeps its debug information on purpose:
        // the sanitizers' reports name files and lines with it. It is never packaged.
        String sanitize = System.getProperty("jouroboros.test.sanitize", "");
        assumeTrue(sanitize.isEmpty(), "the native library is built with -fsanitize=" + sanitize);
        Path so = CLASSES.resolve("META-INF/native/linux-x86_64/libjouroboros.so");
        assertTrue(Files.isRegularFile(so), "no " + so);
        byte[] elf = Files.readAllBytes(so);
        assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, java.util.Arrays.copyOf(elf, 4), "not an ELF file");
        // Section names live in .shstrtab: ".debug_info" is there exactly when the section is.
        String text = new String(elf, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains(".debug_info"), so + " carries .debug_info");
    }
}
