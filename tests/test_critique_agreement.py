"""The agreement code for the critique's reading (scripts/pipeline/critique_agreement.py), run
on readings made up here from the published map, in a private copy of the project: the real
reading (data/curation/readings/) is never written by a test. With no reading the build
publishes no critique rows; a reading equal to the map agrees perfectly; one changed stance
shows as exactly one disagreeing (answer, theory) unit."""

import yaml

from scripts.core import schema
from scripts.pipeline import critique, critique_agreement, critique_arguments, curation, source
from scripts.pipeline import parse as parse_source


def readings_of(project):
    meta = source.load_source_meta(project)
    raw = source.read_raw(project, meta)
    parsed = parse_source.parse(raw, "raw", curation.load_boundaries(project), meta["expected"])
    descriptor = schema.load_descriptor(project)
    document = critique.read(project)
    tables = critique.tables(project, descriptor, document, parsed)
    published, _ = critique_arguments.load(document, tables, project, descriptor, 1)  # as the build reads it
    return critique_agreement.rows(document, tables, published, project, descriptor)


def write_reading(project, change=None, with_types=True):
    entries = yaml.safe_load((project.curation_dir / critique_arguments.MAIN).read_text(encoding="utf-8"))["arguments"]
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


def by_id(rows):
    return {r["id"]: r for r in rows}


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
    assert all(r["comparison"] == "critique-first-vs-second" for r in rows.values())


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
