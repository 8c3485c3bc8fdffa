"""Facts of the critique's excerpt, read from the text itself (data/raw/against-almost-every-
theory.lesswrong.excerpt.md), checked against the committed package: how many answers it gives,
which sub-points it answers one by one, which cross-references it makes, which answers grant the
theory something before they doubt it, and what the documents resource says about its source."""

import hashlib

import pytest
import yaml

from tests.helpers import REPO


def by(rows, key="id"):
    return {row[key]: row for row in rows}


@pytest.fixture(scope="module")
def critique_text():
    return REPO.critique_raw_path.read_text(encoding="utf-8")


def test_the_raw_copy_is_the_pinned_excerpt():
    data = REPO.critique_raw_path.read_bytes()
    sidecar = yaml.safe_load((REPO.raw_dir / "critique.yml").read_text(encoding="utf-8"))
    # the SHA-256 and size the source notes give for the excerpt
    assert hashlib.sha256(data).hexdigest() == sidecar["sha256"] == "e08f096f6342221137a87801b56ad6ae35c8b50bfde1c4e412ea86ae3f034224"
    assert len(data) == 12875 and len(data.decode("utf-8")) == 12841


def test_twenty_answers_one_per_theory_in_order(tables):
    top = [a for a in tables["critique_answers"] if not a["parent_answer_id"]]
    assert [a["id"] for a in top] == [f"ca{n:02d}" for n in range(1, 21)]
    assert [int(a["theory_number"]) for a in top] == list(range(1, 21))


def test_theory_6_is_answered_through_its_two_sub_points(tables):
    answers = by(tables["critique_answers"])
    nested = [a for a in tables["critique_answers"] if a["parent_answer_id"]]
    assert [(a["id"], a["theory_point_id"], a["parent_answer_id"]) for a in nested] == [("ca06.1", "6.1", "ca06"), ("ca06.2", "6.2", "ca06")]
    assert answers["ca06.1"]["quoted_title"] == "Coordinating work on threat models"
    assert answers["ca06.2"]["quoted_title"] == "Coordinating a slowdown"
    # ca06 has no bullets of its own; 6.1 gets two (+) bullets, 6.2 one
    assert (answers["ca06"]["bullets"], answers["ca06.1"]["bullets"], answers["ca06.2"]["bullets"]) == ("0", "2", "1")
    assert {b["depth"] for b in tables["critique_bullets"] if b["answer_id"].startswith("ca06.")} == {"2"}


def test_bullet_counts_as_the_text_has_them(tables):
    counts = {a["id"]: int(a["bullets"]) for a in tables["critique_answers"]}
    # read off the excerpt: 1 has three bullets, 13 and 20 three, 3 7 8 9 10 14 16 two
    assert [a for a, n in counts.items() if n == 3] == ["ca01", "ca13", "ca20"]
    assert sorted(a for a, n in counts.items() if n == 2) == ["ca03", "ca06.1", "ca07", "ca08", "ca09", "ca10", "ca14", "ca16"]
    assert sum(counts.values()) == 35


def test_quoted_theory_kept_apart_from_the_critiques_own_words(tables, critique_text):
    answers = by(tables["critique_answers"])
    nine = answers["ca09"]
    assert nine["quoted_title"] == "Interpretability tools in the loss function"
    assert "Ambitious version" in nine["quoted_text"] and "Ambitious version" not in nine["text"]
    assert "Dual Use" in nine["text"] and "Dual Use" not in nine["quoted_text"]
    assert int(nine["quote_end"]) < int(nine["start"])


def test_the_headings_of_theory_9_and_16(tables):
    headings = {(b["answer_id"], b["heading"], b["critique_type"]) for b in tables["critique_bullets"] if b["heading"]}
    assert ("ca09", "Dual Use", "dual_use") in headings
    assert ("ca09", "List of lethalities 27. Selecting for undetectability", "list_of_lethalities_27") in headings
    assert ("ca16", "Object level", "object_level") in headings and ("ca16", "Meta level", "meta_level") in headings
    # both spellings of the conceptual heading are one type
    conceptual = {b["heading"] for b in tables["critique_bullets"] if b["critique_type"] == "conceptual_advances_more_urgent"}
    assert conceptual == {"Conceptual advancements are more urgent", "Conceptual advances are more urgent"}
    direct = sorted(b["answer_id"] for b in tables["critique_bullets"] if b["critique_type"] == "not_the_most_direct_way")
    assert direct == ["ca03", "ca05", "ca06.2", "ca07", "ca10", "ca12"]


def test_same_critique_as_n_is_a_reference_to_that_answer(tables):
    same = sorted((r["answer_id"], r["target_answer_id"]) for r in tables["critique_references"] if r["kind"] == "same_critique_as")
    assert same == [("ca11", "ca10"), ("ca13", "ca12"), ("ca20", "ca09"), ("ca20", "ca15"), ("ca20", "ca16")]
    repeats = {(r["argument_id"], r["target_argument_id"]) for r in tables["argument_relations"] if r["relation"] == "repeats"}
    answer_of = {a["id"]: a["critique_answer_id"] for a in tables["arguments"]}
    assert {(answer_of[a], answer_of[b]) for a, b in repeats} == set(same)


