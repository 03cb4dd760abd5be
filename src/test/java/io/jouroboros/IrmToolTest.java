/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jouroboros.irm.IpcpInfo;
import io.jouroboros.irm.Irm;
import io.jouroboros.tools.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code jouroboros irm}'s sub-commands beyond the lists, against a real
 * IRMd, each checked with the C {@code irm} (or the IRMd's own log where
 * the C tool prints nothing to check): what the Java tool makes, the C
 * tool sees. Every IPCP and name is this test's own (unique names), and is
 * destroyed after it whatever happened, IPCPs by the pid the IRMd listed
 * for the one this test made. Runs only in the system-layer execution.
 */
@Tag("system")
@ExtendWith(HelperThread.Check.class)
class IrmToolTest {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** A refusal as the tool prints it: one line, with Ouroboros's error name. */
    private static final Pattern REFUSAL = Pattern.compile("irm: .*\\((E[A-Z0-9]+)\\)");

    private final List<Integer> ipcps = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private String cIrm;

    @BeforeEach
    void needsTheCIrm() {
        Path p = TestSupport.tool("irm");
        Assumptions.assumeTrue(p != null, "the C irm is needed on the PATH");
        cIrm = p.toString();
    }

    @AfterEach
    void cleanUp() {
        for (String n : names) {
            try {
                Irm.destroyName(n);
            } catch (IOException | RuntimeException e) {
                // destroyed by the test, or never made
            }
        }
        for (int pid : ipcps) {
            try {
                if (Irm.listIpcps().stream().anyMatch(i -> i.pid() == pid)) {
                    Irm.destroyIpcp(pid);
                }
            } catch (IOException | RuntimeException e) {
                // gone already
            }
        }
    }

    private String name(String what) {
        String n = TestSupport.unique("jt-" + what);
        names.add(n);
        return n;
    }

    /** The pid of the one IPCP of that (unique) name, kept for the clean-up. */
    private int pidOf(String ipcp) throws IOException {
        List<Integer> pids = Irm.listIpcps().stream().filter(i -> i.name().equals(ipcp)).map(IpcpInfo::pid).toList();
        ipcps.addAll(pids);
        assertEquals(1, pids.size(), "IPCPs named " + ipcp + ": " + pids);
        return pids.get(0);
    }

    private record Result(int status, List<String> lines) {
        boolean has(Pattern p) {
            return lines.stream().anyMatch(l -> p.matcher(l).matches());
        }

        /** A failure in one line that names Ouroboros's error. */
        boolean refused() {
            return status == 1 && lines.size() == 1 && REFUSAL.matcher(lines.get(0)).matches();
        }

        @Override
        public String toString() {
            return "status " + status + ", output " + lines;
        }
    }

    /** {@code jouroboros irm ...} in a JVM of its own. */
    private static Result irm(String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "irm";
        System.arraycopy(args, 0, all, 1, args.length);
        try (TestJvm jvm = TestJvm.start(Main.class, List.of(), all)) {
            int status = jvm.waitFor();
            return new Result(status, jvm.output());
        }
    }

