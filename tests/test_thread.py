"""The comment thread as data: reply tree, edits, evidence-based attribution, argument map."""

import json

import pytest
import yaml

from scripts.build import AIF_EXPORT
from tests.helpers import REPO


@pytest.fixture(scope="session")
def comments(tables):
    return {c["id"]: c for c in tables["comments"]}


def curated(name, key):
    return yaml.safe_load((REPO.curation_dir / name).read_text(encoding="utf-8"))[key]


def test_a_reply_quoting_an_earlier_comment_points_to_it(comments):
    ordered = list(comments.values())
    quoting = [c for c in ordered if c["quoted_text"]]
    assert len(quoting) == 8
    for index, comment in enumerate(ordered):
        if not comment["quoted_text"]:
            continue
        target = comment["quoted_text"].removesuffix("...").rstrip()  # "..." marks a cut quotation
        earlier = [c["id"] for c in ordered[:index] if target in c["body"]]
        assert comment["parent_basis"] == "quote"
        assert comment["parent_id"] == (earlier[-1] if earlier else ""), comment["id"]
        assert len(earlier) <= 1


def test_listing_is_depth_first_without_cycles(comments):
    ordered = list(comments)
    for index, cid in enumerate(ordered):
        comment = comments[cid]
        chain, node, seen = [], comment["parent_id"], set()
        while node:
            assert node not in seen, f"cycle through {node}"
            seen.add(node)
            chain.append(node)
            node = comments[node]["parent_id"]
        assert int(comment["depth"]) == len(chain)
        assert comment["thread_id"] == (chain[-1] if chain else cid)
        if comment["parent_id"]:
            assert ordered.index(comment["parent_id"]) < index
            previous, ancestors = ordered[index - 1], []
            while previous:
                ancestors.append(previous)
                previous = comments[previous]["parent_id"]
            assert comment["parent_id"] in ancestors, cid


def test_every_curated_parent_has_its_reason(comments):
    entries = {e["comment"]: e for e in curated("comment_parents.yml", "parents")}
    for cid, comment in comments.items():
        if comment["quoted_text"]:
            assert cid not in entries
            continue
        entry = entries[cid]
        assert entry["reason"].strip() and comment["parent_reason"] == entry["reason"]
        assert comment["parent_basis"] == "curated"
        assert comment["parent_id"] == (entry["parent"] or "")


def test_the_audit_and_elk_threads(comments):
    threads = {}
    for cid, comment in comments.items():
        threads.setdefault(comment["thread_id"], []).append(cid)
    assert threads["c01"][:4] == ["c01", "c02", "c03", "c04"]
    assert threads["c09"][0] == "c09" and len(threads["c09"]) > 3


def test_edits_are_rows_with_dates_where_given(tables, comments):
    edits = {e["comment_id"]: e for e in tables["comment_edits"]}
    assert edits["c01"]["label"] == "EDIT" and edits["c01"]["date"] == "2023-03-26"
    assert edits["c05"]["label"] == "Update" and edits["c05"]["date"] == ""
    for cid, comment in comments.items():
        assert (comment["edited"] == "true") == (cid in edits)
        if cid in edits:
            assert comment["body"].endswith(edits[cid]["text"])


def test_every_attribution_has_verbatim_evidence_and_a_basis(comments):
    attributed = {cid: c for cid, c in comments.items() if c["participant_id"]}
    assert attributed, "the snapshot gives evidence for a few writers"
    for cid, comment in attributed.items():
        assert comment["attribution_basis"].strip()
        evidence = comment["attribution_evidence"]
        assert any(evidence in c["body"] for c in comments.values()), cid
    for cid, comment in comments.items():
        if not comment["participant_id"]:
            # an unattributed comment carries a basis only where its words were weighed and the rule not met
            weighed = comment["attribution_basis"].startswith("Not attributed")
            assert bool(comment["attribution_evidence"]) == weighed and not comment["attribution_grade"], cid
            assert not weighed or comment["attribution_evidence"] in comment["body"], cid


def test_c04_and_c14_are_weighed_by_the_rule_that_makes_c18_inferred(comments):
    """The inferred rule (the comment's own first-person words match what one known participant
    says elsewhere) is applied alike: c18 meets it; c04 ("This one.") and c14 (whose knowledge of
    theory 20's credit any reader of the post has) do not, and the data says why."""
    assert comments["c18"]["attribution_grade"] == "inferred"
    for cid in ("c04", "c14"):
        assert not comments[cid]["participant_id"] and comments[cid]["attribution_basis"].startswith("Not attributed"), cid
    assert "any reader" in comments["c14"]["attribution_basis"] and "c18" in comments["c14"]["attribution_basis"]
    assert "first-person" in comments["c04"]["attribution_basis"]


