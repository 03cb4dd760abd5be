/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.internal;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Loads {@code libjouroboros.so} once: the path in {@code jouroboros.native.path}
 * if set; else {@code System.loadLibrary("jouroboros")}; else the copy inside
 * the jar, extracted into a fresh private directory (created 0700 by
 * {@link Files#createTempDirectory}, so no other user can plant the file) under
 * {@code jouroboros.native.dir}, {@code java.io.tmpdir}, {@code XDG_RUNTIME_DIR}
 * or {@code ~/.cache}, in that order, trying the next when one is unusable
 * (a {@code noexec} {@code /tmp}, say). Every failure is kept, as a suppressed
 * exception of the one that is finally kept as the cause.
 *
 * <p>A library that loads must be of this library's version ({@link #version()},
 * the Maven project's, which the native build bakes in): one of another
 * version (an old copy on {@code java.library.path}, say) is refused with an
 * {@link UnsatisfiedLinkError} that names both versions and the file, and
 * nothing else is tried, since its natives are bound by then.
 *
 * <p>Nothing here throws an {@link Error} at a caller: {@link #tryLoad()}
 * answers with the cause, and the public API turns it into
 * {@code LayerUnavailableException} (calls that do I/O) or
 * {@link UnsupportedOperationException} (the others), see
 * {@link #unsupported(String)}.
 */
public final class NativeLibrary {
    private static final String NAME = "jouroboros";
    private static final String VERSION = readVersion();

    private static volatile String loadedFrom;
    private static volatile Throwable failure;
    // guarded by NativeLibrary.class
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

    /**
     * Loads the library on the first call; never throws.
     *
     * @return {@code null} once it is loaded, else why it cannot be (an
     *         {@link UnsatisfiedLinkError} with every attempt suppressed in it),
     *         the same on every call
     */
    public static synchronized Throwable tryLoad() {
        if (!tried) {
            tried = true;
            failure = load();
        }
        return failure;
    }

    /** Whether the library is loaded (trying once if need be). */
    public static boolean isAvailable() {
        return tryLoad() == null;
    }

    /**
     * The exception for a call that needs the library when it cannot load:
     * an {@link UnsupportedOperationException}, as the JDK throws from
     * {@code Desktop.getDesktop()} where {@code isDesktopSupported()} says no.
     *
     * @param what the call, for the message
     * @return the exception, with the load failure as its cause
     */
    public static UnsupportedOperationException unsupported(String what) {
        Throwable cause = tryLoad();
        return new UnsupportedOperationException(what + " needs the jOuroboros native library, which is"
                + " unavailable: " + (cause != null ? cause.getMessage() : "(no cause)")
                + " (see Ouroboros.unavailabilityCause())", cause);
    }

    private static UnsatisfiedLinkError load() {
        UnsatisfiedLinkError error = new UnsatisfiedLinkError(
                "cannot load the jOuroboros native library for " + platform());
        String override = System.getProperty("jouroboros.native.path");
        if (override != null && !override.isEmpty()) {
            // The user named the file: nothing else is tried.
            UnsatisfiedLinkError e = new UnsatisfiedLinkError("cannot load the jOuroboros native library from"
                    + " jouroboros.native.path=" + override);
            try {
                System.load(Path.of(override).toAbsolutePath().toString());
            } catch (Throwable t) {
                e.addSuppressed(t);
                return e;
            }
            return checkVersion("jouroboros.native.path=" + override, override);
        }
        try {
            System.loadLibrary(NAME);
        } catch (Throwable t) {
            error.addSuppressed(t);
        }
        if (error.getSuppressed().length == 0) {
            String file = onLibraryPath();
            return checkVersion("java.library.path (" + file + ")", "java.library.path: " + file);
        }
        String resource = "/META-INF/native/" + platform() + "/lib" + NAME + ".so";
        for (Path base : extractionDirs()) {
            String from;
            try {
                from = extractAndLoad(resource, base);
            } catch (Throwable t) {
                error.addSuppressed(t);
                continue;
            }
            return checkVersion("the jar's " + from, from);
        }
        return error;
    }

    /**
     * The library just loaded from {@code where} must be of this version.
     *
     * @return {@code null} (and {@code loadedFrom} set to {@code from}) if
     *         it is, else the refusal
     */
    private static UnsatisfiedLinkError checkVersion(String where, String from) {
        String theirs;
        try {
            theirs = Native.version();
        } catch (UnsatisfiedLinkError e) {
            // Libraries before the version check have no such native.
            UnsatisfiedLinkError refused = new UnsatisfiedLinkError("the jOuroboros native library from " + where
                    + " is of an older version than this library's " + VERSION + " (it tells no version):"
                    + " remove it, or point jouroboros.native.path at the library of version " + VERSION);
            refused.addSuppressed(e);
            return refused;
        }
        if (!VERSION.equals(theirs)) {
            return new UnsatisfiedLinkError("the jOuroboros native library from " + where + " is version " + theirs
                    + ", this library is version " + VERSION + ": remove that file, or point"
                    + " jouroboros.native.path at the library of version " + VERSION);
        }
        loadedFrom = from;
        return null;
    }

    /** The first libjouroboros.so on java.library.path, which System.loadLibrary took. */
    private static String onLibraryPath() {
        String file = System.mapLibraryName(NAME);
        for (String dir : System.getProperty("java.library.path", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, file);
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath().toString();
            }
        }
        return file;
    }

    /**
     * This library's version, the Maven project's, which its native library
     * must have too.
     *
     * @return the version, such as {@code 0.1.0}; {@code "unknown"} in a build
     *         without its version.properties
     */
    public static String version() {
        return VERSION;
    }

    private static String readVersion() {
        try (InputStream in = NativeLibrary.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            // as if there were none
        }
        return "unknown";
    }

    /** Where the library came from, or {@code null} if it is not loaded. */
    public static String loadedFrom() {
        return loadedFrom;
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
