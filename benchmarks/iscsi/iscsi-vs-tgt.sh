#!/usr/bin/env bash
# Karst's iSCSI target next to tgt (tgtd, Debian), same run, same workloads (shared/bench/bench-lib.sh:
# randread4k_qd32 randwrite4k_qd32 randread4k_qd1 seqread1m_qd8 seqwrite1m_qd8) through fio's libiscsi engine.
#
# usage: benchmarks/iscsi/iscsi-vs-tgt.sh [OUTDIR]
# env:   BENCH=/work/shared/bench (bench-iscsi.sh and friends)   KARST_HOME=karaf-assembly/target/assembly
#        RUNTIME=6 RAMP=2 REPS=3   SIZE_MB=1024   TGT_PORT=3261   KARST_OFFSET=2100 (iSCSI on 3260+offset)
#        PIN=none|split|same (split: targets on CPU 1, fio on CPU 0; same: all on CPU 0)
# needs: tgt, libiscsi-bin, /opt/fio-libiscsi/bin/fio (BENCH/build-fio-libiscsi.sh), a built distribution.
#
# Both LUNs are RAM-backed and of the same size: tgt's is a file in /dev/shm, Karst's a malloc bdev.
# Each workload runs on tgt, then on Karst, REPS times, alternating, so both see the same machine load.
# Target CPU = utime+stime of the target process (all threads; Karst: the whole JVM) over the steady middle
# of each run, in % of one core; CPU per I/O = that / IOPS. Prints one row per target and workload
# (medians) and the Karst/tgt ratios; OUTDIR keeps the raw rows (results.tsv) and fio's JSON.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BENCH=${BENCH:-/work/shared/bench}
KARST_HOME=${KARST_HOME:-$ROOT/karaf-assembly/target/assembly}
OUT=${1:-/tmp/iscsi-vs-tgt.$(date +%Y%m%d-%H%M%S)}
export RUNTIME=${RUNTIME:-6} RAMP=${RAMP:-2}
REPS=${REPS:-3}; SIZE_MB=${SIZE_MB:-1024}; TGT_PORT=${TGT_PORT:-3261}; KARST_OFFSET=${KARST_OFFSET:-2100}
KARST_PORT=$((3260 + KARST_OFFSET))
WORKLOADS=${WORKLOADS:-"randread4k_qd32 randwrite4k_qd32 randread4k_qd1 seqread1m_qd8 seqwrite1m_qd8"}
PIN=${PIN:-none}
case $PIN in
  none)  TPIN=(); FPIN=();;
  split) TPIN=(taskset -c 1); FPIN=(taskset -c 0);;
  same)  TPIN=(taskset -c 0); FPIN=(taskset -c 0);;
  *) echo "PIN must be none, split or same" >&2; exit 2;;
esac
TGT_IQN=iqn.2024-01.local.peer:tgt1
KARST_IQN=iqn.2016-06.io.karst:bench
IMG=/dev/shm/karst-bench-tgt.img
BASE=$OUT/karst-instance
HZ=$(getconf CLK_TCK)
mkdir -p "$OUT"
log() { echo "[$(date +%T)] $*" >&2; }

TGT_PID=""; KARST_PID=""
cleanup() {
  if [ -n "$TGT_PID" ] && kill -0 "$TGT_PID" 2>/dev/null; then
    tgtadm --lld iscsi --op delete --mode system >/dev/null 2>&1 || kill "$TGT_PID"
    for _ in $(seq 50); do kill -0 "$TGT_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$TGT_PID" 2>/dev/null
  fi
  [ -d "$BASE" ] && "$KARST_HOME/bin/karst" --base "$BASE" stop >/dev/null 2>&1
  rm -f "$IMG"
}
trap cleanup EXIT

ticks() { [ -r "/proc/$1/stat" ] && sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12+$13}' || echo 0; }

# --- tgt -------------------------------------------------------------------------------------------------
rm -f "$IMG"; truncate -s "${SIZE_MB}M" "$IMG"
"${TPIN[@]}" tgtd -f --iscsi portal=127.0.0.1:$TGT_PORT > "$OUT/tgtd.log" 2>&1 &
TGT_PID=$!
sleep 1
tgtadm --lld iscsi --op new --mode target --tid 1 -T $TGT_IQN
tgtadm --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 -b "$IMG"
tgtadm --lld iscsi --op bind --mode target --tid 1 -I ALL
log "tgtd pid $TGT_PID on 127.0.0.1:$TGT_PORT"

# --- Karst -------------------------------------------------------------------------------------------------
rm -rf "$BASE"
"${TPIN[@]}" "$KARST_HOME/bin/karst" --base "$BASE" --port-offset "$KARST_OFFSET" start > "$OUT/karst-start.log" 2>&1 \
  || { cat "$OUT/karst-start.log"; exit 1; }
