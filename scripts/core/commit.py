"""The last step of a build or an import: move every staged file into place, all or nothing,
even if the process is killed half-way.

1. Every output that will be replaced (or removed) gets a second name under
   <staging>/previous/ (a hard link: no copy).
2. A journal, build/commit-journal.json, records what is about to move, where the staged files
   and the previous ones are, and the direction ("forward"). It is written to a temporary file
   and renamed, so it exists whole or not at all.
3. The moves: one os.replace each (atomic), then the removals.
4. The journal is deleted: the commit is over. Then the staging folder is.

A failure or Ctrl-C during the moves turns the journal to "back" and puts the previous outputs
back. A kill (SIGKILL, power cut of the process) leaves the journal: the next command that
changes or serves outputs (build, import-ratings, serve, release) takes the lock, reads the
journal and finishes the commit ("forward": every staged file is moved) or undoes it ("back":
every previous file is put back). Each step is idempotent, so a kill during the recovery is
recovered the same way. Either way the outputs are one complete set, old or new. Staging
folders that no journal names (left by a killed build before its commit) are then removed.

A journal is data that a command obeys, so it is checked before anything moves (`checked`): its
staging folder must be a folder directly under build/ (or an import's
data/contrib/ratings/.incoming-*), every path it moves or removes one of the declared outputs
(OUTPUT_PATTERNS), each relative, without "..", and inside the checkout once symbolic links
are followed. A journal that git tracks came with the repository, not from an interrupted
command here, and is refused too. A refused journal is never executed; `make clean` discards it.

LONGLIST_COMMIT_TEST (tests only) stops or slows a commit at a given point, so that tests can
kill a real process there; comma-separated NAME:VALUE items: "stop:N" sleeps for an hour after
N moves (N=0: just after the journal is written) printing "commit: stopped after N moves" to
stderr; "pause:S" sleeps S seconds after each move; "fail:N" raises OSError at move N+1;
"stop-back:N" (with fail) sleeps after N outputs were put back, printing "commit: stopped
after N restores".
"""

import contextlib
import errno
import fcntl
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath

from scripts.core.errors import BuildError

JOURNAL_NAME = "commit-journal.json"
LOCK_NAME = "commit.lock"
TEST_HOOK = "LONGLIST_COMMIT_TEST"
STAGING_GLOBS = ("build/staging-*", "data/contrib/ratings/.incoming-*", "dist/.staging-*")
# Where a journal's staging folder may be: a folder directly under one of these.
STAGING_PATTERNS = ("build/*", "data/contrib/ratings/.incoming-*")
# Every path a commit may move into place or remove: the build's outputs and the imported rating
# sets. A test checks that each output the build lists matches one of these.
OUTPUT_PATTERNS = (
    "data/*.csv",
    "data/contrib/ratings/*.csv",
    "datapackage.json",
    "metadata.yml",
    "croissant.json",
    "exports/*.json",
    "docs/argument_map.svg",
    "docs/charts/*.svg",
    "build/*.db",
    "build/*.json",
    "build/rating/*.json",
    "build/downloads/*",
)
JOURNAL_KINDS = ("build", "import")
_held = set()  # project roots whose lock this process holds (the lock is re-entrant)


def journal_path(project):
    return project.build_dir / JOURNAL_NAME


@contextlib.contextmanager
def exclusive(project, progress=print, recovering=True):
    """Hold build/commit.lock while a command changes outputs; on entry, finish or undo an
    interrupted commit and remove stale staging folders (unless `recovering` is False). A second
    build or import in the same folder at the same time is refused rather than left to mix its
    files with this one's."""
    if project.root in _held:  # a command that calls another (release -> build)
        yield
        return
    project.build_dir.mkdir(parents=True, exist_ok=True)
    lock = project.build_dir / LOCK_NAME
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(project.rel(lock), "another build or import-ratings is running in this folder; wait for it to finish") from None
        _held.add(project.root)
        if recovering:
            recover(project, progress)
        yield
    finally:
        _held.discard(project.root)
        os.close(fd)  # closing releases the lock (and the kernel releases it if the process dies)


