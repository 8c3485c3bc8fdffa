"""Load figures of the served site, on 127.0.0.1 only, in one run, as ratios to nginx serving
a static file (the same JSON body, one worker): the ceiling this machine sets.

Four ways to serve the same build are measured, each started fresh:

  old          the serve of commit 5a828a7 (its in-process page cache, warmed at start, and
               its own worker-process launcher), from a checkout given with --old;
  stock        a plain `datasette serve` of the same database with the inspect file, metadata
               and settings, without the site's plugins or templates (Datasette alone);
  new          `longlist serve` as it is now (gunicorn, uvicorn workers, scripts/serve/instance.py);
  new + proxy  the same behind deploy/nginx-longlist.conf, filled by `longlist warm`.

For each: cached pages (one URL again and again: the index, a table, a row, a saved query, the
JSON API, a search), first visits (a fresh server, every canonical URL of each kind in turn:
the first round is every URL's first visit), never-seen pages (a filter, a facet, a sort ...,
each URL made new by an unused _unique=N parameter), normal pages while 10 connections send
hostile SQL, and the peak memory of every process of the serve.

Prerequisites: builds of both checkouts (`make build`), and
    apt-get install -y wrk nginx-light
    git worktree add /tmp/old-serve 5a828a7 && (cd /tmp/old-serve && ../../$PWD/.venv/bin/python -m scripts build)
Usage, from the repository root:
    .venv/bin/python bench/serve_load.py --old /tmp/old-serve
    .venv/bin/python bench/serve_load.py --only new,proxy --requests 2000   # a quicker look
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
from scripts.serve import instance, warm  # noqa: E402
from tests.helpers import start_proxy  # noqa: E402

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
UP_PATH = "/-/versions.json"  # asked until a server answers
HOSTILE_GOAL_P99_MS = 500
PROXY_GOAL = 0.5  # cached pages behind the proxy: at least half of nginx's static file


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
    """GET /-/warm's JSON where the site has the old in-process warm-up, else None."""
    try:
        with urllib.request.urlopen(base + "/-/warm", timeout=10) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ValueError):
        return None


