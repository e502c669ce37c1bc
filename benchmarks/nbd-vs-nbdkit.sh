#!/usr/bin/env bash
# Karst's NBD server next to nbdkit's memory plugin: the five standard workloads (shared/bench/bench-nbd.sh,
# fio's nbd engine over libnbd) against `nbdkit memory 1G` and a 1 GiB malloc bdev exported by Karst. Both servers
# run for the whole run; each workload is measured on one and then at once on the other (the order alternates per
# round), so that every pair shares the machine's load of the moment. Prints per workload the median IOPS of
# each, the median of the per-round ratios Karst/nbdkit, and every round; then the server CPU time per I/O of each
# (user+system of the whole server process over the run, ramp included, divided by IOPS x (RUNTIME+RAMP)), which a
# shared machine's load disturbs far less than IOPS.
#
# usage: benchmarks/nbd-vs-nbdkit.sh KARST_HOME     (an unpacked distribution, e.g. karaf-assembly/target/assembly)
# env:   PIN=split|same|none (split: servers on CPU 1, fio on CPU 0; same: all on CPU 0), ROUNDS=3, RUNTIME=8,
#        RAMP=2, WORKLOADS="...", BENCH=/work/shared/bench (bench-nbd.sh, fio-median.py), OUT=dir (kept)
set -euo pipefail
KARST_HOME=$(cd "${1:?usage: $0 KARST_HOME}" && pwd)
BENCH=${BENCH:-/work/shared/bench}
PIN=${PIN:-split}; ROUNDS=${ROUNDS:-3}
export RUNTIME=${RUNTIME:-8} RAMP=${RAMP:-2} REPS=1   # REPS: bench-nbd.sh's own repetitions, one per round here
WORKLOADS=${WORKLOADS:-"randread4k_qd32 randwrite4k_qd32 randread4k_qd1 seqread1m_qd8 seqwrite1m_qd8"}
OUT=${OUT:-$(mktemp -d /tmp/nbd-vs-nbdkit.XXXXXX)}; mkdir -p "$OUT"
case $PIN in
  none)  SRV=""; CLI="";;
  split) SRV=1; CLI=0;;
  same)  SRV=0; CLI=0;;
  *) echo "PIN must be none, split or same" >&2; exit 2;;
esac
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of all threads, in clock ticks
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
fio_side() {  # $1 = port, $2 = export, $3 = workloads, $4 = outdir, $5 = prefill
  if [ -n "$CLI" ]; then
    WORKLOADS=$3 PREFILL=$5 OUTDIR=$4 taskset -c "$CLI" "$BENCH/bench-nbd.sh" 127.0.0.1 "$1" "$2"
  else
    WORKLOADS=$3 PREFILL=$5 OUTDIR=$4 "$BENCH/bench-nbd.sh" 127.0.0.1 "$1" "$2"
  fi
}

# ---- Karst: its own instance, a 1 GiB malloc bdev exported as "bench" ----
BASE=$OUT/karst-instance
KPORT=$(free_port)
"$KARST_HOME/bin/karst" --base "$BASE" --name nbdbench --ssh-port "$(free_port)" \
  --rmi-registry-port "$(free_port)" --rmi-server-port "$(free_port)" --port-offset $((KPORT - 10809)) start >/dev/null
NBDKIT_PID=
trap '"$KARST_HOME/bin/karst" --base "$BASE" stop >/dev/null 2>&1 || true; [ -n "$NBDKIT_PID" ] && kill "$NBDKIT_PID" 2>/dev/null || true' EXIT
"$KARST_HOME/bin/karst" --base "$BASE" shell 'bdev:create malloc Bench0 1G 512; nbd:start Bench0 bench' >/dev/null
KPID=$(cat "$BASE/karaf.pid")
[ -n "$SRV" ] && taskset -a -p -c "$SRV" "$KPID" >/dev/null
# ---- nbdkit memory 1G ----
NPORT=$(free_port)
if [ -n "$SRV" ]; then taskset -c "$SRV" nbdkit -f -i 127.0.0.1 -p "$NPORT" memory 1G & else nbdkit -f -i 127.0.0.1 -p "$NPORT" memory 1G & fi
NBDKIT_PID=$!
for _ in $(seq 50); do nbdinfo --size "nbd://127.0.0.1:$NPORT/" >/dev/null 2>&1 && break; sleep 0.1; done

