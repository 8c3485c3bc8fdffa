"""Where everything lives, always relative to a project root (never the working directory)."""

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RAW_NAME = "longlist-theories-of-impact.lesswrong.txt"
CRITIQUE_RAW_NAME = "against-almost-every-theory.lesswrong.excerpt.md"
DB_NAME = "longlist.db"


@dataclass(frozen=True)
class Project:
    root: Path = REPO_ROOT

    @property
    def raw_dir(self) -> Path:
        return self.root / "data" / "raw"

    @property
    def raw_path(self) -> Path:
        return self.raw_dir / RAW_NAME

    @property
    def source_meta_path(self) -> Path:
        return self.raw_dir / "source.yml"

    @property
    def critique_raw_path(self) -> Path:
        """The second pinned source: the critique's answers to the list (data/raw/critique.yml)."""
        return self.raw_dir / CRITIQUE_RAW_NAME

    @property
    def critique_meta_path(self) -> Path:
        return self.raw_dir / "critique.yml"

    @property
    def curation_dir(self) -> Path:
        return self.root / "data" / "curation"

    @property
    def contrib_ratings_dir(self) -> Path:
        return self.root / "data" / "contrib" / "ratings"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def package_path(self) -> Path:
        return self.root / "datapackage.json"

    @property
    def metadata_path(self) -> Path:
        return self.root / "metadata.yml"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def db_path(self) -> Path:
        return self.build_dir / DB_NAME

    @property
    def citation_path(self) -> Path:
        return self.root / "CITATION.cff"

    @property
    def changelog_path(self) -> Path:
        return self.root / "CHANGELOG.md"

    @property
    def releases_dir(self) -> Path:
        """Committed record of every release: releases/<version>/manifest.json."""
        return self.root / "releases"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    @property
    def datasette1(self) -> Path:
        """The Datasette 1.0 alpha of the tool venv the Makefile creates (its smoke test)."""
        return self.root / ".venv" / "tools" / "datasette1" / "bin" / "datasette"

    @property
    def cffconvert(self) -> Path:
        """The tool venv the Makefile creates (cffconvert cannot share .venv with frictionless)."""
        return self.root / ".venv" / "tools" / "cffconvert" / "bin" / "cffconvert"

    def rel(self, path: Path) -> str:
        """A path as the user sees it: relative to the project root where possible."""
        try:
            return str(Path(path).resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(path)
