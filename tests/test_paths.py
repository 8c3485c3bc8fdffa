"""Every file path the code, the docs and the published package name (`path/like.py`) exists.

A path is looked for from the repository root, then from the folder of the file that names it
(`../sql/queries/x.sql` in docs/), then among the site's templates (a template name such as
`pages/thread.html`), then under data/curation/ (the curation code and docs name its files
from there: `guidelines/GENERAL.md`). Left out: the tests (which make up paths in temporary folders), the
CHANGELOG and release records (history: they name files as they were), the raw snapshot, and
what the build writes (build/, dist/) or the site serves under a mount (/assets/, /rating/, ...).
"""

import re
import subprocess

from tests.helpers import REPO

PATH = re.compile(
    r"(?<![\w./:@~-])((?:\.\./)*(?:[A-Za-z0-9_.-]+/)+[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(?:py|md|yml|yaml|json|sql|html|js|css|lua|cff|conf|lock|toml|csv))\b"
)
NAMED_IN = (".py", ".md", ".yml", ".yaml", ".json", ".html", ".sql", ".toml", ".cff", ".conf", ".lua", "Makefile", "run")
LEFT_OUT = ("tests/", "releases/", "data/raw/", "CHANGELOG.md", "exports/")
GENERATED = ("build/", "dist/", ".venv/")
SERVED = ("assets/", "rating/", "downloads/", "package/", "longlist/")  # URL paths under the site's mounts and routes


def named_paths(text):
    return [match.group(1) for match in PATH.finditer(text)]


def tracked_files():
    listed = subprocess.run(["git", "ls-files"], cwd=REPO.root, capture_output=True, text=True, check=True).stdout.split()
    return [name for name in listed if name.endswith(NAMED_IN) and not name.startswith(LEFT_OUT) and (REPO.root / name).is_file()]


def exists(path, named_in):
    if path.startswith(GENERATED + SERVED + ("path/to/",)) or "NAME" in path:  # "path/to/", "NAME": placeholders in a usage line
        return True
    # the docs generators (scripts/publishing/docs.py) write links relative to docs/
    candidates = [REPO.root / path, (REPO.root / named_in).parent / path, REPO.site_dir / "templates" / path, REPO.root / "docs" / path]
    candidates.append(REPO.root / "data" / "curation" / path)
    return any(candidate.exists() for candidate in candidates)


def test_every_named_path_exists():
    missing = []
    for name in tracked_files():
        for path in named_paths((REPO.root / name).read_text(encoding="utf-8", errors="replace")):
            if not exists(path, name):
                missing.append(f"{name}: {path}")
    assert missing == []


def test_the_package_names_no_missing_file():
    """datapackage.json goes out in every zip: what it tells users to read must be there."""
    text = REPO.package_path.read_text(encoding="utf-8")
    assert [path for path in named_paths(text) if not exists(path, "datapackage.json")] == []
    assert "scripts/pipeline/aggregates.py" in named_paths(text)


def test_the_path_finder_sees_paths_in_prose():
    text = "see scripts/aggregates.py); the journal (`scripts/core/commit.py`) and ../sql/queries/x.sql, not https://a.b/c.py"
    assert named_paths(text) == ["scripts/aggregates.py", "scripts/core/commit.py", "../sql/queries/x.sql"]
    assert not exists("scripts/aggregates.py", "docs/site.md") and exists("scripts/core/commit.py", "docs/site.md")