def wait_for_warm_up(base, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = warm_status(base)
        if status is None or status["state"] == "done":
            return
        time.sleep(0.5)
    raise SystemExit("error: the old warm-up did not finish")


@contextlib.contextmanager
def serving(way, project, old, workdir, log):
    """A fresh server of `way`: yields the base URL to measure and the process whose tree is the serve."""
    port = free_port()
    base = f"http://{HOST}:{port}"
    if way == "old":
        command, cwd = [sys.executable, "-m", "scripts", "serve", "--port", str(port)], old.root
    elif way == "stock":
        command = [instance.datasette_executable(), "serve", "--immutable", str(project.db_path)]
        command += ["--inspect-file", str(instance.inspect_path(project)), "--metadata", str(project.metadata_path)]
        command += [part for mount, folder in instance.site_paths(project)["static"] for part in ("--static", f"{mount}:{folder}")]
        command += ["--host", HOST, "--port", str(port), *instance.setting_options()]
        cwd = project.root
    else:
        command, cwd = instance.command(project, port), project.root
    process = subprocess.Popen(command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(base + UP_PATH)
        wait_for_warm_up(base)
        if way != "proxy":
            yield base, process
            return
        front_port = free_port()
        front = f"http://{HOST}:{front_port}"
        nginx = start_proxy(workdir / f"proxy-{front_port}", f"{HOST}:{front_port}", f"{HOST}:{port}")
        try:
            wait_until_up(front + UP_PATH)
            warm.warm(project, front + "/", say=lambda line: print("  " + line, file=sys.stderr, flush=True))
            yield front, process
        finally:
            nginx.terminate()
            nginx.wait(10)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def measure(way, project, old, workdir, log, args, kinds, body):
    # the ceiling, measured just before this way: on a shared machine the load changes between ways
    with static_server(body, workdir / f"static-{way}") as static_url:
        figures = {"way": way, "static": run_wrk(static_url, args.connections, args.requests, args.max_seconds)}
    with serving(way, project, old, workdir, log) as (base, process):
        for _, path in PAGES:  # a first request fills a cache where nothing warmed it
            for _ in range(3):
                urllib.request.urlopen(base + path, timeout=60).read()
        figures["cached"] = [(label, path, run_wrk(base + path, args.connections, args.requests, args.max_seconds)) for label, path in PAGES]
        figures["unknown"] = [
            (label, path, run_wrk(base + path, args.connections, args.first_visits, args.max_seconds, unique=True)) for label, path in UNKNOWN
        ]
        # stock Datasette has none of the site's limits: a blob bomb can take all the machine's memory
        figures["hostile"] = under_hostile_load(base, args) if way != "stock" else None
        figures["memory"] = peak_rss_mb(process.pid)
    print(f"  {way}: cached, never-seen and hostile measured", file=sys.stderr, flush=True)
    figures["first"] = []
    for kind, paths in kinds.items():
        with serving(way, project, old, workdir, log) as (base, _):
            requests = max(len(paths), min(args.first_visits, 5 * len(paths)))
            figures["first"].append((kind, f"{len(paths)} URL(s) in turn", run_wrk(base + "/", args.connections, requests, args.max_seconds, paths)))
    print(f"  {way}: first visits measured", file=sys.stderr, flush=True)
    return figures


def mean_rps(rows):
    return sum(figures["rps"] for _, _, figures in rows) / len(rows)


def worst_p99(rows):
    return max(figures["p99_ms"] for _, _, figures in rows)


HEADER_LINE = f"{'page':<14} {'path':<38} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7} {'cached':>6} {'vs static':>9}"


def row(label, path, figures, static_rps):
    hits = f"{figures['hits'] / figures['requests']:6.0%}" if figures["requests"] else "     -"
    return (
        f"{label:<14} {path[:38]:<38} {figures['rps']:8.0f} {figures['p50_ms']:8.1f} {figures['p99_ms']:8.1f} "
        f"{figures['requests']:9d} {figures['errors']:7d} {hits} {figures['rps'] / static_rps:9.1%}"
    )


NAMES = {"old": "old (5a828a7)", "stock": "stock datasette", "new": "new serve", "proxy": "new + proxy"}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", type=Path, default=None, help="a checkout of 5a828a7, built (the old serve)")
    parser.add_argument("--only", default="old,stock,new,proxy", help="which ways to serve, comma-separated (default: all four)")
    parser.add_argument("--requests", type=int, default=5_000, help="requests per cached page (default 5000)")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--first-visits", type=int, default=500, help="requests per kind of canonical page, and per never-seen page (default 500)")
    parser.add_argument("--max-seconds", type=int, default=30, help="cap on each measurement (default 30)")
    parser.add_argument("--hostile-seconds", type=int, default=10, help="length of the hostile-SQL phase (default 10)")
    args = parser.parse_args(argv)
    missing = [tool for tool in ("wrk", "nginx") if not shutil.which(tool) and not Path("/usr/sbin", tool).exists()]
    if missing:
        raise SystemExit(f"error: {', '.join(missing)} not found; install with: apt-get install -y wrk nginx-light")
    os.environ["PATH"] += os.pathsep + "/usr/sbin"
    project = Project()
    ways = [way for way in args.only.split(",") if way]
    if "old" in ways and not args.old:
        raise SystemExit("error: give the old serve's checkout with --old (or leave it out with --only new,proxy,stock)")
    old = Project(args.old.resolve()) if args.old else None
    for checked in [project] + ([old] if old else []):
        if not checked.db_path.exists():
            raise SystemExit(f"error: {checked.db_path} not built yet; run `make build` there first")
    print(f"load average at the start: {os.getloadavg()[0]:.2f} (2 cores: other work slows every figure)", flush=True)
    kinds = canonical_pages(project)
    results = {}
    with tempfile.TemporaryDirectory(prefix="serve-load-") as tmp, open(Path(tmp) / "serve.log", "wb") as log:
        workdir = Path(tmp)
        with serving("new", project, old, workdir, log) as (base, _):
            body = urllib.request.urlopen(base + STATIC_OF, timeout=30).read()
        for way in ways:
            results[way] = measure(way, project, old, workdir, log, args, kinds, body)
    statics = ", ".join(f"{NAMES[way]} {figures['static']['rps']:,.0f}" for way, figures in results.items())
    print(f"\n{args.connections} connections (wrk, 1 thread); load average at the end: {os.getloadavg()[0]:.2f}")
    print(f"nginx's static file ({len(body):,} B JSON, 1 worker), measured just before each way: {statics} req/s")
    print("\nSummary (mean req/s over the pages of each group, as a share of nginx's static file just before; p99 the worst page's):")
    print(f"{'':<16} {'cached':>16} {'first visits':>16} {'never seen':>16} {'hostile p99':>12} {'memory':>14}")
    for way, figures in results.items():
        ceiling = figures["static"]["rps"]
        cells = []
        for group in ("cached", "first", "unknown"):
            rows = figures[group]
            cells.append(f"{mean_rps(rows) / ceiling:6.1%} p99 {worst_p99(rows):4.0f}")
        hostile = f"{figures['hostile'][0]['p99_ms']:9.0f} ms" if figures["hostile"] else f"{'-':>12}"
        memory = figures["memory"]
        print(f"{NAMES[way]:<16} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16} {hostile} {sum(mb for _, mb in memory):6.0f} MB/{len(memory)}")
    if "proxy" in results:
        share = mean_rps(results["proxy"]["cached"]) / results["proxy"]["static"]["rps"]
        print(f"\ngoal: cached pages behind the proxy at >= {PROXY_GOAL:.0%} of nginx static: {share:.1%} ({'yes' if share >= PROXY_GOAL else 'no'})")
    if "new" in results and "stock" in results:
        new, stock = mean_rps(results["new"]["unknown"]), mean_rps(results["stock"]["unknown"])
        print(f"goal: the new serve no slower than stock Datasette for never-seen pages: {new:.0f} vs {stock:.0f} req/s ({'yes' if new >= stock else 'no'})")
    for way, figures in results.items():
        if not figures["hostile"]:
            continue
        normal, _ = figures["hostile"]
        met = "yes" if normal["p99_ms"] < HOSTILE_GOAL_P99_MS else "no"
        print(f"goal: p99 < {HOSTILE_GOAL_P99_MS} ms for normal pages under hostile SQL, {NAMES[way]}: {normal['p99_ms']:.0f} ms ({met})")
    for way, figures in results.items():
        ceiling = figures["static"]["rps"]
        print(f"\n== {NAMES[way]} (nginx static just before: {ceiling:,.0f} req/s) ==")
        for title, group in (("cached", "cached"), ("first visits (fresh server, each URL in turn)", "first"), ("never seen (every URL new)", "unknown")):
            print(f"{title}:\n{HEADER_LINE}")
            for label, path, one in figures[group]:
                print(row(label, path, one, ceiling))
        if figures["hostile"]:
            normal, hostile = figures["hostile"]
            statuses = ", ".join(f"{n} x {status}" for status, n in sorted(hostile["statuses"].items()))
            print(
                f"under hostile SQL: normal pages {normal['rps']:.0f} req/s, p50 {normal['p50_ms']:.1f} ms, p99 {normal['p99_ms']:.1f} ms, "
                f"{normal['errors']} errors; hostile queries {hostile['requests']} answered ({statuses})"
            )
        print("peak memory: " + ", ".join(f"{mb:.0f}" for _, mb in figures["memory"]) + " MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
