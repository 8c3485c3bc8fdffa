"""How long the real-data build takes, next to what any Python program pays to read its input.

    .venv/bin/python bench/build_speed.py [--repeat 5]

In a temporary copy of the project (never the repository's own outputs), in one run:
1. the build exactly as a user runs it, `python -m scripts build`, as a new process each
   time: one build first (it compiles the copy's .py files and leaves the outputs in place,
   as a user's previous build does, and draws and validates everything: its time is printed
   too), then --repeat timed builds with nothing changed;
2. the bare baseline, also --repeat times: a new Python process that reads the raw snapshot
   (`python -c "open(RAW, 'rb').read()"`), i.e. Python's start-up plus reading the input.
It prints the median and range of each, their ratio, the machine's load average (other work
on the 2 cores slows every figure down), and whether the median build is under the goal
(1.0 s). The copy's outputs must stay byte-identical build after build: it checks that too.
"""

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.core.paths import Project  # noqa: E402

NOT_INPUTS = (".git", "build", "dist", ".venv", "__pycache__", "tests", "bench", "node_modules", ".pytest_cache", ".ruff_cache")
GOAL_SECONDS = 1.0


def timed(args, cwd, cpu=None):
    """Wall seconds of a command; its CPU seconds (user + system, its child processes
    included) appended to `cpu`: less sensitive than wall time to other work on the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def outputs_digest(root):
    """One digest of every file the build writes that is kept in git, plus the database."""
    digest = hashlib.sha256()
    for pattern in ("data/*.csv", "datapackage.json", "metadata.yml", "exports/*", "docs/charts/*.svg", "build/*.db", "build/downloads/*"):
        for path in sorted(root.glob(pattern)):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def summary(label, seconds):
    return f"{label:<44} median {statistics.median(seconds):6.3f} s   min {min(seconds):6.3f}   max {max(seconds):6.3f}   (n={len(seconds)})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="build-speed-") as tmp:
        folder = Path(tmp) / "project"
        shutil.copytree(REPO, folder, ignore=shutil.ignore_patterns(*NOT_INPUTS))
        raw = Project(folder).raw_path
        build = [sys.executable, "-m", "scripts", "build"]
        baseline = [sys.executable, "-c", f"open({str(raw)!r}, 'rb').read()"]
        env_load = os.getloadavg()
        first_cpu = []
        first_wall = timed(build, folder, first_cpu)  # compiles the copy's modules; draws and validates everything
        first = outputs_digest(folder)
        builds, bares, builds_cpu, bares_cpu = [], [], [], []
        for _ in range(args.repeat):  # interleaved, so both meet the same load
            bares.append(timed(baseline, folder, bares_cpu))
            builds.append(timed(build, folder, builds_cpu))
        identical = outputs_digest(folder) == first
        load = os.getloadavg()
    median, bare = statistics.median(builds), statistics.median(bares)
    print(f"load average before / after: {env_load[0]:.2f} / {load[0]:.2f} (2 cores; other work slows every figure)")
    print(summary("build (python -m scripts build, no change)", builds))
    print(summary(f"baseline (python start-up + read {raw.name[:14]}...)", bares))
    print(f"build / baseline: {median / bare:.1f}x; build minus baseline: {median - bare:.3f} s")
    print(f"CPU seconds (user + system, children included), median: build {statistics.median(builds_cpu):.3f}, baseline {statistics.median(bares_cpu):.3f}")
    print(f"first build of the copy (compiles .pyc, draws every chart, validates): {first_wall:.3f} s wall, {first_cpu[0]:.3f} s CPU")
    print(f"outputs byte-identical across the builds: {'yes' if identical else 'NO'}")
    print(f"goal: median build under {GOAL_SECONDS:.1f} s: {'yes' if median < GOAL_SECONDS else 'no'}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
