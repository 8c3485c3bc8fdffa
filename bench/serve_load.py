"""Load figures for the published instance, on 127.0.0.1 only.

Starts Datasette exactly as `python -m scripts serve` does (scripts/serve/instance.py command()) on
the built database, then, with wrk at 10 connections:

  1. for the index page, a table page, a row page, a saved query, the JSON API and a search:
     requests/s, p50/p99 latency and errors over a bounded number of requests each, once
     for the same URL again and again, once with every URL new (as a crawler's would be);
  2. the same JSON body served as a static file by nginx (one worker): the ceiling this
     machine sets, and our throughput as a ratio of it;
  3. while 10 connections send hostile SQL (endless recursion, a cross join, blob bombs,
     writes, ATTACH, PRAGMA), the normal pages' latency, and how the hostile ones ended.

Prerequisites: a build (`make build`) and two Debian packages:
    apt-get install -y wrk nginx-light
Usage, from the repository root:
    .venv/bin/python bench/serve_load.py                  # 10,000 requests per page
    .venv/bin/python bench/serve_load.py --requests 2000  # a quicker look
Every run is bounded: at most --requests per page and --max-seconds per measurement.
"""

import argparse
import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.hostile import HOSTILE_SQL, LARGEST_ANSWER_SQL  # noqa: E402
from scripts.core.paths import Project  # noqa: E402
from scripts.serve import instance  # noqa: E402

HOST = "127.0.0.1"
WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")
PAGES = [
    ("index page", "/"),
    ("table page", "/longlist/theories"),
    ("row page", "/longlist/theories/9"),
    ("saved query", "/longlist/theories_by_group_rank"),
    ("JSON API", "/longlist/theories.json"),
    ("search", "/longlist/search_text?q=deception"),
]
STATIC_OF = "/longlist/theories.json"  # the page whose body nginx serves as a file
GOAL_RPS, GOAL_P99_MS = 500, 50


def query_path(sql):
    return "/longlist.json?" + urllib.parse.urlencode({"sql": sql})


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def wait_until_up(url, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise SystemExit(f"error: {url} did not answer within {seconds}s")


@contextlib.contextmanager
def running(args, url, log):
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(url)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def static_server(body, workdir):
    """nginx with one worker, serving `body` as a JSON file: the ceiling for a response."""
    root = workdir / "www"
    root.mkdir(parents=True)
    (root / "page.json").write_bytes(body)
    for path in (workdir.parent, workdir, root, root / "page.json"):  # nginx's worker runs as an unprivileged user
        path.chmod(0o755 if path.is_dir() else 0o644)
    port = free_port()
    config = workdir / "nginx.conf"
    config.write_text(
        f"worker_processes 1;\ndaemon off;\npid {workdir}/nginx.pid;\nerror_log {workdir}/error.log warn;\n"
        "events { worker_connections 256; }\n"
        "http {\n  access_log off;\n  types { application/json json; }\n"
        f"  server {{ listen {HOST}:{port}; root {root}; }}\n}}\n",
        encoding="utf-8",
    )
    with open(workdir / "nginx.out", "wb") as log:
        with running(["nginx", "-c", str(config), "-p", str(workdir), "-e", str(workdir / "error.log")], f"http://{HOST}:{port}/page.json", log):
            yield f"http://{HOST}:{port}/page.json"


def run_wrk(url, connections, requests, max_seconds, paths=(), unique=False):
    """wrk's figures for `url`: until `requests` responses (then wrk is interrupted, since it
    would otherwise sleep out its -d) or `max_seconds`, whichever comes first."""
    env = dict(os.environ, WRK_REQUESTS_PER_THREAD=str(requests), WRK_PATHS="\n".join(paths), WRK_UNIQUE="1" if unique else "0")
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max_seconds}s", "--timeout", "10s", "-s", str(WRK_SCRIPT), url]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.strip() == "limit reached":
                process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    if process.returncode != 0:
        raise SystemExit(f"error: wrk failed: {process.stderr.read().strip()}")
    return parse_wrk("".join(lines))


def parse_wrk(output):
    line = next(line for line in reversed(output.splitlines()) if line.startswith("{"))
    figures = json.loads(line)
    seconds = figures["duration_us"] / 1e6
    errors = figures["errors"]
    failed = sum(n for status, n in figures["statuses"].items() if not 200 <= int(status) < 400)
    return {
        "requests": figures["requests"],
        "rps": figures["requests"] / seconds if seconds else 0.0,
        "p50_ms": figures["latency_us"]["p50"] / 1000,
        "p99_ms": figures["latency_us"]["p99"] / 1000,
        "max_ms": figures["latency_us"]["max"] / 1000,
        "errors": failed + errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "statuses": figures["statuses"],
    }


def under_hostile_load(base, args):
    """Normal pages measured while as many connections again send hostile SQL."""
    hostile_paths = [query_path(sql) for sql, _ in HOSTILE_SQL.values()] + [query_path(LARGEST_ANSWER_SQL)]
    seconds = args.hostile_seconds
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        hostile = pool.submit(run_wrk, base + "/", args.connections, 0, seconds + 2, hostile_paths)
        time.sleep(1)  # let the hostile queries occupy the server first
        normal = run_wrk(base + "/", args.connections, 0, seconds, [path for _, path in PAGES])
        return normal, hostile.result()


