"""How heavy the reading pages are, and how soon a phone shows their text.

    .venv/bin/python bench/page_weight.py [--before DIR] [--repeat 3]

Serves this repository's build exactly as `serve` does (one worker, on a free port of
127.0.0.1) and opens each page a reader starts from in Debian's chromium with a phone's
network: 1.6 Mbps down, 750 kbps up, 150 ms latency (Chrome's own throttling, through the
DevTools protocol), the browser cache off (a first visit). For each page it prints:

- text visible: the first contentful paint (the browser's own `paint` timing), median of
  --repeat visits: the moment the first words are on the screen;
- transferred: every byte the visit fetched (the page, its styles, scripts, data), as the
  browser counts them on the wire (headers included), as the server sends them today;
- gzip estimate: the same resources with each body compressed by gzip (level 6) plus its
  headers: what the visit would weigh if the server compressed its responses.

With --before DIR (a built checkout of an earlier version, such as `git archive` of a tag
unpacked and built), it serves that one the same way and prints its figures beside these.
Its Python environment is this one's, plus --before-pythonpath for what the earlier version
needs (for 0.2.0: `pip install --no-deps --target DIR datasette-vega==0.6.2`, then
`--before-pythonpath DIR`).

Goals (issue 23): text visible within 1.5 s and under 150 KB transferred on each page.
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.core.paths import Project  # noqa: E402
from scripts.serve import instance  # noqa: E402
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402

PAGES = ["/", "/post", "/thread", "/longlist/theories/9", "/longlist/comments/c01", "/rate"]
# Chrome DevTools' network conditions, in bytes per second and milliseconds
PHONE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
# A page that draws a chart, for comparison: its charting scripts (site/static/vendor/) are
# deferred, so they do not hold up its text; the weight goals are not set for it.
CHART_PAGES = ["/longlist/arguments_per_theory"]
GOAL_SECONDS, GOAL_KB = 1.5, 150


def serve(root, log, pythonpath=""):
    """A `serve`-like Datasette process for the built project at `root`: (process, base URL)."""
    port = free_port()
    project = Project(Path(root))
    command = [sys.executable, "-m", "datasette", "serve", *instance.serve_arguments(project, port)]
    process = subprocess.Popen(command, cwd=root, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": pythonpath})
    base = f"http://{instance.HOST}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2):
                break
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"datasette exited with {process.returncode}; see {log.name}")
            time.sleep(0.3)
    # the page cache warms every page when the server starts: wait for it, as a visitor would meet a warm server
    for _ in range(120):
        try:
            with urllib.request.urlopen(base + "/-/warm", timeout=5) as response:
                if json.load(response).get("state") == "done":
                    break
        except OSError:
            break  # an older version without /-/warm
        time.sleep(0.5)
    return process, base


def visit(browser, base, path):
    """(seconds to first contentful paint, bytes on the wire, {url: (headers bytes, body)})."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", PHONE)
    wire, urls = [0], []
    cdp.on("Network.loadingFinished", lambda event: wire.__setitem__(0, wire[0] + event["encodedDataLength"]))
    cdp.on("Network.responseReceived", lambda event: urls.append(event["response"]["url"]))
    page.goto(base + path, wait_until="load")
    page.wait_for_load_state("networkidle")
    paint = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null")
    context.close()
    return (paint or float("nan")) / 1000, wire[0], [u for u in urls if u.startswith(base)]


def gzip_estimate(urls):
    """Bytes of each response's body gzip-compressed (level 6), plus its headers."""
    total = 0
    for url in dict.fromkeys(urls):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body, header_list = response.read(), response.getheaders()
        except urllib.error.HTTPError as error:  # a missing favicon: its error page counts too
            body, header_list = error.read(), error.headers.items()
        headers = sum(len(k) + len(v) + 4 for k, v in header_list) + 40
        total += len(gzip.compress(body, 6)) + headers + len("Content-Encoding: gzip\r\n")
    return total


def measure(root, repeat, label, pythonpath=""):
    from playwright.sync_api import sync_playwright

    log = open(Path("/tmp") / f"page-weight-{os.getpid()}-{label}.log", "wb")
    process, base = serve(root, log, pythonpath)
    figures = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for path in PAGES + CHART_PAGES:
                try:
                    with urllib.request.urlopen(base + path, timeout=30):
                        pass
                except urllib.error.HTTPError as error:
                    figures[path] = {"missing": error.code}
                    continue
                runs = [visit(browser, base, path) for _ in range(repeat)]
                figures[path] = {
                    "paint": statistics.median(r[0] for r in runs),
                    "wire": statistics.median(r[1] for r in runs),
                    "gzip": gzip_estimate(runs[0][2]),
                    "requests": len(runs[0][2]),
                }
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
    return figures


def report(figures, label):
    print(f"\n{label}")
    print(f"{'page':28} {'text visible':>13} {'transferred':>12} {'gzip est.':>10} {'requests':>9}")
    for path, f in figures.items():
        if "missing" in f:
            print(f"{path:28} {'(no such page: ' + str(f['missing']) + ')':>13}")
            continue
        ok = "(chart page, no goal)" if path in CHART_PAGES else "ok" if f["paint"] <= GOAL_SECONDS and f["wire"] <= GOAL_KB * 1000 else "over"
        print(f"{path:28} {f['paint']:>11.2f} s {f['wire'] / 1000:>9.1f} KB {f['gzip'] / 1000:>7.1f} KB {f['requests']:>9}  {ok}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="a built checkout of an earlier version, measured the same way")
    parser.add_argument("--before-pythonpath", default="", help="PYTHONPATH for the earlier version's server only (its plugins)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"phone profile: {PHONE['downloadThroughput'] * 8 / 1e6:.1f} Mbps down, {PHONE['latency']} ms latency, cache off;"
        f" goals: text visible within {GOAL_SECONDS} s, under {GOAL_KB} KB; load average {os.getloadavg()[0]:.2f}"
    )
    if args.before:
        report(measure(args.before, args.repeat, "before", args.before_pythonpath), f"before ({args.before})")
    report(measure(str(REPO), args.repeat, "now"), f"now ({REPO})")


if __name__ == "__main__":
    main()
