#!/bin/sh
# 4 KiB random read and write at queue depth 32 through a tcmur bdev served by the Java file handler, against the
# file bdev on the same file, back to back in one running Karst (bdev:perf, one thread, through the bdev core).
#
#   benchmarks/tcmur-vs-file.sh [OUTDIR]        REPS=3 RUNTIME=5 SIZE=1024 (MiB) PORT_OFFSET=400
#
# Needs the built distribution (mvn -B -DskipTests install). Prints each run's IOPS, the tcmur/file ratio of each
# repetition, their medians and the load average before and after.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/karst-tcmur-vs-file}
REPS=${REPS:-3}
RUNTIME=${RUNTIME:-5}
SIZE=${SIZE:-1024}
PORT_OFFSET=${PORT_OFFSET:-400}
tarball=$(ls "$here"/../karaf-assembly/target/karst-*.tar.gz | head -1)
mkdir -p "$out"
rm -rf "$out/dist" "$out/base"
mkdir -p "$out/dist"
tar xzf "$tarball" -C "$out/dist"
karst="$(ls -d "$out"/dist/karst-*)/bin/karst"
img=/dev/shm/karst-tcmur-bench.img
dd if=/dev/zero of="$img" bs=1M count="$SIZE" status=none
k() { "$karst" --base "$out/base" "$@"; }
k --name tcmurbench --port-offset "$PORT_OFFSET" --rpc-socket "$out/karst.sock" start >/dev/null
trap 'k stop >/dev/null 2>&1 || true; rm -f "$img"' EXIT
printf 'feature:install karst-tcmur\nfeature:install karst-tcmur-handler-file\n' | k shell - >/dev/null
# the handler bundle registers its service asynchronously
for i in $(seq 1 50); do
    printf 'tcmur:handlers\n' | k shell - | grep -q 'io.karst.handler.file' && break
    sleep 0.2
done
printf 'bdev:create file FileB %s\nbdev:create tcmur TcmurB file/%s\n' "$img" "$img" | k shell - >/dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/results.txt"
for rep in $(seq 1 "$REPS"); do
    for wl in randread randwrite; do
        for b in FileB TcmurB; do
            line=$(printf 'bdev:perf -s -w %s -q 32 -o 4K -t %s %s\n' "$wl" "$RUNTIME" "$b" | k shell -)
            iops=$(echo "$line" | sed -n 's/.*: \([0-9]*\) IOPS.*/\1/p')
            echo "rep $rep $wl $b $iops" | tee -a "$out/results.txt"
        done
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/results.txt"
awk '
/^rep/ { v[$2" "$3" "$4] = $5 }
END {
    for (w = 0; w < 2; w++) {
        wl = w == 0 ? "randread" : "randwrite"; n = 0
        for (r = 1; (r" "wl" FileB") in v; r++) {
            ratio[n++] = v[r" "wl" TcmurB"] / v[r" "wl" FileB"]
            printf "%s rep %d: file %d IOPS, tcmur+Java file handler %d IOPS, ratio %.3f\n", wl, r, v[r" "wl" FileB"], v[r" "wl" TcmurB"], ratio[n-1]
        }
        for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (ratio[j] < ratio[i]) { t = ratio[i]; ratio[i] = ratio[j]; ratio[j] = t }
        printf "%s median ratio tcmur/file: %.3f\n", wl, n % 2 ? ratio[int(n/2)] : (ratio[n/2-1] + ratio[n/2]) / 2
    }
}' "$out/results.txt" | tee -a "$out/results.txt"
