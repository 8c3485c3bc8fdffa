"""Shared fixtures: the committed package, and a fresh build of it in a temporary copy."""

import asyncio
import csv
import json
import shutil

import pytest

from scripts.core.paths import Project
from scripts.pipeline.build import build

REPO = Project()
# What a build reads; everything else in the repo is output, docs or code. releases/: a build
# compares itself with its version's release record (scripts/release/status.py).
BUILD_INPUTS = [
    "data/raw",
    "data/curation",
    "data/contrib",
    "datapackage.json",
    "site",
    "sql",
    "README.md",
    "LICENSE",
    "CITATION.cff",
    "CHANGELOG.md",
    "releases",
]


def copy_inputs(destination):
    for relative in BUILD_INPUTS:
        source = REPO.root / relative
        target = destination / relative
        if source.is_dir():
            shutil.copytree(source, target)
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return Project(destination)


def quiet(_message):
    pass


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """A fresh build of the repository's inputs in a temporary folder."""
    project = copy_inputs(tmp_path_factory.mktemp("built"))
    build(project, progress=quiet)
    return project


@pytest.fixture
def fresh_copy(tmp_path):
    """A private, already-built copy that a test may break."""
    project = copy_inputs(tmp_path)
    build(project, progress=quiet)
    return project


@pytest.fixture(scope="session")
def raw():
    return REPO.raw_path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def descriptor():
    return json.loads(REPO.package_path.read_text(encoding="utf-8"))


def read_csv(project, resource_name):
    with open(project.data_dir / f"{resource_name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def tables():
    """The committed CSV resources as lists of dicts of strings."""
    descriptor = json.loads(REPO.package_path.read_text(encoding="utf-8"))
    return {r["name"]: read_csv(REPO, r["name"]) for r in descriptor["resources"]}


class DatasetteClient:
    """Datasette's own test client, called synchronously."""

    def __init__(self, project, metadata=None):
        from scripts.serve.instance import app

        # configured as `python -m scripts serve` runs it: metadata, templates, plugins, settings
        self.datasette = app(project, metadata)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.datasette.invoke_startup())

    def get(self, path):
        return self.loop.run_until_complete(self.datasette.client.get(path))

    def close(self):
        self.loop.close()


@pytest.fixture(scope="session")
def client(built):
    client = DatasetteClient(built)
    yield client
    client.close()