def write_journal(project, record):
    path = journal_path(project)
    temporary = path.with_name(f".{JOURNAL_NAME}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def read_journal(project):
    """The journal's record once `checked`, or None when there is none."""
    path = journal_path(project)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        raise BuildError(project.rel(path), f"unreadable, so it was not executed; {DISCARD}") from None
    return checked(project, record)


DISCARD = "`make clean` discards it (then compare the outputs with `git status`)"


def matches(relative, pattern):
    """Whether a relative path matches a pattern component by component ("*" never spans a "/")."""
    parts, wanted = PurePosixPath(relative).parts, PurePosixPath(pattern).parts
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(part, glob) for part, glob in zip(parts, wanted))


def path_problem(project, relative, patterns):
    """Why `relative` may not be touched by a commit, or None."""
    if not isinstance(relative, str) or not relative:
        return "expected a relative path as a non-empty string"
    parts = PurePosixPath(relative).parts
    if relative.startswith("/") or "\\" in relative or "\0" in relative or any(part in (".", "..") for part in relative.split("/")):
        return f"{relative!r} is not a plain relative path (no leading /, no . or .. parts)"
    if not any(matches(relative, pattern) for pattern in patterns):
        return f"{relative!r} is none of the paths a commit may touch ({', '.join(patterns)})"
    root = project.root.resolve()
    folder = (project.root / relative).parent.resolve()  # a folder on the way may be a symbolic link out
    if folder != root and root not in folder.parents:
        return f"{relative!r} leads outside the checkout (to {folder})"
    if len(parts) > 1 and any((project.root / PurePosixPath(*parts[:depth])).is_symlink() for depth in range(1, len(parts))):
        return f"{relative!r} goes through a symbolic link"
    return None


def tracked_by_git(project, path):
    """Whether git tracks `path` in the checkout at the project root (False where there is no git)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(project.root), "ls-files", "--error-unmatch", "--", str(path.relative_to(project.root))],
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def checked(project, record):
    """The journal's record if a commit may execute it; otherwise a BuildError (see the module's docstring)."""
    where = project.rel(journal_path(project))
    if tracked_by_git(project, journal_path(project)):
        message = f"git tracks this file, so it came with the repository and records no interrupted command of this checkout; it was not executed; {DISCARD}"
        raise BuildError(where, message)
    if not isinstance(record, dict):
        raise BuildError(where, f"expected a JSON object, so it was not executed; {DISCARD}")
    problems = []
    if record.get("kind") not in JOURNAL_KINDS:
        problems.append(("kind", f"expected one of {', '.join(JOURNAL_KINDS)}"))
    if record.get("direction") not in ("forward", "back"):
        problems.append(("direction", "expected forward or back"))
    problem = path_problem(project, record.get("staging"), STAGING_PATTERNS)
    if problem is None and (project.root / record["staging"]).is_symlink():
        problem = f"{record['staging']!r} is a symbolic link"
    if problem:
        problems.append(("staging", problem))
    for key in ("moves", "removals", "had_previous"):
        paths = record.get(key)
        if not isinstance(paths, list):
            problems.append((key, "expected a list of relative paths"))
            continue
        for index, relative in enumerate(paths):
            if problem := path_problem(project, relative, OUTPUT_PATTERNS):
                problems.append((f"{key}[{index}]", problem))
    if not problems and not set(record["had_previous"]) <= set(record["moves"]) | set(record["removals"]):
        problems.append(("had_previous", "expected only paths that the journal moves or removes"))
    if problems:
        field, problem = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise BuildError(where, f"{problem}{more}; the journal was not executed; {DISCARD}", field=field)
    return record


def commit(project, staging, relatives, removals=(), kind="build"):
    """Move staging/<relative> to <root>/<relative> for every relative and delete every removal,
    all or nothing (see the module's docstring). The caller holds `exclusive(project)`."""
    staging = Path(staging)
    previous = staging / "previous"
    record = {
        "kind": kind,
        "direction": "forward",
        "staging": staging.relative_to(project.root).as_posix(),
        "moves": list(relatives),
        "removals": list(removals),
        "had_previous": [],
    }
    checked(project, record)  # what a recovery would refuse is never written
    for relative in [*relatives, *removals]:
        target = project.root / relative
        if target.exists():
            keep = previous / relative
            keep.parent.mkdir(parents=True, exist_ok=True)
            os.link(target, keep)  # a second name for the old file; the move below unlinks only the first
            record["had_previous"].append(relative)
    write_journal(project, record)
    checkpoint("stop", 0)
    moved = []
    try:
        for relative in relatives:
            checkpoint("fail", len(moved))
            target = project.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / relative, target)
            moved.append(relative)
            checkpoint("stop", len(moved))
            checkpoint("pause", len(moved))
        for relative in removals:
            (project.root / relative).unlink(missing_ok=True)
    except BaseException:
        record["direction"] = "back"
        with contextlib.suppress(OSError):
            write_journal(project, record)
        undo(project, record, in_process=True)
        journal_path(project).unlink(missing_ok=True)
        raise
    journal_path(project).unlink()


