"""Helpers shared by the test modules. conftest.py holds only fixtures; a test module imports
plain functions from here, never from another test module.

Which fixture to use (defined in tests/conftest.py):

- `built` (session): ONE fresh build of the repository's inputs in a temporary folder, shared
  by every test. Read it, never change it.
- `fresh_copy` (per test): a private copy of `built` (copied with shutil.copytree, not rebuilt,
  so it is cheap) that a test may break. A test that then runs a build on it which goes past
  the first stages (a private full build, about a second) is marked `@pytest.mark.slow`.
- `client`: Datasette's own test client on `built`, configured as `python -m scripts serve` runs it.
- `tables`, `descriptor`, `raw`: the committed package, its descriptor and the raw snapshot.
- `remembered_charts` (per test): vl-convert renders each distinct chart spec once per
  session; for a test that builds but is not about the drawn charts.
- copy_inputs(folder) below: only the build's inputs, unbuilt, for a test of a command that
  reads inputs (rate, import-ratings, release). copy_project(..., link=True): a hard-linked
  copy, for a test that only replaces files (see its docstring).

Markers (declared in pyproject.toml): `slow` (private full builds or long runs), `server` (a
real Datasette process), `browser` (chromium), `cffconvert` (the cffconvert tool venv), `datasette1`
(the Datasette 1.0 alpha tool venv).
`make test-fast` leaves all five out; conftest.py adds `server`/`browser` by itself to every
test that uses a fixture named `server`/`browser`. More in docs/testing.md.
"""

import asyncio
import copy
import csv
import hashlib
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from scripts.core.commit import LOCK_NAME
from scripts.core.paths import Project
from scripts.serve import instance

REPO = Project()
# What a build reads; everything else in the repo is output, docs or code.
# What a build reads; everything else in the repo is output, docs or code. releases/: a build
# compares itself with its version's release record (scripts/release/status.py).
BUILD_INPUTS = [
    "data/raw",
    "data/curation",
    "data/contrib",
    "data/responsible_ai.yml",  # croissant.json's Responsible-AI answers
    "datapackage.json",
    "site",
    "sql",
    "README.md",
    "LICENSE",
    "CITATION.cff",
    "CHANGELOG.md",
    "docs",  # the zip carries the docs the README links to
    "releases",
]


def quiet(_message):
    pass


# Copies of the project ---------------------------------------------------------------------


def copy_inputs(destination):
    """The build's inputs (not its outputs) copied under `destination`."""
    for relative in BUILD_INPUTS:
        source = REPO.root / relative
        target = destination / relative
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return Project(destination)


def copy_project(source, destination, with_scripts=False, link=False):
    """A copy of a built project (inputs and outputs), optionally with scripts/ for a real CLI run.

    link=True makes hard links instead of copies (several times quicker): only for a test that
    changes files by replacing them (as mutate() does, and as a build replaces its outputs),
    never by writing into them, which would change `source` too. conftest.py checks at the
    end of the session that `built` was not changed."""
    # build/commit.lock is locked by inode: a hard-linked lock would be one lock for every copy
    shutil.copytree(source, destination, copy_function=os.link if link else shutil.copy2, ignore=shutil.ignore_patterns(LOCK_NAME))
    if with_scripts:
        add_scripts(destination)
    return Project(Path(destination))


def add_scripts(destination):
    """scripts/ copied into a project folder, so `python -m scripts` run there works on that folder."""
    shutil.copytree(REPO.root / "scripts", Path(destination) / "scripts", ignore=shutil.ignore_patterns("__pycache__"))


def words(text):
    """Text with runs of whitespace made one space, as a browser's innerText compares."""
    return " ".join(text.split())


