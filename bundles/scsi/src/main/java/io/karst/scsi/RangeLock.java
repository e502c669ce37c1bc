package io.karst.scsi;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Block-range locks of one logical unit: writers hold shared locks (concurrent writes may overlap, as SCSI allows),
 * COMPARE AND WRITE holds an exclusive one, so it is atomic against every overlapping writer while I/O to other
 * ranges goes on. A request that conflicts with a held lock or with an earlier waiting one waits in arrival order,
 * and is granted through {@link ScsiTask#runOnSubmitter} when the conflict ends. Allocates only when a request
 * must wait.
 */
final class RangeLock {
    private long[] starts = new long[32];
    private long[] ends = new long[32];
    private boolean[] exclusive = new boolean[32];
    private ScsiTask[] owners = new ScsiTask[32];
    private int held;
    private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();

    private record Waiter(ScsiTask task, long start, long end, boolean exclusive) {
    }

    /** Takes the lock now and returns true, or queues the task (resumed when granted) and returns false. */
    boolean acquire(ScsiTask task, long start, long count, boolean excl) {
        long end = start + Math.max(count, 1);
        synchronized (this) {
            if (!conflictsHeld(start, end, excl) && !conflictsWaiting(start, end, excl)) {
                add(task, start, end, excl);
                return true;
            }
            waiting.add(new Waiter(task, start, end, excl));
            return false;
        }
    }

    void release(ScsiTask task) {
        List<ScsiTask> granted = null;
        synchronized (this) {
            for (int i = 0; i < held; i++) {
                if (owners[i] == task) {
                    held--;
                    starts[i] = starts[held];
                    ends[i] = ends[held];
                    exclusive[i] = exclusive[held];
                    owners[i] = owners[held];
                    owners[held] = null;
                    break;
                }
            }
            if (!waiting.isEmpty()) {
                // grant waiters in order while each is compatible with what is held and with earlier waiters
                List<Waiter> still = new ArrayList<>();
                for (Waiter w : waiting) {
                    boolean blocked = conflictsHeld(w.start, w.end, w.exclusive);
                    for (Waiter s : still) {
                        if (s.start < w.end && w.start < s.end && (s.exclusive || w.exclusive)) {
                            blocked = true;
                            break;
                        }
                    }
                    if (blocked) {
                        still.add(w);
                    } else {
                        add(w.task, w.start, w.end, w.exclusive);
                        if (granted == null) {
                            granted = new ArrayList<>();
                        }
                        granted.add(w.task);
                    }
                }
                waiting.clear();
                waiting.addAll(still);
            }
        }
        if (granted != null) {
            for (ScsiTask t : granted) {
                t.locked = true;
                t.runOnSubmitter(t);
            }
        }
    }

    synchronized int heldCount() {
        return held;
    }

    synchronized int waitingCount() {
        return waiting.size();
    }

    private boolean conflictsHeld(long start, long end, boolean excl) {
        for (int i = 0; i < held; i++) {
            if (starts[i] < end && start < ends[i] && (excl || exclusive[i])) {
                return true;
            }
        }
        return false;
    }

    private boolean conflictsWaiting(long start, long end, boolean excl) {
        for (Waiter w : waiting) {
            if (w.start < end && start < w.end && (excl || w.exclusive)) {
                return true;
            }
        }
        return false;
    }

    private void add(ScsiTask task, long start, long end, boolean excl) {
        if (held == owners.length) {
            int n = held * 2;
            starts = java.util.Arrays.copyOf(starts, n);
            ends = java.util.Arrays.copyOf(ends, n);
            exclusive = java.util.Arrays.copyOf(exclusive, n);
            owners = java.util.Arrays.copyOf(owners, n);
        }
        starts[held] = start;
        ends[held] = end;
        exclusive[held] = excl;
        owners[held] = task;
        held++;
    }
}
