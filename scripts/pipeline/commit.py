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
import json
import os
import shutil
import sys
import time
from pathlib import Path

from scripts.core.errors import BuildError

JOURNAL_NAME = "commit-journal.json"
LOCK_NAME = "commit.lock"
TEST_HOOK = "LONGLIST_COMMIT_TEST"
STAGING_GLOBS = ("build/staging-*", "data/contrib/ratings/.incoming-*", "dist/.staging-*")
_held = set()  # project roots whose lock this process holds (the lock is re-entrant)


def journal_path(project):
    return project.build_dir / JOURNAL_NAME


@contextlib.contextmanager
def exclusive(project, progress=print):
    """Hold build/commit.lock while a command changes outputs; on entry, finish or undo an
    interrupted commit and remove stale staging folders. A second build or import in the same
    folder at the same time is refused rather than left to mix its files with this one's."""
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
    path = journal_path(project)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        message = "unreadable; it records an interrupted commit: compare the outputs with `git status` and delete it by hand"
        raise BuildError(project.rel(path), message) from None


def commit(project, staging, relatives, removals=(), kind="build"):
    """Move staging/<relative> to <root>/<relative> for every relative and delete every removal,
    all or nothing (see the module's docstring). The caller holds `exclusive(project)`."""
    staging = Path(staging)
    previous = staging / "previous"
    had_previous = []
    for relative in [*relatives, *removals]:
        target = project.root / relative
        if target.exists():
            keep = previous / relative
            keep.parent.mkdir(parents=True, exist_ok=True)
            os.link(target, keep)  # a second name for the old file; the move below unlinks only the first
            had_previous.append(relative)
    record = {
        "kind": kind,
        "direction": "forward",
        "staging": str(staging.relative_to(project.root)),
        "moves": list(relatives),
        "removals": list(removals),
        "had_previous": had_previous,
    }
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
