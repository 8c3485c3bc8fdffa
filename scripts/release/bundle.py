"""The whole data package as one zip: descriptor, CSVs, raw snapshot, README, licence, citation,
croissant.json, and the docs the README links to (and the files they link to), so every
relative link inside the zip resolves inside it.

Flat: datapackage.json sits at the root of the archive, so the zip opens as a package in the
tools users have (`frictionless.Package("x.zip")`, `frictionless validate x.zip`).
Byte-for-byte reproducible: entries in a fixed order, with a fixed timestamp, fixed
permissions and a fixed compression level, so the same package always gives the same zip.
"""

import hashlib
import posixpath
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from scripts.publishing import citation, croissant
from scripts.release import status as release_status

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can record
COMPRESS_LEVEL = 9
# Files from the project root that travel with the package, where they exist.
EXTRA_FILES = ("README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md", "exports/argument_map.aif.json")
# A Markdown link or image target: [text](target) or ![alt](target), up to a space or ")".
LINK = re.compile(r"\]\(([^)\s]+)\)")


def relative_links(text):
    """The relative link targets of a Markdown text (no scheme, no bare #anchor), without anchors."""
    targets = []
    for target in LINK.findall(text):
        if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith(("#", "/")):
            continue
        targets.append(target.split("#", 1)[0])
    return [t for t in targets if t]


def linked_files(start, read):
    """Paths (from the project root) of the files the Markdown file `start` links to, and those
    they link to in turn; `read(path)` gives a file's text, or None when it does not exist."""
    found, pending = set(), [start]
    while pending:
        name = pending.pop()
        if not name.endswith(".md"):
            continue
        text = read(name)
        for target in relative_links(text or ""):
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if path not in found and path != start and not path.startswith("..") and read(path) is not None:
                found.add(path)
                pending.append(path)
    return found


def zip_name(descriptor, status=None):
    """`<name>-<version>.zip`, or `<name>-<version>+unreleased.zip` for a build that differs
    from its version's release record (scripts/release/status.py)."""
    version = status.file_version if status else descriptor["version"]
    return f"{descriptor['name']}-{version}.zip"


def members(staging, project, descriptor):
    """(name in the zip, path on disk or the bytes themselves) for every member, taking built files
    from `staging`; croissant.json is made here from `descriptor`."""

    def newest(relative):
        staged = Path(staging) / relative
        return staged if staged.exists() else project.root / relative

    entries = [("datapackage.json", newest("datapackage.json"))]
    entries += [(r["path"], newest(r["path"])) for r in descriptor["resources"]]
    entries += [(f"data/raw/{p.name}", p) for p in sorted(project.raw_dir.iterdir()) if p.is_file()]
    entries += [(name, newest(name)) for name in EXTRA_FILES if newest(name).exists()]
    entries.append((croissant.FILE_NAME, croissant.text_for(project, descriptor).encode("utf-8")))

    def read(relative):
        path = newest(relative)
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None

    present = {name for name, _ in entries}
    entries += [(name, newest(name)) for name in sorted(linked_files("README.md", read)) if name not in present]
    return sorted(entries)


def write_zip(entries, target, mode="w"):
    """Write `entries` (name in the zip, path on disk or bytes) at the root of the zip at
    `target` (mode "a": after the entries already there); return its SHA-256."""
    with zipfile.ZipFile(target, mode) as archive:
        for name, path in entries:
            data = path if isinstance(path, bytes) else Path(path).read_bytes()
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever machine builds it
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    return hashlib.sha256(Path(target).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Bundle:
    name: str
    sha256: str
    status: release_status.Status


def readme_bytes(path, project, descriptor, status):
    """The README as it travels in the zip: its citation block regenerated for this build's
    status, so a zip of unreleased changes never claims to be the release."""
    text = Path(path).read_text(encoding="utf-8")
    if citation.CITATION_START not in text:
        return text.encode("utf-8")
    return citation.readme_text(text, citation.load(project), descriptor, status=status).encode("utf-8")


def with_readme(entries, project, descriptor, status):
    return [(name, readme_bytes(path, project, descriptor, status) if name == "README.md" else path) for name, path in entries]


def write(staging, project, descriptor, downloads, db_path):
    """Write the package zip (and its .sha256) into `downloads`: first the candidate release
    zip, compared with the release record of the version; if they differ, the zip of
    unreleased changes instead. Returns the Bundle.

    The README, the one member that differs between the two, is the zip's last entry: every
    other member is compressed once, into a base both zips start from (a million ratings make
    a CSV that takes seconds to deflate)."""
    entries = members(staging, project, descriptor)
    readme = [(name, path) for name, path in entries if name == "README.md"]
    base = downloads / ".base.zip"
    write_zip([(name, path) for name, path in entries if name != "README.md"], base)

    def finish(status):
        target = downloads / zip_name(descriptor, status)
        shutil.copyfile(base, target)
        return target, write_zip(with_readme(readme, project, descriptor, status), target, mode="a")

    target, digest = finish(release_status.release_of(descriptor["version"]))
    status = release_status.compare(project, descriptor["version"], target.name, digest, db_path)
    if not status.released:
        target.unlink()
        target, digest = finish(status)
    base.unlink()
    (downloads / f"{target.name}.sha256").write_text(f"{digest}  {target.name}\n", encoding="utf-8")
    return Bundle(target.name, digest, status)