KARST_PID=$(cat "$BASE/karaf.pid")
"$KARST_HOME/bin/karst" --base "$BASE" shell "bdev:create malloc Bench0 ${SIZE_MB}M; iscsi:target-create bench 0:Bench0" \
  > "$OUT/karst-setup.log" 2>&1 || { cat "$OUT/karst-setup.log"; exit 1; }
log "Karst pid $KARST_PID on 127.0.0.1:$KARST_PORT"

# --- runs --------------------------------------------------------------------------------------------------
run() {  # target workload rep
  local t=$1 wl=$2 rep=$3 portal iqn lun pid
  if [ "$t" = tgt ]; then portal=127.0.0.1:$TGT_PORT; iqn=$TGT_IQN; lun=1; pid=$TGT_PID
  else portal=127.0.0.1:$KARST_PORT; iqn=$KARST_IQN; lun=0; pid=$KARST_PID; fi
  mkdir -p "$OUT/$t"
  ( sleep "$(echo "$RAMP + 0.7" | bc -l)"; a=$(ticks "$pid"); s0=$(date +%s.%N)
    sleep "$(echo "$RUNTIME - 1.2" | bc -l)"; b=$(ticks "$pid"); s1=$(date +%s.%N)
    echo "$a $b $s0 $s1" > "$OUT/$t/$wl.$rep.cpu" ) &
  local sampler=$!
  local line
  line=$(OUTDIR="$OUT/$t/$wl.$rep" REPS=1 WORKLOADS=$wl PREFILL=0 "${FPIN[@]}" "$BENCH/bench-iscsi.sh" "$portal" "$iqn" "$lun" 2>>"$OUT/$t.err")
  wait "$sampler"
  read -r a b s0 s1 < "$OUT/$t/$wl.$rep.cpu"
  local cpu
  cpu=$(awk -v a="$a" -v b="$b" -v s0="$s0" -v s1="$s1" -v hz="$HZ" 'BEGIN{printf "%.1f", (b-a)/hz/(s1-s0)*100}')
  echo "$t $wl $rep $line cpu=$cpu" | tee -a "$OUT/results.raw" >&2
}
for t in tgt karst; do
  log "prefill $t"
  if [ $t = tgt ]; then p=127.0.0.1:$TGT_PORT; i=$TGT_IQN; l=1; else p=127.0.0.1:$KARST_PORT; i=$KARST_IQN; l=0; fi
  RUNTIME=1 REPS=1 WORKLOADS=seqwrite1m_qd8 PREFILL=1 "$BENCH/bench-iscsi.sh" "$p" "$i" "$l" > /dev/null 2>>"$OUT/$t.err"
done
echo "# load before: $(uptime)" > "$OUT/results.raw.meta"
for rep in $(seq 1 "$REPS"); do
  for wl in $WORKLOADS; do
    for t in tgt karst; do run "$t" "$wl" "$rep"; done
  done
done
echo "# load after: $(uptime)" >> "$OUT/results.raw.meta"

python3 - "$OUT" <<'PY'
import re, sys, statistics, collections
out = sys.argv[1]
rows = collections.defaultdict(list)
for line in open(out + "/results.raw"):
    f = line.split()
    t, wl = f[0], f[1]
    kv = dict(x.split("=") for x in f[3:] if "=" in x)
    rows[(t, wl)].append({k: float(v) for k, v in kv.items()})
def med(t, wl, k):
    return statistics.median(r[k] for r in rows[(t, wl)])
wls = []
for (t, wl) in rows:
    if wl not in wls: wls.append(wl)
print("| workload | target | IOPS | MB/s | mean lat us | p99 lat us | target CPU % | CPU us per I/O |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
ratio = []
for wl in wls:
    for t in ("tgt", "karst"):
        if (t, wl) not in rows: continue
        iops = med(t, wl, "iops"); cpu = med(t, wl, "cpu")
        print(f"| {wl} | {t} | {iops:.0f} | {med(t, wl, 'mbps'):.0f} | {med(t, wl, 'lat_us_mean'):.1f} | "
              f"{med(t, wl, 'lat_us_p99'):.1f} | {cpu:.0f} | {cpu * 1e4 / iops if iops else float('nan'):.1f} |")
    if ("tgt", wl) in rows and ("karst", wl) in rows:
        ratio.append((wl, med("karst", wl, "iops") / med("tgt", wl, "iops"),
                      med("karst", wl, "lat_us_mean") / med("tgt", wl, "lat_us_mean")))
print()
print("| workload | Karst/tgt IOPS | Karst/tgt mean latency |")
print("|---|---:|---:|")
for wl, r, l in ratio:
    print(f"| {wl} | {r:.2f} | {l:.2f} |")
PY
