"""The general rules of the argument map (data/curation/guidelines/GENERAL.md) and the
pre-registered readings (data/curation/readings/<name>/).

The general rules must name exactly the schema's vocabularies, and must not dictate a reading
of either raw source: no comment or argument ids, no passage of the sources."""

import re

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
