/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.irm.Cipher;
import io.jouroboros.irm.Encryption;
import io.jouroboros.irm.HashAlgorithm;
import io.jouroboros.irm.Irm;
import io.jouroboros.irm.KemMode;
import io.jouroboros.irm.KeyExchange;
import io.jouroboros.irm.LoadBalance;
import io.jouroboros.irm.SecurityPaths;
import io.jouroboros.irm.SystemLayerRequiredException;
import io.jouroboros.internal.Errors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

/**
 * Encrypted flows (the seed's {@code cypher_s}): on the system layer, names
 * made encrypted with {@link Irm#createEncryptedName} on a real IRMd, a
 * second JVM serving them; what Ouroboros 0.23 does with configurations it
 * refuses; on the embedded layer, the refusal.
 *
 * <p>What the IRMd does is read from its log ({@code $O7S_IRMD_LOG}, set by
 * {@code with-irmd}); where that is unset, the log checks are skipped with
 * the reason and the rest still runs.
 */
@ExtendWith(HelperThread.Check.class)
class EncryptionTest {
    private static final Duration LIMIT = Duration.ofSeconds(120);
    private static final Duration ALLOC = Duration.ofSeconds(10);
    private static final QoSSpec QOS = Boolean.getBoolean("enc.frct") ? QoSSpec.data() : QoSSpec.raw();
    private static final List<String> NAMES = new ArrayList<>();

    private static String name(String what) {
        String n = TestSupport.unique("enc-" + what);
        NAMES.add(n);
        return n;
    }

    /** Removes every file and name the system tests made: the security directory is the host's, not private. */
    @AfterAll
    static void cleanUp() {
        if (Ouroboros.isAvailable() && "system".equals(System.getProperty("jouroboros.layer"))) {
            for (String n : NAMES) {
                for (Encryption.Side side : Encryption.Side.values()) {
                    try {
                        Path f = Irm.encryptionConfig(n, side);
                        Files.deleteIfExists(f);
                        try (Stream<Path> rest = Files.list(f.getParent())) {
                            for (Path p : (Iterable<Path>) rest::iterator) {
                                Files.deleteIfExists(p);
                            }
                        }
                        Files.deleteIfExists(f.getParent());
                    } catch (IOException | RuntimeException e) {
                        // never written
                    }
                }
                try {
                    Irm.destroyName(n);
                } catch (IOException | RuntimeException e) {
                    // never created
                }
            }
        }
    }

    // ------------------------------------------------------------ helpers

