"""Read any version of the package as it was published: a folder holding datapackage.json,
the package zip, or a release folder dist/<name>-<version>/ holding that zip. A zip holds the
package at its root (as bundle.py writes it now) or under one <name>-<version>/ folder (the
0.1.0 release): the shallowest datapackage.json is the package.

Values stay the strings of the CSV files: versions are compared as they were written.
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scripts.core.errors import BuildError


@dataclass
class Package:
    where: str
    descriptor: dict
    rows: dict  # resource name -> list of {field: string}

    @property
    def version(self):
        return self.descriptor.get("version", "?")

    def resource(self, name):
        return next(r for r in self.descriptor["resources"] if r["name"] == name)


def read(path):
    path = Path(path)
    if path.is_dir():
        if (path / "datapackage.json").exists():
            return read_folder(path)
        zips = sorted(path.glob("*.zip"))
        if len(zips) == 1:
            return read_zip(zips[0])
        raise BuildError(str(path), "expected datapackage.json, or one package zip, in this folder")
    if path.suffix == ".zip" and path.exists():
        return read_zip(path)
    if path.name == "datapackage.json" and path.exists():
        return read_folder(path.parent)
    raise BuildError(str(path), "not found; expected a folder with datapackage.json, a package zip, or a release folder")


def read_folder(folder):
    return load(str(folder), lambda relative: (folder / relative).read_bytes())


def read_zip(path):
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        descriptors = sorted((n for n in names if PurePosixPath(n).name == "datapackage.json"), key=lambda n: n.count("/"))
        if not descriptors:
            raise BuildError(str(path), "no datapackage.json in the zip")
        root = PurePosixPath(descriptors[0]).parent
        files = {str(PurePosixPath(n).relative_to(root)): n for n in names if root == PurePosixPath(".") or n.startswith(f"{root}/")}
        return load(str(path), lambda relative: archive.read(files[relative]))


def load(where, read_bytes):
    try:
        descriptor = json.loads(read_bytes("datapackage.json").decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise BuildError(f"{where}/datapackage.json", f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    rows = {}
    for resource in descriptor.get("resources", []):
        try:
            text = read_bytes(resource["path"]).decode("utf-8")
        except (FileNotFoundError, KeyError):
            raise BuildError(f"{where}/{resource['path']}", f"missing; datapackage.json lists it for resource '{resource['name']}'") from None
        rows[resource["name"]] = list(csv.DictReader(io.StringIO(text, newline="")))
    return Package(where, descriptor, rows)
