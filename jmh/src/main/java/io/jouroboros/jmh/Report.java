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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one table of run-comparison.sh: reads the CSV results of its JMH runs
 * (and the system layer's tool figures, if any) and prints, per figure, the
 * reference (the JDK, or C), jOuroboros, their ratio, the target of issue 9
 * and whether it holds. Arguments: {@code KIND=FILE}, KIND being
 * {@code free}, {@code pinned}, {@code select}, {@code alloc} (JMH CSV) or
 * {@code system} (lines {@code KEY VALUE}); a missing file is skipped.
 */
public final class Report {
    /** score by "benchmark|param=value,..." (sorted params), per run kind. */
    private final Map<String, Map<String, Double>> runs = new HashMap<>();
    private final Map<String, Double> system = new TreeMap<>();
    private final List<String[]> rows = new ArrayList<>();

    public static void main(String[] args) throws IOException {
        Report r = new Report();
        for (String a : args) {
            int eq = a.indexOf('=');
            String kind = a.substring(0, eq);
            Path p = Path.of(a.substring(eq + 1));
            if (!Files.isReadable(p)) {
                continue;
            }
            if (kind.equals("system")) {
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    String[] kv = line.trim().split("\\s+");
                    if (kv.length == 2) {
                        r.system.put(kv[0], Double.parseDouble(kv[1]));
                    }
                }
            } else {
                r.runs.put(kind, readCsv(p));
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
        Map<String, Double> m = runs.get(kind);
        return m == null ? null : m.get(key);
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

    private void row(String figure, Double ref, Double ours, Double ratio, String target, Boolean holds) {
        rows.add(new String[] {figure, fmt(ref), fmt(ours),
            ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio), target,
            holds == null ? "-" : holds ? "yes" : "**no**"});
    }

    /** A flows-vs-jdk row; lowerBetter: time, else rate; limit: the target ratio (null: none). */
    private void pair(String figure, String kind, String key, boolean lowerBetter, Double limit, double scale) {
        Double f = score(kind, key + "transport=flows,");
        Double j = score(kind, key + "transport=jdk,");
        if (f == null && j == null) {
            return;
        }
        Double ratio = f != null && j != null && j != 0 ? f / j : null;
        String target = limit == null ? "" : (lowerBetter ? "≤ " : "≥ ") + limit;
        Boolean holds = limit == null || ratio == null ? null : lowerBetter ? ratio <= limit : ratio >= limit;
        row(figure, j == null ? null : j * scale, f == null ? null : f * scale, ratio, target, holds);
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
            for (String n : new String[] {"10", "1000", "10000"}) {
                pair(m + "(), 1 ready of " + n + " (µs)", "select", "SelectBench." + m + "|n=" + n + ",", true, null,
                        1);
            }
            Double f10 = score("select", "SelectBench." + m + "|n=10,transport=flows,");
            Double f10k = score("select", "SelectBench." + m + "|n=10000,transport=flows,");
            if (f10 != null && f10k != null) {
                row("flows " + m + "(): 1 of 10,000 against 1 of 10 (µs)", f10, f10k, f10k / f10, "≤ 1.2",
                        f10k / f10 <= 1.2);
            }
        }
        for (String b : new String[] {"streamDirect", "streamHeap", "messageDirect", "messageHeap", "vector",
            "selectNow", "select"}) {
            String key = "AllocBench." + b + ":gc.alloc.rate.norm|";
            Double f = score("alloc", key + "transport=flows,");
            Double j = score("alloc", key + "transport=jdk,");
            if (f != null || j != null) {
                row("allocated per " + b + " (B/op)", j, f, null, "0", f == null ? null : f < 1.0);
            }
        }
        Double jc = score("free", "JniBench.c|");
        Double jj = score("free", "JniBench.java|");
        if (jc != null && jj != null) {
            rows.add(new String[] {"Flow.write+read against the C loop (ns/op; C, Java, Java − C)", fmt(jc), fmt(jj),
                String.format(Locale.ROOT, "%+.0f ns", jj - jc), "≤ +100 ns", jj - jc <= 100 ? "yes" : "**no**"});
        }
        Double jn = score("free", "JniBench.jni|");
        if (jc != null && jn != null) {
            rows.add(new String[] {"  of which JNI + flow.c (Native.flowWrite+flowRead called directly; C, JNI)",
                fmt(jc), fmt(jn), String.format(Locale.ROOT, "%+.0f ns", jn - jc), "", "-"});
        }
        Double cr = system.get("c_rtt_avg_us");
        Double jr = system.get("java_rtt_avg_us");
        if (cr != null && jr != null) {
            row("system layer: ping-pong rtt avg, C oping vs Java oping (µs)", cr, jr, jr / cr, "≤ 1.1", jr / cr <= 1.1);
            Double cm = system.get("c_rtt_min_us");
            Double jm = system.get("java_rtt_min_us");
            if (cm != null && jm != null) {
                row("system layer: ping-pong rtt min (µs)", cm, jm, jm / cm, "", null);
            }
        }
        // The same after the JIT: the second half of a longer run, each side measured alike.
        Double cw = system.get("c_warm_rtt_avg_us");
        Double jw = system.get("java_warm_rtt_avg_us");
        if (cw != null && jw != null) {
            row("system layer: ping-pong rtt avg, warm (2nd half of 8,000 pings; µs)", cw, jw, jw / cw, "≤ 1.1",
                    jw / cw <= 1.1);
        }
        // A plain Java ping-pong (SystemPing, one thread) against the same C server, same half of a run.
        Double c50 = system.get("c_warm_rtt_p50_us");
        Double s50 = system.get("sp_rtt_p50_us");
        if (c50 != null && s50 != null) {
            row("system layer: rtt median, warm: C oping vs a Java ping-pong, one thread (µs)", c50, s50,
                    s50 / c50, "≤ 1.1", s50 / c50 <= 1.1);
            Double sa = system.get("sp_rtt_avg_us");
            if (cw != null && sa != null) {
                row("system layer: rtt avg, warm: C oping vs that Java ping-pong (µs)", cw, sa, sa / cw, "", null);
            }
        }
        Double cf = system.get("c_flood_pps");
        Double jf = system.get("java_flood_pps");
        if (cf != null && jf != null) {
            row("system layer: flood, C oping -f vs Java oping -f (pkt/s)", cf, jf, jf / cf, "≥ 0.9", jf / cf >= 0.9);
        }
        // Each side alone, against C on the other: the Java client with the C server, the C client with the Java one.
        String[][] sides = {{"jc", "Java client, C server"}, {"cj", "C client, Java server"}};
        for (String[] side : sides) {
            Double r = system.get(side[0] + "_rtt_avg_us");
            if (cr != null && r != null) {
                row("system layer: rtt avg, C to C vs " + side[1] + " (µs)", cr, r, r / cr, "", null);
            }
            Double f = system.get(side[0] + "_flood_pps");
            if (cf != null && f != null) {
                row("system layer: flood, C to C vs " + side[1] + " (pkt/s)", cf, f, f / cf, "", null);
            }
        }
    }

    private void print() {
        String[] head = {"figure", "reference (JDK or C)", "jOuroboros", "ratio", "target", "holds"};
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
