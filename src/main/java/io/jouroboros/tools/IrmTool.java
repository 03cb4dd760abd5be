/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import io.jouroboros.Layer;
import io.jouroboros.Ouroboros;
import io.jouroboros.OuroborosException;
import io.jouroboros.QoSSpec;
import io.jouroboros.irm.BroadcastConfig;
import io.jouroboros.irm.CongestionAvoidance;
import io.jouroboros.irm.DhtConfig;
import io.jouroboros.irm.DirHashAlgo;
import io.jouroboros.irm.EthDixConfig;
import io.jouroboros.irm.EthLlcConfig;
import io.jouroboros.irm.IpcpConfig;
import io.jouroboros.irm.IpcpInfo;
import io.jouroboros.irm.IpcpType;
import io.jouroboros.irm.Irm;
import io.jouroboros.irm.LinkStateConfig;
import io.jouroboros.irm.LinkStatePolicy;
import io.jouroboros.irm.LoadBalance;
import io.jouroboros.irm.LocalConfig;
import io.jouroboros.irm.NameInfo;
import io.jouroboros.irm.Udp4Config;
import io.jouroboros.irm.Udp6Config;
import io.jouroboros.irm.UnicastConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jouroboros irm}: the common sub-commands of Ouroboros's {@code irm}
 * over {@link Irm} (IPCPs: list, create, destroy, bootstrap, enroll,
 * connect, disconnect; names: list, create, destroy, register, unregister;
 * bind and unbind of programs, processes and IPCPs), with its words and
 * their abbreviations in its order ({@code irm i l}, {@code irm b prog}),
 * its usage texts and its tables. A refusal is one line with Ouroboros's
 * error name and status 1; a bad command line, status 64. It needs the
 * system layer: on the embedded layer, which has no IRMd, it says so and
 * fails.
 */
final class IrmTool {
    private static final String IPCP_RULE =
            "+---------+----------------------+------------+----------------------+";
    private static final String NAME_RULE =
            "+----------------------------------------------------+----------------------+";

    private IrmTool() {
    }

