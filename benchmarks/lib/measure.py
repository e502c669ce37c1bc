#!/usr/bin/env python3
"""Runs a benchmark command and samples CPU use over its steady-state window.

usage: measure.py FROM_S TO_S OUT_JSON -- command args...

Between FROM_S and TO_S seconds after the start it samples the machine's busy time (/proc/stat) and the
busy time of the command's process tree (all threads, including io_uring workers), and writes
{"tool_cpu_pct": .., "machine_cpu_pct": .., "foreign_cpu_pct": ..} to OUT_JSON (percent of one CPU).
The command's own output goes to stdout; its exit status is this script's.
"""
import json
import os
import subprocess
import sys
import time

HZ = os.sysconf("SC_CLK_TCK")


def machine_busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v[:8]) - idle


def tree(pid):
    pids = [pid]
    i = 0
    while i < len(pids):
        try:
            for task in os.listdir(f"/proc/{pids[i]}/task"):
                try:
                    with open(f"/proc/{pids[i]}/task/{task}/children") as f:
                        pids += [int(x) for x in f.read().split()]
                except OSError:
                    pass
        except OSError:
            pass
        i += 1
    return pids


def tree_busy(pid):
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def main():
    start_s, end_s, out = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    cmd = sys.argv[sys.argv.index("--") + 1:]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd)
    sample = {}
    try:
        time.sleep(max(0.0, start_s - (time.monotonic() - t0)))
        if proc.poll() is None:
            m0, p0, w0 = machine_busy(), tree_busy(proc.pid), time.monotonic()
            time.sleep(max(0.1, end_s - (time.monotonic() - t0)))
            if proc.poll() is None:
                m1, p1, w1 = machine_busy(), tree_busy(proc.pid), time.monotonic()
                wall = (w1 - w0) * HZ / 100.0
                tool = (p1 - p0) / wall
                machine = (m1 - m0) / wall
                sample = {"tool_cpu_pct": round(tool, 1), "machine_cpu_pct": round(machine, 1),
                          "foreign_cpu_pct": round(max(0.0, machine - tool), 1)}
        rc = proc.wait()
    except BaseException:
        proc.kill()
        raise
    with open(out, "w") as f:
        json.dump(sample, f)
    sys.exit(rc)


if __name__ == "__main__":
    main()
