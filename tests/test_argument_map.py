"""The argument map a researcher can check: facts of the source the map must respect, the
second pass and the agreement figures, the adjudication log, voice, theory relations, mentions."""

import re
from fractions import Fraction

import pytest
import yaml

from scripts.pipeline import agreement
from tests.helpers import REPO


@pytest.fixture(scope="session")
def comments(tables):
    return {c["id"]: c for c in tables["comments"]}


@pytest.fixture(scope="session")
def arguments(tables):
    return {a["id"]: a for a in tables["arguments"]}


def relations_of(tables, argument_id):
    return {r["target_argument_id"]: r["relation"] for r in tables["argument_relations"] if r["argument_id"] == argument_id}


def targets_of(tables, argument_id):
    return {t["target_id"]: t["stance"] for t in tables["argument_targets"] if t["argument_id"] == argument_id}


def rows(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return response.json()["rows"]


# Facts of the source ------------------------------------------------------------------------


def test_c11_rebuts_exactly_the_premise_it_quotes(tables, comments, arguments):
    """c11 opens by quoting c10's "other possible reporter heads" sentence and rebuts it; the
    argument it rebuts carries that premise and not the good-reporter sentence before it."""
    quoted = comments["c11"]["quoted_text"]
    rebuttals = [a for a in arguments.values() if a["comment_id"] == "c11" and "rebuts" in relations_of(tables, a["id"]).values()]
    assert rebuttals
    for rebuttal in rebuttals:
        for target_id, relation in relations_of(tables, rebuttal["id"]).items():
            if relation == "rebuts":
                premise = arguments[target_id]
                assert premise["comment_id"] == "c10"
                assert premise["evidence_quote"] in quoted
                assert "good reporter" not in premise["evidence_quote"]


def test_conclusions_drawn_in_a_comment_are_linked_to_what_they_follow_from(tables, arguments, raw):
    """An argument whose words begin a conclusion ("So, ...", "Thus ...", "This means ...",
    "This is why ...") always has a relation, as the guidelines require."""
    markers = ("So, ", "So ", "Thus ", "This means ", "This is why ", "Hence ")
    found = []
    for argument in arguments.values():
        start = int(argument["start"])
        line_start = raw.rfind("\n", 0, start) + 1
        sentence_start = max(raw.rfind(". ", line_start, start) + 2, line_start)
        lead = raw[sentence_start : start + 12]
        if lead.startswith(markers):
            found.append(argument["id"])
            assert relations_of(tables, argument["id"]), f"{argument['id']} draws a conclusion but relates to nothing"
    assert len(found) >= 3  # c02's "This means", c05's "This is why", c10's "So, ..."


def test_at_most_one_answer_per_reply(arguments):
    answers = {}
    for argument in arguments.values():
        if argument["kind"] == "answer":
            answers.setdefault(argument["comment_id"], []).append(argument["id"])
    assert answers and all(len(ids) == 1 for ids in answers.values()), answers


def test_the_convince_others_mechanism_gets_the_same_targets_in_both_comments(tables):
    """c01's "convince everyone else of this" and c05's "the other major labs would take that
    seriously" are one mechanism (coordinating a slowdown with evidence, 6.2)."""
    convince = next(a for a in tables["arguments"] if "convince everyone else" in a["evidence_quote"])
    seriously = next(a for a in tables["arguments"] if "would take that seriously" in a["evidence_quote"])
    assert targets_of(tables, convince["id"])["6.2"] == targets_of(tables, seriously["id"])["6.2"] == "supports"


def test_the_same_simplicity_prior_point_is_mapped_alike(tables, raw):
    """c10's "program length/simplicity prior isn't equivalent" and c12's "not the same as a
    simplicity prior over models" make one point: same targets and stances."""
    c10 = next(a for a in tables["arguments"] if "simplicity prior isn't equivalent" in a["evidence_quote"])
    c12 = next(a for a in tables["arguments"] if "is not the same as a simplicity prior over models" in a["evidence_quote"])
    assert targets_of(tables, c10["id"]) == targets_of(tables, c12["id"]) == {"20": "supports"}


def test_sub_points_come_with_their_theory(tables):
    by_argument = {}
    for t in tables["argument_targets"]:
        by_argument.setdefault(t["argument_id"], {})[t["target_id"]] = t["stance"]
    for argument_id, targets in by_argument.items():
        for target_id in targets:
            if "." in target_id:
                assert target_id.split(".")[0] in targets, f"{argument_id} targets {target_id} without its theory"


def test_the_competing_intuition_is_reported_not_argued(arguments, raw):
    """The post's author reports the competing intuition without holding it: every argument of the
    disagreement paragraph after "The competing intuition was" is `reported`."""
    boundary = raw.index("The competing intuition was")
    after = [a for a in arguments.values() if a["post_section_id"] == "disagreement" and int(a["start"]) > boundary]
    assert after and all(a["voice"] == "reported" for a in after)
    own_before = [a for a in arguments.values() if a["post_section_id"] == "disagreement" and "I was comparably" in a["evidence_quote"]]
    assert own_before and all(a["voice"] == "own" for a in own_before)


def test_released_arguments_keep_their_ids_and_new_ones_follow(arguments, tables):
    manifest = yaml.safe_load((REPO.releases_dir / "0.1.0" / "manifest.json").read_text(encoding="utf-8"))
    released = [e["key"][0] for e in manifest["ids"]["arguments"]["rows"]]
    assert set(released) <= set(arguments)
    new = sorted({i for i in arguments if i.startswith("a")} - set(released), key=lambda i: int(i[1:]))
    assert [int(i[1:]) for i in new] == list(range(len(released) + 1, len(released) + 1 + len(new)))


# The second pass, agreement and adjudication ---------------------------------------------------


def test_kappa_matches_a_worked_example():
    # 50 items: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no -> p_o = 0.7, p_e = 0.5, kappa = 0.4
    pairs = [("y", "y")] * 20 + [("y", "n")] * 5 + [("n", "y")] * 10 + [("n", "n")] * 15
    observed, kappa = agreement.kappa(pairs)
    assert observed == Fraction(7, 10) and kappa == Fraction(2, 5)
    assert agreement.kappa([("a", "a")] * 3)[1] is None  # one category: chance agreement is total


def test_agreement_rows_are_consistent(tables):
    rows = tables["annotation_agreement"]
    # the critique's comparison appears once an independent reading of it exists (critique_agreement.py)
    longlist = {"first-vs-second", "adjudicated-vs-second", "map-0.2.0-vs-longlist-thread-2026-12", "published-vs-longlist-thread-2026-12"}
    assert longlist <= {r["comparison"] for r in rows} <= longlist | {"critique-first-vs-second", "critique-published-vs-reading"}
    for row in rows:
        assert 0 <= int(row["agreed"]) <= int(row["units"])
        if row["measure"] in ("jaccard", "percent_agreement", "shared_ngram_aligned", "shared_ngram_other"):
            assert float(row["value"]) == round(int(row["agreed"]) / int(row["units"]), 3)
        if row["measure"] == "krippendorff_alpha" and row["value"]:
            assert float(row["ci_low"]) <= float(row["value"]) <= float(row["ci_high"]), row["id"]
        else:
            assert row["ci_low"] == row["ci_high"] == ""
        assert bool(row["category"]) == (row["measure"] == "specific_agreement")
    stance = next(r for r in rows if r["id"] == "first-vs-second:stance:cohen_kappa")
    assert int(stance["units"]) == 19 * 20  # 18 comments and the disagreement paragraph, 20 theories


def test_every_first_vs_second_disagreement_is_adjudicated(tables):
    rows = {r["id"]: r for r in tables["annotation_agreement"]}
    adjudicated = [r for r in tables["adjudications"] if r["comparison"] == "first-vs-second"]
    stance = rows["first-vs-second:stance:cohen_kappa"]
    assert sum(1 for a in adjudicated if a["level"] == "stance") == int(stance["units"]) - int(stance["agreed"])
    typed = rows["first-vs-second:relation_type:cohen_kappa"]
    assert sum(1 for a in adjudicated if a["level"] == "relation") == int(typed["units"]) - int(typed["agreed"])
    for entry in adjudicated:
        assert entry["first_reading"] != entry["second_reading"]
        chosen = {"first": entry["first_reading"], "second": entry["second_reading"]}.get(entry["decision"])
        assert chosen is None or chosen == entry["adjudicated_reading"]
        assert entry["reason"].strip()


def test_the_second_pass_is_kept_as_the_annotator_made_it():
    """data/curation/second_pass.yml is the annotator's file with a header comment added, and
    says what made it and from which inputs: a large language model, given the raw snapshot and
    ANNOTATION.md as released in 0.1.0 (which held the first pass's hard calls)."""
    kept = (REPO.curation_dir / "second_pass.yml").read_text(encoding="utf-8")
    header = " ".join(line.lstrip("# ") for line in kept.split("\n") if line.startswith("#") and kept.index(line) < kept.index("annotator:"))
    assert "a large language model" in header and "ANNOTATION.md" in header and "not to read arguments.yml" in header
    assert "not independent of the first pass" in header.lower()
    document = yaml.safe_load(kept)
    assert [a["id"] for a in document["arguments"]] == [f"b{n:02d}" for n in range(1, 73)]
    assert {a["voice"] for a in document["arguments"]} == {"own", "reported", "quoted"}


def test_the_first_pass_is_the_released_map():
    """first_pass.yml holds the 0.1.0 map: every released argument id with its kind."""
    manifest = yaml.safe_load((REPO.releases_dir / "0.1.0" / "manifest.json").read_text(encoding="utf-8"))
    released = {e["key"][0]: e["excerpt"].split(" | ")[0] for e in manifest["ids"]["arguments"]["rows"]}
    first = yaml.safe_load((REPO.curation_dir / "first_pass.yml").read_text(encoding="utf-8"))["arguments"]
    assert {a["id"]: a["kind"] for a in first} == released


def test_every_difference_with_the_pre_registered_reading_is_adjudicated(tables):
    """The log of the 2026-12 reading covers stance pairs, sub-point targets, relations, kinds,
    voices and arguments without a counterpart, and says for each whether the map changed."""
    rows = {r["id"]: r for r in tables["annotation_agreement"]}
    logged = [r for r in tables["adjudications"] if r["comparison"] == "map-0.2.0-vs-longlist-thread-2026-12"]
    stance = rows["map-0.2.0-vs-longlist-thread-2026-12:stance:cohen_kappa"]
    assert sum(1 for a in logged if a["level"] == "stance") == int(stance["units"]) - int(stance["agreed"])
    typed = rows["map-0.2.0-vs-longlist-thread-2026-12:relation_type:cohen_kappa"]
    assert sum(1 for a in logged if a["level"] == "relation") == int(typed["units"]) - int(typed["agreed"])
    for entry in logged:
        assert entry["first_reading"] != entry["second_reading"] and entry["reason"].strip()
        assert (entry["map_changed"] == "true") == (entry["adjudicated_reading"] != entry["first_reading"])
    assert {"stance", "relation", "kind", "unmatched"} <= {a["level"] for a in logged}


def test_c05_restating_rohins_words_is_quoted(arguments, raw):
    """The published map uses voice quoted where a writer restates another participant's words:
    c05's "I see him saying ..." (GENERAL.md's rule, ANNOTATION.md's example)."""
    quoted = [a for a in arguments.values() if a["voice"] == "quoted"]
    assert [a["comment_id"] for a in quoted] == ["c05"]
    assert quoted[0]["evidence_quote"].startswith("I see him saying")


def test_the_frozen_0_2_0_map_is_the_released_map():
    """map_0.2.0.yml holds the map as released in 0.2.0: every released argument id with its kind
    and voice, and no other, so the figures against the 2026-12 reading are those before its
    adjudication."""
    manifest = yaml.safe_load((REPO.releases_dir / "0.2.0" / "manifest.json").read_text(encoding="utf-8"))
    released = {e["key"][0]: tuple(e["excerpt"].split(" | ")[:2]) for e in manifest["ids"]["arguments"]["rows"]}
    frozen = yaml.safe_load((REPO.curation_dir / "map_0.2.0.yml").read_text(encoding="utf-8"))["arguments"]
    assert {a["id"]: (a["kind"], a["voice"]) for a in frozen} == released


def test_agreement_command_prints_the_figures(capsys):
    from scripts.cli import main

    assert main(["agreement"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"first-vs-second\s+stance\s+cohen_kappa\s+380\s+\d+\s+0\.\d{3}", out)
    assert "disagreements between the passes adjudicated" in out
    assert re.search(r"map-0\.2\.0-vs-longlist-thread-2026-12\s+stance\s+krippendorff_alpha\s+380\s+\d+\s+0\.\d{3}\s+\[0\.\d{3}, [01]\.\d{3}\]", out)
    assert "differences between the 0.2.0 map and the reading longlist-thread-2026-12 adjudicated" in out


def test_agreement_queries(client, tables):
    figures = rows(client, "/longlist/annotation_agreement_figures.json?_shape=objects&_size=max")
    assert len(figures) == len(tables["annotation_agreement"])
    log = rows(client, "/longlist/adjudication_log.json?_shape=objects&_size=max")
    assert {r["decision"] for r in log} <= {"first", "second", "neither"} and len(log) == len(tables["adjudications"])


# Counting -----------------------------------------------------------------------------------


def test_per_theory_counts_count_own_voice_and_distinct_comments(client, tables, arguments):
    per_theory = rows(client, "/longlist/arguments_per_theory.json?_shape=objects&_size=max")
    # the thread's counts: the longlist's arguments (the critique's answers are counted apart)
    thread_targets = [t for t in tables["argument_targets"] if arguments[t["argument_id"]]["document_id"] == "longlist"]
    own_targets = [t for t in thread_targets if arguments[t["argument_id"]]["voice"] == "own"]
    # an argument on a theory and its sub-point (9 and 9.1) counts once for the theory
    own_stances = {(t["argument_id"], t["theory_number"], t["stance"]) for t in own_targets}
    all_stances = {(t["argument_id"], t["theory_number"], t["stance"]) for t in thread_targets}
    assert sum(r["arguments"] for r in per_theory) == len(own_stances) < len(all_stances)
    summary = rows(client, "/longlist/theory_argument_summary.json?_shape=objects&_size=max")
    for row in per_theory:
        assert 1 <= row["sources_taking_stance"] <= row["arguments"]
        assert row["sources_taking_stance"] <= row["sources_on_theory"]  # a source is counted once per theory
        assert row["writers_stated"] <= row["sources_taking_stance"]
        assert row["sources_on_theory"] == next(r["comments"] for r in summary if row["theory"].startswith(f"{r['number']:02d} "))
    auditing = next(r for r in summary if r["number"] == 3)
    sources = {arguments[t["argument_id"]]["comment_id"] or "post" for t in own_targets if t["theory_number"] == "3"}
    assert auditing["comments"] == len(sources)
    deception = next(r for r in summary if r["number"] == 4)
    # the reported competing intuition is not counted with c08's own two arguments against 4
    own_against_4 = {t["argument_id"] for t in own_targets if t["theory_number"] == "4" and t["stance"] == "opposes"}
    assert {arguments[a]["comment_id"] for a in own_against_4} == {"c08"}
    assert deception["reported"] == 1 and deception["own_opposes"] == len(own_against_4)


# Theory relations and mentions -------------------------------------------------------------


def test_theory_relation_evidence_reproduces_the_post(tables, raw):
    places = {t["number"]: t for t in tables["theories"]}
    places.update({p["id"]: p for p in tables["theory_points"]})
    places.update({a["id"]: a for a in tables["critique_answers"] if a["text"]})  # the critique's own words
    documents = {"longlist": raw, "critique": REPO.critique_raw_path.read_text(encoding="utf-8")}
    for relation in tables["theory_relations"]:
        start, end = int(relation["start"]), int(relation["end"])
        assert documents[relation["document_id"]][start:end] == relation["evidence_quote"]
        assert relation["stated_in"].startswith("ca") == (relation["document_id"] == "critique")
        place = places[relation["stated_in"]]
        assert int(place["start"]) <= start and end <= int(place["end"])
    pairs = {(r["subject_id"], r["relation"], r["object_id"]) for r in tables["theory_relations"]}
    assert {("4", "similar_to", "3"), ("8", "overlaps_with", "7"), ("13", "next_in_series", "12")} <= pairs


def test_mentions_are_exact_whole_words_in_own_words(tables, raw, comments):
    documents = {"longlist": raw, "critique": REPO.critique_raw_path.read_text(encoding="utf-8")}
    for occurrence in tables["mention_occurrences"]:
        raw = documents[occurrence["document_id"]]
        start, end = int(occurrence["start"]), int(occurrence["end"])
        assert raw[start:end] == occurrence["text"]
        assert not raw[start - 1].isalnum() and not raw[end].isalnum(), occurrence
        if occurrence["comment_id"]:
            comment = comments[occurrence["comment_id"]]
            assert int(comment["body_start"]) <= start and end <= int(comment["body_end"]), "never in a reply's opening quotation"


def test_which_comments_discuss_elk_is_one_query(client, comments):
    expected = [cid for cid, c in comments.items() if re.search(r"(?<![A-Za-z])ELK(?![A-Za-z])", c["body"])]
    assert expected == ["c01", "c10", "c14"]
    result = rows(client, "/longlist/comments_mentioning.json?_shape=objects&_size=max")
    assert [r["comment"] for r in result] == expected
    imitator = rows(client, "/longlist/comments_mentioning.json?_shape=objects&mention=human-imitator")
    assert [r["comment"] for r in imitator] == ["c11"]


def test_a_given_name_is_not_merged_with_a_fuller_one(tables):
    occurrences = {(o["mention_id"], o["comment_id"] or o["post_section_id"] or o["theory_point_id"]) for o in tables["mention_occurrences"]}
    assert ("rohin", "c05") in occurrences and ("rohin-shah", "c07") in occurrences
    assert ("rohin", "c07") not in occurrences
    assert ("chris", "13.1") in occurrences and ("chris", "credit") not in occurrences


# The discussion group's rating set ----------------------------------------------------------


def test_the_group_rating_set_quotes_the_post_instead_of_calling_it_agreed(tables, raw):
    group = next(r for r in tables["rating_sets"] if r["id"] == "discussion-group")
    assert "agreed" not in group["note"]
    quoted = re.findall(r'"([^"]+)"', group["note"])
    assert any(q.startswith("The rated order was") for q in quoted)
    assert any("very off-the-cuff hot takes" in q for q in quoted)
    for passage in quoted:
        assert passage in raw


def test_the_docs_quote_the_figures_the_build_computes(tables):
    """docs/argument-map.md's table of first-vs-second figures matches annotation_agreement."""
    text = (REPO.root / "docs" / "argument-map.md").read_text(encoding="utf-8")
    rows = {r["id"]: r for r in tables["annotation_agreement"]}
    for level, measure in [
        ("stance", "cohen_kappa"),
        ("stance_targeted", "cohen_kappa"),
        ("target", "jaccard"),
        ("target_point", "jaccard"),
        ("relation_link", "jaccard"),
        ("relation_type", "cohen_kappa"),
        ("kind", "cohen_kappa"),
    ]:
        row = rows[f"first-vs-second:{level}:{measure}"]
        assert f"| {row['units']} | {row['agreed']} | {float(row['value']):.3f} |" in text, (level, measure)


def test_the_docs_quote_the_figures_against_the_pre_registered_reading(tables):
    """docs/argument-map.md's tables for the 0.2.0 map against the longlist reading match
    annotation_agreement: alpha with its interval, kappa, specific agreement and the wording check."""
    text = (REPO.root / "docs" / "argument-map.md").read_text(encoding="utf-8")
    rows = {r["id"]: r for r in tables["annotation_agreement"]}
    comparison = "map-0.2.0-vs-longlist-thread-2026-12"
    for level in ("stance", "stance_targeted", "stance_either_targeted", "target", "relation_type", "kind", "voice"):
        row = rows[f"{comparison}:{level}:krippendorff_alpha"]
        cells = f"| {row['units']} | {row['agreed']} | {float(row['value']):.3f} | {float(row['ci_low']):.3f} to {float(row['ci_high']):.3f} |"
        assert cells in text, (level, cells)
    for suffix in (
        "stance:cohen_kappa",
        "stance_either_targeted:percent_agreement",
        "stance:specific_agreement:supports",
        "stance:specific_agreement:opposes",
        "stance:specific_agreement:qualifies",
        "stance:specific_agreement:questions",
        "target:jaccard",
        "relation_link:jaccard",
        "summary_wording:shared_ngram_aligned",
        "summary_wording:shared_ngram_other",
    ):
        row = rows[f"{comparison}:{suffix}"]
        assert f"| {row['units']} | {row['agreed']} | {float(row['value']):.3f} |" in text, suffix
    second = rows["first-vs-second:summary_wording:shared_ngram_aligned"]
    assert f"| {second['units']} | {second['agreed']} | {float(second['value']):.3f} |" in text
    logged = [r for r in tables["adjudications"] if r["comparison"] == comparison]
    changed = sum(1 for r in logged if r["map_changed"] == "true")
    assert f"{len(logged)} differences" in text and f"changed on those {changed}" in text