echo "# $(date -u +%FT%TZ) PIN=$PIN ROUNDS=$ROUNDS RUNTIME=$RUNTIME RAMP=$RAMP nproc=$(nproc) load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/summary.txt"
# prefill both; the JVM compiles its hot path in the first seconds: one unmeasured pass warms Karst up
fio_side "$NPORT" "" seqwrite1m_qd8 "$OUT/prefill.nbdkit" 1 > /dev/null
fio_side "$KPORT" bench "randread4k_qd32 randwrite4k_qd32 seqread1m_qd8" "$OUT/prefill.karst" 1 > /dev/null
for r in $(seq 1 "$ROUNDS"); do
  for w in $WORKLOADS; do
    if [ $((r % 2)) = 1 ]; then order="nbdkit karst"; else order="karst nbdkit"; fi
    for side in $order; do
      if [ "$side" = nbdkit ]; then pid=$NBDKIT_PID; else pid=$KPID; fi
      c0=$(cpu_ticks "$pid")
      if [ "$side" = nbdkit ]; then fio_side "$NPORT" "" "$w" "$OUT/nbdkit.$r" 0; else fio_side "$KPORT" bench "$w" "$OUT/karst.$r" 0; fi \
        >> "$OUT/$side.$r.txt"
      echo $(( $(cpu_ticks "$pid") - c0 )) > "$OUT/$side.$r/$w.cputicks"
    done
  done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/summary.txt"
python3 - "$OUT" "$ROUNDS" $WORKLOADS <<'PY' | tee -a "$OUT/summary.txt"
import json, statistics, sys, os
out, rounds, workloads = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def iops(side, w, r):
    text = open(os.path.join(out, f"{side}.{r}", f"{w}.1.json")).read()
    j = json.loads(text[text.index("{"):])["jobs"][0]
    return j["read"]["iops"] + j["write"]["iops"]
print(f"{'workload':18} {'nbdkit IOPS':>12} {'Karst IOPS':>12} {'Karst/nbdkit':>12}   per round: nbdkit/Karst = ratio")
for w in workloads:
    n = [iops("nbdkit", w, r) for r in range(1, rounds + 1)]
    k = [iops("karst", w, r) for r in range(1, rounds + 1)]
    ratios = [b / a for a, b in zip(n, k)]
    rounds_text = "  ".join(f"{a:.0f}/{b:.0f}={c:.2f}" for a, b, c in zip(n, k, ratios))
    print(f"{w:18} {statistics.median(n):12.0f} {statistics.median(k):12.0f} {statistics.median(ratios):12.2f}   {rounds_text}")
hz = os.sysconf("SC_CLK_TCK")
seconds = float(os.environ.get("RUNTIME", "8")) + float(os.environ.get("RAMP", "2"))
def cpu_us(side, w, r):
    ticks = int(open(os.path.join(out, f"{side}.{r}", f"{w}.cputicks")).read())
    return ticks / hz * 1e6 / (iops(side, w, r) * seconds)
print()
print(f"{'server CPU/I/O':18} {'nbdkit us':>12} {'Karst us':>12} {'nbdkit/Karst':>12}   (median; >1: Karst uses less CPU per I/O)")
for w in workloads:
    n = statistics.median(cpu_us("nbdkit", w, r) for r in range(1, rounds + 1))
    k = statistics.median(cpu_us("karst", w, r) for r in range(1, rounds + 1))
    print(f"{w:18} {n:12.1f} {k:12.1f} {n / k:12.2f}")
PY
