#!/usr/bin/env bash
# jOuroboros against the JDK (and against C on a real IRMd): every benchmark
# of issue 9 in one run, then one table of ratios. About 10 minutes on 2 CPUs.
#
#   jmh/run-comparison.sh [--no-build]
#
# Builds the library (tests skipped) and the benchmarks against it unless
# --no-build. The JMH runs are on the embedded layer, named explicitly, so an
# IRMd does not change them. Cross-process figures run twice: free to use
# every CPU, and pinned to one (taskset -c 0: the forked JVM and its peer
# process inherit it). The system-layer figures (Java oping against C oping)
# run only when the Ouroboros tools are on the PATH and an IRMd answers,
# e.g. under a private IRMd: `with-irmd jmh/run-comparison.sh`.
# The figures near their targets (selector echo, the pinned 1 B round trip,
# JNI, flows' select with 1 ready of 10 and of 10,000, the system layer) run
# ROUNDS times (default 3), ours and the reference alternately; the table
# gives their medians.
# Results: target/comparison/ (JMH CSV, logs, table.md).
set -euo pipefail
cd "$(dirname "$0")"
out=target/comparison
mkdir -p "$out"
rm -f "$out"/*.csv "$out"/*.us "$out"/*.log "$out"/system.txt

if [[ ${1:-} != --no-build ]]; then
  (cd .. && mvn -B -q -DskipTests package)
  # The library as just built, under a version of its own: another checkout's
  # `mvn install` of 0.1.0-SNAPSHOT into the same ~/.m2 cannot slip in.
  lib=$(ls ../target/jouroboros-*.jar | grep -v -e sources -e javadoc | head -n 1)
  mvn -B -q install:install-file -Dfile="$lib" -DgroupId=io.jouroboros -DartifactId=jouroboros \
    -Dversion=0.0.0-comparison -Dpackaging=jar
  # The Netty transport (NettyEchoBench) on that library, under the same
  # version, with its own pom (so that Netty comes with it).
  (cd ../netty && mvn -B -q -DskipTests package -Djouroboros.version=0.0.0-comparison)
  njar=$(ls ../netty/target/jouroboros-netty-*.jar | grep -v -e sources -e javadoc | head -n 1)
  sed -e '0,/<version>0\.1\.0-SNAPSHOT<\/version>/s//<version>0.0.0-comparison<\/version>/' \
    -e 's|<jouroboros.version>0\.1\.0-SNAPSHOT</jouroboros.version>|<jouroboros.version>0.0.0-comparison</jouroboros.version>|' \
    ../netty/pom.xml >"$out/netty-pom.xml"
  mvn -B -q install:install-file -Dfile="$njar" -DpomFile="$out/netty-pom.xml"
  mvn -B -q package -Djouroboros.version=0.0.0-comparison
fi

start=$SECONDS
rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS: a count of rounds, 1 or more (not '$rounds')" >&2; exit 2; }
# Short settings: 2 × 1 s warm-up, 3 × 1 s measured, one fork per trial.
jmh=(java -jar target/benchmarks.jar -f 1 -wi 2 -w 1 -i 3 -r 1 -jvmArgsAppend -Djouroboros.layer=embedded)
run() { # NAME PINNED(0|1) JMH-ARGS...
  local name=$1 pin=$2; shift 2
  local cmd=("${jmh[@]}" "$@" -rf csv -rff "$out/$name.csv")
  ((pin)) && cmd=(taskset -c 0 "${cmd[@]}")
  echo "== $name: ${cmd[*]}" >&2
  # One JMH run at a time on the machine (JMH's lock): wait for another to end.
  while ! "${cmd[@]}" >"$out/$name.log" 2>&1; do
    if grep -q 'Unable to acquire the JMH lock' "$out/$name.log"; then
      echo "   another JMH run holds its lock; waiting" >&2
      sleep 10
      continue
    fi
    echo "   failed, see $out/$name.log" >&2
    return 0
  done
}

run free 0 'RoundTripBench|ThroughputBench|SelectorEchoBench|JniBench'
run pinned 1 'RoundTripBench|ThroughputBench|SelectorEchoBench'
# 10,000 server ends here and 10,000 client ends in a child: about 10,200 descriptors
# each, plus six for each flow end on rings, which a process takes while they need
# less than half of its limit: about 17,900 in all (SelectBench's setup counts them).
many=0
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] || ((hard >= 17900)) && many=1
if ((many)); then
  run select 0 'SelectBench' -p n=10,1000,10000
  # 1 of 10 registered among 10,000 open: the connections' cost apart from the selector's.
  run selopen 0 'SelectBench' -p n=10 -p open=10000
  # The ready flow in the middle of 10,000, past the rings' share of a process's
  # descriptors, so on its socket (SelectBench's javadoc): flows only, once. Its
  # trial fails, and the row is left out, where a limit over 70,015 gives it rings.
  run selmid 0 'SelectBench' -p transport=flows -p n=10000 -p ready=middle
else
  run select 0 'SelectBench' -p n=10,1000
fi
run alloc 0 'AllocBench' -prof gc
# The figures that sit near their targets, again: rounds 2 to $rounds, each
# running ours and the reference (the JDK, or C for JniBench) back to back as
# round 1 did; the table shows each side's median over the rounds and the
# median of the per-round ratios (its "runs" column says how many rounds).
for ((k = 2; k <= rounds; k++)); do
  run "free$k" 0 'SelectorEchoBench|JniBench'
  run "pinned$k" 1 'RoundTripBench|SelectorEchoBench' -p size=1 -p peer=process
  ((many)) && run "select$k" 0 'SelectBench' -p transport=flows -p n=10,10000
done

# The system layer: C oping against the Java one, client and server alike.
system() {
  command -v oping >/dev/null && command -v irm >/dev/null && irm name list >/dev/null 2>&1 || {
    echo "== system layer: no IRMd (run under with-irmd for it), skipped" >&2
    return 0
  }
  local jar name=cmp$$ csv jsv pings=2000 flood=50000 warm=8000
  jar=$(ls ../target/jouroboros-*.jar | grep -v -e sources -e javadoc | head -n 1)
  local j=(java -Djouroboros.layer=system -jar "$jar")
  # Each figure on a line "KEY VALUE [ROUND]": Report pairs C's and Java's of a round.
  # rtt PREFIX [ROUND]: "min/avg/max/mdev = a/b/c/d UNIT" in µs;
  # pps PREFIX [ROUND]: a flood's packets/s from "N received ... time: T ms".
  rtt() { awk '/^rtt/ { split($4, v, "/"); f = ($5 == "ms") ? 1000 : 1;
                        printf "%s_rtt_min_us %s %s\n%s_rtt_avg_us %s %s\n", p, v[1] * f, r, p, v[2] * f, r }' \
              p="$1" r="${2:-}"; }
  pps() { awk '/received/ { for (i = 1; i <= NF; i++) { if ($i == "received,") n = $(i - 1);
                                                       if ($i == "time:") t = $(i + 1) }
                            printf "%s_flood_pps %.0f %s\n", p, n / (t / 1000), r }' p="$1" r="${2:-}"; }
  # warm PREFIX ROUND: the average of the per-ping times of the second half of a run (µs).
  warm() { awk '{ if (match($0, /time=[0-9.]+ /)) { v = substr($0, RSTART + 5, RLENGTH - 6);
                                                    u = substr($0, RSTART + RLENGTH, 2);
                                                    x[n++] = (u == "ms") ? v * 1000 : v } }
                END { if (n > 1) { for (i = int(n / 2); i < n; i++) { t += x[i]; print x[i] > f }
                                   printf "%s_warm_rtt_avg_us %.2f %s\n", p, t / (n - int(n / 2)), r } }' \
             p="$1" r="$2" f="$out/$1-warm$2.us"
         # and the median of that half
         sort -n "$out/$1-warm$2.us" 2>/dev/null |
           awk '{ x[n++] = $1 } END { if (n > 0) printf "%s_warm_rtt_p50_us %.2f %s\n", p, x[int(n / 2)], r }' \
               p="$1" r="$2"; }
  echo "== system layer: C oping and Java oping, $rounds rounds, each: $pings pings 1 ms apart, a flood of $flood," \
       "$warm pings (the second half counted), C and Java alternately" >&2
  # Both servers up for the whole run: the C one and the Java one.
  oping -l >"$out/c-server.log" 2>&1 & csv=$!
  # Both go with the script, however it ends.
  trap 'kill "$csv" "${jsv:-}" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do irm bind process "$csv" name "$name" >/dev/null 2>&1 && break; sleep 0.1; done
  "${j[@]}" oping -l -n "j$name" -Q >"$out/java-server.log" 2>&1 & jsv=$!
  for _ in $(seq 100); do irm name list 2>/dev/null | grep -q "j$name" && break; sleep 0.1; done
  # The Java server's JIT first: a run of the same pings, not counted (the C
  # server needs none; the Java client's own warm-up stays in its figures).
  timeout 120 "${j[@]}" oping -n "j$name" -c "$pings" -i 1ms -Q >"$out/java-warmup.log" 2>&1 || true
  local r
  for ((r = 1; r <= rounds; r++)); do
    timeout 60 oping -n "$name" -c "$pings" -i 1 -Q 2>&1 | tee "$out/c-ping$r.log" |
      rtt c "$r" >>"$out/system.txt" || true
    timeout 120 "${j[@]}" oping -n "j$name" -c "$pings" -i 1ms -Q 2>&1 | tee "$out/java-ping$r.log" |
      rtt java "$r" >>"$out/system.txt" || true
    timeout 60 oping -n "$name" -c "$flood" -f -Q 2>&1 | tee "$out/c-flood$r.log" |
      pps c "$r" >>"$out/system.txt" || true
    timeout 120 "${j[@]}" oping -n "j$name" -c "$flood" -f -Q 2>&1 | tee "$out/java-flood$r.log" |
      pps java "$r" >>"$out/system.txt" || true
    # Warm: $warm pings, the second half counted (a JVM's JIT is done by then).
    timeout 60 oping -n "$name" -c "$warm" -i 1 2>&1 | tee "$out/c-warm$r.log" | warm c "$r" >>"$out/system.txt" || true
    # A plain Java ping-pong (SystemPing: one thread, write then read) to the C server.
    timeout 60 java -Djouroboros.layer=system -cp target/benchmarks.jar io.jouroboros.jmh.SystemPing "$name" "$warm" sp \
      2>&1 | tee "$out/sp$r.log" | awk '/^sp_/ { print $0, r }' r="$r" >>"$out/system.txt" || true
    timeout 120 "${j[@]}" oping -n "j$name" -c "$warm" -i 1ms 2>&1 | tee "$out/java-warm$r.log" |
      warm java "$r" >>"$out/system.txt" || true
  done
  # Each side of the binding alone, once: the Java client against the C server, the C client against the Java one.
  timeout 120 "${j[@]}" oping -n "$name" -c "$pings" -i 1ms -Q 2>&1 | tee "$out/jc-ping.log" |
    rtt jc >>"$out/system.txt" || true
  timeout 120 "${j[@]}" oping -n "$name" -c "$flood" -f -Q 2>&1 | tee "$out/jc-flood.log" |
    pps jc >>"$out/system.txt" || true
  timeout 60 oping -n "j$name" -c "$pings" -i 1 -Q 2>&1 | tee "$out/cj-ping.log" | rtt cj >>"$out/system.txt" || true
  timeout 60 oping -n "j$name" -c "$flood" -f -Q 2>&1 | tee "$out/cj-flood.log" | pps cj >>"$out/system.txt" || true
  kill "$csv" "$jsv" 2>/dev/null || true
  wait "$csv" "$jsv" 2>/dev/null || true
  trap - EXIT
}
system

echo "== done in $((SECONDS - start)) s (builds not counted)" >&2
{
  echo "Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), Linux $(uname -r)," \
       "$(java -version 2>&1 | head -n 1)"
  echo
  free=$out/free.csv pinned=$out/pinned.csv
  select=$out/select.csv
  for ((k = 2; k <= rounds; k++)); do
    free+=,$out/free$k.csv pinned+=,$out/pinned$k.csv select+=,$out/select$k.csv
  done
  java -cp target/benchmarks.jar io.jouroboros.jmh.Report free="$free" pinned="$pinned" \
    select="$select,$out/selopen.csv,$out/selmid.csv" alloc="$out/alloc.csv" system="$out/system.txt"
} | tee "$out/table.md"
