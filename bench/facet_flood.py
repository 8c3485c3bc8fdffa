"""One request with many `_facet=` parameters against the served instance, with and without
site/plugins/requests_guard.py: its time, the size of the answer, the server's memory, the
slowest answer to a cached page asked for meanwhile, and a HEAD of the same URL.

    .venv/bin/python bench/facet_flood.py                 # both, 1,000 facets (the "without" run takes minutes and ~2 GB)
    .venv/bin/python bench/facet_flood.py --only with     # only the guarded instance
    .venv/bin/python bench/facet_flood.py --count 200
    .venv/bin/python bench/facet_flood.py --amplified     # ten facets of every value, padded to 65 kB (issue 20, item 3)

The server is one `datasette serve` process with the site's arguments (scripts/serve/instance.py
`serve_arguments`: its memory is what is measured), on the build in build/; "without" uses a
copy of site/plugins/ without request_pipeline.py, the one asgi_wrapper that runs the guard.
"""

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.core.paths import Project  # noqa: E402
from scripts.serve import instance  # noqa: E402

COLUMNS = ["number", "title", "description", "credit", "start", "end"]
CACHED_PAGE = "/longlist/theories/9"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def memory_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def fetch(url, timeout=600):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())


def head(url):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=600) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def start(project, plugins_dir):
    port = free_port()
    args = [instance.datasette_executable(), "serve", *instance.serve_arguments(project, port)]
    args[args.index("--plugins-dir") + 1] = str(plugins_dir)
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            fetch(base + "/", timeout=5)
            return process, base
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)


def flood_query(count):
    return "&".join(f"_facet={COLUMNS[i % len(COLUMNS)]}" for i in range(count))


AMPLIFIED_TABLE = "arguments"
AMPLIFIED_FACETS = ["id", "position", "comment_id", "post_section_id", "kind", "voice", "summary", "evidence_quote", "start", "end"]


def amplified_query():
    """Inside the guard's per-parameter limits (issue 20, item 3): ten distinct facets of
    every value, every row, and three filters that match everything, padded to 20 kB each."""
    facets = "&".join(f"_facet={c}" for c in AMPLIFIED_FACETS)
    padding = "&".join(f"{c}__not={'x' * 20_000}" for c in ("summary", "evidence_quote", "kind"))
    return f"{facets}&_facet_size=max&_size=max&{padding}"


def measure(project, plugins_dir, query, table="theories"):
    process, base = start(project, plugins_dir)
    try:
        fetch(base + CACHED_PAGE)  # rendered once before the flood
        rss_before = memory_kb(process.pid, "VmRSS")
        slowest, stop = [0.0], threading.Event()

        def cached_pages():
            while not stop.is_set():
                started = time.monotonic()
                fetch(base + CACHED_PAGE)
                slowest[0] = max(slowest[0], time.monotonic() - started)
                time.sleep(0.05)

        watcher = threading.Thread(target=cached_pages)
        watcher.start()
        started = time.monotonic()
        status, size = fetch(f"{base}/longlist/{table}?{query}")
        head_started = time.monotonic()
        head_status = head(f"{base}/longlist/{table}?{query}")
        head_seconds = time.monotonic() - head_started
        elapsed = time.monotonic() - started
        stop.set()
        watcher.join()
        return {
            "url_bytes": len(query) + len(f"/longlist/{table}?"),
            "head": f"{head_status} in {head_seconds:.2f} s",
            "status": status,
            "seconds": elapsed,
            "answer_bytes": size,
            "rss_before_mb": rss_before / 1024,
            "rss_peak_mb": memory_kb(process.pid, "VmHWM") / 1024,
            "slowest_cached_page_s": slowest[0],
        }
    finally:
        process.terminate()
        process.wait(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--only", choices=["with", "without"])
    parser.add_argument("--amplified", action="store_true", help="the padded ten-facet page instead of --count facets")
    args = parser.parse_args()
    project = Project()
    if not project.db_path.exists():
        raise SystemExit("build first: make build")
    plugins = project.site_dir / "plugins"
    runs = {}
    with tempfile.TemporaryDirectory() as unguarded:
        for name in sorted(p.name for p in plugins.glob("*.py") if p.name != "request_pipeline.py"):
            shutil.copy(plugins / name, Path(unguarded) / name)
        for label, folder in (("with", plugins), ("without", Path(unguarded))):
            if args.only in (None, label):
                if args.amplified:
                    runs[label] = measure(project, folder, amplified_query(), AMPLIFIED_TABLE)
                else:
                    runs[label] = measure(project, folder, flood_query(args.count))
    if args.amplified:
        print(f"ten facets of /longlist/{AMPLIFIED_TABLE}, _facet_size=max, _size=max, 60 kB of padding")
    else:
        print(f"{args.count:,} _facet= parameters on /longlist/theories")
    print("guard    | URL bytes | status | seconds | answer bytes | server RSS before -> peak | slowest cached page meanwhile | HEAD")
    for label, r in runs.items():
        print(
            f"{label:<8} | {r['url_bytes']:>9,} | {r['status']:>6} | {r['seconds']:>7.2f} | {r['answer_bytes']:>12,} | "
            f"{r['rss_before_mb']:>6.0f} MB -> {r['rss_peak_mb']:>6.0f} MB | {r['slowest_cached_page_s']:.3f} s | {r['head']}"
        )


if __name__ == "__main__":
    main()