def finish(project, record):
    staging = project.root / record["staging"]
    for relative in record["moves"]:
        source = staging / relative
        if source.exists():  # not moved yet; a moved file is gone from staging
            target = project.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, target)
    for relative in record["removals"]:
        (project.root / relative).unlink(missing_ok=True)


def undo(project, record, in_process=False):
    previous = project.root / record["staging"] / "previous"
    had = set(record["had_previous"])
    restored = 0
    if in_process:
        checkpoint("stop-back", restored)
    for relative in [*record["moves"], *record["removals"]]:
        target = project.root / relative
        if relative in had:
            keep = previous / relative
            if keep.exists():  # (if target is still the old file, this rename of it onto itself changes nothing)
                os.replace(keep, target)
        else:  # new in this commit: the old set did not have it
            target.unlink(missing_ok=True)
        restored += 1
        if in_process:
            checkpoint("stop-back", restored)


def recover(project, progress=print):
    """Finish or undo an interrupted commit, then remove stale staging folders."""
    record = read_journal(project)
    if record is not None:
        if record.get("direction") == "forward":
            finish(project, record)
            what = f"finished an interrupted {record.get('kind', 'build')}: its {len(record['moves'])} files are now all in place"
        else:
            undo(project, record)
            what = f"undid an interrupted {record.get('kind', 'build')}: the previous files are all back"
        journal_path(project).unlink()
        shutil.rmtree(project.root / record["staging"], ignore_errors=True)
        progress(f"[  recover] {what} ({project.rel(journal_path(project))})")
    stale = [path for pattern in STAGING_GLOBS for path in sorted(project.root.glob(pattern))]
    (project.build_dir / f".{JOURNAL_NAME}.tmp").unlink(missing_ok=True)
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    if stale:
        names = ", ".join(project.rel(p) for p in stale[:5])
        progress(f"[  recover] removed {len(stale)} staging folder{'s' * (len(stale) > 1)} left by interrupted commands: {names}")


def clean(project, progress=print):
    """Delete build/ and dist/ (what a build or a release makes again; releases/ is kept).
    An interrupted commit is finished or undone first; a journal that the checks refuse is
    discarded without being executed, so cleaning always works."""
    if project.build_dir.is_dir() and not project.build_dir.is_symlink():
        with exclusive(project, progress, recovering=False):
            try:
                recover(project, progress)
            except BuildError as refused:
                progress(f"discarding {refused}")
                journal_path(project).unlink(missing_ok=True)
    folders = {
        project.build_dir: "the database, downloads and staging folders; make build makes them again",
        project.dist_dir: "release folders; make release makes them again",
    }
    for folder, what in folders.items():
        if folder.is_symlink():
            folder.unlink()  # the link only, never what it points to
            progress(f"deleted {project.rel(folder)} (a symbolic link; what it pointed to is untouched)")
        elif folder.exists():
            size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file() and not path.is_symlink())
            progress(f"deleting {project.rel(folder)}/ ({size / 1e6:.1f} MB: {what})")
            shutil.rmtree(folder)
    progress(f"{project.rel(project.releases_dir)}/ is kept: release records are permanent")


def checkpoint(phase, count):
    """The test hook (LONGLIST_COMMIT_TEST, see the module's docstring); nothing when unset."""
    hook = os.environ.get(TEST_HOOK)
    if not hook:
        return
    items = dict(item.partition(":")[::2] for item in hook.split(","))
    if phase == "pause" and "pause" in items:
        time.sleep(float(items["pause"]))
    elif phase == "fail" and items.get("fail") == str(count):
        raise OSError(errno.EIO, "test failure (LONGLIST_COMMIT_TEST)")
    elif phase in ("stop", "stop-back") and items.get(phase) == str(count):
        print(f"commit: stopped after {count} {'moves' if phase == 'stop' else 'restores'}", file=sys.stderr, flush=True)
        time.sleep(3600)