def test_the_post_author_is_stated_only_for_the_comment_that_says_so(comments, tables):
    authors = {p["id"] for p in tables["participants"] if p["role"] == "post author"}
    stated = [cid for cid, c in comments.items() if c["participant_id"] in authors and c["attribution_grade"] == "stated"]
    assert stated == [cid for cid, c in comments.items() if "I wrote this post" in c["body"]]


def test_inferred_attributions_rest_on_first_person_words_matched_elsewhere(comments, raw):
    inferred = {cid: c for cid, c in comments.items() if c["attribution_grade"] == "inferred"}
    assert inferred, "the wider set adds at least one writer"
    for cid, comment in inferred.items():
        assert comment["attribution_evidence"] in comment["body"], cid
        assert comment["attribution_evidence"].startswith("I ") or " I " in comment["attribution_evidence"], "first-person words"
        start, end = int(comment["attribution_match_start"]), int(comment["attribution_match_end"])
        assert raw[start:end] == comment["attribution_match"]
        assert not int(comment["body_start"]) <= start < int(comment["body_end"]), "the match is elsewhere in the source"
    # c18's spreadsheet is the act the post's own spreadsheet line describes; c14 (no first-person words) stays unknown
    assert inferred["c18"]["attribution_match_source"] == "post_sections:spreadsheet"
    assert comments["c14"]["participant_id"] == ""
    for cid, comment in comments.items():
        assert bool(comment["participant_id"]) == bool(comment["attribution_grade"]), cid
        if comment["attribution_grade"] != "inferred":
            assert not comment["attribution_match"], cid


def test_participants_count_their_comments_by_grade(comments, tables):
    for participant in tables["participants"]:
        mine = [c["attribution_grade"] for c in comments.values() if c["participant_id"] == participant["id"]]
        assert int(participant["stated_comments"]) == mine.count("stated")
        assert int(participant["inferred_comments"]) == mine.count("inferred")


def test_no_names_beyond_the_evidence(tables, raw):
    for participant in tables["participants"]:
        if participant["name"]:
            # A name must appear in the source (or be the post's byline, recorded in source.yml).
            byline = yaml.safe_load(REPO.source_meta_path.read_text(encoding="utf-8"))["post_author"]
            assert participant["name"] in raw or participant["name"] == byline


def test_every_evidence_quote_is_verbatim_in_its_source(tables, comments):
    sections = {s["id"]: s["text"] for s in tables["post_sections"]}
    answers = {a["id"]: a["text"] for a in tables["critique_answers"]}
    for argument in tables["arguments"]:
        if argument["document_id"] == "critique":  # the critique's own words, never its quotation of the theory
            assert argument["evidence_quote"] in answers[argument["critique_answer_id"]], argument["id"]
            assert not argument["comment_id"] and not argument["post_section_id"]
            continue
        own_words = comments[argument["comment_id"]]["body"] if argument["comment_id"] else sections[argument["post_section_id"]]
        assert argument["evidence_quote"] in own_words, argument["id"]
        assert bool(argument["comment_id"]) != bool(argument["post_section_id"])


def test_every_comment_has_an_argument(tables, comments):
    assert set(comments) <= {a["comment_id"] for a in tables["arguments"]}


def test_targets_stay_within_the_theories_and_sub_points(tables):
    theories = {t["number"] for t in tables["theories"]}
    points = {p["id"]: p["theory_number"] for p in tables["theory_points"]}
    for target in tables["argument_targets"]:
        assert target["target_id"] in theories | set(points)
        expected = points.get(target["target_id"], target["target_id"])
        assert target["theory_number"] == expected


def test_relations_point_back_to_earlier_arguments(tables):
    position = {a["id"]: int(a["position"]) for a in tables["arguments"]}
    for relation in tables["argument_relations"]:
        assert position[relation["target_argument_id"]] < position[relation["argument_id"]]


def test_positions_are_the_page_order_of_the_evidence(tables):
    documents = ["longlist", "critique"]  # the longlist's arguments first, then the critique's
    ordered = sorted(tables["arguments"], key=lambda a: (documents.index(a["document_id"]), int(a["start"])))
    assert [int(a["position"]) for a in ordered] == list(range(1, len(ordered) + 1))


