"""Can cheap requests with unique query strings evict the pages everyone reads? (issue 16)

    .venv/bin/python bench/cache_flood.py [--count 2000] [--size 3000] [--root CHECKOUT]

Starts the instance as `serve` does (of this checkout, or --root's), lets it warm up, asks for
the index and a table page twice (so that any cache holds them), then sends --count requests
for a small table page, each with a unique query string of --size bytes (an unused `_pad`
parameter, which Datasette ignores but echoes into every link of the page). It prints the
server's resident memory before and after, the answers' statuses, and whether the index and
table pages still come from the cache (`x-longlist-cache: HIT`).
"""

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            return response.status, response.headers.get("x-longlist-cache")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("x-longlist-cache")


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    return -1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--size", type=int, default=3000, help="bytes of each unique query string (default 3000)")
    parser.add_argument("--root", type=Path, default=REPO, help="the checkout whose build and site to serve")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.root.resolve()))
    from scripts.core.paths import Project
    from scripts.serve import instance

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # one worker: the cache and its bound are per worker process, and so is the memory measured
    process = subprocess.Popen(instance.command(Project(args.root.resolve()), port, workers=1), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                get(base + "/-/versions.json")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("error: the server did not start")
                time.sleep(0.2)
        time.sleep(8)  # the warm-up, where there is one
        pages = ["/", "/longlist/theories"]
        for path in pages * 2:
            get(base + path)
        before, statuses, started = rss_mb(process.pid), {}, time.monotonic()
        pad = "p" * args.size
        for number in range(args.count):
            status, _ = get(f"{base}/longlist/theory_points?_u={number}&_pad={pad}")
            statuses[status] = statuses.get(status, 0) + 1
        after = rss_mb(process.pid)
        print(f"load average {os.getloadavg()[0]:.2f}; {args.root}")
        print(f"{args.count} requests with unique {args.size:,}-byte query strings in {time.monotonic() - started:.0f} s, answers {statuses}")
        print(f"server memory (RSS): {before} MB before, {after} MB after")
        print("afterwards: " + ", ".join(f"{path} {get(base + path)}" for path in pages))
    finally:
        process.terminate()
        process.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
