/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads {@code libjouroboros.so} once: the path in {@code jouroboros.native.path}
 * if set; else {@code System.loadLibrary("jouroboros")}; else the copy inside
 * the jar, extracted into a fresh private directory (created 0700 by
 * {@link Files#createTempDirectory}, so no other user can plant the file) under
 * {@code jouroboros.native.dir}, {@code java.io.tmpdir}, {@code XDG_RUNTIME_DIR}
 * or {@code ~/.cache}, in that order, trying the next when one is unusable
 * (a {@code noexec} {@code /tmp}, say). Every failure is kept, as a suppressed
 * exception of the one that is finally thrown.
 */
public final class NativeLibrary {
    private static final String NAME = "jouroboros";

    private static volatile String loadedFrom;
    private static volatile Throwable failure;
    private static boolean tried;

    private NativeLibrary() {
    }

    /** The platform folder inside the jar, e.g. {@code linux-x86_64}. */
    public static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            arch = "x86_64";
        } else if (arch.equals("aarch64") || arch.equals("arm64")) {
            arch = "aarch_64";
        }
        return (os.startsWith("linux") ? "linux" : os.replace(' ', '_')) + "-" + arch;
    }

    /** Loads the library or throws an {@link UnsatisfiedLinkError} saying why not. */
    public static synchronized void load() {
        if (tried) {
            if (failure != null) {
                UnsatisfiedLinkError e = new UnsatisfiedLinkError(failure.getMessage());
                e.initCause(failure);
                throw e;
            }
            return;
        }
        tried = true;
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(
                "cannot load the jOuroboros native library for " + platform());
        String override = System.getProperty("jouroboros.native.path");
        if (override != null && !override.isEmpty()) {
            try {
                System.load(Path.of(override).toAbsolutePath().toString());
                loadedFrom = override;
                return;
            } catch (Throwable t) {
                error.addSuppressed(t);
                failure = error;
                throw error;
            }
        }
        try {
            System.loadLibrary(NAME);
            loadedFrom = "java.library.path";
            return;
        } catch (Throwable t) {
            error.addSuppressed(t);
        }
        String resource = "/META-INF/native/" + platform() + "/lib" + NAME + ".so";
        for (Path base : extractionDirs()) {
            try {
                loadedFrom = extractAndLoad(resource, base);
                return;
            } catch (Throwable t) {
                error.addSuppressed(t);
            }
        }
        failure = error;
        throw error;
    }

    /** Where the library came from, or {@code null} if it is not loaded. */
    public static String loadedFrom() {
        return loadedFrom;
    }

    /** Why the library could not be loaded, or {@code null}. */
    public static Throwable failure() {
        return failure;
    }

    private static List<Path> extractionDirs() {
        List<Path> dirs = new ArrayList<>();
        String configured = System.getProperty("jouroboros.native.dir");
        if (configured != null && !configured.isEmpty()) {
            dirs.add(Path.of(configured));
        }
        dirs.add(Path.of(System.getProperty("java.io.tmpdir")));
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            dirs.add(Path.of(xdg));
        }
        dirs.add(Path.of(System.getProperty("user.home"), ".cache"));
        return dirs;
    }

    private static String extractAndLoad(String resource, Path base) throws IOException {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no " + resource + " inside the jar: this platform is not built");
            }
            Files.createDirectories(base);
            Path dir = Files.createTempDirectory(base, "jouroboros-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path lib = dir.resolve("lib" + NAME + ".so");
            try {
                Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
                System.load(lib.toString());
                return resource + " (extracted to " + dir + ")";
            } finally {
                // Linux keeps a loaded library mapped after its file is gone.
                Files.deleteIfExists(lib);
                Files.deleteIfExists(dir);
            }
        }
    }
}
