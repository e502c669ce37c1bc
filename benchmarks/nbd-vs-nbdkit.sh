#!/usr/bin/env bash
# Karst's NBD server next to nbdkit's memory plugin: the five standard workloads (shared/bench/bench-nbd.sh,
# fio's nbd engine over libnbd) against `nbdkit memory 1G` and a 1 GiB malloc bdev exported by Karst, back to
# back in one run, REPS rounds alternating peer and Karst; prints the median of each and the ratio Karst/nbdkit.
#
# usage: benchmarks/nbd-vs-nbdkit.sh KARST_HOME     (an unpacked distribution, e.g. karaf-assembly/target/assembly)
# env:   PIN=split|same|none (split: server on CPU 1, fio on CPU 0; same: both on CPU 0), REPS=3, RUNTIME=8,
#        RAMP=2, WORKLOADS="...", BENCH=/work/shared/bench (bench-nbd.sh, fio-median.py), OUT=dir (kept)
set -euo pipefail
KARST_HOME=$(cd "${1:?usage: $0 KARST_HOME}" && pwd)
BENCH=${BENCH:-/work/shared/bench}
PIN=${PIN:-split}; REPS=${REPS:-3}
export RUNTIME=${RUNTIME:-8} RAMP=${RAMP:-2}
WORKLOADS=${WORKLOADS:-"randread4k_qd32 randwrite4k_qd32 randread4k_qd1 seqread1m_qd8 seqwrite1m_qd8"}
OUT=${OUT:-$(mktemp -d /tmp/nbd-vs-nbdkit.XXXXXX)}; mkdir -p "$OUT"
case $PIN in
  none)  SRV=""; CLI="";;
  split) SRV=1; CLI=0;;
  same)  SRV=0; CLI=0;;
  *) echo "PIN must be none, split or same" >&2; exit 2;;
esac
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pin_cmd() { [ -n "$1" ] && echo "taskset -c $1"; }

# ---- Karst: its own instance, 1 GiB malloc bdev exported as "bench" ----
BASE=$OUT/karst-instance
KPORT=$(free_port)
"$KARST_HOME/bin/karst" --base "$BASE" --name nbdbench --ssh-port "$(free_port)" \
  --rmi-registry-port "$(free_port)" --rmi-server-port "$(free_port)" --port-offset $((KPORT - 10809)) start >/dev/null
trap '"$KARST_HOME/bin/karst" --base "$BASE" stop >/dev/null 2>&1 || true; [ -n "${NBDKIT_PID:-}" ] && kill "$NBDKIT_PID" 2>/dev/null || true' EXIT
"$KARST_HOME/bin/karst" --base "$BASE" shell 'bdev:create malloc Bench0 1G 512; nbd:start Bench0 bench' >/dev/null
KPID=$(cat "$BASE"/karaf.pid 2>/dev/null || pgrep -f -- "-Dkaraf.base=$BASE" | head -1)
[ -n "$SRV" ] && taskset -a -p -c "$SRV" "$KPID" >/dev/null
echo "# $(date -u +%FT%TZ) PIN=$PIN REPS=$REPS RUNTIME=$RUNTIME RAMP=$RAMP load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/summary.txt"

run_karst() {  # $1 = round
  OUTDIR="$OUT/karst.$1" $(pin_cmd "$CLI") "$BENCH/bench-nbd.sh" 127.0.0.1 "$KPORT" bench > "$OUT/karst.$1.txt"
}
run_nbdkit() {
  local port; port=$(free_port)
  $(pin_cmd "$SRV") nbdkit -f -i 127.0.0.1 -p "$port" memory 1G & NBDKIT_PID=$!
  for _ in $(seq 50); do nbdinfo --size "nbd://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
  OUTDIR="$OUT/nbdkit.$1" $(pin_cmd "$CLI") "$BENCH/bench-nbd.sh" 127.0.0.1 "$port" "" > "$OUT/nbdkit.$1.txt"
  kill "$NBDKIT_PID"; wait "$NBDKIT_PID" 2>/dev/null || true; NBDKIT_PID=
}
# the JVM compiles its hot path during the first seconds: one unmeasured pass warms Karst up
WORKLOADS="randread4k_qd32 randwrite4k_qd32 seqread1m_qd8" RUNTIME=4 RAMP=0 PREFILL=1 OUTDIR="$OUT/karst.warmup" \
  $(pin_cmd "$CLI") "$BENCH/bench-nbd.sh" 127.0.0.1 "$KPORT" bench > "$OUT/karst.warmup.txt"
for r in $(seq 1 "$REPS"); do
  WORKLOADS=$WORKLOADS run_nbdkit "$r"
  WORKLOADS=$WORKLOADS run_karst "$r"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/summary.txt"
python3 - "$OUT" "$REPS" $WORKLOADS <<'PY' | tee -a "$OUT/summary.txt"
import json, statistics, sys, glob, os
out, reps, workloads = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def iops(side, w):
    vals = []
    for r in range(1, reps + 1):
        f = os.path.join(out, f"{side}.{r}", f"{w}.1.json")
        text = open(f).read()
        j = json.loads(text[text.index("{"):])["jobs"][0]
        vals.append(j["read"]["iops"] + j["write"]["iops"])
    return vals
print(f"{'workload':18} {'nbdkit IOPS':>12} {'Karst IOPS':>12} {'Karst/nbdkit':>12}   (rounds nbdkit | Karst)")
for w in workloads:
    n, k = iops("nbdkit", w), iops("karst", w)
    mn, mk = statistics.median(n), statistics.median(k)
    print(f"{w:18} {mn:12.0f} {mk:12.0f} {mk / mn:12.2f}   ({' '.join(f'{x:.0f}' for x in n)} | {' '.join(f'{x:.0f}' for x in k)})")
PY
