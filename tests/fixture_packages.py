"""Packages made in a temporary folder from the committed one, to be changed by a test."""

import copy
import csv
import json

from scripts.release import package_reader
from tests.conftest import REPO


def committed():
    return package_reader.read(REPO.root)


def edited(package):
    """A deep copy of a Package to change freely."""
    return package_reader.Package("edited", copy.deepcopy(package.descriptor), copy.deepcopy(package.rows))


def write(package, folder):
    """Write `package` as datapackage.json + CSVs under `folder`; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datapackage.json").write_text(json.dumps(package.descriptor, indent=2) + "\n", encoding="utf-8")
    for resource in package.descriptor["resources"]:
        path = folder / resource["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        names = [f["name"] for f in resource["schema"]["fields"]]
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=names, lineterminator="\n")
            writer.writeheader()
            writer.writerows(package.rows[resource["name"]])
    return folder


def row(package, resource, **key):
    """The row of `resource` whose fields equal `key`."""
    return next(r for r in package.rows[resource] if all(r[f] == v for f, v in key.items()))
