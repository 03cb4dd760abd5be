/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.irm;

import io.jouroboros.internal.Consts;
import io.jouroboros.internal.Errors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Where the IRMd of Ouroboros 0.23 reads a name's encryption configuration,
 * and writing it there privately. The IRMd's security directory is fixed
 * when Ouroboros is built ({@code <sysconfdir>/ouroboros/security}) and the
 * IRMd cannot be asked for it, so it is, in order: the system property
 * {@code jouroboros.security.dir}, the environment variable
 * {@code JOUROBOROS_SECURITY_DIR}, or worked out from where the loaded
 * {@code libouroboros-dev} lives (its install prefix, as CMake's
 * GNUInstallDirs turns a prefix into a sysconfdir).
 */
final class SecurityFiles {
    static final String PROPERTY = "jouroboros.security.dir";
    static final String ENV = "JOUROBOROS_SECURITY_DIR";
    private static final String FILE = "enc.conf";
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> DIR_ATTR =
            PosixFilePermissions.asFileAttribute(DIR_MODE);
    private static final FileAttribute<Set<PosixFilePermission>> FILE_ATTR =
            PosixFilePermissions.asFileAttribute(FILE_MODE);

    private SecurityFiles() {
    }

    /** The security directory (see the class comment); the system layer must be loaded. */
    static Path directory() throws IrmException {
        String s = System.getProperty(PROPERTY);
        String from = "-D" + PROPERTY;
        if (s == null || s.isEmpty()) {
            s = System.getenv(ENV);
            from = ENV;
        }
        if (s != null && !s.isEmpty()) {
            Path p = Path.of(s);
            if (!p.isAbsolute()) {
                throw new IllegalArgumentException(from + " must be an absolute path: " + s);
            }
            return p.normalize();
        }
        Path lib = loadedLibrary();
        Path dir = lib == null ? null : fromLibrary(lib);
        if (dir == null) {
            throw new IrmException(Errors.ENOENT, Errors.name(Errors.ENOENT), "cannot tell the IRMd's security"
                    + " directory from " + (lib == null ? "the loaded " + Consts.LIB_DEV + " (not mapped)" : lib)
                    + ": set -D" + PROPERTY + " or " + ENV + " (Ouroboros's <sysconfdir>/ouroboros/security)");
        }
        return dir;
    }

    /** The file of the library this process loaded, from /proc/self/maps; null if none. */
    private static Path loadedLibrary() {
        String base = Consts.LIB_DEV.substring(0, Consts.LIB_DEV.indexOf(".so.") + 4);
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            return lines.map(l -> {
                int i = l.indexOf('/');
                return i < 0 ? null : l.substring(i);
            }).filter(p -> p != null && Path.of(p).getFileName().toString().startsWith(base))
                    .findFirst().map(Path::of).orElse(null);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * {@code <prefix>/lib[64][/<multiarch>]/libouroboros-dev.so.*} to
     * {@code <sysconfdir>/ouroboros/security}; null if the path has no such shape.
     */
    static Path fromLibrary(Path lib) {
        Path dir = lib.toAbsolutePath().normalize().getParent();
        if (dir != null && dir.getFileName() != null && dir.getFileName().toString().contains("-linux-")) {
            dir = dir.getParent();
        }
        if (dir == null || dir.getFileName() == null || !dir.getFileName().toString().startsWith("lib")) {
            return null;
        }
        Path prefix = dir.getParent();
        String p = prefix.toString();
        Path etc;
        if (p.equals("/") || p.equals("/usr")) {
            etc = Path.of("/etc");
        } else if (p.startsWith("/opt/")) {
            etc = Path.of("/etc" + p);
        } else {
            etc = prefix.resolve("etc");
        }
        return etc.resolve("ouroboros").resolve("security");
    }

    /**
     * The file the IRMd reads for one side of a name,
     * {@code <dir>/server|client/<name>/enc.conf}.
     *
     * @throws IllegalArgumentException if the name is no single path
     *         component ({@code /}, {@code .}, {@code ..}) or the path is
     *         longer than the IRMd's buffer for it
     */
    static Path configFile(Path dir, String name, Encryption.Side side) {
        if (name.indexOf('/') >= 0 || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("the IRMd makes the name a folder of its security directory, so"
                    + " an encrypted name must not contain '/' nor be '.' or '..': " + name);
        }
        Path f = dir.resolve(side.dir()).resolve(name).resolve(FILE);
        int max = IrmConsts.NAME_PATH_SIZE;
        int len = f.toString().getBytes(StandardCharsets.UTF_8).length;
        if (len > max) {
            throw new IllegalArgumentException("the IRMd keeps a name's security paths in " + max + " bytes;"
                    + " " + f + " is " + len);
        }
        return f;
    }

    /**
     * Writes a configuration file with mode 0600 in folders of mode 0700
     * (creating the missing ones), atomically: a reader sees the old file
     * or the new one, and a symbolic link planted at the file's place is
     * replaced, never followed.
     */
    static void write(Path file, String text) throws IOException {
        Path nameDir = file.getParent();
        Path sideDir = nameDir.getParent();
        Files.createDirectories(sideDir, DIR_ATTR);
        directory(sideDir);
        try {
            Files.createDirectory(nameDir, DIR_ATTR);
        } catch (FileAlreadyExistsException e) {
            directory(nameDir);
            Files.setPosixFilePermissions(nameDir, DIR_MODE);
        }
        Path tmp = Files.createTempFile(nameDir, "." + FILE + ".", ".tmp", FILE_ATTR);
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Removes a side's configuration (a link is removed, not followed); the folder stays. */
    static void remove(Path file) throws IOException {
        Files.deleteIfExists(file);
    }

    private static void directory(Path d) throws IOException {
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(d + " is not a directory (a symbolic link is not followed)");
        }
    }
}
