"""Read any version of the package as it was published: a folder holding datapackage.json,
the package zip, or a release folder dist/<name>-<version>/ holding that zip. A zip holds the
package at its root (as bundle.py writes it now) or under one <name>-<version>/ folder (the
0.1.0 release): the shallowest datapackage.json is the package.

Values stay the strings of the CSV files: versions are compared as they were written.

A package given to `diff` may come from anywhere, so it is read as untrusted: a resource path
must be a relative path inside the package (no absolute path, no `..`, no symbolic link, only
a regular file: never /dev/zero or ../../etc/passwd); sizes are capped before anything is read
(the zip on disk, the number of names in it, each file's declared size, then the read itself,
the total, and the lines of the CSV files, since each row is held in memory: scripts/core/sizes.py); and every malformation (a descriptor without a schema,
a cell over the CSV limit, a zip bomb) is a one-line error naming the file.
"""

import io
import json
import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from scripts.core import sizes
from scripts.core.errors import BuildError
from scripts.ratings import gate

# The end of a zip's central directory: its signature, and where the number of entries sits.
END_OF_DIRECTORY = b"PK\x05\x06"
END_OF_DIRECTORY_SIZE = 22
MAX_ZIP_COMMENT = 65_535


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
        if (path / "datapackage.json").exists() or (path / "datapackage.json").is_symlink():
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


def confined(relative, where):
    """`relative` as a path inside the package, or a BuildError: a resource path is relative,
    forward-slashed, without `..` (the package's own paths are data/NAME.csv)."""
    if not isinstance(relative, str) or not relative:
        raise BuildError(
            f"{where}/datapackage.json", f"{gate.excerpt(relative)} is not a path; expected a relative path such as data/theories.csv", field="path"
        )
    parts = PurePosixPath(relative).parts
    if relative.startswith(("/", "\\")) or "\\" in relative or ":" in relative or ".." in parts or "\x00" in relative:
        raise BuildError(
            f"{where}/datapackage.json",
            f"resource path {gate.excerpt(relative)} leads outside the package; expected a relative path inside it, such as data/theories.csv",
            field="path",
        )
    return str(PurePosixPath(*[p for p in parts if p != "."]))


class Budget:
    """The bytes one package may still read (MAX_PACKAGE_BYTES in all)."""

    def __init__(self, where):
        self.where, self.left, self.lines = where, sizes.MAX_PACKAGE_BYTES, 0

    def take(self, size, name):
        if size > self.left:
            raise BuildError(name, f"reading it would make the package more than {sizes.MAX_PACKAGE_BYTES:,} bytes; the limit is {sizes.MAX_PACKAGE_BYTES:,}")
        self.left -= size

    def take_lines(self, data, name):
        self.lines += data.count(b"\n")
        if self.lines > sizes.MAX_PACKAGE_LINES:
            raise BuildError(
                name, f"reading it would make the package's CSV files more than {sizes.MAX_PACKAGE_LINES:,} lines; the limit is {sizes.MAX_PACKAGE_LINES:,}"
            )


def file_cap(relative):
    return sizes.MAX_DESCRIPTOR_BYTES if relative == "datapackage.json" else sizes.MAX_PACKAGE_FILE_BYTES


def read_folder(folder):
    folder = Path(folder)
    budget = Budget(str(folder))

    def read_bytes(relative):
        path, name = folder / relative, f"{folder}/{relative}"
        if not os.path.lexists(path):
            raise FileNotFoundError(relative)
        if not gate.inside(folder, path):
            raise BuildError(name, "leads outside the package (through a symbolic link); only files inside it are read")
        data = gate.read_regular(path, name, file_cap(relative))  # no link, FIFO or device, size capped
        budget.take(len(data), name)
        if relative != "datapackage.json":
            budget.take_lines(data, name)
        return data

    return load(str(folder), read_bytes)


def zip_entries(path):
    """The number of entries a zip's central directory declares, read from its last bytes
    before zipfile reads the directory itself (which holds every name in memory). A zip64
    directory (more than 65,535 entries or 4 GB) is refused: no package needs one."""
    size = path.stat().st_size
    if size > sizes.MAX_PACKAGE_ZIP_BYTES:
        raise BuildError(str(path), f"is {size:,} bytes; the limit for a package zip is {sizes.MAX_PACKAGE_ZIP_BYTES:,}")
    with open(path, "rb") as handle:
        handle.seek(max(0, size - END_OF_DIRECTORY_SIZE - MAX_ZIP_COMMENT))
        tail = handle.read()
    at = tail.rfind(END_OF_DIRECTORY)
    if at < 0 or len(tail) - at < END_OF_DIRECTORY_SIZE:
        raise BuildError(str(path), "not a zip file (damaged, or not a package zip)")
    entries = struct.unpack("<H", tail[at + 10 : at + 12])[0]
    if entries == 0xFFFF or tail[:at].rfind(b"PK\x06\x07") >= 0:
        raise BuildError(str(path), "is a zip64 archive; a package zip is small enough for a plain zip")
    return entries


