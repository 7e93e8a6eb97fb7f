"""Run a command; report its wall time and the peak summed RSS of its whole process tree.

Ray's own processes and workers are children of the command, so they are counted; pages shared
between processes are counted once per process, so the sum is an upper bound.  Sampled from
/proc every 0.5 s (Linux only).

    python benchmarks/tree_rss.py python -m harness run --methods all --executor ray
"""

import os
import subprocess
import sys
import time


def tree_rss(root: int) -> int:
    children, rss = {}, {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        children.setdefault(int(fields[1]), []).append(int(pid))
        rss[int(pid)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def main() -> int:
    start = time.time()
    process = subprocess.Popen(sys.argv[1:])
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.5)
    print(f"wall {time.time() - start:.1f} s, peak summed RSS {peak / 2**30:.2f} GiB, rc {process.returncode}", file=sys.stderr)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
