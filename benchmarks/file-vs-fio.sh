#!/usr/bin/env bash
# The file bdev against fio, in one run: 4 KiB random read and random write at queue depth 32 on the same 1 GiB
# file in /dev/shm, fio with its libaio and io_uring engines (direct=0) and the JMH benchmark
# io.karst.bench.FileBdevRandomIo (through the bdev core's channel), back to back, REPS times. Prints the IOPS of
# each and the Karst/fio ratios of each repetition (runs next to each other share the machine's state) and their
# medians, plus the CPU each tool used per I/O and the CPU other processes used meanwhile. fio runs with
# --invalidate=0 so that it reads the same cached pages the bdev reads (on tmpfs it makes no difference; on a
# disk file system fio would otherwise drop the file's page cache before each run and measure the disk).
#
# usage: benchmarks/file-vs-fio.sh [OUTDIR]
# env:   FILE (/dev/shm/karst-file-vs-fio.img)  RUNTIME (6 s)  RAMP (2 s)  REPS (3)
#        ENGINE (auto|uring|threads)  VIA (core|device)  WORKLOADS ("randread randwrite")  KEEP_FILE (0)
#        RING_MODES ("auto"; e.g. "owned inline" runs the Karst benchmark once per io_uring ring mode)
#        CLEAN (25: a repetition counts as clean when other processes used less CPU than this % meanwhile)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${1:-$(mktemp -d /tmp/file-vs-fio.XXXXXX)}
mkdir -p "$out"
file=${FILE:-/dev/shm/karst-file-vs-fio.img}
runtime=${RUNTIME:-6}
ramp=${RAMP:-2}
reps=${REPS:-3}
engine=${ENGINE:-auto}
via=${VIA:-core}
workloads=${WORKLOADS:-randread randwrite}
ring_modes=${RING_MODES:-auto}
clean=${CLEAN:-25}
jar=$here/target/benchmarks.jar
measure=$here/lib/measure.py

if ! command -v fio >/dev/null 2>&1; then
    echo "fio is missing: installing it" >&2
    apt-get install -y -qq fio >/dev/null || { apt-get update -qq && apt-get install -y -qq fio >/dev/null; }
fi
if [ ! -f "$jar" ]; then
    echo "building $jar" >&2
    (cd "$root" && mvn -q -DskipTests install -pl benchmarks -am)
fi

cleanup() {
    if [ "${KEEP_FILE:-0}" != 1 ]; then rm -f "$file"; fi
}
trap cleanup EXIT

# the same data for everyone: a fully written file (holes would read faster than pages)
echo "# preparing $file (1 GiB of random data)"
rm -f "$file"
dd if=/dev/urandom of="$file" bs=1M count=1024 status=none
sync

echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, fio $(fio --version), $(java -version 2>&1 | head -1)"
echo "# runtime ${runtime}s after ${ramp}s ramp, ${reps} repetitions, karst engine=${engine} via=${via}" \
    "ring modes: ${ring_modes}; results in $out"

calc() { awk "BEGIN { print $1 }"; }

run_fio() { # engine workload rep
    local e=$1 wl=$2 rep=$3
    "$measure" "$(calc "$ramp + 0.7")" "$(calc "$ramp + $runtime - 0.5")" "$out/cpu-fio-$e-$wl-$rep.json" -- \
        fio --name="$wl" --ioengine="$e" --filename="$file" --size=1G --direct=0 --rw="$wl" --bs=4k --iodepth=32 \
        --time_based --runtime="$runtime" --ramp_time="$ramp" --thread --group_reporting --randrepeat=0 \
        --norandommap --random_generator=lfsr --invalidate=0 \
        --output-format=json --output="$out/fio-$e-$wl-$rep.json" >/dev/null
}

run_karst() { # workload rep ring-mode
    local wl=$1 rep=$2 mode=$3 bench
    case $wl in
        randread) bench=randRead ;;
        randwrite) bench=randWrite ;;
        *) echo "unknown workload $wl" >&2; exit 2 ;;
    esac
    "$measure" "$(calc "$ramp + 1.5")" "$(calc "$ramp + $runtime")" "$out/cpu-karst-$mode-$wl-$rep.json" -- \
        java -jar "$jar" "io.karst.bench.FileBdevRandomIo.${bench}\$" -p file="$file" -p size=1G \
        -p engine="$engine" -p via="$via" -p ringMode="$mode" -f 1 -wi 1 -w "${ramp}s" -i 1 -r "${runtime}s" \
        -rf json -rff "$out/karst-$mode-$wl-$rep.json" >"$out/karst-$mode-$wl-$rep.log" 2>&1 \
        || { echo "karst benchmark failed, see $out/karst-$mode-$wl-$rep.log" >&2
             tail -20 "$out/karst-$mode-$wl-$rep.log" >&2; exit 1; }
}

