"""A release: dist/<name>-<version>/ with the package zip, the SQLite database, croissant.json
(the zip's own, for dataset hubs) and SHA256SUMS,
built from the committed inputs, plus its record releases/<version>/manifest.json (file
hashes, the database's canonical dump hash, and every released id) to commit.

A version means the same bytes forever: the release refuses to overwrite a dist folder
or contradict a recorded release whose bytes differ - the record in the working tree, and
every record of the version that any commit of the git history holds (a record deleted and
committed away still counts; a shallow clone, which lacks old commits, is refused) - and a
release from the same commit reproduces them exactly. The database is checked byte for byte
(SQLite writes the same file for the same statements with the same SQLite library; the dump
hash in the manifest identifies the content even across SQLite versions).
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import zipfile
from pathlib import Path

from scripts.build import build, built_zip_name, download_dir
from scripts.core.errors import BuildError
from scripts.release import identifiers, package_reader, versions
from scripts.release.bundle import zip_name
from scripts.release.status import dump_sha256

SUMS_NAME = "SHA256SUMS"
CROISSANT_NAME = "croissant.json"


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git(project, *args):
    """Output of a git command in the project, or None when this is not a git checkout."""
    if not (project.root / ".git").exists() or not shutil.which("git"):
        return None
    result = subprocess.run(["git", *args], cwd=project.root, capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def uncommitted(project):
    """Changed or untracked files (outside releases/, the record a release writes)."""
    status = git(project, "status", "--porcelain", "--untracked-files=all", "--", ".", ":(exclude)releases")
    return [line[3:] for line in (status or "").splitlines()]


def require_committed(project, when):
    changed = uncommitted(project)
    if changed:
        raise BuildError(changed[0], f"{when}: a release is built only from committed files; commit or restore: {', '.join(changed[:10])}")


def recorded_manifests(project):
    """{version: manifest} of every committed release record."""
    found = {}
    for path in sorted(project.releases_dir.glob("*/manifest.json")):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise BuildError(project.rel(path), f"not valid JSON: {exc.msg}", line=exc.lineno) from None
        if not isinstance(manifest, dict) or "version" not in manifest:
            raise BuildError(project.rel(path), "a release record needs its version (restore it with `git checkout -- releases/`)", field="version")
        found[manifest["version"]] = manifest
    return found


def is_shallow(project):
    """True if the checkout is a shallow clone (`git clone --depth N`), which lacks the older
    commits. `git rev-parse --is-shallow-repository` (git 2.15+), else the `shallow` file."""
    answer = (git(project, "rev-parse", "--is-shallow-repository") or "").strip()
    if answer in ("true", "false"):
        return answer == "true"
    common = (git(project, "rev-parse", "--git-common-dir") or ".git").strip()
    return (project.root / common / "shallow").exists()


def require_full_history(project):
    """A release is checked against every record any commit holds: a shallow clone does not
    hold them all, so a version released before could be released again with other bytes."""
    if is_shallow(project):
        raise BuildError(
            ".git",
            "this is a shallow clone (made with git clone --depth): it lacks the older commits, whose release records bind "
            "their versions, so a version released before could be released again with other bytes. "
            "Fetch the whole history with `git fetch --unshallow` (and `git fetch --tags`), then release again",
        )


def recorded_in_history(project, version):
    """[(commit, manifest)] of every record of `version` any commit holds (all branches and
    tags, the remote-tracking branches of every remote included), newest first; [] outside a
    git checkout. A shallow clone is refused before (require_full_history)."""
    relative = f"releases/{version}/manifest.json"
    found, seen = [], set()
    listed = git(project, "log", "--all", "--format=%H", "--", relative)
    if listed is None and git(project, "rev-parse", "HEAD") is not None:
        raise BuildError(".git", f"`git log --all -- {relative}` failed: the release records in the history cannot be checked")
    for commit in (listed or "").split():
        text = git(project, "show", f"{commit}:{relative}")
        if text is None or text in seen:  # the commit deleted the record, or holds one already seen
            continue
        seen.add(text)
        try:
            found.append((commit, json.loads(text)))
        except ValueError:
            continue
    return found


def latest(manifests, below=None):
    """The manifest with the highest version (strictly below `below` if given), or None."""
    candidates = [v for v in manifests if below is None or versions.parse(v) < versions.parse(below)]
    return manifests[max(candidates, key=versions.parse)] if candidates else None


def check_ids(previous, current_ids, version):
    if previous is None:
        return []
    problems = identifiers.renumberings(previous["ids"], current_ids)
    if problems and not identifiers.allowed_to_renumber(previous["version"], version):
        raise BuildError(
            "releases/" + previous["version"] + "/manifest.json",
            f"version {version} silently renumbers ids released in {previous['version']} (ids may change only in a new major version):\n  "
            + "\n  ".join(problems),
        )
    return problems


def manifest_text(manifest):
    """JSON with one id per line, so a release record reads well in review and in diffs."""
    lines = ["{"]
    for key in ("name", "version", "commit", "files", "database"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(manifest[key], ensure_ascii=False)},")
    lines.append('  "ids": {')
    names = list(manifest["ids"])
    for index, name in enumerate(names):
        recorded = manifest["ids"][name]
        lines.append(f"    {json.dumps(name)}: {{")
        lines.append(f'      "primary_key": {json.dumps(recorded["primary_key"])},')
        lines.append('      "rows": [')
        rows = [f"        {json.dumps(row, ensure_ascii=False)}" for row in recorded["rows"]]
        lines.append(",\n".join(rows))
        lines.append("      ]")
        lines.append("    }" + ("," if index < len(names) - 1 else ""))
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def same_release(recorded, manifest):
    return recorded["files"] == manifest["files"] and recorded["database"]["dump_sha256"] == manifest["database"]["dump_sha256"]


def describe_difference(recorded, manifest):
    parts = [
        f"{name}: recorded {recorded['files'].get(name, 'absent')[:12]}..., now {digest[:12]}..."
        for name, digest in manifest["files"].items()
        if recorded["files"].get(name) != digest
    ]
    before, now = recorded["database"], manifest["database"]
    if before["sqlite_version"] != now["sqlite_version"]:
        same = "the same" if before["dump_sha256"] == now["dump_sha256"] else "a different"
        parts.append(f"SQLite {now['sqlite_version']} here, {before['sqlite_version']} for the release; {same} canonical dump")
    return "; ".join(parts)


def folder_bytes(folder):
    return {p.name: p.read_bytes() for p in sorted(Path(folder).iterdir())}


def release(project, progress=print):
    version = versions.check(project)
    progress(f"[  version] {version}: datapackage.json, pyproject.toml, CITATION.cff, CHANGELOG.md, metadata.yml and README.md agree")
    in_git = git(project, "rev-parse", "HEAD") is not None
    if in_git:
        require_full_history(project)
        require_committed(project, "before the build")
    else:
        progress("[      git] not a git checkout: cannot check that the inputs are committed")

    descriptor = build(project, progress=progress)
    if in_git:
        require_committed(project, "after the build (the committed outputs were stale; run `make build` and commit)")

    manifests = recorded_manifests(project)
    current_ids = identifiers.ids(package_reader.read(project.root))
    previous = latest(manifests, below=version)
    report_ids(check_ids(previous, current_ids, version), current_ids, previous, progress)

    target = project.dist_dir / f"{descriptor['name']}-{version}"
    record = project.releases_dir / version / "manifest.json"
    records = [("the working tree", manifests[version])] if version in manifests else []
    records += [(f"commit {commit[:12]}", recorded) for commit, recorded in recorded_in_history(project, version)] if in_git else []
    manifest = write_dist(project, descriptor, target, current_ids, records, record, progress)

    if version in manifests:
        progress(f"[   record] reproduced the recorded release {project.rel(record)} byte for byte")
    else:
        record.parent.mkdir(parents=True, exist_ok=True)
        temporary = record.with_suffix(".json.tmp")
        temporary.write_text(manifest_text(manifest), encoding="utf-8")
        os.replace(temporary, record)
        progress(f"[   record] wrote {project.rel(record)}: commit it with the release")
    for file, digest in manifest["files"].items():
        progress(f"{digest}  {file}")
    return target


def report_ids(allowed, current_ids, previous, progress):
    for problem in allowed:
        progress(f"[      ids] allowed by the major version: {problem}")
    count = sum(len(r["rows"]) for r in current_ids.values())
    if previous is None:
        progress(f"[      ids] {count} ids; no earlier release to compare them with")
    elif not allowed:
        progress(f"[      ids] {count} ids; every id of {previous['version']} kept")


def write_dist(project, descriptor, target, current_ids, records, record, progress):
    """Stage the release folder, check it against what this version already means (`records`:
    [(where, manifest)]), then move it into place (or keep the identical one there). Returns
    the release's manifest."""
    project.dist_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=project.dist_dir))
    try:
        # a build that differs from this version's record made a zip of unreleased changes: it
        # is compared under the release's name, and the record refuses it below
        archive = zip_name(descriptor)
        shutil.copyfile(project.root / download_dir(project) / built_zip_name(project, descriptor), staging / archive)
        shutil.copyfile(project.db_path, staging / project.db_path.name)
        # croissant.json beside the zip (its own member, byte for byte), for hubs that read the file alone
        with zipfile.ZipFile(staging / archive) as opened:
            (staging / CROISSANT_NAME).write_bytes(opened.read(CROISSANT_NAME))
        files = {p.name: sha256(p) for p in sorted(staging.iterdir())}
        (staging / SUMS_NAME).write_text("".join(f"{digest}  {file}\n" for file, digest in files.items()), encoding="utf-8")
        manifest = {
            "name": descriptor["name"],
            "version": descriptor["version"],
            "commit": (git(project, "rev-parse", "HEAD") or "").strip() or None,
            "files": files,
            "database": {"sqlite_version": sqlite3.sqlite_version, "dump_sha256": dump_sha256(staging / project.db_path.name)},
            "ids": current_ids,
        }
        for where, recorded in records:
            if not same_release(recorded, manifest):
                raise BuildError(
                    project.rel(record),
                    f"version {descriptor['version']} was released with other bytes (recorded in {where}: "
                    f"{describe_difference(recorded, manifest)}). A release record is permanent, even once deleted: "
                    "a version must mean the same bytes forever, so give the changed data a new version "
                    "(datapackage.json and its copies) with its own CHANGELOG.md section.",
                )
        if target.exists():
            if folder_bytes(target) != folder_bytes(staging):
                raise BuildError(
                    project.rel(target),
                    "already holds a release of this version with different bytes; it is left untouched. "
                    "A version must mean the same bytes forever: bump the version, or delete this folder only if it was never published.",
                )
            progress(f"[     dist] {project.rel(target)} already holds exactly these bytes")
        else:
            os.replace(staging, target)
            progress(f"[     dist] {project.rel(target)}: {', '.join(files)}, {SUMS_NAME}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
