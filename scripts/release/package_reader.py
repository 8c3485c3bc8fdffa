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
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise BuildError(str(path), "not a zip file (damaged, or not a package zip)") from None
    with archive:
        names = archive.namelist()
        descriptors = sorted((n for n in names if PurePosixPath(n).name == "datapackage.json"), key=lambda n: n.count("/"))
        if not descriptors:
            raise BuildError(str(path), "no datapackage.json in the zip")
        root = PurePosixPath(descriptors[0]).parent
        files = {str(PurePosixPath(n).relative_to(root)): n for n in names if root == PurePosixPath(".") or n.startswith(f"{root}/")}
        return load(str(path), lambda relative: archive.read(files[relative]))


def text(data, where):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildError(where, f"not UTF-8 text: byte 0x{data[exc.start]:02x}", line=line) from None


def load(where, read_bytes):
    descriptor_path = f"{where}/datapackage.json"
    try:
        descriptor = json.loads(text(read_bytes("datapackage.json"), descriptor_path))
    except json.JSONDecodeError as exc:
        raise BuildError(descriptor_path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("path"), str) for r in resources):
        raise BuildError(descriptor_path, "expected a list of resources, each with a name and a path", field="resources")
    rows = {}
    for resource in resources:
        try:
            data = read_bytes(resource["path"])
        except (FileNotFoundError, KeyError):
            raise BuildError(f"{where}/{resource['path']}", f"missing; datapackage.json lists it for resource '{resource['name']}'") from None
        rows[resource["name"]] = list(csv.DictReader(io.StringIO(text(data, f"{where}/{resource['path']}"), newline="")))
    return Package(where, descriptor, rows)
