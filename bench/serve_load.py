"""Load figures for the published instance, on 127.0.0.1 only.

Starts Datasette exactly as `python -m scripts serve` does (scripts/serve/instance.py
command(): one worker process per core, scripts/serve/workers.py; --workers N to compare)
on the built database and measures with wrk at 10 connections, every figure also
as a ratio to the ceiling this machine sets in the same run (the same JSON body served as a
static file by nginx, one worker):

  1. startup: a fresh server's first answer, how long the page cache's warm-up takes
     (GET /-/warm, site/plugins/cache.py), and how fast pages answer meanwhile;
  2. cached pages: the index page, a table page, a row page, a saved query, the JSON API and
     a search, each URL asked again and again;
  3. first visits to canonical pages: for each kind (index, database page, every table page,
     every table's JSON, every row page, every saved query, the downloads) a FRESH server,
     nothing asked before, then every URL of the kind in turn: requests/s, latency, and how
     many answers came from the cache;
  4. pages nobody can know in advance (a filter, a facet, a sort, a search, a table and the
     index page with an unknown parameter, arbitrary SQL): every URL new, so Datasette
     renders each (goal: >= 200 req/s, p99 < 150 ms; the index page no slower than a table);
  5. while 10 connections send hostile SQL (endless recursion, a cross join, blob bombs,
     writes, ATTACH, PRAGMA), the normal pages' latency (goal: p99 < 500 ms), and how the
     hostile ones ended.

Prerequisites: a build (`make build`) and two Debian packages:
    apt-get install -y wrk nginx-light
Usage, from the repository root:
    .venv/bin/python bench/serve_load.py                  # 10,000 requests per page
    .venv/bin/python bench/serve_load.py --requests 2000  # a quicker look
    .venv/bin/python bench/serve_load.py --root /tmp/old-checkout   # another checkout's site (before/after)
    .venv/bin/python bench/serve_load.py --workers 1      # one worker process, as `datasette serve` runs
Every run is bounded: at most --requests per page and --max-seconds per measurement.
"""

import argparse
import concurrent.futures
import contextlib
import csv
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
# Pages no cache can hold in advance: each URL is made new by an unused _unique=N parameter.
UNKNOWN = [
    ("filter", "/longlist/arguments?kind=claim"),
    ("facet", "/longlist/argument_targets?_facet=stance"),
    ("sort", "/longlist/comments?_sort_desc=depth"),
    ("filter, JSON", "/longlist/argument_targets.json?stance=supports"),
    ("search", "/longlist/search_text?q=deception"),
    ("table page", "/longlist/theories"),
    ("index page", "/"),
    ("arbitrary SQL", "/longlist.json?sql=select+kind%2C+count(*)+from+arguments+group+by+kind"),
]
STATIC_OF = "/longlist/theories.json"  # the page whose body nginx serves as a file
UP_PATH = "/-/versions.json"  # asked until a server answers: a page no cache keeps
GOAL_RPS, GOAL_P99_MS = 500, 50  # cached and canonical pages
UNKNOWN_GOAL_RPS, UNKNOWN_GOAL_P99_MS = 200, 150
HOSTILE_GOAL_P99_MS = 500


def canonical_pages(project):
    """Canonical URLs by kind, from the package's own files (so that any checkout's site can
    be measured): index, database page, table pages, their JSON, row pages, saved queries,
    downloads."""
    from datasette.utils import tilde_encode

    descriptor = json.loads(project.package_path.read_text(encoding="utf-8"))
    kinds = {"index page": ["/"], "database page": ["/longlist"], "table pages": [], "table JSON": [], "row pages": [], "saved queries": []}
    for resource in descriptor["resources"]:
        name = resource["name"]
        kinds["table pages"].append(f"/longlist/{name}")
        kinds["table JSON"].append(f"/longlist/{name}.json")
        keys = resource["schema"]["primaryKey"]
        keys = [keys] if isinstance(keys, str) else keys
        with open(project.root / resource["path"], newline="", encoding="utf-8") as handle:
            kinds["row pages"] += [f"/longlist/{name}/" + ",".join(tilde_encode(row[k]) for k in keys) for row in csv.DictReader(handle)]
    kinds["saved queries"] = [f"/longlist/{path.stem}" for path in sorted((project.root / "sql" / "queries").glob("*.sql"))]
    kinds["downloads"] = [f"/downloads/{path.name}" for path in sorted((project.build_dir / "downloads").iterdir())]
    return kinds


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
        "hits": figures.get("hits", 0),
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


def process_tree(pid):
    """`pid` and every process below it (Linux /proc): a launcher and its workers."""
    children = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    tree, waiting = [], [pid]
    while waiting:
        tree.append(waiting.pop())
        waiting += children.get(tree[-1], [])
    return tree