def read_csv(project, resource_name):
    with open(project.data_dir / f"{resource_name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# What a build leaves behind ----------------------------------------------------------------

# Every output of a build; a failed build must leave each byte-identical.
OUTPUT_GLOBS = ("data/*.csv", "datapackage.json", "metadata.yml", "README.md", "exports/**/*", "docs/charts/*", "docs/*.svg", "build/**/*")


def output_snapshot(root):
    """{relative path: bytes} of every build output under root (found by glob, so an output the
    build forgets to list is still compared)."""
    root = Path(root)
    files = {}
    for pattern in OUTPUT_GLOBS:
        for path in root.glob(pattern):
            if path.is_file() and not path.is_symlink() and path.name != LOCK_NAME:  # the lock is no output
                files[str(path.relative_to(root))] = path.read_bytes()
    return files


def tree_bytes(root):
    """{relative path: bytes} of every file under root."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(Path(root).rglob("*")) if path.is_file()}


# Independent expectations ------------------------------------------------------------------


def cast(value, field_type):
    """The value a CSV cell stands for in SQLite, by the Table Schema type: the tests' own
    reading, to compare the database with (the loader has SQLite convert the strings)."""
    if value == "":
        return None
    if field_type == "integer":
        return int(value)
    if field_type == "number":
        return float(value)
    if field_type == "boolean":
        return {"true": 1, "false": 0}[value]
    return value


def key_order(value):
    """Sort order of a primary-key cell as the package promises it: numbers by value, ids such
    as "9.2" or "c07" part by part ("2.1" before "13.1", "c9" before "c10")."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|[^\d.]+", value))


# Charts as drawn -----------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def svg_marks(svg_text):
    """Number of drawn marks (bars, points, line points) in a Vega SVG: the items of its
    role-mark groups; axes, grid and legends have other roles."""
    root = ET.fromstring(svg_text)
    return sum(len(list(group)) for group in root.iter(f"{SVG}g") if "role-mark" in group.get("class", "").split())


def plottable(rows, chart):
    return [row for row in rows if all(row.get(column) is not None for column in (chart.x, chart.y))]


def enough_to_draw(rows, chart, empty_reason=""):
    """A chart draws from at least two plottable rows, or draws nothing and says why (its
    `-- chart_empty:` line): never empty axes."""
    if not plottable(rows, chart):
        return bool(empty_reason)
    return len(plottable(rows, chart)) >= 2


SVG_BY_SPEC = {}


def remember_svg(render):
    """`render` (charts.render_svg) that renders each distinct spec once per session. A spec
    holds the chart's data, so an equal spec is an equal SVG."""

    def remembered(spec):
        key = json.dumps(spec, sort_keys=True)
        if key not in SVG_BY_SPEC:
            SVG_BY_SPEC[key] = render(spec)
        return SVG_BY_SPEC[key]

    return remembered


# Datasette without a server ----------------------------------------------------------------


class DatasetteClient:
    """Datasette's own test client, called synchronously."""

    def __init__(self, project, metadata=None):
        from scripts.serve.instance import app

        # configured as `python -m scripts serve` runs it: metadata, templates, plugins, settings
        self.datasette = app(project, metadata)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.datasette.invoke_startup())

    def get(self, path):
        return self.loop.run_until_complete(self.datasette.client.get(path))

    def close(self):
        self.loop.close()


# Packages to compare (diff, identifiers) -----------------------------------------------------


def committed():
    """The committed package, read as any published version is read."""
    from scripts.release import package_reader

    return package_reader.read(REPO.root)


def edited(package):
    """A deep copy of a Package to change freely."""
    from scripts.release import package_reader

    return package_reader.Package("edited", copy.deepcopy(package.descriptor), copy.deepcopy(package.rows))