def peak_rss_mb(pid):
    """The process's peak resident memory so far (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def row(label, path, figures, static_rps=None):
    ratio = f"{figures['rps'] / static_rps:9.1%}" if static_rps else " " * 9
    goal = "yes" if figures["rps"] >= GOAL_RPS and figures["p99_ms"] < GOAL_P99_MS and figures["errors"] == 0 else "no"
    return (
        f"{label:<13} {path[:36]:<36} {figures['rps']:8.0f} {figures['p50_ms']:8.1f} {figures['p99_ms']:8.1f} "
        f"{figures['requests']:9d} {figures['errors']:7d} {ratio}  {goal}"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests per page (default 10000)")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--first-visits", type=int, default=1_000, help="requests per page with every URL new (default 1000)")
    parser.add_argument("--max-seconds", type=int, default=60, help="cap on each measurement (default 60)")
    parser.add_argument("--hostile-seconds", type=int, default=15, help="length of the hostile-SQL phase (default 15)")
    parser.add_argument("--skip-hostile", action="store_true", help="leave out the hostile-SQL phase")
    parser.add_argument(
        "--setting",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="try a Datasette setting other than scripts/serve/instance.py's (an experiment, not the served instance)",
    )
    args = parser.parse_args(argv)
    missing = [tool for tool in ("wrk", "nginx") if not shutil.which(tool) and not Path("/usr/sbin", tool).exists()]
    if missing:
        raise SystemExit(f"error: {', '.join(missing)} not found; install with: apt-get install -y wrk nginx-light")
    os.environ["PATH"] += os.pathsep + "/usr/sbin"
    project = Project()
    if not project.db_path.exists():
        raise SystemExit(f"error: {project.rel(project.db_path)} not built yet; run `make build` first")

    port = free_port()
    base = f"http://{HOST}:{port}"
    command = instance.command(project, port)
    for name, value in args.setting:  # an experiment: the same command with other values
        command += ["--setting", name, value]
    print("serving: " + " ".join(command[1:]).replace(str(project.root) + "/", ""), flush=True)
    with tempfile.TemporaryDirectory(prefix="serve-load-") as tmp, open(Path(tmp) / "datasette.log", "wb") as log:
        workdir = Path(tmp)
        with running(command, base + "/", log) as server:
            for _, path in PAGES:  # warm up: first requests fill Datasette's caches
                for _ in range(5):
                    urllib.request.urlopen(base + path, timeout=30).read()
            body = urllib.request.urlopen(base + STATIC_OF, timeout=30).read()
            pages, first_visits = [], []
            for label, path in PAGES:
                pages.append((label, path, run_wrk(base + path, args.connections, args.requests, args.max_seconds)))
                first_visits.append((label, path, run_wrk(base + path, args.connections, args.first_visits, args.max_seconds, unique=True)))
                print(f"  measured {label}", file=sys.stderr, flush=True)
            normal, hostile = under_hostile_load(base, args) if not args.skip_hostile else (None, None)
            peak_memory = peak_rss_mb(server.pid)
        with static_server(body, workdir / "nginx") as static_url:
            static = run_wrk(static_url, args.connections, args.requests, args.max_seconds)

    print(
        f"\n{args.connections} connections, up to {args.requests} requests or {args.max_seconds}s per page (wrk, 1 thread); "
        f"goal: >= {GOAL_RPS} req/s, p99 < {GOAL_P99_MS} ms, 0 errors"
    )
    print(f"{'page':<13} {'path':<36} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7} {'vs static':>9}  goal")
    for label, path, figures in pages:
        print(row(label, path, figures, static["rps"]))
    print(row("static file", f"nginx, 1 worker, {len(body)} B JSON", static))
    print(
        f"\nfirst visits: every URL new (an unused _unique=N parameter), so rendered by Datasette, never from the cache; "
        f"up to {args.first_visits} requests per page"
    )
    for label, path, figures in first_visits:
        print(row(label, path, figures, static["rps"]))
    if args.skip_hostile:
        return 0
    print(f"\nwhile {args.connections} connections sent hostile SQL for {args.hostile_seconds}s:")
    print(
        f"  normal pages (rotating): {normal['rps']:.0f} req/s, p50 {normal['p50_ms']:.1f} ms, p99 {normal['p99_ms']:.1f} ms, "
        f"max {normal['max_ms']:.1f} ms, {normal['errors']} errors in {normal['requests']} requests "
        f"({'p99 under 1 s' if normal['p99_ms'] < 1000 else 'p99 OVER 1 s'})"
    )
    statuses = ", ".join(f"{n} x {status}" for status, n in sorted(hostile["statuses"].items()))
    print(f"  hostile queries: {hostile['requests']} answered ({statuses}), p99 {hostile['p99_ms']:.0f} ms, max {hostile['max_ms']:.0f} ms")
    print(f"  the server's peak memory over the whole run: {peak_memory:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