    /** The C irm, run to its end (killed after 20 s). */
    private Result cIrm(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(cIrm);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (HelperThread<String> out = HelperThread.call("c-irm-out",
                () -> new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))) {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.toHandle().destroyForcibly();
                assertTrue(p.waitFor(30, TimeUnit.SECONDS), "C irm " + p.pid() + " still runs after SIGKILL");
                throw new AssertionError("C irm " + args[0] + " did not end in 20 s");
            }
            return new Result(p.exitValue(), List.of(out.join().split("\n")));
        }
    }

    private static Pattern ipcpRow(int pid, String ipcp, String type, String layer) {
        return Pattern.compile("\\| +" + pid + " \\| +" + Pattern.quote(ipcp) + " \\| +" + type + " \\| +"
                + Pattern.quote(layer) + " \\|");
    }

    private static Pattern nameRow(String name, String lb) {
        return Pattern.compile("\\| +" + Pattern.quote(name) + " \\| +" + lb + " \\|");
    }

    /**
     * Whether the IRMd's log (with-irmd names it in O7S_IRMD_LOG) came to
     * hold a line containing {@code text} within 2 s; skips that check,
     * saying so, where no log is known.
     */
    private static void irmdLogged(String text) throws Exception {
        String log = System.getenv("O7S_IRMD_LOG");
        if (log == null || !Files.isReadable(Path.of(log))) {
            System.out.println("IrmToolTest: no IRMd log to read (O7S_IRMD_LOG); not checked: " + text);
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!Files.readString(Path.of(log), StandardCharsets.ISO_8859_1).contains(text)) {
            assertTrue(System.nanoTime() < deadline, "the IRMd's log has no \"" + text + "\"");
            Thread.sleep(50);
        }
    }

    @Test
    void localBootstrapRegistrationAndBindingsAsTheCIrmSeesThem() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String ipcp = name("local");
            String layer = name("layer");
            String n = name("reg");
            Result r = irm("ipcp", "bootstrap", "type", "local", "name", ipcp, "layer", layer);
            assertEquals(0, r.status(), r.toString());
            int pid = pidOf(ipcp);
            assertTrue(cIrm("ipcp", "list").has(ipcpRow(pid, ipcp, "local", layer)), "C irm ipcp list");
            r = irm("i", "b", "name", ipcp, "layer", name("again"));
            assertTrue(r.refused() && r.lines().get(0).contains("already in layer"), r.toString());

            // Register: the name is made (spillover, as by the C irm) and registered with our IPCP.
            r = irm("name", "reg", n, "layer", layer);
            assertEquals(0, r.status(), r.toString());
            assertTrue(cIrm("name", "list").has(nameRow(n, "spillover")), "C irm name list");
            irmdLogged("Registered " + n + " with IPCP " + pid + " ");
            r = irm("n", "unreg", n, "ipcp", ipcp);
            assertEquals(0, r.status(), r.toString());
            irmdLogged("Unregistered " + n + " from " + pid + ".");
            r = irm("name", "register", n, "layer", name("no-layer"));
            assertEquals(1, r.status(), r.toString());
            assertTrue(r.lines().size() == 1 && r.lines().get(0).startsWith("irm: no IPCP in layer "), r.toString());

            // bind ipcp: binding makes the name; unbinding twice, the IRMd refuses the second.
            String b = name("bound");
            r = irm("bind", "ipcp", ipcp, "name", b);
            assertEquals(0, r.status(), r.toString());
            assertTrue(cIrm("name", "list").has(nameRow(b, "spillover")), "C irm name list");
            assertEquals(0, irm("unbind", "ipcp", ipcp, "name", b).status());
            r = irm("unbind", "ipcp", ipcp, "name", b);
            assertTrue(r.refused(), r.toString());

            // bind program: held (a second binding is refused) until unbound.
            Path oecho = TestSupport.tool("oecho");
            Assumptions.assumeTrue(oecho != null, "oecho is needed on the PATH");
            String p = name("prog");
            r = irm("bind", "program", oecho.toString(), "name", p, "auto", "--", "-l");
            assertEquals(0, r.status(), r.toString());
            assertTrue(cIrm("name", "list").has(nameRow(p, "spillover")), "C irm name list");
            r = irm("b", "prog", "oecho", "name", p);
            assertTrue(r.refused(), "bound already: " + r);
            assertEquals(0, irm("unbind", "program", "oecho", "name", p).status());
            assertTrue(irm("unbind", "program", oecho.toString(), "name", p).refused(), "unbound already");
            // (Ouroboros 0.23's IRMd then refuses to bind that program to that name again, "already bound".)
        });
    }

    /**
     * A fresh unicast IPCP with options, then an adjacency to a name that
     * does not exist: refused, in one line, exit status 1. The IRMd may
     * take its 20 s to give up on a fresh unicast IPCP (see IrmTest), so
     * the connect is the only request to it, and comes last.
     */
    @Test
    void unicastBootstrapThenConnectToAMissingDstFailsCleanly() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String ipcp = name("uni");
            String layer = name("uni-layer");
            Result r = irm("ipcp", "bootstrap", "type", "unicast", "name", ipcp, "layer", layer,
                    "hash", "SHA3_384", "routing", "lfa", "congestion", "none", "dht_t_expire", "3600", "ttl", "30");
            assertEquals(0, r.status(), r.toString());
            int pid = pidOf(ipcp);
            assertTrue(cIrm("ipcp", "list").has(ipcpRow(pid, ipcp, "unicast", layer)), "C irm ipcp list");

            r = irm("ipcp", "connect", "name", ipcp, "dst", name("nobody"), "component", "mgmt");
            assertTrue(r.refused(), r.toString());
            assertTrue(cIrm("ipcp", "list").has(ipcpRow(pid, ipcp, "unicast", layer)), "still there after the refusal");
        });
    }

    /** udp4 with ip and port, a local IPCP that cannot connect, and bad command lines (64, nothing made). */
    @Test
    void udp4BootstrapAndWhatIsRefusedBeforeTheIrmd() {
        assertTimeoutPreemptively(LIMIT, () -> {
            String ipcp = name("udp");
            String layer = name("udp-layer");
            int port = 20000 + ThreadLocalRandom.current().nextInt(20000);
            Result r = irm("ipcp", "bootstrap", "type", "udp4", "name", ipcp, "layer", layer, "ip", "127.0.0.1",
                    "port", Integer.toString(port));
            assertEquals(0, r.status(), r.toString());
            int pid = pidOf(ipcp);
            assertTrue(cIrm("ipcp", "list").has(ipcpRow(pid, ipcp, "udp4", layer)), "C irm ipcp list");
            r = irm("ipcp", "connect", "name", ipcp, "dst", "x");
            assertEquals(1, r.status(), r.toString());
            assertEquals(List.of("irm: IPCP " + ipcp + " is of type udp4; only unicast and broadcast IPCPs connect."),
                    r.lines());

            String none = name("never");
            for (String[] bad : new String[][] {
                {"ipcp", "bootstrap", "type", "udp4", "name", none, "layer", none, "ip", "1.2.3"},
                {"ipcp", "bootstrap", "type", "udp4", "name", none, "layer", none},
                {"ipcp", "bootstrap", "type", "unicast", "name", none, "layer", none, "routing", "bgp"},
                {"ipcp", "bootstrap", "type", "local", "name", none},
                {"ipcp", "connect", "name", none},
                {"name", "register", none},
                {"bind", "ipcp", none}}) {
                r = irm(bad);
                assertEquals(64, r.status(), List.of(bad) + ": " + r);
            }
            assertTrue(Irm.listIpcps().stream().noneMatch(i -> i.name().equals(none)), "no IPCP was made");
        });
    }
}
