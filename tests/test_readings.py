"""The general rules of the argument map (data/curation/guidelines/GENERAL.md) and the
pre-registered readings (data/curation/readings/<name>/).

The general rules must name exactly the schema's vocabularies, and must not dictate a reading
of either raw source: no comment or argument ids, no passage of the sources.

A reading is pre-registered: in git history its INSTRUCTIONS.md is committed (and last changed)
before reading.yml, reading.yml is added by a commit that changes nothing else, and the folder's
adjudication.yml, the file that adjudicates against the reading, is first committed after it."""

import re
import subprocess

import pytest

from scripts.core import schema
from tests.helpers import REPO

GENERAL = REPO.curation_dir / "guidelines" / "GENERAL.md"

# Each vocabulary table of GENERAL.md is headed by the field's name; its first column lists the values.
VOCABULARIES = {
    "kind": ("arguments", "kind"),
    "voice": ("arguments", "voice"),
    "stance": ("argument_targets", "stance"),
    "relation": ("argument_relations", "relation"),
    "grade": ("comments", "attribution_grade"),
}
SHINGLE = 8  # words; a shared passage this long is a quotation, not a coincidence


def vocabulary_tables(markdown):
    """{header of first column: [backticked values of the first column]} for every table."""
    tables, current = {}, None
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.lstrip().startswith("|") else None
        if cells is None:
            current = None
        elif current is None:
            current = tables.setdefault(cells[0], [])
        elif not set(cells[0]) <= set("-: "):
            current.extend(re.findall(r"`([^`]+)`", cells[0]))
    return tables


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'").replace("'", ""))


def shared_passages(text, source, length=SHINGLE):
    """The runs of `length` words that `text` shares with `source` (case, punctuation and Markdown aside)."""
    source_words = words(source)
    shingles = {tuple(source_words[i : i + length]) for i in range(len(source_words) - length + 1)}
    text_words = words(text)
    return sorted({" ".join(text_words[i : i + length]) for i in range(len(text_words) - length + 1) if tuple(text_words[i : i + length]) in shingles})


def raw_sources():
    """Every raw source the project keeps (the provenance file aside)."""
    return sorted(p for p in REPO.raw_path.parent.iterdir() if p.is_file() and p.suffix in (".txt", ".md"))


def test_general_rules_name_exactly_the_schemas_vocabularies(descriptor):
    tables = vocabulary_tables(GENERAL.read_text(encoding="utf-8"))
    for header, (resource, field) in VOCABULARIES.items():
        assert header in tables, f"GENERAL.md has no table headed '{header}'"
        named = tables[header]
        assert len(named) == len(set(named)), f"'{header}' table names a value twice: {named}"
        assert set(named) == set(schema.vocabulary(descriptor, resource, field)), f"'{header}' table differs from {resource}.{field}'s enum"


def test_general_rules_hold_no_comment_or_argument_ids():
    text = GENERAL.read_text(encoding="utf-8")
    assert not re.findall(r"\bc(?:0[1-9]|1[0-8])\b", text, flags=re.IGNORECASE)
    assert not re.findall(r"\b[ab]\d{2,}\b", text, flags=re.IGNORECASE)
    assert not re.findall(r"\bca\d{2}(?:\.\d)?\b", text, flags=re.IGNORECASE)


def test_general_rules_quote_neither_raw_source():
    text = GENERAL.read_text(encoding="utf-8")
    sources = raw_sources()
    assert REPO.raw_path in sources
    for source in sources:
        shared = shared_passages(text, source.read_text(encoding="utf-8"))
        assert not shared, f"GENERAL.md repeats {len(shared)} passage(s) of {source.name}, e.g. '{shared[0]}'"


def test_the_overlap_check_finds_a_pasted_line_of_the_source(raw):
    """The check above is real: a line of the snapshot pasted into the rules is found, even with
    its case and punctuation changed; unrelated text is not."""
    line = max(raw.splitlines(), key=len)
    pasted = GENERAL.read_text(encoding="utf-8") + "\n> " + line.upper().replace(",", ";") + "\n"
    assert shared_passages(pasted, raw)
    assert not shared_passages("A made-up rule about street lighting and speed cameras, nothing more.", raw)


def test_the_projects_decisions_point_to_the_general_rules():
    decisions = REPO.curation_dir / "ANNOTATION.md"
    title, first_paragraph = decisions.read_text(encoding="utf-8").split("\n\n", 2)[:2]
    assert title.startswith("# The project's decisions")
    linked = re.findall(r"\]\(([^)]+)\)", first_paragraph)
    assert linked == ["guidelines/GENERAL.md"] and (decisions.parent / linked[0]).is_file()


# Pre-registered readings -------------------------------------------------------------------

READINGS = REPO.curation_dir / "readings"
INSTRUCTIONS, READING, ADJUDICATION = "INSTRUCTIONS.md", "reading.yml", "adjudication.yml"


def git(root, *args):
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True).stdout.strip()


def history_or_skip(root):
    """Skip only where the order cannot be read: outside a git checkout, or in shallow history."""
    try:
        toplevel = git(root, "rev-parse", "--show-toplevel")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the order of the readings' commits cannot be checked")
    if git(root, "rev-parse", "--is-shallow-repository") == "true":
        pytest.skip("shallow git history: the commits that added the readings' files may be missing (git fetch --unshallow)")
    return toplevel


def commits_touching(root, path):
    """Commits that changed `path` (following renames), newest first."""
    return git(root, "log", "--follow", "--format=%H", "--", path).split()


def first_commit(root, path):
    added = git(root, "log", "--follow", "--diff-filter=A", "--format=%H", "--", path).split()
    return added[-1] if added else None


