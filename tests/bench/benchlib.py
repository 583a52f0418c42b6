"""benchlib.py: what bench.py and bench_catalog.py share: running the
helper commands, finding a cluster, and reading CPU time from /proc."""
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TICK = os.sysconf("SC_CLK_TCK")

# The helper commands' environment: no NOTICE from DROP ... IF EXISTS.
QUIET = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")


class BenchError(Exception):
    pass


def sh(*argv, capture=False, show=True):
    """Runs argv from the repository's root; its output when capture,
    shown on our standard output when show.  Raises BenchError when it
    fails."""
    out = subprocess.PIPE if capture else (None if show else subprocess.DEVNULL)
    p = subprocess.run(list(argv), cwd=ROOT, text=True, env=QUIET, stdout=out)
    if p.returncode != 0:
        raise BenchError("%s exited with status %d"
                         % (" ".join(argv), p.returncode))
    return p.stdout.strip() if capture else None


def cluster_base(cluster):
    """Where the cluster lives (db.sh may have moved it, see there)."""
    marker = os.path.join(cluster, "cluster")
    if os.path.exists(marker):
        with open(marker) as f:
            return f.read().strip()
    return cluster


def postmaster_pid(cluster):
    with open(os.path.join(cluster_base(cluster), "data", "postmaster.pid")) as f:
        return int(f.readline())


def machine_busy():
    """CPU seconds the whole machine has been busy since boot."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / TICK


def proc_cpu(pid, reaped=True):
    """utime+stime of pid in seconds (plus its reaped children's), or 0."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields[0] is field 3 (state): utime, stime, cutime, cstime are 14-17.
    t = int(fields[11]) + int(fields[12])
    if reaped:
        t += int(fields[13]) + int(fields[14])
    return t / TICK


def cluster_cpu(pm):
    """CPU seconds used so far by a cluster: its postmaster pm, its live
    children and the children it has reaped (exited backends)."""
    total = proc_cpu(pm, True)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pm:
            total += proc_cpu(int(entry), False)
    return total
