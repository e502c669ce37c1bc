#!/usr/bin/env bash
# The FUSE frontend against a plain file, in one run: 4 KiB random read at queue depth 32 (fio libaio, one job,
# the parameters of shared/bench/bench-lib.sh) on
#   1. a 1 GiB file in /dev/shm, read directly by fio (direct=0, as bench-file.sh; and direct=1);
#   2. the same file as a Karst file bdev, read through the FUSE mount (dev/Shm0; FUSE files are direct I/O);
#   3. a 1 GiB RAM bdev through the FUSE mount (dev/Ram0): the frontend's cost without the file bdev's;
#   4. the same RAM bdev over NBD (fio's nbd engine, libnbd), when the instance runs the NBD server.
# back to back, REPS times, in that order within each repetition. Prints the IOPS of each, the ratio of each
# Karst run to the plain file (direct=0) of the same repetition, and their medians, with the load average.
# It starts a Karst instance of its own from the built distribution (root needed for the mount).
#
# usage: benchmarks/fuse-vs-file.sh [OUTDIR]
# env:   RUNTIME (8 s)  RAMP (2 s)  REPS (3)  DIST (karaf-assembly/target/assembly)  PORT_OFFSET (300)
#        NUMJOBS (1)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
out=${1:-$(mktemp -d /tmp/fuse-vs-file.XXXXXX)}
mkdir -p "$out"
runtime=${RUNTIME:-8}
ramp=${RAMP:-2}
reps=${REPS:-3}
numjobs=${NUMJOBS:-1}
dist=${DIST:-$root/karaf-assembly/target/assembly}
offset=${PORT_OFFSET:-300}
file=/dev/shm/karst-fuse-bench.img
base=$(mktemp -d /tmp/karst-fuse-bench.XXXXXX)
karst() { "$dist/bin/karst" --base "$base" "$@"; }

[ "$(id -u)" = 0 ] || { echo "needs root (mount)" >&2; exit 2; }
[ -x "$dist/bin/karst" ] || { echo "no distribution at $dist: mvn -B -DskipTests install" >&2; exit 2; }
command -v fio >/dev/null || { echo "fio is missing (apt-get install fio)" >&2; exit 2; }

cleanup() {
    karst stop >/dev/null 2>&1 || true
    rm -f "$file"
    rm -rf "$base"
}
trap cleanup EXIT

echo "# preparing $file (1 GiB of random data) and a Karst instance in $base"
dd if=/dev/urandom of="$file" bs=1M count=1024 status=none
karst --name fusebench --port-offset "$offset" start >/dev/null
karst shell 'feature:install karst-fuse' >/dev/null
karst shell "bdev:create file Shm0 $file block_size=4096" >/dev/null
karst shell 'bdev:create malloc Ram0 1G 4096' >/dev/null
mnt=$base/data/fuse
for i in $(seq 1 100); do [ -e "$mnt/dev/Ram0" ] && break; sleep 0.1; done
dd if="$file" of="$mnt/dev/Ram0" bs=1M oflag=direct status=none  # written, like the file

echo "# $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, $(fio --version), $(java -version 2>&1 | head -1)"
echo "# randread 4k iodepth=32 numjobs=$numjobs libaio, ${runtime}s after ${ramp}s ramp, $reps repetitions; results in $out"

run() { # label rep fio-target-args...
    local label=$1 rep=$2
    shift 2
    fio --name="$label" "$@" --size=1G --rw=randread --bs=4k \
        --iodepth=32 --numjobs="$numjobs" --time_based --runtime="$runtime" --ramp_time="$ramp" --thread \
        --group_reporting --randrepeat=0 --norandommap --random_generator=lfsr \
        --output-format=json --output="$out/$label-$rep.json" >/dev/null
    # (the nbd engine prints a line before the JSON)
    python3 -c 'import json,sys; t=open(sys.argv[1]).read(); print(int(json.loads(t[t.index("{"):])["jobs"][0]["read"]["iops"]))' \
        "$out/$label-$rep.json"
}

targets=("shm-direct0|--filename=$file --ioengine=libaio --direct=0 --invalidate=0"
         "shm-direct1|--filename=$file --ioengine=libaio --direct=1 --invalidate=0"
         "fuse-file-bdev|--filename=$mnt/dev/Shm0 --ioengine=libaio --direct=1"
         "fuse-ram-bdev|--filename=$mnt/dev/Ram0 --ioengine=libaio --direct=1")
if karst shell 'nbd:start Ram0' >/dev/null 2>&1; then
    targets+=("nbd-ram-bdev|--ioengine=nbd --uri=nbd://127.0.0.1:$((10809 + offset))/Ram0")
else
    echo "# no NBD server in this instance: NBD not measured"
fi
declare -A iops
for rep in $(seq 1 "$reps"); do
    line="rep $rep (load $(cut -d' ' -f1-3 /proc/loadavg)):"
    for t in "${targets[@]}"; do
        label=${t%%|*}
        # shellcheck disable=SC2086
        iops[$label,$rep]=$(run "$label" "$rep" ${t#*|})
        line+=" $label=${iops[$label,$rep]}"
    done
    echo "$line"
done

echo "# IOPS median and ratio to shm-direct0 (per repetition, then the median of the ratios)"
for t in "${targets[@]}"; do
    label=${t%%|*}
    vals=(); ratios=()
    for rep in $(seq 1 "$reps"); do
        vals+=("${iops[$label,$rep]}")
        ratios+=("$(awk -v a="${iops[$label,$rep]}" -v b="${iops[shm-direct0,$rep]}" 'BEGIN { printf "%.3f", a / b }')")
    done
    med=$(printf '%s\n' "${vals[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    rmed=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '%-16s median %8d IOPS   ratio %s (per rep: %s)\n' "$label" "$med" "$rmed" "${ratios[*]}"
done
karst shell 'fuse:files' | tee "$out/fuse-files.txt"
