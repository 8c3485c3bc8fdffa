"""Break a copy of the project's inputs in a declared way, and check what a failed build left behind.

A bad-input case (tests/bad_inputs/*.yml) names one `file` and one mutation:

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

import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from scripts.core.paths import Project

RAW = "data/raw/longlist-theories-of-impact.lesswrong.txt"
SIDECAR = "data/raw/source.yml"
MUTATIONS = ("replace", "replace_all", "delete_lines", "truncate", "content", "remove", "encode", "insert_bytes", "append", "json", "symlink", "fifo", "folder")
NOT_FILES = {"symlink": lambda path, target: os.symlink(target, path), "fifo": lambda path, _: os.mkfifo(path), "folder": lambda path, _: path.mkdir()}
# Every output of a build; a failed build must leave each byte-identical.
OUTPUT_GLOBS = ("data/*.csv", "datapackage.json", "metadata.yml", "README.md", "build/**/*")


def mutate(root, case):
    """Apply the case's one mutation to root/case["file"]; pin the raw snapshot unless told not to."""
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
        path.write_bytes(new)
    if case["file"] == RAW and case.get("pin", True) and new is not None:
        pin_snapshot(root, new)


def pin_snapshot(root, raw_bytes):
    """Record `raw_bytes`' SHA-256 in the sidecar, changing nothing else in it."""
    sidecar = Path(root) / SIDECAR
    text = sidecar.read_text(encoding="utf-8")
    text, count = re.subn(r"(?m)^sha256: [0-9a-f]{64}$", f"sha256: {hashlib.sha256(raw_bytes).hexdigest()}", text)
    assert count == 1, "the sidecar's sha256 line was not found"
    sidecar.write_text(text, encoding="utf-8")


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


def output_snapshot(root):
    """{relative path: bytes} of every build output under root."""
    root = Path(root)
    files = {}
    for pattern in OUTPUT_GLOBS:
        for path in root.glob(pattern):
            if path.is_file() and not path.is_symlink():
                files[str(path.relative_to(root))] = path.read_bytes()
    return files


def copy_project(source, destination, with_scripts=False):
    """A copy of a built project (inputs and outputs), optionally with scripts/ for a real CLI run."""
    shutil.copytree(source, destination)
    if with_scripts:
        shutil.copytree(Project().root / "scripts", Path(destination) / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    return Project(Path(destination))