    static int run(String[] argv, PrintStream out) throws Args.UsageException {
        if (argv.length == 0 || argv[0].equals("--help")) {
            usage(out);
            return argv.length == 0 ? Main.USAGE : 0;
        }
        try {
            if (Ouroboros.layer() != Layer.SYSTEM) {
                out.println("irm needs the system layer, an Ouroboros IRMd; this process runs the "
                        + Ouroboros.layer().toString().toLowerCase(java.util.Locale.ROOT)
                        + " layer, which has no IRMd (" + Ouroboros.layerInfo() + ").");
                return 1;
            }
            List<String> w = List.of(argv);
            String object = w.get(0);
            String op = w.size() > 1 ? w.get(1) : "";
            List<String> rest = w.size() > 2 ? w.subList(2, w.size()) : List.of();
            // The C irm's tables, in its order: the first word a prefix matches wins.
            if (Args.matches(object, "ipcp")) {
                return ipcp(op, rest, out);
            } else if (Args.matches(object, "bind")) {
                return bind(true, op, w.subList(1, w.size()), out);
            } else if (Args.matches(object, "unbind")) {
                return bind(false, op, w.subList(1, w.size()), out);
            } else if (Args.matches(object, "name")) {
                return name(op, rest, out);
            } else if (Args.matches(object, "help")) {
                usage(out);
                return 0;
            }
            out.println("\"" + object + "\" is unknown, try \"irm help\".");
            return Main.USAGE;
        } catch (OuroborosException e) {
            return failed(out, e);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    /** One line for a refusal, with Ouroboros's error name; exit status 1. */
    private static int failed(PrintStream out, OuroborosException e) {
        String m = String.valueOf(e.getMessage());
        String n = e.errorName();
        if (n != null && !m.contains(n)) {
            m += " (" + n + ")";
        }
        out.println("irm: " + m);
        return 1;
    }

    private static int ipcp(String op, List<String> rest, PrintStream out) throws OuroborosException,
            Args.UsageException {
        if (op.isEmpty()) {
            out.print(IPCP_USAGE);
            return Main.USAGE;
        } else if (Args.matches(op, "create")) {
            return createIpcp(rest, out);
        } else if (Args.matches(op, "destroy")) {
            return destroyIpcp(rest, out);
        } else if (Args.matches(op, "bootstrap")) {
            return bootstrapIpcp(rest, out);
        } else if (Args.matches(op, "enroll")) {
            return enrollIpcp(rest, out);
        } else if (Args.matches(op, "connect")) {
            return connectIpcp(true, rest, out);
        } else if (Args.matches(op, "disconnect")) {
            return connectIpcp(false, rest, out);
        } else if (Args.matches(op, "list")) {
            return listIpcps(out);
        } else if (Args.matches(op, "help")) {
            out.print(IPCP_USAGE);
            return 0;
        }
        out.println("\"" + op + "\" is unknown, try \"irm ipcp help\".");
        return Main.USAGE;
    }

    private static int name(String op, List<String> rest, PrintStream out) throws OuroborosException,
            Args.UsageException {
        if (op.isEmpty()) {
            out.print(NAME_USAGE);
            return Main.USAGE;
        } else if (Args.matches(op, "create")) {
            return createName(rest);
        } else if (Args.matches(op, "destroy")) {
            if (rest.size() != 1) {
                throw new Args.UsageException("usage: irm name destroy <name>");
            }
            Irm.destroyName(rest.get(0));
            return 0;
        } else if (Args.matches(op, "register")) {
            return registerName(true, rest, out);
        } else if (Args.matches(op, "unregister")) {
            return registerName(false, rest, out);
        } else if (Args.matches(op, "list")) {
            return listNames(rest, out);
        } else if (Args.matches(op, "help")) {
            out.print(NAME_USAGE);
            return 0;
        }
        out.println("\"" + op + "\" is unknown, try \"irm name help\".");
        return Main.USAGE;
    }

    /**
     * {@code bind|unbind program|process|ipcp ...}: as in the C irm, the
     * operation's word is also the keyword of its first value
     * ({@code bind process <pid> name <name>}), and the pairs may come in
     * any order.
     */
    private static int bind(boolean bind, String op, List<String> words, PrintStream out)
            throws OuroborosException, Args.UsageException {
        String cmd = bind ? "bind" : "unbind";
        String usage = bind ? BIND_USAGE : UNBIND_USAGE;
        if (op.isEmpty()) {
            out.print(usage);
            return Main.USAGE;
        } else if (Args.matches(op, "program")) {
            return bind ? bindProgram(words) : unbindProgram(words);
        } else if (Args.matches(op, "process")) {
            Words v = Words.read(words, "irm " + cmd + " process", List.of("name", "process"), List.of());
            String pid = v.one("process");
            String name = v.one("name");
            if (pid == null || name == null) {
                throw new Args.UsageException("usage: irm " + cmd + " process <pid> name <name>");
            }
            if (bind) {
                Irm.bindProcess(parsePid(pid), name);
            } else {
                Irm.unbindProcess(parsePid(pid), name);
            }
            return 0;
        } else if (Args.matches(op, "ipcp")) {
            Words v = Words.read(words, "irm " + cmd + " ipcp", List.of("name", "ipcp"), List.of());
            String ipcp = v.one("ipcp");
            String name = v.one("name");
            if (ipcp == null || name == null) {
                throw new Args.UsageException("usage: irm " + cmd + " ipcp <ipcp name> name <name>");
            }
            if (bind) {
                Irm.bindIpcp(ipcp, name);
            } else {
                Irm.unbindIpcp(ipcp, name);
            }
            return 0;
        } else if (Args.matches(op, "help")) {
            out.print(usage);
            return 0;
        }
        out.println("\"" + op + "\" is unknown, try \"irm " + cmd + " help\".");
        return Main.USAGE;
    }

    private static int bindProgram(List<String> words) throws OuroborosException, Args.UsageException {
        // "auto" (a whole word, as in the C irm) and "--" followed by the program's arguments.
        int dashes = words.indexOf("--");
        List<String> own = dashes < 0 ? words : words.subList(0, dashes);
        List<String> progArgs = dashes < 0 ? List.of() : words.subList(dashes + 1, words.size());
        Words v = Words.read(own, "irm bind program", List.of("name", "program"), List.of(),
                List.of("auto"));
        String prog = v.one("program");
        String name = v.one("name");
        if (prog == null || name == null) {
            throw new Args.UsageException("usage: irm bind program <program> name <name> [auto]"
                    + " [-- <application arguments>]");
        }
        Irm.bindProgram(realPath(prog), name, v.has("auto"), progArgs.toArray(new String[0]));
        return 0;
    }

    private static int unbindProgram(List<String> words) throws OuroborosException, Args.UsageException {
        Words v = Words.read(words, "irm unbind program", List.of("name", "program"), List.of());
        String prog = v.one("program");
        String name = v.one("name");
        if (prog == null || name == null) {
            // The C irm unbinds every name without "name"; Irm.unbindProgram takes one name.
            throw new Args.UsageException("usage: irm unbind program <program> name <name>");
        }
        Irm.unbindProgram(prog, name);
        return 0;
    }

    /** A program given with a '/' as the C irm passes it: its real path where it exists. */
    private static String realPath(String prog) {
        if (prog.indexOf('/') < 0) {
            return prog; // Irm.bindProgram looks it up on PATH
        }
        try {
            return Path.of(prog).toRealPath().toString();
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return prog; // the IRMd says ENOENT
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: jouroboros irm [OPERATION]");
        out.println();
        out.println("where OPERATION in {");
        out.println("  ipcp list");
        out.println("  ipcp create name <ipcp name> type {unicast broadcast local udp4 udp6 eth-llc eth-dix}");
        out.println("  ipcp destroy name <ipcp name>");
        out.println("  ipcp bootstrap name <ipcp name> layer <layer name> [type <type>] [...] (irm ipcp bootstrap"
                + " lists the options)");
        out.println("  ipcp enroll name <ipcp name> [layer <layer>] [dst <dst>] [type {unicast broadcast}]"
                + " [autobind]");
        out.println("  ipcp connect name <ipcp name> dst <dst IPCP> [component {dt mgmt}] [qos <qos>]");
        out.println("  ipcp disconnect name <ipcp name> dst <dst IPCP> [component {dt mgmt}]");
        out.println("  name list [<name>]");
        out.println("  name create <name> [lb {round-robin spillover}]");
        out.println("  name destroy <name>");
        out.println("  name register <name> {layer <layer> | ipcp <ipcp name>}...");
        out.println("  name unregister <name> {layer <layer> | ipcp <ipcp name>}...");
        out.println("  bind program <program> name <name> [auto] [-- <application arguments>]");
        out.println("  bind process <pid> name <name>");
        out.println("  bind ipcp <ipcp name> name <name>");
        out.println("  unbind program <program> name <name>");
        out.println("  unbind process <pid> name <name>");
        out.println("  unbind ipcp <ipcp name> name <name>");
        out.println("}");
        out.println("(the words may be shortened, as with the C irm: irm i l; <ipcp name> and <layer> in");
        out.println(" bootstrap, enroll and register may hold * wildcards)");
    }

    private static long parsePid(String s) throws Args.UsageException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new Args.UsageException("not a pid: " + s);
        }
    }

    /** The C irm's word for an IPCP type. */
    static String typeName(IpcpType t) {
        if (t == null) {
            return "UNKNOWN";
        }
        switch (t) {
            case ETH_LLC:
                return "eth-llc";
            case ETH_DIX:
                return "eth-dix";
            default:
                return t.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static IpcpType type(String word) throws Args.UsageException {
        for (IpcpType t : IpcpType.values()) {
            if (typeName(t).equals(word)) {
                return t;
            }
        }
        throw new Args.UsageException("unknown IPCP type: " + word);
    }

    private static int listIpcps(PrintStream out) throws OuroborosException {
        List<IpcpInfo> ipcps = Irm.listIpcps();
        if (ipcps.isEmpty()) {
            out.println("No IPCPs in system.");
            out.println();
            return 0;
        }
        out.println(IPCP_RULE);
        out.printf("| %7s | %20s | %10s | %20s |%n", "pid", "name", "type", "layer");
        out.println(IPCP_RULE);
        for (IpcpInfo i : ipcps) {
            out.printf("| %7d | %20s | %10s | %20s |%n", i.pid(), i.name(), typeName(i.type()), i.layer());
        }
        out.println(IPCP_RULE);
        out.println();
        return 0;
    }

    private static int listNames(List<String> args, PrintStream out) throws OuroborosException {
        String only = args.isEmpty() ? null : args.get(0);
        List<NameInfo> names = Irm.listNames();
        if (names.isEmpty()) {
            out.println("No names in system.");
            out.println();
            return 0;
        }
        out.println(NAME_RULE);
        out.printf("| %50s | %20s |%n", "name", "load-balance policy");
        out.println(NAME_RULE);
        for (NameInfo n : names) {
            if (only != null && !Args.matches(n.name(), only)) {
                continue;
            }
            String lb = n.loadBalance() == LoadBalance.ROUND_ROBIN ? "round-robin"
                    : n.loadBalance() == LoadBalance.SPILLOVER ? "spillover" : "UNKNOWN";
            out.printf("| %50s | %20s |%n", n.name(), lb);
        }
        out.println(NAME_RULE);
        return 0;
    }

    private static int createName(List<String> args) throws OuroborosException, Args.UsageException {
        LoadBalance lb = LoadBalance.ROUND_ROBIN;
        if (args.size() == 3 && Args.matches(args.get(1), "lb")) {
            if (args.get(2).equals("round-robin")) {
                lb = LoadBalance.ROUND_ROBIN;
            } else if (args.get(2).equals("spillover")) {
                lb = LoadBalance.SPILLOVER;
            } else {
                throw new Args.UsageException("unknown load-balance policy: " + args.get(2));
            }
        } else if (args.size() != 1) {
            throw new Args.UsageException("usage: irm name create <name> [lb {round-robin spillover}]");
        }
        Irm.createName(args.get(0), lb);
        return 0;
    }

    /**
     * The keyword-value pairs of a C irm command: each word is matched, as a
     * prefix, against the keywords in the C irm's order (the first wins);
     * a flag takes no value. A keyword given twice keeps both values.
     */
    private static final class Words {
        private final Map<String, List<String>> values = new HashMap<>();

        static Words read(List<String> words, String cmd, List<String> keys, List<String> flags)
                throws Args.UsageException {
            return read(words, cmd, keys, flags, List.of());
        }

        /** As above, with whole-word flags ({@code exact}), as "auto" of {@code bind program}. */
        static Words read(List<String> words, String cmd, List<String> keys, List<String> flags,
                List<String> exact) throws Args.UsageException {
            Words v = new Words();
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                String key = exact.contains(w) ? w : null;
                for (int k = 0; key == null && k < keys.size(); k++) {
                    if (Args.matches(w, keys.get(k))) {
                        key = keys.get(k);
                    }
                }
                if (key == null) {
                    throw new Args.UsageException("\"" + w + "\" is unknown, try \"" + cmd + "\".");
                }
                String value = "";
                if (!flags.contains(key) && !exact.contains(key)) {
                    if (++i == words.size()) {
                        throw new Args.UsageException("missing value after " + w + ", try \"" + cmd + "\".");
                    }
                    value = words.get(i);
                }
                v.values.computeIfAbsent(key, x -> new ArrayList<>()).add(value);
            }
            return v;
        }

        boolean has(String key) {
            return values.containsKey(key);
        }

        /** The last value given for a keyword (as the C irm keeps), or null. */
        String one(String key) {
            List<String> l = values.get(key);
            return l == null ? null : l.get(l.size() - 1);
        }

        List<String> all(String key) {
            return values.getOrDefault(key, List.of());
        }
    }

    /** Whether {@code s} matches {@code pattern}, where '*' stands for any run of characters. */
    static boolean wildcard(String pattern, String s) {
        int star = pattern.indexOf('*');
        if (star < 0) {
            return pattern.equals(s);
        }
        if (!s.startsWith(pattern.substring(0, star))) {
            return false;
        }
        String rest = pattern.substring(star + 1);
        for (int i = star; i <= s.length(); i++) {
            if (wildcard(rest, s.substring(i))) {
                return true;
            }
        }
        return false;
    }

    private static int createIpcp(List<String> args, PrintStream out) throws OuroborosException,
            Args.UsageException {
        Words v = Words.read(args, "irm ipcp create", List.of("type", "name"), List.of());
        if (v.one("name") == null || v.one("type") == null) {
            throw new Args.UsageException("usage: irm ipcp create name <ipcp name> type <type>");
        }
        int pid = Irm.createIpcp(v.one("name"), type(v.one("type")));
        out.println("Created IPCP " + v.one("name") + " (pid " + pid + ").");
        return 0;
    }

    private static int destroyIpcp(List<String> args, PrintStream out) throws OuroborosException,
            Args.UsageException {
        Words v = Words.read(args, "irm ipcp destroy", List.of("name"), List.of());
        String name = v.one("name");
        if (name == null) {
            throw new Args.UsageException("usage: irm ipcp destroy name <ipcp name>");
        }
        List<Integer> pids = new ArrayList<>();
        for (IpcpInfo i : Irm.listIpcps()) {
            if (i.name().equals(name)) {
                pids.add(i.pid());
            }
        }
        if (pids.isEmpty()) {
            out.println("irm: no IPCP named " + name + ".");
            return 1;
        }
        for (int pid : pids) {
            Irm.destroyIpcp(pid);
        }
        return 0;
    }

    // ------------------------------------------------------------ ipcp bootstrap

    /** The keywords of {@code ipcp bootstrap}, in the C irm's order (it decides what "d" or "a" means). */
    private static final List<String> BOOTSTRAP_KEYS = List.of("type", "layer", "name", "hash", "ip", "dns",
            "device", "ethertype", "addr", "eid", "ttl", "port", "autobind", "addr_auth", "directory",
            "dht_alpha", "dht_k", "dht_t_expire", "dht_t_refresh", "dht_t_replicate", "routing", "ls_t_timeo",
            "ls_t_update", "ls_t_recalc", "congestion");

    /** A type as bootstrap reads it: a prefix, in the C irm's order ("u" is unicast). */
    private static IpcpType bootstrapType(String word) throws Args.UsageException {
        for (IpcpType t : List.of(IpcpType.UNICAST, IpcpType.BROADCAST, IpcpType.UDP4, IpcpType.UDP6,
                IpcpType.ETH_DIX, IpcpType.ETH_LLC, IpcpType.LOCAL)) {
            if (Args.matches(word, typeName(t))) {
                return t;
            }
        }
        throw new Args.UsageException("unknown IPCP type: " + word);
    }

    private static int bootstrapIpcp(List<String> args, PrintStream out) throws OuroborosException,
            Args.UsageException {
        Words v = Words.read(args, "irm ipcp bootstrap", BOOTSTRAP_KEYS, List.of("autobind"));
        String name = v.one("name");
        String layer = v.one("layer");
        if (name == null || layer == null) {
            out.print(bootstrapUsage());
            return Main.USAGE;
        }
        IpcpType type = v.has("type") ? bootstrapType(v.one("type")) : null;
        if (type != null) {
            config(type, layer, v); // a bad option is a usage error before anything is created
        }
        List<IpcpInfo> targets = named(name, null);
        if (targets.isEmpty()) {
            if (type == null) {
                out.println("irm: no IPCPs matching " + name + " found (give a type to create one).");
                return 1;
            }
            int pid = Irm.createIpcp(name, type);
            targets = List.of(new IpcpInfo(pid, type, name, Irm.NOT_ENROLLED));
        }
        for (IpcpInfo i : targets) {
            if (type != null && i.type() != type) {
                out.println("irm: types do not match: IPCP " + i.name() + " (pid " + i.pid() + ") is "
                        + typeName(i.type()) + ", not " + typeName(type) + ".");
                return 1;
            }
            IpcpConfig conf = config(i.type(), layer, v);
            boolean autobind = v.has("autobind");
            if (autobind && i.type() != IpcpType.UNICAST && i.type() != IpcpType.BROADCAST) {
                out.println("Can not bind this IPCP type, autobind disabled.");
                autobind = false;
            }
            List<String> bound = new ArrayList<>();
            try {
                if (autobind) {
                    for (String n : List.of(i.name(), layer)) {
                        Irm.bindProcess(i.pid(), n);
                        bound.add(n);
                    }
                }
                Irm.bootstrapIpcp(i.pid(), conf);
            } catch (OuroborosException e) {
                for (String n : bound) {
                    try {
                        Irm.unbindProcess(i.pid(), n);
                    } catch (OuroborosException again) {
                        // the bootstrap's refusal is the one to report
                    }
                }
                throw e;
            }
        }
        return 0;
    }

    /** The configuration for an IPCP of {@code type}: Ouroboros's defaults, with the options given. */
    private static IpcpConfig config(IpcpType type, String layer, Words v) throws Args.UsageException {
        DirHashAlgo hash = DirHashAlgo.SHA3_256;
        if (v.has("hash")) {
            hash = switch (v.one("hash")) {
                case "SHA3_224" -> DirHashAlgo.SHA3_224;
                case "SHA3_256" -> DirHashAlgo.SHA3_256;
                case "SHA3_384" -> DirHashAlgo.SHA3_384;
                case "SHA3_512" -> DirHashAlgo.SHA3_512;
                default -> throw unknownValue("hash", v.one("hash"));
            };
        }
        if (type == null) {
            throw new Args.UsageException("IPCP of a type this binding does not know");
        }
        switch (type) {
            case LOCAL:
                return new LocalConfig(layer, hash);
            case BROADCAST:
                return new BroadcastConfig(layer, hash);
            case UNICAST:
                return unicast(layer, hash, v);
            case UDP4: {
                int port = v.has("port") ? (int) number(v, "port") : Udp4Config.DEFAULT_PORT;
                Inet4Address dns = v.has("dns") ? (Inet4Address) ip(v.one("dns"), false, "DNS IPv4") : null;
                return new Udp4Config(layer, hash, (Inet4Address) ip(required(v, "ip", type), false, "IPv4"), dns,
                        port);
            }
            case UDP6: {
                int port = v.has("port") ? (int) number(v, "port") : Udp6Config.DEFAULT_PORT;
                Inet6Address dns = v.has("dns") ? (Inet6Address) ip(v.one("dns"), true, "DNS IPv6") : null;
                return new Udp6Config(layer, hash, (Inet6Address) ip(required(v, "ip", type), true, "IPv6"), dns,
                        port);
            }
            case ETH_LLC:
                return new EthLlcConfig(layer, hash, required(v, "device", type));
            case ETH_DIX: {
                int ethertype = EthDixConfig.DEFAULT_ETHERTYPE;
                if (v.has("ethertype")) {
                    String e = v.one("ethertype");
                    try {
                        ethertype = Integer.parseInt(e.startsWith("0x") ? e.substring(2) : e, 16);
                    } catch (NumberFormatException x) {
                        throw new Args.UsageException("invalid ethertype: \"" + e + "\" (hexadecimal,"
                                + " recommended 0xA000-0xEFFF)");
                    }
                }
                return new EthDixConfig(layer, hash, required(v, "device", type), ethertype);
            }
            default:
                throw new Args.UsageException("cannot bootstrap an IPCP of type " + typeName(type));
        }
    }

    private static UnicastConfig unicast(String layer, DirHashAlgo hash, Words v) throws Args.UsageException {
        UnicastConfig d = new UnicastConfig(layer).withHash(hash);
        if (v.has("addr_auth") && !v.one("addr_auth").equals("flat")) {
            throw unknownValue("addr_auth", v.one("addr_auth"));
        }
        if (v.has("directory") && !v.one("directory").equals("DHT")) {
            throw unknownValue("directory", v.one("directory"));
        }
        LinkStateConfig ls = d.linkState();
        LinkStatePolicy pol = ls.policy();
        if (v.has("routing")) {
            pol = switch (v.one("routing")) {
                case "link_state" -> LinkStatePolicy.SIMPLE;
                case "lfa" -> LinkStatePolicy.LFA;
                case "ecmp" -> LinkStatePolicy.ECMP;
                default -> throw unknownValue("routing", v.one("routing"));
            };
        }
        ls = new LinkStateConfig(pol, seconds(v, "ls_t_recalc", ls.recalc()), seconds(v, "ls_t_update", ls.update()),
                seconds(v, "ls_t_timeo", ls.timeout()));
        DhtConfig dht = d.dht();
        dht = new DhtConfig(v.has("dht_alpha") ? (int) number(v, "dht_alpha") : dht.alpha(),
                v.has("dht_k") ? (int) number(v, "dht_k") : dht.k(), seconds(v, "dht_t_expire", dht.expire()),
                seconds(v, "dht_t_refresh", dht.refresh()), seconds(v, "dht_t_replicate", dht.replicate()),
                dht.peer());
        CongestionAvoidance ca = d.congestionAvoidance();
        if (v.has("congestion")) {
            ca = switch (v.one("congestion")) {
                case "none" -> CongestionAvoidance.NONE;
                case "mb-ecn" -> CongestionAvoidance.MB_ECN;
                default -> throw unknownValue("congestion", v.one("congestion"));
            };
        }
        return d.withDataTransfer(v.has("addr") ? (int) number(v, "addr") : d.addrSize(),
                v.has("eid") ? (int) number(v, "eid") : d.eidSize(), v.has("ttl") ? (int) number(v, "ttl") : d.maxTtl())
                .withLinkState(ls).withDht(dht).withCongestionAvoidance(ca);
    }

    private static Args.UsageException unknownValue(String key, String value) {
        return new Args.UsageException("unknown parameter for " + key + ": \"" + value + "\".");
    }

    private static String required(Words v, String key, IpcpType type) throws Args.UsageException {
        if (!v.has(key)) {
            throw new Args.UsageException("an IPCP of type " + typeName(type) + " needs " + key + " <"
                    + (key.equals("ip") ? "address" : "interface name") + ">");
        }
        return v.one(key);
    }

    private static long number(Words v, String key) throws Args.UsageException {
        try {
            return Integer.parseInt(v.one(key));
        } catch (NumberFormatException e) {
            throw new Args.UsageException("not a number after " + key + ": " + v.one(key));
        }
    }

    private static Duration seconds(Words v, String key, Duration otherwise) throws Args.UsageException {
        return v.has(key) ? Duration.ofSeconds(number(v, key)) : otherwise;
    }

    /** A numeric address (never a host name: nothing is looked up). */
    private static InetAddress ip(String s, boolean v6, String what) throws Args.UsageException {
        boolean shape = v6 ? s.indexOf(':') >= 0 && s.matches("[0-9A-Fa-f:.%]+")
                : s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        InetAddress a = null;
        if (shape) {
            try {
                a = InetAddress.getByName(s);
            } catch (UnknownHostException e) {
                a = null;
            }
        }
        if (a == null || (v6 ? !(a instanceof Inet6Address) : !(a instanceof Inet4Address))) {
            throw new Args.UsageException("invalid " + what + " address: \"" + s + "\".");
        }
        return a;
    }

    /** The IPCPs whose name matches {@code pattern} (and of {@code type}, unless null), in the IRMd's order. */
    private static List<IpcpInfo> named(String pattern, IpcpType type) throws OuroborosException {
        List<IpcpInfo> l = new ArrayList<>();
        for (IpcpInfo i : Irm.listIpcps()) {
            if (wildcard(pattern, i.name()) && (type == null || i.type() == type)) {
                l.add(i);
            }
        }
        return l;
    }

    private static String bootstrapUsage() {
        UnicastConfig u = new UnicastConfig("x");
        LinkStateConfig ls = LinkStateConfig.DEFAULT;
        DhtConfig dht = DhtConfig.DEFAULT;
        return "Usage: irm ipcp bootstrap\n"
                + "           name <ipcp name>\n"
                + "           layer <layer name>\n"
                + "           [type [TYPE]]\n"
                + "where TYPE in {unicast broadcast local udp4 udp6 eth-llc eth-dix},\n\n"
                + "if TYPE == unicast\n"
                + "        [addr_auth <ADDRESS_POLICY> (default: flat)]\n"
                + "        [directory <DIRECTORY_POLICY> (default: DHT)]\n"
                + "        [hash [ALGORITHM] (default: SHA3_256)]\n"
                + "        [routing <ROUTING_POLICY> (default: link_state)]\n"
                + "        [congestion <CONG_POLICY> (default: mb-ecn)]\n"
                + "        [autobind]\n\n"
                + "where ADDRESS_POLICY in {flat}\n"
                + "    DIRECTORY_POLICY in {DHT}\n"
                + "    ALGORITHM in {SHA3_224 SHA3_256 SHA3_384 SHA3_512}\n"
                + "    ROUTING_POLICY in {link_state lfa ecmp}\n"
                + "    CONG_POLICY in {none mb-ecn}\n"
                + "    [Data Transfer Constants]\n"
                + "        [addr <address size> (default: " + u.addrSize() + ")]\n"
                + "        [eid <eid size> (default: " + u.eidSize() + ")]\n"
                + "        [ttl <max time-to-live> (default: " + u.maxTtl() + ")]\n\n"
                + "if DIRECTORY_POLICY == DHT\n"
                + "        [dht_alpha <search factor> (default: " + dht.alpha() + ")]\n"
                + "        [dht_k <replication factor> (default: " + dht.k() + ")]\n"
                + "        [dht_t_expire <expiration (s)> (default: " + dht.expire().getSeconds() + ")]\n"
                + "        [dht_t_refresh <contact refresh (s)> (default: " + dht.refresh().getSeconds() + ")]\n"
                + "        [dht_t_replicate <replication (s)> (default: " + dht.replicate().getSeconds() + ")]\n\n"
                + "if ROUTING_POLICY == link_state\n"
                + "        [ls_t_recalc <pff recalc interval (s)> (default: " + ls.recalc().getSeconds() + ")]\n"
                + "        [ls_t_update <LSA update interval (s)> (default: " + ls.update().getSeconds() + ")]\n"
                + "        [ls_t_timeo <link timeout (s)> (default: " + ls.timeout().getSeconds() + ")]\n\n"
                + "if TYPE == udp4\n"
                + "        ip <IPv4 address in dotted notation>\n"
                + "        [port <UDP port> (default: " + Udp4Config.DEFAULT_PORT + ")]\n"
                + "        [dns <DDNS IPv4 address in dotted notation> (default: none)]\n\n"
                + "if TYPE == udp6\n"
                + "        ip <IPv6 address>\n"
                + "        [port <UDP port> (default: " + Udp6Config.DEFAULT_PORT + ")]\n"
                + "        [dns <DDNS IPv6 address> (default: none)]\n\n"
                + "if TYPE == eth-llc\n"
                + "        dev <interface name>\n"
                + "        [hash [ALGORITHM] (default: SHA3_256)]\n\n"
                + "if TYPE == eth-dix\n"
                + "        dev <interface name>\n"
                + "        [ethertype <ethertype> (default: 0x"
                + Integer.toHexString(EthDixConfig.DEFAULT_ETHERTYPE).toUpperCase(java.util.Locale.ROOT) + ")]\n"
                + "        [hash [ALGORITHM] (default: SHA3_256)]\n\n"
                + "if TYPE == local\n"
                + "        [hash [ALGORITHM] (default: SHA3_256)]\n\n"
                + "if TYPE == broadcast\n"
                + "        [hash [ALGORITHM] (default: SHA3_256)]\n"
                + "        [autobind]\n\n"
                + "(name may hold * wildcards: every IPCP it matches is bootstrapped; with a type and no\n"
                + " match, an IPCP of that type and name is created first)\n";
    }

    // ------------------------------------------------------------ ipcp enroll, connect, disconnect

    private static int enrollIpcp(List<String> args, PrintStream out) throws OuroborosException,
            Args.UsageException {
        Words v = Words.read(args, "irm ipcp enroll", List.of("name", "type", "layer", "dst", "autobind"),
                List.of("autobind"));
        String name = v.one("name");
        String layer = v.one("layer");
        String dst = v.has("dst") ? v.one("dst") : layer;
        if (name == null || dst == null) {
            out.print(ENROLL_USAGE);
            return Main.USAGE;
        }
        IpcpType type = IpcpType.UNICAST;
        if (v.has("type")) {
            type = switch (v.one("type")) {
                case "unicast" -> IpcpType.UNICAST;
                case "broadcast" -> IpcpType.BROADCAST;
                default -> throw new Args.UsageException("enroll takes type unicast or broadcast, not \""
                        + v.one("type") + "\".");
            };
        }
        List<IpcpInfo> targets = named(name, type);
        if (targets.isEmpty()) {
            int pid = Irm.createIpcp(name, type);
            targets = List.of(new IpcpInfo(pid, type, name, Irm.NOT_ENROLLED));
        }
        for (IpcpInfo i : targets) {
            Irm.enrollIpcp(i.pid(), dst);
            String joined = null;
            for (IpcpInfo now : Irm.listIpcps()) {
                if (now.pid() == i.pid()) {
                    joined = now.layer();
                }
            }
            if (joined == null) {
                out.println("irm: IPCP " + i.name() + " (pid " + i.pid() + ") is gone after its enrollment.");
                return 1;
            }
            if (layer != null && !layer.equals(joined)) {
                out.println("irm: IPCP " + i.name() + " enrolled with " + dst + " into layer " + joined
                        + ", not the requested layer " + layer + ".");
                return 1;
            }
            if (v.has("autobind")) {
                Irm.bindProcess(i.pid(), i.name());
                Irm.bindProcess(i.pid(), joined);
            }
        }
        return 0;
    }

    private static int connectIpcp(boolean connect, List<String> args, PrintStream out) throws OuroborosException,
            Args.UsageException {
        String cmd = connect ? "irm ipcp connect" : "irm ipcp disconnect";
        Words v = Words.read(args, cmd, connect ? List.of("name", "dst", "component", "qos")
                : List.of("name", "dst", "component"), List.of());
        String name = v.one("name");
        String dst = v.one("dst");
        String comp = v.has("component") ? v.one("component") : "*";
        if (name == null || dst == null) {
            out.print(connect ? CONNECT_USAGE : DISCONNECT_USAGE);
            return Main.USAGE;
        }
        boolean dt = wildcard(comp, "dt");
        boolean mgmt = wildcard(comp, "mgmt");
        if (!dt && !mgmt) {
            throw new Args.UsageException("unknown component \"" + comp + "\" (dt or mgmt).");
        }
        QoSSpec qos = QoSSpec.raw();
        if (v.has("qos")) {
            switch (v.one("qos")) {
                case "raw" -> qos = QoSSpec.raw();
                case "best" -> qos = QoSSpec.bestEffort();
                case "video" -> qos = QoSSpec.video();
                case "voice" -> qos = QoSSpec.voice();
                case "data" -> qos = QoSSpec.data();
                default -> out.println("Unknown QoS cube, defaulting to raw.");
            }
        }
        IpcpInfo ipcp = null;
        for (IpcpInfo i : Irm.listIpcps()) {
            if (i.name().equals(name)) {
                ipcp = i; // the last of that name, as the C irm takes
            }
        }
        if (ipcp == null) {
            out.println("irm: no IPCP named " + name + ".");
            return 1;
        }
        if (ipcp.type() != IpcpType.UNICAST && ipcp.type() != IpcpType.BROADCAST) {
            out.println("irm: IPCP " + name + " is of type " + typeName(ipcp.type())
                    + "; only unicast and broadcast IPCPs " + (connect ? "connect." : "disconnect."));
            return 1;
        }
        // The C irm's order: management first on connect, data transfer first on disconnect.
        if (connect) {
            if (mgmt) {
                Irm.connectIpcp(ipcp.pid(), Irm.MGMT_COMPONENT, dst, QoSSpec.raw());
            }
            if (dt) {
                Irm.connectIpcp(ipcp.pid(), Irm.DT_COMPONENT, dst, qos);
            }
        } else {
            if (dt) {
                Irm.disconnectIpcp(ipcp.pid(), Irm.DT_COMPONENT, dst);
            }
            if (mgmt) {
                Irm.disconnectIpcp(ipcp.pid(), Irm.MGMT_COMPONENT, dst);
            }
        }
        return 0;
    }

    // ------------------------------------------------------------ name register, unregister

    private static int registerName(boolean reg, List<String> args, PrintStream out) throws OuroborosException,
            Args.UsageException {
        String cmd = reg ? "irm name register" : "irm name unregister";
        if (args.isEmpty()) {
            out.print(reg ? REG_USAGE : UNREG_USAGE);
            return Main.USAGE;
        }
        String name = args.get(0);
        Words v = Words.read(args.subList(1, args.size()), cmd, List.of("layer", "ipcp"), List.of());
        List<String> layers = v.all("layer");
        List<String> ipcpNames = v.all("ipcp");
        if (layers.isEmpty() && ipcpNames.isEmpty()) {
            out.print(reg ? REG_USAGE : UNREG_USAGE);
            return Main.USAGE;
        }
        List<IpcpInfo> targets = new ArrayList<>();
        for (IpcpInfo i : Irm.listIpcps()) {
            boolean inLayer = i.inLayer() && layers.stream().anyMatch(l -> wildcard(l, i.layer()));
            if (inLayer || ipcpNames.stream().anyMatch(p -> wildcard(p, i.name()))) {
                targets.add(i);
            }
        }
        if (targets.isEmpty()) {
            out.println("irm: no IPCP" + (layers.isEmpty() ? "" : " in layer " + String.join(", ", layers))
                    + (layers.isEmpty() || ipcpNames.isEmpty() ? "" : " nor")
                    + (ipcpNames.isEmpty() ? "" : " named " + String.join(", ", ipcpNames)) + ".");
            return 1;
        }
        if (reg && Irm.listNames().stream().noneMatch(n -> n.name().equals(name))) {
            Irm.createName(name, LoadBalance.SPILLOVER); // as the C irm creates it
        }
        for (IpcpInfo i : targets) {
            if (reg) {
                Irm.registerName(name, i.pid());
            } else {
                Irm.unregisterName(name, i.pid());
            }
        }
        return 0;
    }

    private static final String IPCP_USAGE = "Usage: irm ipcp [OPERATION]\n\n"
            + "where OPERATION in {create destroy\n"
            + "                    bootstrap enroll\n"
            + "                    connect disconnect\n"
            + "                    list\n"
            + "                    help}\n";

    private static final String NAME_USAGE = "Usage: irm name [OPERATION]\n\n"
            + "where OPERATION in {create destroy\n"
            + "                    register unregister\n"
            + "                    list\n"
            + "                    help}\n";

    private static final String BIND_USAGE = "Usage: irm bind [OPERATION]\n\n"
            + "where OPERATION in {program process ipcp help}\n";

    private static final String UNBIND_USAGE = "Usage: irm unbind [OPERATION]\n\n"
            + "where OPERATION in {program process ipcp help}\n";

    private static final String ENROLL_USAGE = "Usage: irm ipcp enroll\n"
            + "                name <ipcp name>\n"
            + "                [layer <layer to enroll with>]\n"
            + "                [dst <destination to enroll with>]\n"
            + "                [type [TYPE], default = unicast]\n"
            + "                [autobind]\n"
            + "where TYPE in {unicast broadcast}\n";

    private static final String CONNECT_USAGE = "Usage: irm ipcp connect\n"
            + "                name      <ipcp name>\n"
            + "                dst       <name of destination IPCP>\n"
            + "                [component [COMPONENT]]\n"
            + "where COMPONENT in {dt mgmt}\n\n"
            + "if COMPONENT == dt\n"
            + "                [qos       [QOS]\n"
            + "where QOS in {raw, best, voice, video, data}\n";

    private static final String DISCONNECT_USAGE = "Usage: irm ipcp disconnect\n"
            + "                name      <ipcp name>\n"
            + "                dst       <name of destination IPCP>\n"
            + "                [component [COMPONENT]]\n\n"
            + "where COMPONENT in {dt mgmt}\n";

    private static final String REG_USAGE = "Usage: irm name register <name>\n"
            + "           ipcp <ipcp to register with>\n"
            + "           [ipcp <ipcp to register with>]\n"
            + "           [...]\n"
            + "           layer <layer to register with>\n"
            + "           [layer <layer to register with>]\n"
            + "           [...]\n";

    private static final String UNREG_USAGE = "Usage: irm name unregister <name>\n"
            + "           ipcp <ipcp to unregister from>\n"
            + "           [ipcp <ipcp to unregister from>]\n"
            + "           [...]\n"
            + "           layer <layer to unregister from>\n"
            + "           [layer <layer to unregister from>]\n"
            + "           [...]\n";
}