def peak_rss_mb(pid):
    """The peak resident memory so far (Linux), in MB, of the process and those below it, summed:
    [(pid, MB)] per process."""
    peaks = []
    for member in process_tree(pid):
        try:
            lines = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        peaks += [(member, int(line.split()[1]) / 1024) for line in lines if line.startswith("VmHWM:")]
    return peaks


def warm_status(base):
    """GET /-/warm's JSON, or None where the site has no warm-up (another checkout)."""
    try:
        with urllib.request.urlopen(base + "/-/warm", timeout=10) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ValueError):
        return None


def wait_for_warm_up(base, seconds=120):
    """Until the warm-up is done: (its status, latencies in ms of canonical pages asked meanwhile)."""
    deadline, latencies = time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        status = warm_status(base)
        if status is None or status["state"] == "done":
            return status, latencies
        for path in ("/", "/longlist/theories", "/longlist/theories/9"):
            started = time.perf_counter()
            urllib.request.urlopen(base + path, timeout=30).read()
            latencies.append((time.perf_counter() - started) * 1000)
    raise SystemExit("error: the warm-up did not finish")


def start_server(command, base, log):
    """A fresh server: (process context, seconds from start to its first answer)."""
    started = time.monotonic()
    server = running(command, base + UP_PATH, log)
    process = server.__enter__()
    return server, process, time.monotonic() - started


def row(label, path, figures, static_rps=None, goal=(GOAL_RPS, GOAL_P99_MS)):
    ratio = f"{figures['rps'] / static_rps:9.1%}" if static_rps else " " * 9
    met = "yes" if figures["rps"] >= goal[0] and figures["p99_ms"] < goal[1] and figures["errors"] == 0 else "no"
    hits = f"{figures['hits'] / figures['requests']:6.0%}" if figures["requests"] else "     -"
    return (
        f"{label:<14} {path[:38]:<38} {figures['rps']:8.0f} {figures['p50_ms']:8.1f} {figures['p99_ms']:8.1f} "
        f"{figures['requests']:9d} {figures['errors']:7d} {hits} {ratio}  {met}"
    )