def read_zip(path):
    path = Path(path)
    entries = zip_entries(path)
    if entries > sizes.MAX_PACKAGE_MEMBERS:
        raise BuildError(str(path), f"holds {entries:,} files; a package zip holds at most {sizes.MAX_PACKAGE_MEMBERS:,}")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise BuildError(str(path), "not a zip file (damaged, or not a package zip)") from None
    budget = Budget(str(path))
    with archive:
        infos = archive.infolist()
        if len(infos) > sizes.MAX_PACKAGE_MEMBERS:
            raise BuildError(str(path), f"holds {len(infos):,} files; a package zip holds at most {sizes.MAX_PACKAGE_MEMBERS:,}")
        descriptors = sorted((i.filename for i in infos if PurePosixPath(i.filename).name == "datapackage.json"), key=lambda n: n.count("/"))
        if not descriptors:
            raise BuildError(str(path), "no datapackage.json in the zip")
        root = PurePosixPath(descriptors[0]).parent
        files = {}
        for info in infos:
            if not info.is_dir() and (root == PurePosixPath(".") or info.filename.startswith(f"{root}/")):
                files.setdefault(str(PurePosixPath(info.filename).relative_to(root)), info)

        def read_bytes(relative):
            info = files[relative]  # a KeyError: missing
            name, cap = f"{path}/{info.filename}", file_cap(relative)
            if info.file_size > cap:
                raise BuildError(name, f"is {info.file_size:,} bytes uncompressed; the limit is {cap:,}")
            budget.take(info.file_size, name)
            try:
                with archive.open(info) as member:
                    data = member.read(cap + 1)  # the declared size may lie: never more than the cap
            except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, EOFError, OSError) as exc:
                raise BuildError(name, f"cannot be read from the zip: {gate.excerpt(exc, 80)}") from None
            if len(data) > cap:
                raise BuildError(name, f"is more than {cap:,} bytes uncompressed; the limit is {cap:,}")
            if relative != "datapackage.json":
                budget.take_lines(data, name)
            return data

        return load(str(path), read_bytes)


def text(data, where):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BuildError(where, f"not UTF-8 text: byte 0x{data[exc.start]:02x}", line=line) from None


def shown(name):
    """A name from the package for a message: escaped, and cut short if long."""
    return gate.escaped(name if len(name) <= gate.EXCERPT_CHARS else name[: gate.EXCERPT_CHARS] + "…")


def is_names(value):
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def schema_problem(resource):
    """What diff needs of a resource's schema, or None: fields with a name and a type, a
    primary key of field names, foreign keys with fields. (field, what is wrong)"""
    schema = resource.get("schema")
    if not isinstance(schema, dict):
        return "schema", "missing; every resource needs a schema with fields and a primary key"
    fields = schema.get("fields")
    if (
        not isinstance(fields, list)
        or not fields
        or not all(isinstance(f, dict) and isinstance(f.get("name"), str) and isinstance(f.get("type"), str) for f in fields)
    ):
        return "schema.fields", "expected a list of fields, each with a name and a type"
    key = schema.get("primaryKey")
    if isinstance(key, str):
        schema["primaryKey"] = key = [key]  # the Table Schema allows one field name as a string
    names = {f["name"] for f in fields}
    if not is_names(key) or not key or not set(key) <= names:
        return "schema.primaryKey", "expected a list of the resource's field names"
    foreign = schema.get("foreignKeys", [])
    if not isinstance(foreign, list) or not all(
        isinstance(k, dict) and is_names(k.get("fields") if not isinstance(k.get("fields"), str) else [k["fields"]]) for k in foreign
    ):
        return "schema.foreignKeys", "expected a list of foreign keys, each with its fields"
    for k in foreign:
        if isinstance(k["fields"], str):
            k["fields"] = [k["fields"]]
    return None


def read_rows(data, where, resource):
    """The rows of a resource's CSV as {field: string}; a missing cell reads as ""."""
    reader = gate.CsvReader(io.StringIO(text(data, where), newline=""), where)
    header = next(reader, None)
    if header is None:
        raise BuildError(where, "empty; expected a header row", line=1)
    missing = [k for k in resource["schema"]["primaryKey"] if k not in header]
    if missing:
        raise BuildError(where, f"the header has no column {gate.excerpt(missing[0])}, a field of the primary key", line=1)
    return [dict(zip(header, cells + [""] * (len(header) - len(cells)))) for cells in reader]


def load(where, read_bytes):
    descriptor_path = f"{where}/datapackage.json"
    try:
        descriptor = json.loads(text(read_bytes("datapackage.json"), descriptor_path))
    except json.JSONDecodeError as exc:
        raise BuildError(descriptor_path, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise BuildError(descriptor_path, "not valid JSON: nested too deeply") from None
    if not isinstance(descriptor, dict):
        raise BuildError(descriptor_path, "expected a JSON object")
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not all(isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("path"), str) for r in resources):
        raise BuildError(descriptor_path, "expected a list of resources, each with a name and a path", field="resources")
    rows = {}
    for resource in resources:
        if problem := schema_problem(resource):
            raise BuildError(descriptor_path, problem[1], field=f"resources.{shown(resource['name'])}.{problem[0]}")
        relative = confined(resource["path"], where)
        try:
            data = read_bytes(relative)
        except (FileNotFoundError, KeyError):
            raise BuildError(f"{where}/{shown(relative)}", f"missing; datapackage.json lists it for resource '{shown(resource['name'])}'") from None
        rows[resource["name"]] = read_rows(data, f"{where}/{relative}", resource)
    return Package(where, descriptor, rows)