def test_sections_of_the_full_post_are_references_with_their_links(tables):
    sections = {(r["answer_id"], r["kind"], r["section_title"]) for r in tables["critique_references"] if r["section_url"]}
    assert sections == {
        ("ca01", "section_link", "What does the end story of interpretability look like?"),
        ("ca02", "critiqued_in_section", "Interp is not a good predictor of future systems"),
        ("ca04", "critiqued_in_section", "Auditing deception with interp is out of reach"),
        ("ca13", "section_link", "False sense of control"),
        ("ca14", "section_link", "Interpretability May Be Overall Harmful"),
        ("ca15", "critiqued_in_section", "Microscope AI?"),
        ("ca17", "mostly_same_critiques_as_section", "Interp is not a good predictor of future systems"),
        ("ca18", "mostly_same_critiques_as_section", "Auditing deception with interp is out of reach"),
        ("ca19", "mostly_same_critiques_as_section", "Auditing deception with interp is out of reach"),
    }
    for r in tables["critique_references"]:
        if r["section_url"]:
            assert r["section_url"].startswith("https://www.lesswrong.com/posts/LNA8mubrByG7SFacm/against-almost-every-theory-of-impact-of-interpretability-1#")


def test_answers_that_grant_something_qualify_and_the_rest_oppose(tables):
    answer_of = {a["id"]: a["critique_answer_id"] for a in tables["arguments"] if a["document_id"] == "critique"}
    quotes = {a["id"]: a["evidence_quote"] for a in tables["arguments"]}
    stances = {}
    for t in tables["argument_targets"]:
        if t["argument_id"] in answer_of:
            stances.setdefault(answer_of[t["argument_id"]], set()).add(t["stance"])
    granting = {a for a, s in stances.items() if "qualifies" in s}
    assert granting == {"ca01", "ca06.2", "ca08", "ca16"}
    assert all(s <= {"opposes", "qualifies"} for s in stances.values())
    grants = {"ca01": "is valid, but", "ca06.2": "This is a good theory of change, but", "ca08": "Yes, it's an improvement, but", "ca16": "could be useful but"}
    for answer, words in grants.items():
        qualifying = [quotes[t["argument_id"]] for t in tables["argument_targets"] if answer_of.get(t["argument_id"]) == answer and t["stance"] == "qualifies"]
        assert any(words in q for q in qualifying), answer


def test_every_answer_with_words_has_an_argument(tables):
    answered = {a["critique_answer_id"] for a in tables["arguments"] if a["document_id"] == "critique"}
    assert answered == {a["id"] for a in tables["critique_answers"] if a["text"]}
    assert all(a["id"].startswith("k") for a in tables["arguments"] if a["document_id"] == "critique")


def test_the_documents_say_what_the_evidence_gives(tables):
    documents = by(tables["documents"])
    critique = documents["critique"]
    assert critique["title"] == "Against Almost Every Theory of Impact of Interpretability"
    assert critique["author"] == "Charbel-Raphaël Segerie"
    assert (critique["published"], critique["published_precision"]) == ("2023-08", "month")
    assert "Last month, Charbel published the post" in critique["published_basis"]
    assert critique["url"].endswith("/posts/LNA8mubrByG7SFacm/against-almost-every-theory-of-impact-of-interpretability-1")
    longlist = documents["longlist"]
    assert (longlist["published"], longlist["published_precision"], longlist["author"]) == ("2022-03-11", "day", "Neel Nanda")


def test_c07_names_the_critique_and_the_mention_knows_the_document(tables):
    mention = by(tables["mentions"])["against-almost-every-theory"]
    assert mention["document_id"] == "critique"
    places = {o["comment_id"] for o in tables["mention_occurrences"] if o["mention_id"] == "against-almost-every-theory"}
    assert places == {"c07"}


def test_relations_the_critique_states_between_theories(tables):
    stated = {(r["subject_id"], r["relation"], r["object_id"], r["stated_in"]) for r in tables["theory_relations"] if r["document_id"] == "critique"}
    # "This ToI targets outer misalignment, the next one targets inner misalignment" (answer 3),
    # and every "Same critique as N"
    assert stated == {
        ("3", "distinguished_from", "4", "ca03"),
        ("11", "same_critique_as", "10", "ca11"),
        ("13", "same_critique_as", "12", "ca13"),
        ("20", "same_critique_as", "9", "ca20"),
        ("20", "same_critique_as", "15", "ca20"),
        ("20", "same_critique_as", "16", "ca20"),
    }


def test_the_descriptor_names_the_critique_as_its_second_source(descriptor):
    sidecar = yaml.safe_load((REPO.raw_dir / "critique.yml").read_text(encoding="utf-8"))
    second = descriptor["sources"][1]
    assert second["path"] == sidecar["url"]
    assert (second["snapshot"], second["sha256"]) == ("data/raw/against-almost-every-theory.lesswrong.excerpt.md", sidecar["sha256"])
    holders = {c["title"] for c in descriptor["contributors"] if c["roles"] == ["rightsHolder"]}
    assert {"Neel Nanda", "Charbel-Raphaël Segerie"} <= holders