def is_before(root, earlier, later):
    """`earlier` is a proper ancestor of `later` in history."""
    if earlier == later:
        return False
    return subprocess.run(["git", "-C", str(root), "merge-base", "--is-ancestor", earlier, later], capture_output=True).returncode == 0


def order_problems(root, folder):
    """What breaks pre-registration in the reading folder `folder` (a path relative to `root`)."""
    instructions, reading, adjudication = (f"{folder}/{name}" for name in (INSTRUCTIONS, READING, ADJUDICATION))
    problems = []
    instructions_added = first_commit(root, instructions)
    if instructions_added is None:
        return [f"{instructions} is not committed"]
    reading_added = first_commit(root, reading)
    if reading_added is None:
        if (root / reading).exists():
            problems.append(f"{reading} exists but is not committed")
        if (root / adjudication).exists():
            problems.append(f"{adjudication} exists, but there is no committed reading to adjudicate")
        return problems
    if not is_before(root, instructions_added, reading_added):
        problems.append(f"{instructions} was not committed before {reading} ({instructions_added[:7]} vs {reading_added[:7]})")
    for change in commits_touching(root, instructions):
        if not is_before(root, change, reading_added):
            problems.append(f"{instructions} was changed in {change[:7]}, not before {reading} was committed")
    changed = git(root, "show", "--name-only", "--format=", reading_added).splitlines()
    if changed != [reading]:
        problems.append(f"the commit that added {reading} ({reading_added[:7]}) also changed: {', '.join(p for p in changed if p != reading)}")
    adjudication_added = first_commit(root, adjudication)
    if adjudication_added is not None and not is_before(root, reading_added, adjudication_added):
        problems.append(f"{adjudication} was first committed in {adjudication_added[:7]}, not after {reading}")
    if adjudication_added is None and (root / adjudication).exists():
        problems.append(f"{adjudication} exists but is not committed")
    return problems


def reading_folders():
    return sorted(p.name for p in READINGS.iterdir() if p.is_dir())


def test_every_reading_folder_has_its_instructions_and_only_the_known_files():
    assert reading_folders(), "no pre-registered reading under data/curation/readings/"
    for name in reading_folders():
        files = {p.name for p in (READINGS / name).iterdir()}
        assert INSTRUCTIONS in files, f"{name} has no {INSTRUCTIONS}"
        assert files <= {INSTRUCTIONS, READING, ADJUDICATION}, f"{name} holds files the procedure does not know: {files}"


@pytest.mark.parametrize("name", reading_folders())
def test_instructions_name_the_general_rules_and_dictate_no_reading(name):
    text = (READINGS / name / INSTRUCTIONS).read_text(encoding="utf-8")
    assert "data/curation/guidelines/GENERAL.md" in text and f"data/curation/readings/{name}/{READING}" in text
    assert re.search(r"^\d\. `data/raw/[^`]+`", text, flags=re.MULTILINE), "the raw source to open is not named"
    assert not re.findall(r"\b[ab]\d{2,}\b", text), "instructions must not name arguments of the map or of earlier readings"
    assert not re.findall(r"^\s*stance: (?:supports|opposes|qualifies|questions)\b", text, flags=re.MULTILINE), "instructions give a stance"


@pytest.mark.parametrize("name", reading_folders())
def test_reading_is_committed_after_its_instructions_alone_and_before_its_adjudication(name):
    history_or_skip(REPO.root)
    folder = (READINGS / name).relative_to(REPO.root).as_posix()
    assert order_problems(REPO.root, folder) == []


def commit(root, message, files):
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false", "commit", "-q", "-m", message)


def test_the_order_check_finds_each_broken_rule(tmp_path):
    """order_problems on small histories: the pre-registered order passes; a reading committed with
    another file, instructions edited after the reading, or an adjudication first committed with
    the reading each fail."""
    git(tmp_path, "init", "-q")
    folder = "readings/x"
    commit(tmp_path, "instructions", {f"{folder}/{INSTRUCTIONS}": "open only the raw text\n"})
    assert order_problems(tmp_path, folder) == []
    (tmp_path / folder / READING).write_text("arguments: []\n", encoding="utf-8")
    assert any("not committed" in p for p in order_problems(tmp_path, folder))
    commit(tmp_path, "reading", {f"{folder}/{READING}": "arguments: []\n"})
    assert order_problems(tmp_path, folder) == []
    commit(tmp_path, "adjudication", {f"{folder}/{ADJUDICATION}": "decisions: []\n"})
    assert order_problems(tmp_path, folder) == []
    commit(tmp_path, "instructions edited afterwards", {f"{folder}/{INSTRUCTIONS}": "open anything\n"})
    assert any("was changed" in p for p in order_problems(tmp_path, folder))

    together = tmp_path / "together"
    together.mkdir()
    git(together, "init", "-q")
    commit(together, "instructions", {f"{folder}/{INSTRUCTIONS}": "open only the raw text\n"})
    commit(together, "reading with more", {f"{folder}/{READING}": "arguments: []\n", f"{folder}/{ADJUDICATION}": "decisions: []\n"})
    problems = order_problems(together, folder)
    assert any("also changed" in p for p in problems) and any("not after" in p for p in problems)

    early = tmp_path / "early"
    early.mkdir()
    git(early, "init", "-q")
    commit(early, "reading first", {f"{folder}/{READING}": "arguments: []\n"})
    commit(early, "instructions later", {f"{folder}/{INSTRUCTIONS}": "open only the raw text\n"})
    assert any("not committed before" in p for p in order_problems(early, folder))
