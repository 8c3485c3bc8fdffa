"""The agreement code for the critique's reading (scripts/pipeline/critique_agreement.py), run
on readings made up here from the published map, in a private copy of the project: the real
reading (data/curation/readings/) is never written by a test. With no reading the build
publishes no critique rows; a reading equal to the first map agrees perfectly; one changed
stance shows as exactly one disagreeing (answer, theory) unit. And on the real files: the log
covers every difference of the first map with the reading, the first map is the map as it
stood when it was frozen, and adjudication removed no argument id."""

import subprocess

import pytest
import yaml

from scripts.core import schema
from scripts.pipeline import critique, critique_agreement, critique_arguments, curation, source
from scripts.pipeline import parse as parse_source
from tests.helpers import REPO


def readings_of(project):
    meta = source.load_source_meta(project)
    raw = source.read_raw(project, meta)
    parsed = parse_source.parse(raw, "raw", curation.load_boundaries(project), meta["expected"])
    descriptor = schema.load_descriptor(project)
    document = critique.read(project)
    tables = critique.tables(project, descriptor, document, parsed)
    point_ids = [p["id"] for p in parsed.theory_points]
    published, _ = critique_arguments.load(document, tables, project, descriptor, 1, point_ids)  # as the build reads it
    return critique_agreement.rows(document, tables, published, project, descriptor, point_ids)


def write_reading(project, change=None, with_types=True):
    """A reading made from the first map (critique_map_first.yml), with its adjudication log
    removed (that log settles the real reading, not this one)."""
    entries = yaml.safe_load((project.curation_dir / critique_agreement.FIRST_MAP).read_text(encoding="utf-8"))["arguments"]
    (project.curation_dir / critique_agreement.LOG.path).unlink(missing_ok=True)
    for entry in entries:
        entry["id"] = "x" + entry["id"][1:]
        for relation in entry.get("relations") or []:
            relation["to"] = "x" + relation["to"][1:]
            relation["type"] = relation.pop("relation")  # the reading may write `type:`
        if not with_types:
            entry.pop("critique_types", None)
        if change and entry["id"] == change[0]:
            entry["targets"][0]["stance"] = change[1]
    path = critique_agreement.reading_path(project)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"arguments": entries}, allow_unicode=True, sort_keys=False), encoding="utf-8")


def by_id(rows, comparison=critique_agreement.COMPARISON):
    return {r["id"]: r for r in rows if r["comparison"] == comparison}


def test_no_reading_no_rows(fresh_copy):
    critique_agreement.reading_path(fresh_copy).unlink(missing_ok=True)
    assert readings_of(fresh_copy) == []


def test_a_reading_equal_to_the_map_agrees_perfectly(fresh_copy):
    write_reading(fresh_copy)
    rows = by_id(readings_of(fresh_copy))
    stance = rows["critique-first-vs-second:stance:cohen_kappa"]
    # 21 answers with words of their own, times the 20 theories
    assert stance["units"] == 21 * 20 == stance["agreed"] and stance["value"] == 1.0
    assert rows["critique-first-vs-second:relation_type:cohen_kappa"]["value"] == 1.0
    assert rows["critique-first-vs-second:critique_type:jaccard"]["value"] == 1.0
    # the published map, adjudicated since, is compared too, and differs from the first map
    published = by_id(readings_of(fresh_copy), critique_agreement.PUBLISHED_COMPARISON)
    assert published["critique-published-vs-reading:stance:cohen_kappa"]["units"] == 21 * 20
    assert published["critique-published-vs-reading:relation_link:jaccard"]["value"] < 1


def test_one_changed_stance_is_one_disagreeing_unit(fresh_copy):
    write_reading(fresh_copy, change=("x12", "qualifies"), with_types=False)  # ca07's first argument
    rows = by_id(readings_of(fresh_copy))
    stance = rows["critique-first-vs-second:stance:cohen_kappa"]
    assert stance["agreed"] == stance["units"] - 1
    assert 0 < stance["value"] < 1
    # no critique types in the reading: no critique-type rows
    assert not any(r["level"] == "critique_type" for r in rows.values())


def test_the_agreement_command_prints_the_critiques_figures(fresh_copy):
    critique_agreement.reading_path(fresh_copy).unlink(missing_ok=True)  # the copy's, whatever the repo holds
    assert "no independent reading of the critique yet" in critique_agreement.run(fresh_copy)
    write_reading(fresh_copy, change=("x12", "qualifies"))
    printed = critique_agreement.run(fresh_copy)
    assert "critique-first-vs-second" in printed and "critique_type" in printed


# The real reading and its log ------------------------------------------------------------------


def test_every_difference_with_the_critiques_reading_is_adjudicated(tables):
    """The critique's log covers every (answer, theory) stance pair, linked (answer, earlier
    answer) pair and (answer, critique type) pair on which the first map and the reading differ,
    and says for each whether the published map changed."""
    rows = {r["id"]: r for r in tables["annotation_agreement"]}
    logged = [r for r in tables["adjudications"] if r["comparison"] == critique_agreement.COMPARISON]
    for level, measure in (("stance", "stance"), ("relation", "relation_type"), ("critique_type", "critique_type")):
        figure = rows[f"{critique_agreement.COMPARISON}:{measure}:cohen_kappa"]
        assert sum(1 for a in logged if a["level"] == level) == int(figure["units"]) - int(figure["agreed"]), level
    for entry in logged:
        assert entry["id"].startswith(f"{critique_agreement.READING_NAME}:") and entry["reason"].strip()
        assert entry["first_reading"] != entry["second_reading"]
        assert (entry["map_changed"] == "true") == (entry["adjudicated_reading"] != entry["first_reading"])
        assert entry["source"] in {a["id"] for a in tables["critique_answers"]}


def test_the_first_map_is_the_map_as_it_was_frozen():
    """critique_map_first.yml is a header line and then the bytes critique_arguments.yml had in
    the commit that froze it (the map before the reading was adjudicated)."""
    first = REPO.curation_dir / critique_agreement.FIRST_MAP
    header, body = first.read_text(encoding="utf-8").split("\n", 1)
    assert header.startswith("# FROZEN")
    root = str(REPO.root)
    try:
        added = subprocess.run(
            ["git", "-C", root, "log", "--diff-filter=A", "--format=%H", "--", f"data/curation/{critique_agreement.FIRST_MAP}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    if not added:
        pytest.skip("shallow or partial history: the commit that froze the map is not here")
    then = subprocess.run(
        ["git", "-C", root, "show", f"{added[-1]}:data/curation/{critique_arguments.MAIN}"], capture_output=True, text=True, check=True
    ).stdout
    assert body == then


def test_adjudication_removed_no_argument_id():
    """Ids are stable: every argument of the first map is in the published map, and new ones
    take the next numbers."""

    def ids(name):
        return [a["id"] for a in yaml.safe_load((REPO.curation_dir / name).read_text(encoding="utf-8"))["arguments"]]

    first, published = ids(critique_agreement.FIRST_MAP), ids(critique_arguments.MAIN)
    assert set(first) <= set(published)
    new = sorted(set(published) - set(first), key=lambda i: int(i[1:]))
    assert [int(i[1:]) for i in new] == list(range(len(first) + 1, len(first) + 1 + len(new)))