    /** A new name made encrypted on both sides with X25519 and AES-256-GCM. */
    private static String aesName(String what) throws IOException {
        String n = name(what);
        Encryption aes = Encryption.of(KeyExchange.X25519, Cipher.AES_256_GCM);
        Irm.createEncryptedName(n, aes, aes);
        return n;
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Sends data through the stream view and reads the echo back whole. */
    private static void echo(Flow f, byte[] data) throws Exception {
        try (HelperThread<Void> writer = HelperThread.start("writer", () -> {
            assertEquals(data.length, f.write(ByteBuffer.wrap(data)));
        })) {
            ByteBuffer got = ByteBuffer.allocate(data.length);
            while (got.hasRemaining()) {
                int n = f.read(got);
                assertTrue(n > 0, "blocking read returned " + n);
            }
            writer.join();
            assertArrayEquals(data, got.array(), data.length + " bytes came back changed");
        }
    }

    /** The IRMd's log, or null (with the reason printed) when this run has none. */
    private static Path irmdLog() {
        String p = System.getenv("O7S_IRMD_LOG");
        if (p == null || p.isEmpty() || !Files.isReadable(Path.of(p))) {
            System.out.println("[NOTE] EncryptionTest: no readable $O7S_IRMD_LOG (run under with-irmd):"
                    + " the IRMd's log is not checked");
            return null;
        }
        return Path.of(p);
    }

    /** Waits (up to 5 s: the IRMd's stdout is a file) for a log line holding every part, in one line. */
    private static String awaitLog(Path log, String... parts) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            String text = new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
            for (String line : text.split("\n")) {
                if (Arrays.stream(parts).allMatch(line::contains)) {
                    return line;
                }
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("the IRMd's log " + log + " has no line with " + Arrays.toString(parts));
            }
            Thread.sleep(100);
        }
    }

    /** The lines of the IRMd's log after the one that starts the allocation to name (the OAP lines have no name). */
    private static String logAfterAllocation(Path log, String name) throws Exception {
        awaitLog(log, "Allocating flow for ", " to " + name + " ");
        String text = new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
        return text.substring(text.indexOf(" to " + name + " "));
    }

    private static void assertPrivate(Path file) throws IOException {
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)), file.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(file.getParent(), LinkOption.NOFOLLOW_LINKS)), file.getParent().toString());
    }

    // ------------------------------------------------------------ system layer

    /**
     * The seed's example: a name made encrypted on both sides, then
     * {@code Flow.open(name, QoSSpec.data(), timeout)} as usual; 1 B to
     * 1 MiB come back intact, and the IRMd says it encrypts.
     */
    @Test
    @Tag("system")
    void encryptedBothSidesRoundTrips() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String n = name("both");
            Irm.createEncryptedName(n, Encryption.of(KeyExchange.X25519, Cipher.CHACHA20_POLY1305),
                    Encryption.of(KeyExchange.X25519, Cipher.AES_256_GCM));
            Path server = Irm.encryptionConfig(n, Encryption.Side.SERVER);
            Path client = Irm.encryptionConfig(n, Encryption.Side.CLIENT);
            assertPrivate(server);
            assertPrivate(client);
            assertTrue(Files.readString(server).contains("cipher=chacha20-poly1305\n"), Files.readString(server));
            assertEquals(server.getParent().getParent().getParent(), Irm.securityDirectory());
            try (PeerProcess peer = PeerProcess.start("echo-server", n)) {
                peer.expect("READY");
                try (Flow f = Flow.open(n, QOS, ALLOC)) {
                    for (int size : new int[] {1, 1000, 65_536, 1 << 20}) {
                        echo(f, random(size, size));
                    }
                }
            }
            Path log = irmdLog();
            if (log != null) {
                // Both sides loaded their file, and the stronger cipher of the two was agreed.
                String after = logAfterAllocation(log, n);
                assertEquals(2, after.split("Encryption enabled for " + n + "\\.", -1).length - 1,
                        "the IRMd should load the server's and the client's configuration:\n" + after);
                assertTrue(after.contains("Negotiated X25519 + chacha20-poly1305."), after);
            }
        });
    }

    /**
     * A full-duplex burst on an encrypted flow: one thread writes 3,000 SDUs
     * of 1 to 3,000 bytes while the test thread reads the echoes of a peer
     * JVM, so this process encrypts and decrypts on the same flow at the
     * same time. Ouroboros 0.23 keeps one OpenSSL cipher context per flow
     * for both directions (crypt/openssl.c), with no lock: run at once,
     * an encryption and a decryption spoil each other, the SDU fails its
     * tag and flow_read drops it silently (invalid_pkt). Seen as a stall:
     * the reader waited for an echo that never came, in 2 of 24 runs of
     * this class's 1 MiB round trip. The system layer serializes the two
     * on an encrypted flow (system_flow.c).
     */
    @Test
    @Tag("system")
    void encryptedFullDuplexBurstLosesNothing() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String n = aesName("duplex");
            try (PeerProcess peer = PeerProcess.start("message-echo-server", n)) {
                peer.expect("READY");
                int[] sizes = new Random(3).ints(3000, 1, 3001).toArray();
                BurstEchoTest.burst(n, sizes.length, i -> sizes[i]);
            }
        });
    }

    /**
     * An encrypted flow with FRCT (in order, {@code QoSSpec.data()}): 1 B to
     * 64 KiB come back intact. Ouroboros 0.23's FRCT retransmission frees
     * packets the peer has not read yet: the reading JVM crashed here
     * (SIGSEGV in its {@code flow_read}) at the first burst, before the
     * system layer stopped asking for retransmission (system_alloc.c).
     */
    @Test
    @Tag("system")
    void encryptedFrctFlowRoundTripsEverySize() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            String n = aesName("frct");
            try (PeerProcess peer = PeerProcess.start("echo-server", n)) {
                peer.expect("READY");
                try (Flow f = Flow.open(n, QoSSpec.data(), ALLOC)) {
                    assertTrue(f.qos().inOrder(), f.qos().toString());
                    for (int size : new int[] {1, 2, 1000, 1500, 4096, 8192, 16_384, 65_536, 1, 1000}) {
                        echo(f, random(size, size));
                    }
                }
            }
        });
    }

    /**
     * The SDUs of an encrypted flow are ciphertext where they wait, in the
     * shared packet pool; those of a plain flow (the control, which shows
     * the pool is readable here) are not.
     */
    @Test
    @Tag("system")
    void encryptedSdusAreCiphertextInThePacketPool() {
        assertTimeoutPreemptively(LIMIT, () -> {
            Path pool = packetPool();
            Assumptions.assumeTrue(pool != null, "no readable Ouroboros packet pool in /dev/shm");
            String enc = name("pool");
            String plain = name("plain");
            Irm.createEncryptedName(enc, Encryption.defaults(), Encryption.defaults());
            long self = ProcessHandle.current().pid();
            Irm.bindProcess(self, plain); // made the way that reads the default (absent) files: no encryption
            Irm.unbindProcess(self, plain);
            byte[] encMarker = marker(1);
            byte[] plainMarker = marker(2);
            try (PeerProcess a = PeerProcess.start("hold-server", enc);
                    PeerProcess b = PeerProcess.start("hold-server", plain)) {
                a.expect("READY");
                b.expect("READY");
                try (Flow fe = Flow.open(enc, QoSSpec.raw(), ALLOC); Flow fp = Flow.open(plain, QoSSpec.raw(), ALLOC)) {
                    // The servers write first, and are idle when the markers come: a write looks
                    // for a gone peer with a read, which would take (and decrypt, in place in the
                    // pool) an SDU landing at that moment.
                    a.expect("SENT");
                    b.expect("SENT");
                    fe.writeMessage(ByteBuffer.wrap(encMarker));
                    fp.writeMessage(ByteBuffer.wrap(plainMarker));
                    byte[] mem = Files.readAllBytes(pool);
                    assertTrue(contains(mem, plainMarker), "control: the plain flow's SDU is in " + pool);
                    assertFalse(contains(mem, encMarker), "the encrypted flow's SDU is in " + pool + " in clear");
                }
            }
        });
    }

    private static byte[] marker(int seed) {
        byte[] m = new byte[4096];
        byte[] tag = ("jOuroboros-plaintext-" + seed + "-" + System.nanoTime() + "|")
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < m.length; i++) {
            m[i] = tag[i % tag.length];
        }
        return m;
    }

    /** Whether the first 256 bytes of what are in mem. */
    private static boolean contains(byte[] mem, byte[] what) {
        byte[] head = Arrays.copyOf(what, 256);
        outer:
        for (int i = 0; i + head.length <= mem.length; i++) {
            if (mem[i] != head[0]) {
                continue;
            }
            for (int j = 1; j < head.length; j++) {
                if (mem[i + j] != head[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** Ouroboros's shared packet pool (the largest ouroboros.* file in /dev/shm), or null. */
    private static Path packetPool() throws IOException {
        Path shm = Path.of("/dev/shm");
        if (!Files.isDirectory(shm)) {
            return null;
        }
        try (Stream<Path> s = Files.list(shm)) {
            return s.filter(p -> p.getFileName().toString().startsWith("ouroboros.") && Files.isReadable(p))
                    .max((x, y) -> Long.compare(x.toFile().length(), y.toFile().length()))
                    .filter(p -> p.toFile().length() > 1 << 20).orElse(null);
        }
    }

    /**
     * An unknown cipher in the server's file (written raw, past the typed
     * choices): the IRMd cannot load it and refuses every flow. What the
     * client sees is Ouroboros 0.23's: ECRYPT, or, when the IRMd's accepting
     * thread drops the flow before its allocating thread waits for the
     * answer (a race in its direct path between local processes),
     * ETIMEDOUT at once (from 1 in 12 to 5 in 8 of the attempts in runs
     * here, with the machine's load). Each attempt fails well before the
     * timeout; attempts go on until one says ECRYPT, up to 40.
     */
    @Test
    @Tag("system")
    void unknownCipherOnTheServerSideFailsTheAllocation() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String n = name("badsrv");
            Irm.createEncryptedName(n, Encryption.defaults(), Encryption.defaults());
            Files.writeString(Irm.encryptionConfig(n, Encryption.Side.SERVER), "kex=X25519\ncipher=aes-512-xyz\n");
            try (PeerProcess peer = PeerProcess.start("echo-server", n)) {
                peer.expect("READY");
                List<String> seen = refusals(n, 40, true);
                assertTrue(seen.contains("ECRYPT"), "no attempt said ECRYPT: " + seen);
            }
            Path log = irmdLog();
            if (log != null) {
                awaitLog(log, "Failed to load KEX config for " + n + ".");
            }
        });
    }

    /**
     * Allocates up to count times (until the first ECRYPT if untilEcrypt); each must fail fast with
     * ECRYPT or ETIMEDOUT; returns the codes' names.
     */
    private static List<String> refusals(String n, int count, boolean untilEcrypt) throws Exception {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long t0 = System.nanoTime();
            OuroborosException e = assertThrows(OuroborosException.class,
                    () -> Flow.open(n, QoSSpec.data(), ALLOC).close());
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertTrue(took.compareTo(ALLOC.dividedBy(2)) < 0, "a refusal should come at once, took " + took);
            if (e instanceof EncryptionException) {
                assertEquals(1008, e.code());
                assertEquals("ECRYPT", e.errorName());
            } else {
                assertTrue(e instanceof FlowTimeoutException, "ECRYPT or ETIMEDOUT expected: " + e);
            }
            seen.add(e.errorName());
            if (untilEcrypt && e instanceof EncryptionException) {
                break;
            }
        }
        System.out.println("[NOTE] EncryptionTest: refusals of " + n + ": " + seen);
        return seen;
    }

    /**
     * An unknown cipher in the client's file: the IRMd cannot prepare the
     * allocation, and Ouroboros 0.23 answers EBADF (its direct path turns
     * every failure to prepare into EBADF), every time.
     */
    @Test
    @Tag("system")
    void unknownCipherOnTheClientSideFailsTheAllocation() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String n = name("badcli");
            Irm.createEncryptedName(n, Encryption.defaults(), Encryption.defaults());
            Files.writeString(Irm.encryptionConfig(n, Encryption.Side.CLIENT), "kex=X25519\ncipher=aes-512-xyz\n");
            try (PeerProcess peer = PeerProcess.start("echo-server", n)) {
                peer.expect("READY");
                OuroborosException e = assertThrows(OuroborosException.class,
                        () -> Flow.open(n, QoSSpec.data(), ALLOC).close());
                assertEquals("EBADF", e.errorName(), e.toString());
            }
            Path log = irmdLog();
            if (log != null) {
                awaitLog(log, "Failed to load KEX config for " + n + ".");
            }
        });
    }

    /**
     * A client side without a configuration against a server side that
     * requires encryption: Ouroboros refuses the flow ("KEX requested
     * without info"), and the client sees ECRYPT or (the IRMd's race, as
     * above) ETIMEDOUT at once; no flow is ever allocated unencrypted.
     * The other way round, a client side with a configuration and a server
     * side without, the flow is encrypted with the client's choices.
     */
    @Test
    @Tag("system")
    void clientWithoutConfigurationIsRefusedByAServerThatRequiresIt() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String n = name("nocli");
            Irm.createEncryptedName(n, Encryption.of(KeyExchange.X25519, Cipher.AES_256_GCM), null);
            assertFalse(Files.exists(Irm.encryptionConfig(n, Encryption.Side.CLIENT)));
            String m = name("nosrv");
            Irm.createEncryptedName(m, null, Encryption.of(KeyExchange.SECP384R1, Cipher.AES_128_GCM));
            try (PeerProcess a = PeerProcess.start("echo-server", n);
                    PeerProcess b = PeerProcess.start("echo-server", m)) {
                a.expect("READY");
                b.expect("READY");
                refusals(n, 4, false);
                try (Flow f = Flow.open(m, QoSSpec.raw(), ALLOC)) {
                    echo(f, random(5000, 5));
                }
            }
            Path log = irmdLog();
            if (log != null) {
                awaitLog(log, "KEX requested without info.");
                String after = logAfterAllocation(log, m);
                assertTrue(after.contains("Negotiated secp384r1 + aes-128-gcm."), after);
            }
        });
    }

    /** The typed choices are checked before anything is written or sent. */
    @Test
    @Tag("system")
    void choicesAreCheckedBeforeTheIrmdSeesThem() throws Exception {
        String weak = name("weak");
        List<Executable> bad = List.of(
            () -> Encryption.defaults().withKemMode(KemMode.CLIENT),
            () -> new Encryption(KeyExchange.X25519, null, HashAlgorithm.SHA256, HashAlgorithm.SHA256,
                    KemMode.SERVER),
            () -> Irm.createEncryptedName(weak, Encryption.of(KeyExchange.SECP521R1, Cipher.AES_256_GCM),
                    Encryption.of(KeyExchange.PRIME256V1, Cipher.AES_256_GCM)),
            () -> Irm.createEncryptedName(name("none"), null, null),
            () -> Irm.createEncryptedName("../etc", Encryption.defaults(), null),
            () -> Irm.createEncryptedName("a/b", Encryption.defaults(), null),
            () -> Irm.createEncryptedName("..", Encryption.defaults(), null),
            () -> Irm.createEncryptedName("x".repeat(256), Encryption.defaults(), null));
        for (Executable c : bad) {
            assertThrows(RuntimeException.class, c);
        }
        assertEquals("kex=ML-KEM-768\ncipher=chacha20-poly1305\nkdf=sha3-512\ndigest=sha256\nkem_mode=client\n",
                Encryption.of(KeyExchange.ML_KEM_768, Cipher.CHACHA20_POLY1305).withKdf(HashAlgorithm.SHA3_512)
                        .withKemMode(KemMode.CLIENT).toConfig().replaceFirst("^#[^\n]*\n", ""));
        assertFalse(Files.exists(Irm.encryptionConfig(weak, Encryption.Side.SERVER)), "nothing written for a refused pair");
    }

    // ------------------------------------------------------------ embedded layer

    /** The embedded layer has no encryption: asking for it is refused, and says so. */
    @Test
    @Tag("embedded")
    void embeddedLayerRefusesEncryption() throws Exception {
        assertEquals(Layer.EMBEDDED, Ouroboros.layer());
        String n = "enc-embedded-" + ProcessHandle.current().pid();
        List<Executable> calls = List.of(
            () -> Irm.createEncryptedName(n, Encryption.defaults(), Encryption.defaults()),
            () -> Irm.updateEncryption(n, Encryption.Side.SERVER, Encryption.defaults()),
            () -> Irm.encryptionConfig(n, Encryption.Side.CLIENT),
            () -> Irm.securityDirectory(),
            () -> Irm.createName(n, LoadBalance.ROUND_ROBIN, new SecurityPaths(null, "/k.pem", "/c.pem"), null));
        for (Executable c : calls) {
            SystemLayerRequiredException e = assertThrows(SystemLayerRequiredException.class, c);
            assertEquals(Errors.ENOTSUP, e.code());
            assertTrue(e.getMessage().contains("embedded layer has no encryption"), e.getMessage());
        }
        // Without security paths, name creation still checks and succeeds, as before.
        Irm.createName(n, LoadBalance.ROUND_ROBIN, SecurityPaths.DEFAULT, null);
    }
}