for rep in $(seq 1 "$reps"); do
    for wl in $workloads; do
        echo "# rep $rep $wl: fio libaio, fio io_uring, karst ($ring_modes)"
        run_fio libaio "$wl" "$rep"
        run_fio io_uring "$wl" "$rep"
        for mode in $ring_modes; do
            run_karst "$wl" "$rep" "$mode"
        done
    done
done

python3 - "$out" "$reps" "$clean" "$ring_modes" $workloads <<'EOF'
import json, statistics, sys
out, reps, clean = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
modes, workloads = sys.argv[4].split(), sys.argv[5:]

def cpu(name):
    try:
        with open(f"{out}/cpu-{name}.json") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}

def fio_iops(e, wl, rep):
    with open(f"{out}/fio-{e}-{wl}-{rep}.json") as f:
        job = json.load(f)["jobs"][0]
    return job["read" if wl == "randread" else "write"]["iops"]

def karst_iops(mode, wl, rep):
    with open(f"{out}/karst-{mode}-{wl}-{rep}.json") as f:
        return json.load(f)[0]["primaryMetric"]["score"]

def us_per_io(c, iops):
    return c.get("tool_cpu_pct", 0) / 100.0 / iops * 1e6 if iops else 0

med = statistics.median
summary = {}
for mode in modes:
    print()
    print(f"== karst, ring mode {mode}")
    print(f"{'workload':<10} {'rep':>3} {'fio libaio':>11} {'fio io_uring':>13} {'karst':>11} {'/libaio':>8}"
          f" {'/io_uring':>10}   {'CPU us/IO: libaio':>17} {'io_uring':>8} {'karst':>6}   {'foreign CPU %':>13}")
    for wl in workloads:
        rows = []
        for rep in range(1, reps + 1):
            a, u, k = fio_iops("libaio", wl, rep), fio_iops("io_uring", wl, rep), karst_iops(mode, wl, rep)
            ca, cu = cpu(f"fio-libaio-{wl}-{rep}"), cpu(f"fio-io_uring-{wl}-{rep}")
            ck = cpu(f"karst-{mode}-{wl}-{rep}")
            foreign = [c.get("foreign_cpu_pct", 999.0) for c in (ca, cu, ck)]
            ok = max(foreign) < clean
            print(f"{wl:<10} {rep:>3} {a:>11,.0f} {u:>13,.0f} {k:>11,.0f} {k / a:>8.2f} {k / u:>10.2f}"
                  f"   {us_per_io(ca, a):>17.2f} {us_per_io(cu, u):>8.2f} {us_per_io(ck, k):>6.2f}"
                  f"   {'/'.join(str(round(x)) for x in foreign):>13}{'' if ok else '  (not clean)'}")
            rows.append((a, u, k, k / a, k / u, ok, us_per_io(ca, a), us_per_io(cu, u), us_per_io(ck, k)))
        for label, sel in (("all", rows), ("clean", [r for r in rows if r[5]])):
            if not sel:
                print(f"{wl:<10} {'med':>3} ({label}: no repetition)")
                continue
            col = lambda i: med(r[i] for r in sel)
            print(f"{wl:<10} {'med':>3} {col(0):>11,.0f} {col(1):>13,.0f} {col(2):>11,.0f} {col(3):>8.2f}"
                  f" {col(4):>10.2f}   {col(6):>17.2f} {col(7):>8.2f} {col(8):>6.2f}   {label} ({len(sel)} of {reps})")
            summary.setdefault(mode, {}).setdefault(wl, {})[label] = {
                "repetitions": len(sel), "fio_libaio_iops": col(0), "fio_io_uring_iops": col(1),
                "karst_iops": col(2), "karst_vs_libaio": col(3), "karst_vs_io_uring": col(4),
                "cpu_us_per_io": {"fio_libaio": col(6), "fio_io_uring": col(7), "karst": col(8)}}
with open(f"{out}/summary.json", "w") as f:
    json.dump(summary, f, indent=2)
print()
print("ratios are medians of the per-repetition ratios (karst IOPS / fio IOPS of the same repetition);")
print("foreign CPU % = CPU other processes used during fio libaio / fio io_uring / karst (100 = one CPU);")
print(f"clean = repetitions where it stayed below {clean:g} % in all three runs")
EOF