def write_package(package, folder):
    """Write `package` as datapackage.json + CSVs under `folder`; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datapackage.json").write_text(json.dumps(package.descriptor, indent=2) + "\n", encoding="utf-8")
    for resource in package.descriptor["resources"]:
        path = folder / resource["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        names = [f["name"] for f in resource["schema"]["fields"]]
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
            writer.writeheader()
            writer.writerows(package.rows[resource["name"]])
    return folder


def row(package, resource, **key):
    """The row of `resource` whose fields equal `key`."""
    return next(r for r in package.rows[resource] if all(r[f] == v for f, v in key.items()))


# Declared breakages of the inputs (tests/bad_inputs/*.yml) -----------------------------------

RAW = "data/raw/longlist-theories-of-impact.lesswrong.txt"
SIDECAR = "data/raw/source.yml"
MUTATIONS = ("replace", "replace_all", "delete_lines", "truncate", "content", "remove", "encode", "insert_bytes", "append", "json", "symlink", "fifo", "folder")
NOT_FILES = {"symlink": lambda path, target: os.symlink(target, path), "fifo": lambda path, _: os.mkfifo(path), "folder": lambda path, _: path.mkdir()}


def mutate(root, case):
    """Apply the case's one mutation to root/case["file"]; pin the raw snapshot unless told not to.

    A bad-input case names one `file` and one mutation:

        replace: [old, new]        first occurrence of `old` (which must be there) becomes `new`
        replace_all: [old, new]    every occurrence
        delete_lines: REGEX        drop the lines that match (at least one must)
        truncate: {fraction: F}    keep the first F of the bytes
        truncate: {before: TEXT, extra_bytes: N}   keep the bytes before TEXT, plus N of its bytes
        content: TEXT              the whole file becomes TEXT (UTF-8)
        content: {text: TEXT, pad: PAD, times: N}   TEXT followed by PAD repeated N times (a long value)
        remove: true               delete the file
        encode: CODEC              the same text in another encoding
        insert_bytes: {before: TEXT, hex: "ff"}    raw bytes spliced in before TEXT
        append: {text: TEXT, times: N}             TEXT repeated N times at the end
        json: {path: [...], set: VALUE} or {path: [...], delete: true}
                                   edit a JSON file; a string step into a list picks the item
                                   whose "name" equals it ("resources", "theories", "schema", ...)
        symlink: TARGET            the file becomes a symbolic link to TARGET (/proc/self/environ)
        fifo: true                 the file becomes a FIFO (a named pipe no one writes to)
        folder: true               the file becomes an empty folder

    A change to the raw snapshot is pinned by default (`pin: false` to keep the old digest): the
    sidecar's sha256 is updated to the new bytes, as a maintainer pinning a new snapshot would,
    so that the parser's own check is what the case tests, not the SHA-256 check.
    """
    ops = [name for name in MUTATIONS if name in case]
    assert len(ops) == 1, f"{case['name']}: expected exactly one of {MUTATIONS}, found {ops}"
    path = Path(root) / case["file"]
    if ops[0] in NOT_FILES:
        path.unlink(missing_ok=True)
        NOT_FILES[ops[0]](path, case[ops[0]])
        return
    old = path.read_bytes() if path.exists() else None
    new = APPLY[ops[0]](old, case[ops[0]], case["name"])
    if new is None:
        path.unlink()
    else:
        replace_bytes(path, new)
    if case["file"] == RAW and case.get("pin", True) and new is not None:
        pin_snapshot(root, new)


def pin_snapshot(root, raw_bytes):
    """Record `raw_bytes`' SHA-256 in the sidecar, changing nothing else in it."""
    sidecar = Path(root) / SIDECAR
    text = sidecar.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^sha256: [0-9a-f]{64}$", f"sha256: {hashlib.sha256(raw_bytes).hexdigest()}", text)
    assert count == 1, "the sidecar's sha256 line was not found"
    replace_bytes(sidecar, text.encode("utf-8"))


def replace_bytes(path, data):
    """A new file in place of `path` (a new inode: a hard-linked original is left alone)."""
    path.unlink(missing_ok=True)
    path.write_bytes(data)


def _replace(data, pair, name, count=1):
    old, new = (s.encode("utf-8") for s in pair)
    assert old in data, f"{name}: {pair[0]!r} is not in the file; the case no longer applies"
    return data.replace(old, new, count)


def _delete_lines(data, pattern, name):
    lines = data.decode("utf-8").split("\n")
    kept = [line for line in lines if not re.search(pattern, line)]
    assert len(kept) < len(lines), f"{name}: no line matches {pattern!r}"
    return "\n".join(kept).encode("utf-8")


def _truncate(data, spec, name):
    if "fraction" in spec:
        return data[: int(len(data) * spec["fraction"])]
    cut = data.find(spec["before"].encode("utf-8"))
    assert cut >= 0, f"{name}: {spec['before']!r} is not in the file"
    return data[: cut + spec.get("extra_bytes", 0)]


def _insert_bytes(data, spec, name):
    at = data.find(spec["before"].encode("utf-8"))
    assert at >= 0, f"{name}: {spec['before']!r} is not in the file"
    return data[:at] + bytes.fromhex(spec["hex"]) + data[at:]


def _json(data, spec, name):
    document = json.loads(data)
    *parents, last = spec["path"]
    node = document
    for step in parents:
        node = _step(node, step, name)
    if spec.get("delete"):
        if isinstance(node, list):
            node.remove(_step(node, last, name))
        else:
            del node[last]
    else:
        node[last] = spec["set"]
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _step(node, step, name):
    if isinstance(node, list) and isinstance(step, str):
        matches = [item for item in node if isinstance(item, dict) and item.get("name") == step]
        assert len(matches) == 1, f"{name}: no single item named {step!r}"
        return matches[0]
    return node[step]


