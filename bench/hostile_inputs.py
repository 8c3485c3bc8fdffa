"""Hostile inputs within the size caps (issue 20): how long each takes and how big what it makes.

    .venv/bin/python bench/hostile_inputs.py [--root CHECKOUT] [--only NAME ...] [--timeout S]

Runs each case as a real `python -m scripts ...` process in a temporary copy of the checkout
at --root (default: this one; give a checkout of an older commit for the before figures), and
prints beside it a baseline measured in the same run on the same copy:

- contributions: `build` with 120 contributed files of 96 kB each (a label and a note of 24,000
  quote marks, 20 scores), then 120 files at this checkout's label and note limits
  (scripts/core/sizes.py; quote marks too); baseline: the build with no contributed file.
  Wall time, the exit status and first error line, the charts stage, the largest SVG under
  docs/charts/, and data/rating_sets.csv's size.
- slow_heading: `import-ratings` of a 3 kB CSV (`rater,(`, 3,000 spaces and an `x`), a 300 kB
  one (100 such headings), and the issue's exact file (`rater,(` and 3,000 spaces, which a
  cell's edge trims); baseline: the import of a well-formed two-line file.
- old_package: `diff` with an old package that is a 0.4 MB zip holding a 204 MB CSV; wall time and
  the peak memory of the process (ru_maxrss; its address space is limited to 3 GB, the machine
  being shared: the issue measured 5.7 GB); baseline: `diff` of the committed package
  against itself.

Each process is stopped after --timeout seconds (default 900); a case that hits it prints
"> N s". Nothing in the repository is changed.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.core import sizes  # noqa: E402

NOT_INPUTS = (".git", "build", "dist", ".venv", "__pycache__", "tests", "bench", "node_modules")
FILES = 120
QUOTES = 24_000  # a label and a note of this many quote marks: 96 kB of CSV per file


def run(argv, cwd, timeout):
    """(seconds, exit status or None on timeout, stdout + stderr, peak kB of the process)."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        return time.perf_counter() - start, None, output, None
    seconds = time.perf_counter() - start
    return seconds, process.returncode, output, None


MEMORY_LIMIT = 3 * 1024**3  # the machine is shared: a process that wants more stops with MemoryError


def limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_measured(argv, cwd, timeout):
    """run(), with the process's peak resident memory (kB) from wait4."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=limit_memory)
    deadline = start + timeout
    chunks = []
    os.set_blocking(process.stdout.fileno(), False)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        try:
            chunk = process.stdout.read()
            if chunk:
                chunks.append(chunk)
        except BlockingIOError:
            pass
        if pid:
            break
        if time.perf_counter() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            os.wait4(process.pid, 0)
            return time.perf_counter() - start, None, b"".join(chunks).decode("utf-8", "replace"), None
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    rest = process.stdout.read() or b""
    return seconds, os.waitstatus_to_exitcode(status), (b"".join(chunks) + rest).decode("utf-8", "replace"), usage.ru_maxrss


def copy_of(root, folder):
    shutil.copytree(root, folder, ignore=shutil.ignore_patterns(*NOT_INPUTS), symlinks=True)
    if (root / ".venv").exists():
        os.symlink(root / ".venv", folder / ".venv")
    return folder


def first_error(output):
    return next((line for line in output.splitlines() if line.startswith(("error:", "Traceback"))), "")[:160]


def shown_seconds(seconds, code, timeout):
    return f"> {timeout:.0f} s (stopped)" if code is None else f"{seconds:.2f} s"


def contributed_file(label, note):
    quote = lambda text: '"' + text.replace('"', '""') + '"'  # noqa: E731
    scores = "".join(f"theory {n},{(n * 7 + len(label)) % 11}\n" for n in range(1, 21))
    return f"field,value\nlabel,{quote(label)}\nnote,{quote(note)}\n{scores}"


def build_case(folder, files, timeout, python):
    """Write `files` (name -> text) into data/contrib/ratings/, build, measure."""
    ratings = folder / "data" / "contrib" / "ratings"
    for name in os.listdir(ratings):
        if name.endswith(".csv"):
            os.unlink(ratings / name)
    for name, text in files.items():
        (ratings / name).write_text(text, encoding="utf-8")
    shutil.rmtree(folder / "build", ignore_errors=True)
    seconds, code, output, _ = run([python, "-m", "scripts", "build"], folder, timeout)
    charts = re.search(r"\[   charts\].*\((\d+\.\d+)s\)", output)
    svgs = sorted((folder / "docs" / "charts").glob("*.svg"), key=lambda p: p.stat().st_size)
    return {
        "time": shown_seconds(seconds, code, timeout),
        "exit": code,
        "error": first_error(output),
        "charts stage": f"{charts.group(1)} s" if charts else "-",
        "largest SVG": f"{svgs[-1].name} {svgs[-1].stat().st_size:,} bytes" if svgs else "-",
        "rating_sets.csv": f"{(folder / 'data' / 'rating_sets.csv').stat().st_size:,} bytes",
    }


def contributions(root, timeout, python):
    with tempfile.TemporaryDirectory(prefix="hostile-build-") as tmp:
        folder = copy_of(root, Path(tmp) / "project")
        results = {"baseline: no contributed file": build_case(folder, {}, timeout, python)}
        issue = {f"quotes-{i:03d}.csv": contributed_file(f"{i:03d}" + '"' * (QUOTES - 3), '"' * QUOTES) for i in range(FILES)}
        print(f"  (the issue's files: {len(issue)} x {len(next(iter(issue.values())).encode()):,} bytes)", flush=True)
        results[f"{FILES} files of 96 kB (issue 20)"] = build_case(folder, issue, timeout, python)
        label_bytes, note_bytes = getattr(sizes, "MAX_LABEL_BYTES", sizes.MAX_TEXT_BYTES), getattr(sizes, "MAX_NOTE_BYTES", sizes.MAX_TEXT_BYTES)
        edge = {f"edge-{i:03d}.csv": contributed_file(f"{i:03d}" + '"' * (label_bytes - 3), '"' * note_bytes) for i in range(FILES)}
        results[f"{FILES} files at the limits (label {label_bytes:,} B, note {note_bytes:,} B)"] = build_case(folder, edge, timeout, python)
        return results


def slow_heading(root, timeout, python):
    with tempfile.TemporaryDirectory(prefix="hostile-import-") as tmp:
        folder = copy_of(root, Path(tmp) / "project")
        cases = {
            "baseline: a well-formed 2-line export": "rater,1,2\nJane,5,6\n",
            "the issue's 3 kB file: rater,( and 3,000 spaces": "rater,(" + " " * 3_000,
            "3 kB: rater,( 3,000 spaces x": "rater,(" + " " * 3_000 + "x\n",
            "300 kB: 100 such headings": "rater," + ",".join(["(" + " " * 3_000 + "x"] * 100) + "\n",
        }
        results = {}
        for name, text in cases.items():
            export = Path(tmp) / "export.csv"
            export.write_text(text, encoding="utf-8")
            seconds, code, output, _ = run([python, "-m", "scripts", "import-ratings", str(export)], folder, timeout)
            results[name] = {"time": shown_seconds(seconds, code, timeout), "exit": code, "first line": (output.splitlines() or [""])[0][:120]}
        return results


def old_package(root, timeout, python):
    with tempfile.TemporaryDirectory(prefix="hostile-diff-") as tmp:
        folder = copy_of(root, Path(tmp) / "project")
        descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
        descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "theories"]
        bomb = Path(tmp) / "bomb.zip"
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("datapackage.json", json.dumps(descriptor))
            with archive.open("data/theories.csv", "w", force_zip64=True) as member:
                member.write(b"number,title,credit\n")
                row = b"1,a,b\n" * 166_667  # 1 MB
                for _ in range(204):
                    member.write(row)
        # what the caps still let through: a member under the size cap, of rows just under the line cap
        edge = Path(tmp) / "edge.zip"
        lines = getattr(sizes, "MAX_PACKAGE_LINES", 1_500_000) - 100
        width = min(getattr(sizes, "MAX_PACKAGE_FILE_BYTES", 48 * 1024 * 1024) - 1_000, getattr(sizes, "MAX_PACKAGE_BYTES", 96 * 1024 * 1024) // 2) // lines
        with zipfile.ZipFile(edge, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("datapackage.json", json.dumps(descriptor))
            archive.writestr("data/theories.csv", b"number,title,credit\n" + (b"1," + b"a" * (width - 5) + b",b\n") * lines)
        results = {}
        cases = (
            ("baseline: the committed package against itself", folder),
            (f"a {bomb.stat().st_size / 1e6:.1f} MB zip holding 204 MB", bomb),
            (f"under the caps: a {edge.stat().st_size / 1e6:.1f} MB zip holding {lines:,} rows of {width} bytes", edge),
        )
        for name, old in cases:
            seconds, code, output, peak = run_measured([python, "-m", "scripts", "diff", str(old), str(folder)], folder, timeout)
            results[name] = {
                "time": shown_seconds(seconds, code, timeout),
                "exit": code,
                "peak memory": f"{peak / 1024:,.0f} MB" if peak else "-",
                "first error": first_error(output),
            }
        return results


CASES = {"contributions": contributions, "slow_heading": slow_heading, "old_package": old_package}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=REPO, help="the checkout to measure (default: this one)")
    parser.add_argument("--only", nargs="*", choices=list(CASES), default=list(CASES))
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    root = args.root.resolve()
    python = str(REPO / ".venv" / "bin" / "python")
    print(f"checkout: {root}; load average {os.getloadavg()[0]:.1f}", flush=True)
    for name in args.only:
        print(f"{name}:", flush=True)
        for case, figures in CASES[name](root, args.timeout, python).items():
            print(f"  {case}:", flush=True)
            for key, value in figures.items():
                print(f"    {key}: {value}", flush=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
