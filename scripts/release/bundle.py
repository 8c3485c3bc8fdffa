"""The whole data package as one zip: descriptor, CSVs, raw snapshot, README, licence, citation.

Byte-for-byte reproducible: entries in a fixed order, with a fixed timestamp, fixed
permissions and a fixed compression level, so the same package always gives the same zip.
"""

import hashlib
import zipfile
from pathlib import Path

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can record
COMPRESS_LEVEL = 9
# Files from the project root that travel with the package, where they exist.
EXTRA_FILES = ("README.md", "LICENSE", "CITATION.cff", "CHANGELOG.md", "exports/argument_map.aif.json")


def zip_name(descriptor):
    return f"{descriptor['name']}-{descriptor['version']}.zip"


def members(staging, project, descriptor):
    """(name in the zip, path on disk) for every member, taking built files from `staging`."""

    def newest(relative):
        staged = Path(staging) / relative
        return staged if staged.exists() else project.root / relative

    entries = [("datapackage.json", newest("datapackage.json"))]
    entries += [(r["path"], newest(r["path"])) for r in descriptor["resources"]]
    entries += [(f"data/raw/{p.name}", p) for p in sorted(project.raw_dir.iterdir()) if p.is_file()]
    entries += [(name, newest(name)) for name in EXTRA_FILES if newest(name).exists()]
    return sorted(entries)


def write_zip(entries, target, root_folder):
    """Write `entries` under `root_folder/` in the zip at `target`; return its SHA-256."""
    with zipfile.ZipFile(target, "w") as archive:
        for name, path in entries:
            info = zipfile.ZipInfo(f"{root_folder}/{name}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever machine builds it
            archive.writestr(info, Path(path).read_bytes(), compresslevel=COMPRESS_LEVEL)
    return hashlib.sha256(Path(target).read_bytes()).hexdigest()
