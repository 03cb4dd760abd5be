/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.tools;

import io.jouroboros.Layer;
import io.jouroboros.Ouroboros;
import io.jouroboros.OuroborosException;
import io.jouroboros.irm.IpcpInfo;
import io.jouroboros.irm.IpcpType;
import io.jouroboros.irm.Irm;
import io.jouroboros.irm.LoadBalance;
import io.jouroboros.irm.NameInfo;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jouroboros irm}: the common sub-commands of Ouroboros's {@code irm}
 * over {@link Irm}, with its words (abbreviations too: {@code irm i l}) and
 * its tables. It needs the system layer: on the embedded layer, which has no
 * IRMd, it says so and fails.
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
            if (Args.matches(object, "ipcp")) {
                if (Args.matches(op, "list")) {
                    return listIpcps(out);
                } else if (Args.matches(op, "create")) {
                    return createIpcp(rest, out);
                } else if (Args.matches(op, "destroy")) {
                    return destroyIpcp(rest, out);
                }
            } else if (Args.matches(object, "name")) {
                if (Args.matches(op, "list")) {
                    return listNames(rest, out);
                } else if (Args.matches(op, "create") && !rest.isEmpty()) {
                    return createName(rest);
                } else if (Args.matches(op, "destroy") && rest.size() == 1) {
                    Irm.destroyName(rest.get(0));
                    return 0;
                }
            } else if ((Args.matches(object, "bind") || Args.matches(object, "unbind")) && w.size() == 5
                    && Args.matches(op, "process") && Args.matches(w.get(3), "name")) {
                long pid = parsePid(w.get(2));
                if (Args.matches(object, "bind")) {
                    Irm.bindProcess(pid, w.get(4));
                } else {
                    Irm.unbindProcess(pid, w.get(4));
                }
                return 0;
            }
            usage(out);
            return Main.USAGE;
        } catch (OuroborosException e) {
            out.println("irm: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    private static void usage(PrintStream out) {
        out.println("Usage: jouroboros irm [OPERATION]");
        out.println();
        out.println("where OPERATION in {");
        out.println("  ipcp list");
        out.println("  ipcp create name <ipcp name> type {unicast broadcast local udp4 udp6 eth-llc eth-dix}");
        out.println("  ipcp destroy name <ipcp name>");
        out.println("  name list [<name>]");
        out.println("  name create <name> [lb {round-robin spillover}]");
        out.println("  name destroy <name>");
        out.println("  bind process <pid> name <name>");
        out.println("  unbind process <pid> name <name>");
        out.println("}");
        out.println("(the words may be shortened, as with the C irm: irm i l)");
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

    /** The words after "ipcp create|destroy": pairs of a key and its value. */
    private static String[] pairs(List<String> args, String... keys) throws Args.UsageException {
        String[] values = new String[keys.length];
        if (args.size() % 2 != 0) {
            throw new Args.UsageException("missing value after " + args.get(args.size() - 1));
        }
        for (int i = 0; i < args.size(); i += 2) {
            int k = -1;
            for (int j = 0; j < keys.length; j++) {
                if (Args.matches(args.get(i), keys[j])) {
                    k = j;
                }
            }
            if (k < 0) {
                throw new Args.UsageException("\"" + args.get(i) + "\" is unknown");
            }
            values[k] = args.get(i + 1);
        }
        return values;
    }

    private static int createIpcp(List<String> args, PrintStream out) throws OuroborosException,
            Args.UsageException {
        String[] v = pairs(args, "name", "type");
        if (v[0] == null || v[1] == null) {
            throw new Args.UsageException("usage: irm ipcp create name <ipcp name> type <type>");
        }
        int pid = Irm.createIpcp(v[0], type(v[1]));
        out.println("Created IPCP " + v[0] + " (pid " + pid + ").");
        return 0;
    }

    private static int destroyIpcp(List<String> args, PrintStream out) throws OuroborosException,
            Args.UsageException {
        String[] v = pairs(args, "name");
        if (v[0] == null) {
            throw new Args.UsageException("usage: irm ipcp destroy name <ipcp name>");
        }
        List<Integer> pids = new ArrayList<>();
        for (IpcpInfo i : Irm.listIpcps()) {
            if (i.name().equals(v[0])) {
                pids.add(i.pid());
            }
        }
        if (pids.isEmpty()) {
            out.println("irm: no IPCP named " + v[0] + ".");
            return 1;
        }
        for (int pid : pids) {
            Irm.destroyIpcp(pid);
        }
        return 0;
    }
}
