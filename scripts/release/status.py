"""Is this build the release of its version? A version names one set of bytes.

releases/<version>/manifest.json records the bytes of a release: the package zip's SHA-256
and the hash of the database's canonical SQL dump. The build compares what it made with that
record, from its inputs alone (no clock, no network):

- no record for the version yet: the build is the candidate for that release (`make release`
  writes the record from it), and calls itself by the version, e.g. "0.2.0";
- a record whose zip and dump hashes equal the build's: the build *is* that release, "0.1.0";
- a record with other bytes: the build is "0.1.0 + unreleased changes" wherever the version
  shows (index page, citation block, the zip's README) and its zip is named
  `<name>-0.1.0+unreleased.zip`. Only `make release`, with a new version, makes it citable.

The zip compared is the candidate release zip: its README carries the plain citation block,
so the comparison does not depend on its own outcome.
"""

import hashlib
import json
import sqlite3
from dataclasses import dataclass

UNRELEASED = "unreleased changes"
UNRELEASED_SUFFIX = "+unreleased"  # semantic versioning's build metadata: 0.1.0+unreleased


@dataclass(frozen=True)
class Status:
    version: str
    released: bool  # True: the build equals the release record, or no record exists yet
    recorded: bool = False  # a release record of this version exists
    date: str = ""  # CITATION.cff's date-released of the recorded release, where known

    @property
    def label(self):
        """The version as a reader sees it: "0.1.0" or "0.1.0 + unreleased changes"."""
        return self.version if self.released else f"{self.version} + {UNRELEASED}"

    @property
    def file_version(self):
        """The version as it appears in file names: "0.1.0" or "0.1.0+unreleased"."""
        return self.version if self.released else f"{self.version}{UNRELEASED_SUFFIX}"


def release_of(version):
    """The status of a build that is (or is the candidate for) the release of `version`."""
    return Status(str(version), True)


def dump_sha256(db_path):
    """Hash of the database's canonical SQL dump: its content, whatever SQLite wrote the file."""
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        for statement in connection.iterdump():
            digest.update(statement.encode("utf-8") + b"\n")
        return digest.hexdigest()
    finally:
        connection.close()


def record(project, version):
    """The committed release record of `version`, or None."""
    path = project.releases_dir / str(version) / "manifest.json"
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def compare(project, version, zip_name, zip_sha256, db_path):
    """The build's status: its candidate zip's hash and its database's dump against the record."""
    recorded = record(project, version)
    if recorded is None:
        return Status(str(version), True)
    same_zip = recorded.get("files", {}).get(zip_name) == zip_sha256
    same_db = same_zip and recorded.get("database", {}).get("dump_sha256") == dump_sha256(db_path)
    return Status(str(version), same_db, recorded=True)