def test_aif_export_reloads_with_as_many_nodes_and_edges_as_the_tables(tables):
    document = json.loads((REPO.root / AIF_EXPORT).read_text(encoding="utf-8"))
    nodes = {n["nodeID"]: n for n in document["nodes"]}
    assert len(nodes) == len(document["nodes"])
    targeted = {t["target_id"] for t in tables["argument_targets"]}
    schemes = len(tables["argument_relations"]) + len(tables["argument_targets"])
    assert sum(n["type"] == "I" for n in nodes.values()) == len(tables["arguments"]) + len(targeted)
    assert sum(n["type"] in {"RA", "CA", "MA"} for n in nodes.values()) == schemes
    assert len(document["edges"]) == 2 * schemes
    for edge in document["edges"]:
        assert edge["fromID"] in nodes and edge["toID"] in nodes
        assert (nodes[edge["fromID"]]["type"] == "I") != (nodes[edge["toID"]]["type"] == "I")


def test_aif_export_is_fresh(built):
    assert (REPO.root / AIF_EXPORT).read_bytes() == (built.root / AIF_EXPORT).read_bytes()


def rows(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return response.json()["rows"]


def test_thread_tree_query(client, comments):
    result = rows(client, "/longlist/thread_tree.json?_shape=objects")
    ids = [r["comment"] for r in result]
    assert ids == [cid for cid, c in comments.items() if c["thread_id"] == "c01"]
    assert [r["depth"] for r in result] == [int(comments[i]["depth"]) for i in ids]
    elk = rows(client, "/longlist/thread_tree.json?_shape=objects&root=c09")
    assert elk[0]["comment"] == "c09"
    assert [r["body"] for r in result] == [comments[i]["body"] for i in ids]  # the full text, not an excerpt


def test_arguments_on_theory_query_has_both_sides_of_theory_3(client):
    stances = {r["stance"] for r in rows(client, "/longlist/arguments_on_theory.json?_shape=objects")}
    assert {"supports", "opposes"} <= stances


def test_audit_versus_training_loop_query_covers_every_argument_on_3_and_9(client, tables):
    result = rows(client, "/longlist/audit_vs_training_loop.json?_shape=objects&_size=max")
    expected = {(t["argument_id"], t["target_id"]) for t in tables["argument_targets"] if t["theory_number"] in {"3", "9"}}
    assert {(r["argument"], r["target"]) for r in result} == expected
    assert {r["side"] for r in result} == {"auditing (3)", "training loop (9)"}


def test_participants_query_lists_attributed_arguments(client, tables, comments):
    result = rows(client, "/longlist/participants_and_arguments.json?_shape=objects&_size=max")
    attributed = {a["id"] for a in tables["arguments"] if a["comment_id"] and comments[a["comment_id"]]["participant_id"]}
    assert attributed <= {r["argument"] for r in result}


def test_per_theory_and_per_thread_counts_add_up(client, tables, comments):
    per_theory = rows(client, "/longlist/arguments_per_theory.json?_shape=objects&_size=max")
    own = {a["id"] for a in tables["arguments"] if a["voice"] == "own" and a["document_id"] == "longlist"}  # the thread's
    stances = {(t["argument_id"], t["theory_number"], t["stance"]) for t in tables["argument_targets"] if t["argument_id"] in own}
    assert sum(r["arguments"] for r in per_theory) == len(stances)
    labels = [r["theory"] for r in per_theory]
    assert labels == sorted(labels), "labels sort in list order, as the charts draw them"
    threads = rows(client, "/longlist/thread_sizes.json?_shape=objects&_size=max")
    assert sum(r["comments"] for r in threads) == len(comments)
    assert sum(r["arguments"] for r in threads) == sum(1 for a in tables["arguments"] if a["comment_id"])


def test_a_real_aif_reader_loads_the_export_with_both_documents(tables):
    """arguebuf (a maintained argument-graph library) reads the AIF file: every argument and
    targeted theory is an atom node, every relation and stance a scheme node; the locutions
    name both documents."""
    import arguebuf

    graph = arguebuf.load.file(REPO.root / AIF_EXPORT)
    targeted = {t["target_id"] for t in tables["argument_targets"]}
    assert len(graph.atom_nodes) == len(tables["arguments"]) + len(targeted)
    assert len(graph.scheme_nodes) == len(tables["argument_relations"]) + len(tables["argument_targets"])
    assert "k17" in graph.atom_nodes and "a01" in graph.atom_nodes
    document = json.loads((REPO.root / AIF_EXPORT).read_text(encoding="utf-8"))
    assert {loc["source"] for loc in document["locutions"]} == {"longlist", "critique"}
    assert len(document["locutions"]) == len(tables["arguments"])
