"""The version: datapackage.json holds it; every other copy must say the same.

Copies: pyproject.toml ([project] version), CITATION.cff (version, and date-released
equal to the CHANGELOG section's date), CHANGELOG.md (its newest section), and the
generated metadata.yml (`about`) and README.md (the citation block).
"""

import json
import re
import tomllib

import yaml

from scripts.core.errors import BuildError

SEMVER_RE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
CHANGELOG_SECTION_RE = re.compile(r"^## \[?(\d+\.\d+\.\d+)\]? — (\d{4}-\d{2}-\d{2})\s*$", re.MULTILINE)
README_VERSION_RE = re.compile(r"This is version \*\*([^*]+)\*\* of the dataset")
ABOUT_VERSION_RE = re.compile(r"\bv(\d+\.\d+\.\d+)\b")


def parse(version, where="datapackage.json"):
    """(major, minor, patch) of a semantic version string."""
    match = SEMVER_RE.match(str(version))
    if not match:
        raise BuildError(where, f"'{version}' is not a semantic version MAJOR.MINOR.PATCH such as 0.1.0", field="version")
    return tuple(int(part) for part in match.groups())


def package_version(project):
    version = json.loads(project.package_path.read_text(encoding="utf-8"))["version"]
    parse(version)
    return version


def changelog_sections(text):
    """[(version, date)] of the CHANGELOG's release sections, in file order."""
    return CHANGELOG_SECTION_RE.findall(text)


def read(path):
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def yaml_mapping(text):
    """The mapping a YAML file holds; {} when it is missing or broken (the build reports that)."""
    try:
        document = yaml.safe_load(text or "")
    except yaml.YAMLError:
        return {}
    return document if isinstance(document, dict) else {}


def copies(project):
    """{where: the version that copy states (None if it states none)}."""
    found = {}
    pyproject = read(project.root / "pyproject.toml")
    found["pyproject.toml [project] version"] = tomllib.loads(pyproject).get("project", {}).get("version") if pyproject else None
    cff_version = yaml_mapping(read(project.citation_path)).get("version")
    found["CITATION.cff version"] = str(cff_version) if cff_version is not None else None
    sections = changelog_sections(read(project.changelog_path) or "")
    found["CHANGELOG.md newest section"] = sections[0][0] if sections else None
    about = yaml_mapping(read(project.metadata_path)).get("about", "")
    match = ABOUT_VERSION_RE.search(str(about))
    found["metadata.yml about"] = match.group(1) if match else None
    match = README_VERSION_RE.search(read(project.root / "README.md") or "")
    found["README.md citation block"] = match.group(1) if match else None
    return found


def disagreements(project):
    """Problems, one line each: copies that differ from datapackage.json's version."""
    version = package_version(project)
    problems = [f"{where} says {stated or 'nothing'}, datapackage.json says {version}" for where, stated in copies(project).items() if stated != version]
    released = str(yaml_mapping(read(project.citation_path)).get("date-released"))
    dates = dict(changelog_sections(read(project.changelog_path) or ""))
    if version in dates and dates[version] != released:
        problems.append(f"CITATION.cff date-released is {released}, CHANGELOG.md's {version} section is dated {dates[version]}")
    return problems


def check(project):
    problems = disagreements(project)
    if problems:
        raise BuildError(
            project.rel(project.package_path),
            "the version's copies disagree (datapackage.json holds the version; update the others and rebuild):\n  " + "\n  ".join(problems),
            field="version",
        )
    return package_version(project)
