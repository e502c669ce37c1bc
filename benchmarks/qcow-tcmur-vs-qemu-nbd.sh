#!/bin/bash
# 4 KiB random read and write at queue depth 32 on one qcow2 image, served over NBD by qemu-nbd and by Karst
# (Debian's handler_qcow through the tcmur module, exported by the NBD server), back to back, measured by fio's nbd
# engine with the workloads of shared/bench (bench-nbd.sh). The image is written fully once first (through qemu-nbd)
# so both serve allocated clusters. Only one of them has the image open at a time.
#
#   benchmarks/qcow-tcmur-vs-qemu-nbd.sh [OUTDIR]     ROUNDS=3 RUNTIME=6 SIZE=1G PORT_OFFSET=410 BENCH=/work/shared/bench
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-/tmp/karst-qcow-vs-qemu-nbd}
ROUNDS=${ROUNDS:-3}; RUNTIME=${RUNTIME:-6}; SIZE=${SIZE:-1G}; PORT_OFFSET=${PORT_OFFSET:-410}
BENCH=${BENCH:-/work/shared/bench}
QPORT=$((20000 + PORT_OFFSET)); KPORT=$((10809 + PORT_OFFSET))
mkdir -p "$out"; rm -rf "$out/dist" "$out/base"; mkdir -p "$out/dist"
tar xzf "$(ls "$here"/../karaf-assembly/target/karst-*.tar.gz | head -1)" -C "$out/dist"
karst="$(ls -d "$out"/dist/karst-*)/bin/karst"
img=/dev/shm/karst-qcow-bench.qcow2
rm -f "$img"; qemu-img create -f qcow2 "$img" "$SIZE" >/dev/null
k() { "$karst" --base "$out/base" "$@"; }
qpid=
qemu_up() {
    qemu-nbd -f qcow2 -x q -p "$QPORT" -b 127.0.0.1 --persistent --shared=8 "$img" & qpid=$!
    for i in $(seq 1 50); do nbdinfo "nbd://127.0.0.1:$QPORT/q" >/dev/null 2>&1 && return; sleep 0.1; done
}
qemu_down() { kill "$qpid"; wait "$qpid" 2>/dev/null || true; qpid=; }
cleanup() { [ -n "$qpid" ] && qemu_down; k stop >/dev/null 2>&1 || true; rm -f "$img"; }
trap cleanup EXIT
k --name qcowbench --port-offset "$PORT_OFFSET" --rpc-socket "$out/karst.sock" start >/dev/null
printf 'feature:install karst-tcmur\n' | k shell - >/dev/null
for i in $(seq 1 50); do printf 'tcmur:handlers\n' | k shell - | grep -q '^qcow' && break; sleep 0.2; done
export RUNTIME RAMP=2 REPS=1 WORKLOADS="randread4k_qd32 randwrite4k_qd32"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/results.txt"
for rep in $(seq 1 "$ROUNDS"); do
    qemu_up
    PREFILL=$([ "$rep" = 1 ] && echo 1 || echo 0) "$BENCH/bench-nbd.sh" 127.0.0.1 "$QPORT" q \
        | sed "s/^/rep $rep qemu-nbd /" | tee -a "$out/results.txt"
    qemu_down
    printf 'bdev:create tcmur Q qcow/%s\nnbd:start Q Q\n' "$img" | k shell - >/dev/null
    PREFILL=0 "$BENCH/bench-nbd.sh" 127.0.0.1 "$KPORT" Q | sed "s/^/rep $rep karst /" | tee -a "$out/results.txt"
    printf 'nbd:stop Q\nbdev:delete Q\n' | k shell - >/dev/null
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/results.txt"
qemu-img check "$img" | grep -E 'No errors|error' | tee -a "$out/results.txt"
awk '
/^rep/ { for (i = 1; i <= NF; i++) if ($i ~ /^iops=/) { split($i, a, "="); v[$2" "$3" "$4] = a[2] } }
END {
    split("randread4k_qd32 randwrite4k_qd32", wls, " ")
    for (w = 1; w <= 2; w++) {
        n = 0
        for (r = 1; (r" qemu-nbd "wls[w]) in v; r++) {
            ratio[n++] = v[r" karst "wls[w]] / v[r" qemu-nbd "wls[w]]
            printf "%s rep %d: qemu-nbd %d IOPS, Karst tcmur+handler_qcow %d IOPS, ratio %.3f\n", wls[w], r, v[r" qemu-nbd "wls[w]], v[r" karst "wls[w]], ratio[n-1]
        }
        for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (ratio[j] < ratio[i]) { t = ratio[i]; ratio[i] = ratio[j]; ratio[j] = t }
        if (n) printf "%s median ratio Karst/qemu-nbd: %.3f\n", wls[w], n % 2 ? ratio[int(n/2)] : (ratio[n/2-1] + ratio[n/2]) / 2
    }
}' "$out/results.txt" | tee -a "$out/results.txt"