HEADER_LINE = f"{'page':<14} {'path':<38} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7} {'cached':>6} {'vs static':>9}  goal"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, help="requests per cached page (default 10000)")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--first-visits", type=int, default=1_000, help="requests per kind of canonical page, and per unknown page (default 1000)")
    parser.add_argument("--max-seconds", type=int, default=60, help="cap on each measurement (default 60)")
    parser.add_argument("--hostile-seconds", type=int, default=15, help="length of the hostile-SQL phase (default 15)")
    parser.add_argument("--skip-hostile", action="store_true", help="leave out the hostile-SQL phase")
    parser.add_argument("--skip-first-visits", action="store_true", help="leave out the fresh servers of the first-visit phase")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: as `serve` runs, one per core)")
    parser.add_argument("--root", type=Path, default=None, help="the checkout whose build and site to serve (default: this one)")
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
    project = Project(args.root.resolve()) if args.root else Project()
    if not project.db_path.exists():
        raise SystemExit(f"error: {project.rel(project.db_path)} not built yet; run `make build` first")
    if args.root:  # that checkout's own serve command (its plugins, settings, inspect file)
        sys.path.insert(0, str(project.root))
        for name in [m for m in sys.modules if m == "scripts" or m.startswith("scripts.")]:
            del sys.modules[name]
        from scripts.serve import instance as served
    else:
        served = instance

    def command(port):
        args_ = served.command(project, port, **({"workers": args.workers} if args.workers is not None else {}))
        for name, value in args.setting:  # an experiment: the same command with other values
            args_ += ["--setting", name, value]
        return args_

    port = free_port()
    base = f"http://{HOST}:{port}"
    print("serving: " + " ".join(command(port)[1:]).replace(str(project.root) + "/", ""), flush=True)
    print(f"load average at the start: {os.getloadavg()[0]:.2f} (2 cores: other work slows every figure)", flush=True)
    kinds = canonical_pages(project)
    with tempfile.TemporaryDirectory(prefix="serve-load-") as tmp, open(Path(tmp) / "datasette.log", "wb") as log:
        workdir = Path(tmp)
        server, process, first_answer = start_server(command(port), base, log)
        try:
            warm, during = wait_for_warm_up(base)
            body = urllib.request.urlopen(base + STATIC_OF, timeout=30).read()
            pages = []
            for label, path in PAGES:
                for _ in range(5):  # a first request stores the page where nothing warmed it
                    urllib.request.urlopen(base + path, timeout=30).read()
                pages.append((label, path, run_wrk(base + path, args.connections, args.requests, args.max_seconds)))
            print("  measured cached pages", file=sys.stderr, flush=True)
            unknown = [(label, path, run_wrk(base + path, args.connections, args.first_visits, args.max_seconds, unique=True)) for label, path in UNKNOWN]
            print("  measured unknown pages", file=sys.stderr, flush=True)
            normal, hostile = under_hostile_load(base, args) if not args.skip_hostile else (None, None)
            peak_memory = peak_rss_mb(process.pid)
        finally:
            server.__exit__(None, None, None)
        first_visits = []
        if not args.skip_first_visits:
            for kind, paths in kinds.items():
                fresh_port = free_port()
                fresh = f"http://{HOST}:{fresh_port}"
                server, _, _ = start_server(command(fresh_port), fresh, log)
                try:
                    wait_for_warm_up(fresh)
                    requests = max(len(paths), min(args.first_visits, 20 * len(paths)))
                    first_visits.append((kind, f"{len(paths)} URL(s) in turn", run_wrk(fresh + "/", args.connections, requests, args.max_seconds, paths)))
                finally:
                    server.__exit__(None, None, None)
                print(f"  measured first visits: {kind}", file=sys.stderr, flush=True)
        with static_server(body, workdir / "nginx") as static_url:
            static = run_wrk(static_url, args.connections, args.requests, args.max_seconds)
    load = os.getloadavg()[0]

    ceiling = static["rps"]
    print(f"\n{args.connections} connections (wrk, 1 thread); nginx's static file ceiling: {ceiling:,.0f} req/s; load average at the end: {load:.2f}")
    print(f"\nstartup: first answer {first_answer:.2f} s after the server was started", end="")
    if warm is None:
        print("; no warm-up (this site has no /-/warm)")
    else:
        meanwhile = sorted(during)
        print(
            f"; warm-up: {warm['pages']} canonical pages ({warm['bytes'] / 1e6:.1f} MB) in {warm['seconds']:.2f} s; "
            + (f"pages asked meanwhile: {len(meanwhile)}, p50 {meanwhile[len(meanwhile) // 2]:.0f} ms, max {meanwhile[-1]:.0f} ms" if meanwhile else "")
        )
    print(
        f"\ncached: the same URL again and again, up to {args.requests} requests or {args.max_seconds}s per page "
        f"(goal >= {GOAL_RPS} req/s, p99 < {GOAL_P99_MS} ms)"
    )
    print(HEADER_LINE)
    for label, path, figures in pages:
        print(row(label, path, figures, ceiling))
    print(row("static file", f"nginx, 1 worker, {len(body)} B JSON", static))
    if first_visits:
        print("\nfirst visits to canonical pages: a fresh server for each kind, its URLs in turn (the first round is every URL's first visit)")
        print(HEADER_LINE)
        for label, path, figures in first_visits:
            print(row(label, path, figures, ceiling))
    print(
        f"\nunknown pages: every URL new (an unused _unique=N parameter), so rendered by Datasette; up to {args.first_visits} requests each "
        f"(goal >= {UNKNOWN_GOAL_RPS} req/s, p99 < {UNKNOWN_GOAL_P99_MS} ms)"
    )
    print(HEADER_LINE)
    for label, path, figures in unknown:
        print(row(label, path, figures, ceiling, (UNKNOWN_GOAL_RPS, UNKNOWN_GOAL_P99_MS)))
    if args.skip_hostile:
        return 0
    print(f"\nwhile {args.connections} connections sent hostile SQL for {args.hostile_seconds}s:")
    print(
        f"  normal pages (rotating): {normal['rps']:.0f} req/s ({normal['rps'] / ceiling:.1%} of static), p50 {normal['p50_ms']:.1f} ms, "
        f"p99 {normal['p99_ms']:.1f} ms, max {normal['max_ms']:.1f} ms, {normal['errors']} errors in {normal['requests']} requests "
        f"(goal p99 < {HOSTILE_GOAL_P99_MS} ms: {'yes' if normal['p99_ms'] < HOSTILE_GOAL_P99_MS else 'no'})"
    )
    statuses = ", ".join(f"{n} x {status}" for status, n in sorted(hostile["statuses"].items()))
    print(f"  hostile queries: {hostile['requests']} answered ({statuses}), p99 {hostile['p99_ms']:.0f} ms, max {hostile['max_ms']:.0f} ms")
    each = ", ".join(f"{mb:.0f}" for _, mb in peak_memory)
    print(f"  the server's peak memory over the whole run: {sum(mb for _, mb in peak_memory):.0f} MB in {len(peak_memory)} processes ({each} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