APPLY = {
    "replace": _replace,
    "replace_all": lambda data, pair, name: _replace(data, pair, name, count=-1),
    "delete_lines": _delete_lines,
    "truncate": _truncate,
    "content": lambda data, text, name: (text if isinstance(text, str) else text["text"] + text["pad"] * text["times"]).encode("utf-8"),
    "remove": lambda data, flag, name: None,
    "encode": lambda data, codec, name: data.decode("utf-8").encode(codec),
    "insert_bytes": _insert_bytes,
    "append": lambda data, spec, name: data + spec["text"].encode("utf-8") * spec["times"],
    "json": _json,
}


def releasable_copy(folder):
    """A copy about to release its version for the first time: without the repository's
    release records (the committed record of this version may describe other bytes)."""
    project = copy_inputs(folder)
    shutil.rmtree(project.releases_dir, ignore_errors=True)
    shutil.copy2(REPO.root / "pyproject.toml", folder / "pyproject.toml")
    shutil.copy2(REPO.metadata_path, folder / "metadata.yml")
    return project


# A browser and a served instance --------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
# Headless, and nothing that reaches out to the network or updates itself.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port():
    with socket.socket() as probe:
        probe.bind((instance.HOST, 0))
        return probe.getsockname()[1]


def start_server(project, log, workers=None):
    """A Datasette process started exactly as `serve` starts it (with `workers` worker processes,
    default one per core), on a free port: (process, base URL)."""
    port = free_port()
    with open(log, "wb") as output:
        process = subprocess.Popen(instance.command(project, port, workers=workers), stdout=output, stderr=subprocess.STDOUT)
    base = f"http://{instance.HOST}:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"datasette exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                return process, base
        except OSError:
            if time.monotonic() > deadline:
                stop_server(process)
                pytest.fail(f"datasette did not answer within 30s:\n{log.read_text(errors='replace')}")
            time.sleep(0.2)


def stop_server(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Tab:
    """A browser page that records every HTTP error and JavaScript error it meets."""

    def __init__(self, browser, base):
        self.base = base
        self.context = browser.new_context(accept_downloads=True)
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("console", lambda message: message.type == "error" and self.problems.append(f"console error: {message.text}"))
        self.page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        self.page.on("response", lambda response: response.status >= 400 and self.problems.append(f"HTTP {response.status}: {response.url}"))

    def goto(self, path):
        response = self.page.goto(self.base + path)
        assert response.status == 200, f"{path} answered {response.status}"
        return response

    def check(self):
        assert not self.problems, "\n".join(self.problems)


def fetch_json(base, path):
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.load(response)


def get(url, headers=None, timeout=30):
    """(status, headers, body) without raising on 4xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def without_timing(body):
    """A page without the time its queries took (Datasette prints it): what differs between two
    renderings of the same page."""
    return re.sub(rb"Queries took [0-9.]+ms|\"query_ms\": [0-9.e-]+", b"", body)


def plugin(name):
    """One of the site's plugins (site/plugins/NAME.py), imported on its own."""
    spec = importlib.util.spec_from_file_location(f"site_plugin_{name}", REPO.site_dir / "plugins" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The nginx site of deploy/nginx-longlist.conf, started alone in a folder (the proxy test and the
# load benchmark): nginx -p FOLDER -c nginx.conf, in the foreground.
NGINX_MAIN = """\
{user}worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {folder}/tmp;
    proxy_temp_path {folder}/tmp;
    include {folder}/site.conf;
}}
"""


def nginx():
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def start_proxy(folder, listen, upstream):
    """nginx serving deploy/nginx-longlist.conf on `listen`, in front of `upstream`: the process."""
    folder = Path(folder)
    (folder / "tmp").mkdir(parents=True, exist_ok=True)
    site = (REPO.root / "deploy" / "nginx-longlist.conf").read_text(encoding="utf-8")
    site = site.replace("@LISTEN@", str(listen)).replace("@UPSTREAM@", upstream).replace("@CACHE_DIR@", str(folder / "cache"))
    (folder / "site.conf").write_text(site, encoding="utf-8")
    # as root (a test machine), nginx's workers would otherwise be `nobody`, who cannot write the folder
    user = "user root;\n" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(NGINX_MAIN.format(user=user, folder=folder), encoding="utf-8")
    return subprocess.Popen([nginx(), "-p", str(folder), "-c", str(folder / "nginx.conf"), "-g", "daemon off;"], stderr=subprocess.DEVNULL)
