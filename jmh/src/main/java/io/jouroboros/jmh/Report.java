/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
package io.jouroboros.jmh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * The one table of run-comparison.sh: reads the CSV results of its JMH runs
 * (and the system layer's tool figures, if any) and prints, per figure, the
 * reference (the JDK, or C), jOuroboros, their ratio, the target of issue 9,
 * whether it holds, and how many runs the figure had. Arguments:
 * {@code KIND=FILE[,FILE...]}, KIND being {@code free}, {@code pinned},
 * {@code select}, {@code alloc} (JMH CSV) or {@code system} (lines
 * {@code KEY VALUE [ROUND]}); a missing file is skipped. A figure found in
 * several runs (the files of a kind, in order, are runs 1, 2, ...; a system
 * line names its round) shows the median of each side, and its ratio is the
 * median of the per-run ratios when both sides ran in the same runs (each
 * run measures the two back to back, so that one slow spell of the machine
 * weighs on both), else the ratio of the medians. run-comparison.sh repeats
 * the figures that sit near their targets so.
 */
public final class Report {
    /** scores by "benchmark|param=value,..." (sorted params), by run, per run kind. */
    private final Map<String, Map<String, Map<String, Double>>> runs = new HashMap<>();
    /** system-layer figures by key, by round (a line without one: a run of its own, never paired). */
    private final Map<String, Map<String, Double>> system = new TreeMap<>();
    private final List<String[]> rows = new ArrayList<>();

    public static void main(String[] args) throws IOException {
        Report r = new Report();
        for (String a : args) {
            int eq = a.indexOf('=');
            String kind = a.substring(0, eq);
            String[] files = a.substring(eq + 1).split(",");
            for (int i = 0; i < files.length; i++) {
                Path p = Path.of(files[i]);
                if (files[i].isEmpty() || !Files.isRegularFile(p) || !Files.isReadable(p)) {
                    continue;
                }
                if (kind.equals("system")) {
                    int n = 0;
                    for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                        String[] kv = line.trim().split("\\s+");
                        if (kv.length == 2 || kv.length == 3) {
                            String round = kv.length == 3 ? kv[2] : "line " + ++n;
                            r.system.computeIfAbsent(kv[0], k -> new LinkedHashMap<>())
                                    .put(round, Double.parseDouble(kv[1]));
                        }
                    }
                } else {
                    Map<String, Map<String, Double>> m = r.runs.computeIfAbsent(kind, k -> new HashMap<>());
                    String run = Integer.toString(i + 1);
                    readCsv(p).forEach((k, v) -> m.computeIfAbsent(k, x -> new LinkedHashMap<>()).put(run, v));
                }
            }
        }
        r.build();
        r.print();
    }

    private static Map<String, Double> readCsv(Path p) throws IOException {
        Map<String, Double> m = new HashMap<>();
        List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            return m;
        }
        List<String> head = split(lines.get(0));
        int score = head.indexOf("Score");
        for (String line : lines.subList(1, lines.size())) {
            List<String> f = split(line);
            if (f.size() != head.size()) {
                continue;
            }
            String name = f.get(0);
            name = name.substring(name.lastIndexOf('.', name.contains(":") ? name.indexOf(':') : name.length()) + 1);
            // Class.method: keep the class's simple name.
            String full = f.get(0);
            String cls = full.contains(":") ? full.substring(0, full.indexOf(':')) : full;
            cls = cls.substring(0, cls.lastIndexOf('.'));
            cls = cls.substring(cls.lastIndexOf('.') + 1);
            StringBuilder key = new StringBuilder(cls).append('.').append(name).append('|');
            TreeMap<String, String> params = new TreeMap<>();
            for (int i = 0; i < head.size(); i++) {
                if (head.get(i).startsWith("Param: ") && !f.get(i).isEmpty()) {
                    params.put(head.get(i).substring(7), f.get(i));
                }
            }
            params.forEach((k, v) -> key.append(k).append('=').append(v).append(','));
            try {
                m.put(key.toString(), Double.parseDouble(f.get(score)));
            } catch (NumberFormatException e) {
                // NaN or empty: left out
            }
        }
        return m;
    }

    private static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }

    private Double score(String kind, String key) {
        return median(scores(kind, key));
    }

    private Map<String, Double> scores(String kind, String key) {
        Map<String, Map<String, Double>> m = runs.get(kind);
        return m == null ? null : m.get(key);
    }

    /** How many runs a figure had: one count, or the two sides' counts if they differ ("-" for none). */
    private static String runs(Map<String, Double> a, Map<String, Double> b) {
        int na = a == null ? 0 : a.size();
        int nb = b == null ? 0 : b.size();
        if (na == 0 && nb == 0) {
            return "-";
        }
        return na == nb || nb == 0 ? Integer.toString(na) : na == 0 ? Integer.toString(nb) : na + "/" + nb;
    }

    /** A JniBench row: ours against the C loop as a difference in ns, with its limit (null: none). */
    private void jniRow(String label, Map<String, Double> c, Map<String, Double> ours, String limit) {
        Double mc = median(c);
        Double mo = median(ours);
        Double d = difference(ours, c);
        if (mc == null || mo == null || d == null) {
            return;
        }
        String verdict = "-";
        if (limit != null) {
            double max = Double.parseDouble(limit.replaceAll("[^0-9.]", ""));
            verdict = d <= max ? "yes" : "**no**";
        }
        rows.add(new String[] {label, fmt(mc), fmt(mo), String.format(Locale.ROOT, "%+.0f ns", d),
            limit == null ? "" : limit, verdict, runs(c, ours)});
    }

    static Double median(Map<String, Double> v) {
        return v == null ? null : median(new ArrayList<>(v.values()));
    }

    static Double median(List<Double> v) {
        if (v == null || v.isEmpty()) {
            return null;
        }
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** Whether both sides ran in the same runs, so their figures pair run by run. */
    private static boolean paired(Map<String, Double> ours, Map<String, Double> ref) {
        return ours != null && ref != null && !ours.isEmpty() && ours.keySet().equals(ref.keySet());
    }

    /** ours / ref: the median of the per-run ratios if paired, else the ratio of the medians; null if none. */
    static Double ratio(Map<String, Double> ours, Map<String, Double> ref) {
        return compare(ours, ref, (o, r) -> r == 0 ? null : o / r);
    }

    /** ours − ref, likewise: the median of the per-run differences if paired. */
    static Double difference(Map<String, Double> ours, Map<String, Double> ref) {
        return compare(ours, ref, (o, r) -> o - r);
    }

    /** op over the runs' pairs, their median, if paired; else op of the two medians; null if none. */
    private static Double compare(Map<String, Double> ours, Map<String, Double> ref,
            BiFunction<Double, Double, Double> op) {
        if (paired(ours, ref)) {
            List<Double> v = new ArrayList<>();
            for (Map.Entry<String, Double> e : ours.entrySet()) {
                Double x = op.apply(e.getValue(), ref.get(e.getKey()));
                if (x == null) {
                    return null;
                }
                v.add(x);
            }
            return median(v);
        }
        Double o = median(ours);
        Double r = median(ref);
        return o == null || r == null ? null : op.apply(o, r);
    }

    private static String fmt(Double d) {
        if (d == null) {
            return "-";
        }
        double a = Math.abs(d);
        if (a >= 100_000) {
            return String.format(Locale.ROOT, "%,.0fk", d / 1000);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", d);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", d);
        }
        return String.format(Locale.ROOT, "%.3f", d);
    }

    private void row(String figure, Double ref, Double ours, Double ratio, String target, Boolean holds,
            String n) {
        rows.add(new String[] {figure, fmt(ref), fmt(ours),
            ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio), target,
            holds == null ? "-" : holds ? "yes" : "**no**", n});
    }

    /** A flows-vs-jdk row; lowerBetter: time, else rate; limit: the target ratio (null: none). */
    private void pair(String figure, String kind, String key, boolean lowerBetter, Double limit, double scale) {
        compared(figure, scores(kind, key + "transport=flows,"), scores(kind, key + "transport=jdk,"), lowerBetter,
                limit, scale);
    }

    /** A C-vs-Java row of the system layer, as {@link #pair}: keys of the reference and of ours. */
    private void sysPair(String figure, String refKey, String oursKey, boolean lowerBetter, Double limit) {
        compared(figure, system.get(oursKey), system.get(refKey), lowerBetter, limit, 1);
    }

    /** A row of ours against the reference, each by run; none if neither has a figure. */
    private void compared(String figure, Map<String, Double> ours, Map<String, Double> ref, boolean lowerBetter,
            Double limit, double scale) {
        Double o = median(ours);
        Double r = median(ref);
        if (o == null && r == null) {
            return;
        }
        Double ratio = ratio(ours, ref);
        String target = limit == null ? "" : (lowerBetter ? "≤ " : "≥ ") + limit;
        Boolean holds = limit == null || ratio == null ? null : lowerBetter ? ratio <= limit : ratio >= limit;
        row(figure, r == null ? null : r * scale, o == null ? null : o * scale, ratio, target, holds, runs(ref, ours));
    }

    private void build() {
        String[][] placements = {{"free", "two CPUs"}, {"pinned", "one CPU"}};
        for (String[] pl : placements) {
            for (String peer : new String[] {"thread", "process"}) {
                for (int size : new int[] {1, 1024}) {
                    Double limit = size == 1 && peer.equals("process") ? 0.8 : null;
                    pair("round trip " + (size == 1 ? "1 B" : "1 KiB") + ", peer " + peer + ", " + pl[1] + " (µs)",
                            pl[0], "RoundTripBench.roundTrip|peer=" + peer + ",size=" + size + ",", true, limit, 1);
                }
            }
            for (int size : new int[] {64, 1024, 65536}) {
                double limit = size == 64 ? 2.0 : size == 1024 ? 1.5 : 1.0;
                String s = size == 64 ? "64 B" : size == 1024 ? "1 KiB" : "64 KiB";
                String key = "ThroughputBench.send|size=" + size + ",";
                pair("one-way " + s + ", " + pl[1] + " (msg/s)", pl[0], key, false, limit, 1);
                pair("one-way " + s + ", " + pl[1] + " (MB/s)", pl[0], key, false, null, size / 1e6);
            }
            pair("selector echo, 100 flows, " + pl[1] + " (msg/s)", pl[0], "SelectorEchoBench.echo|n=100,", false,
                    1.0, 1);
        }
        for (String m : new String[] {"selectNow", "select"}) {
            String b = "SelectBench." + m + "|";
            for (String n : new String[] {"10", "1000", "10000"}) {
                pair(m + "(), 1 ready of " + n + " (µs)", "select", b + "n=" + n + ",open=0,ready=early,", true, null,
                        1);
            }
            Map<String, Double> f10 = scores("select", b + "n=10,open=0,ready=early,transport=flows,");
            Map<String, Double> f10k = scores("select", b + "n=10000,open=0,ready=early,transport=flows,");
            Double r = ratio(f10k, f10);
            if (r != null) {
                row("flows " + m + "(): 1 of 10,000 against 1 of 10 (µs)", median(f10), median(f10k), r, "≤ 1.2",
                        r <= 1.2, runs(f10, f10k));
            }
            // The same 1 of 10 among 10,000 open connections (9,990 never registered): what the
            // process's connections cost a select, apart from the selector's registrations.
            pair(m + "(), 1 ready of 10, 10,000 open (µs)", "select", b + "n=10,open=10000,ready=early,", true, null,
                    1);
            Map<String, Double> f10o = scores("select", b + "n=10,open=10000,ready=early,transport=flows,");
            Double ro = ratio(f10k, f10o);
            if (ro != null) {
                row("  flows " + m + "(): 1 of 10,000 against 1 of 10 among 10,000 open (µs)", median(f10o),
                        median(f10k), ro, "", null, runs(f10o, f10k));
            }
            // The ready flow past the rings' share of descriptors, on its socket (SelectBench's
            // ready=middle): another data plane's readiness, not the registrations' cost.
            Map<String, Double> f10km = scores("select", b + "n=10000,open=0,ready=middle,transport=flows,");
            Double rm = ratio(f10km, f10);
            if (rm != null) {
                row("  flows " + m + "(): 1 of 10,000, the ready one on its socket, against 1 of 10 (µs)",
                        median(f10), median(f10km), rm, "", null, runs(f10, f10km));
            }
        }
        for (String b : new String[] {"streamDirect", "streamHeap", "messageDirect", "messageHeap", "vector",
            "selectNow", "select"}) {
            String key = "AllocBench." + b + ":gc.alloc.rate.norm|";
            Double f = score("alloc", key + "transport=flows,");
            Double j = score("alloc", key + "transport=jdk,");
            if (f != null || j != null) {
                row("allocated per " + b + " (B/op)", j, f, null, "0", f == null ? null : f < 1.0,
                        runs(scores("alloc", key + "transport=jdk,"), scores("alloc", key + "transport=flows,")));
            }
        }
        // The target is per Flow.write: each call through Flow, its pair's other call
        // through JNI directly, against the C loop of both (so the JNI and flow.c of both count).
        Map<String, Double> jcs = scores("free", "JniBench.c|");
        jniRow("Flow.write, its read through JNI, against the C loop (ns per pair; C, Java, Java − C)",
                jcs, scores("free", "JniBench.javaWrite|"), "≤ +100 ns");
        jniRow("Flow.read, its write through JNI, against the C loop (ns per pair; C, Java, Java − C)",
                jcs, scores("free", "JniBench.javaRead|"), "≤ +100 ns");
        jniRow("  both through Flow: Flow.write+read against the C loop (ns per pair)",
                jcs, scores("free", "JniBench.java|"), "≤ +200 ns");
        jniRow("  of which JNI + flow.c (Native.flowWrite+flowRead called directly; C, JNI)",
                jcs, scores("free", "JniBench.jni|"), null);
        sysPair("system layer: ping-pong rtt avg, C oping vs Java oping (µs)", "c_rtt_avg_us", "java_rtt_avg_us",
                true, 1.1);
        sysPair("system layer: ping-pong rtt min (µs)", "c_rtt_min_us", "java_rtt_min_us", true, null);
        // The same after the JIT: the second half of a longer run, each side measured alike.
        sysPair("system layer: ping-pong rtt avg, warm (2nd half of 8,000 pings; µs)", "c_warm_rtt_avg_us",
                "java_warm_rtt_avg_us", true, 1.1);
        sysPair("system layer: rtt median, warm, C oping vs Java oping (µs)", "c_warm_rtt_p50_us",
                "java_warm_rtt_p50_us", true, null);
        // A plain Java ping-pong (SystemPing, one thread) against the same C server, same half of a run.
        sysPair("system layer: rtt median, warm: C oping vs a Java ping-pong, one thread (µs)", "c_warm_rtt_p50_us",
                "sp_rtt_p50_us", true, 1.1);
        sysPair("system layer: rtt avg, warm: C oping vs that Java ping-pong (µs)", "c_warm_rtt_avg_us",
                "sp_rtt_avg_us", true, null);
        sysPair("system layer: flood, C oping -f vs Java oping -f (pkt/s)", "c_flood_pps", "java_flood_pps", false,
                0.9);
        // Each side alone, against C on the other: the Java client with the C server, the C client with the Java one.
        String[][] sides = {{"jc", "Java client, C server"}, {"cj", "C client, Java server"}};
        for (String[] side : sides) {
            sysPair("system layer: rtt avg, C to C vs " + side[1] + " (µs)", "c_rtt_avg_us", side[0] + "_rtt_avg_us",
                    true, null);
            sysPair("system layer: flood, C to C vs " + side[1] + " (pkt/s)", "c_flood_pps", side[0] + "_flood_pps",
                    false, null);
        }
    }

    private void print() {
        String[] head = {"figure", "reference (JDK or C)", "jOuroboros", "ratio", "target", "holds", "runs"};
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
        }
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        line(head, w);
        String[] sep = new String[head.length];
        for (int i = 0; i < head.length; i++) {
            sep[i] = "-".repeat(w[i]);
        }
        line(sep, w);
        for (String[] r : rows) {
            line(r, w);
        }
    }

    private static void line(String[] cells, int[] w) {
        StringBuilder sb = new StringBuilder("|");
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i];
            sb.append(' ').append(c).append(" ".repeat(w[i] - c.length())).append(" |");
        }
        System.out.println(sb);
    }
}
