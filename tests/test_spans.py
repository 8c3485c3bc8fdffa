"""Every text row points back to the raw snapshot of its document (document_id): raw[start:end],
with the documented whitespace normalization (trailing whitespace dropped from every line), is
its text. The critique's excerpt has no trailing whitespace, so its spans are exact."""

import pytest

from scripts.pipeline.parse import TITLE_SEPARATORS, normalize_text


def documented_normalization(text):
    """The rule docs/method.md states, written here rather than taken from the parser."""
    return "\n".join(line.rstrip() for line in text.split("\n"))


def span(raw, row, start="start", end="end"):
    return documented_normalization(raw[int(row[start]) : int(row[end])])


def whole_comment(row):
    return f"{row['quoted_text']}\n\n{row['body']}" if row["quoted_text"] else row["body"]


# For each resource: the (start field, end field, text the span must reproduce) it carries.
SPAN_CHECKS = {
    "post_sections": [("start", "end", lambda r: r["text"])],
    "theories": [("start", "end", None)],  # title + separator + description, checked below
    "theory_points": [("start", "end", lambda r: r["text"])],
    "comments": [
        ("start", "end", whole_comment),
        ("quote_start", "quote_end", lambda r: r["quoted_text"]),
        ("body_start", "body_end", lambda r: r["body"]),
        ("attribution_evidence_start", "attribution_evidence_end", lambda r: r["attribution_evidence"]),
        ("attribution_match_start", "attribution_match_end", lambda r: r["attribution_match"]),
    ],
    "theory_relations": [("start", "end", lambda r: r["evidence_quote"])],
    "mention_occurrences": [("start", "end", lambda r: r["text"])],
    "comment_edits": [("start", "end", lambda r: r["text"])],
    "arguments": [("start", "end", lambda r: r["evidence_quote"])],
    "ratings": [("start", "end", None)],  # only ratings read from the post, checked below
    "critique_answers": [
        ("quoted_title_start", "quoted_title_end", lambda r: r["quoted_title"]),
        ("quote_start", "quote_end", lambda r: r["quoted_text"]),
        ("start", "end", lambda r: r["text"]),
    ],
    "critique_bullets": [("heading_start", "heading_end", lambda r: r["heading"]), ("start", "end", lambda r: r["text"])],
    "critique_references": [("start", "end", lambda r: r["text"])],
}


@pytest.fixture(scope="module")
def documents(raw):
    from tests.helpers import REPO

    return {"longlist": raw, "critique": REPO.critique_raw_path.read_text(encoding="utf-8")}


def test_every_resource_with_offsets_is_checked(descriptor):
    for resource in descriptor["resources"]:
        starts = {f["name"] for f in resource["schema"]["fields"] if f["name"].endswith("start")}
        checked = {start for start, _, _ in SPAN_CHECKS.get(resource["name"], [])}
        assert starts <= checked, (resource["name"], starts - checked)


@pytest.mark.parametrize(
    "resource",
    [
        "post_sections",
        "theory_points",
        "comments",
        "comment_edits",
        "arguments",
        "theory_relations",
        "mention_occurrences",
        "critique_answers",
        "critique_bullets",
        "critique_references",
    ],
)
def test_spans_reproduce_text(documents, tables, resource):
    checked = 0
    for row in tables[resource]:
        assert row["document_id"] in documents, f"{resource} row {row}: its span names no document"
        raw = documents[row["document_id"]]
        for start, end, text in SPAN_CHECKS[resource]:
            if row[start] == "":
                assert text(row) == "", f"{resource} {row}: text without a span"
                continue
            assert span(raw, row, start, end) == text(row), f"{resource} row {row}"
            if row["document_id"] == "critique":
                assert raw[int(row[start]) : int(row[end])] == text(row), "the critique's spans are exact"
            checked += 1
    assert checked >= len(tables[resource]) - 1 > 0  # ca06 alone has no words of its own


def test_every_span_names_its_document(descriptor, tables):
    for resource in descriptor["resources"]:
        names = {f["name"] for f in resource["schema"]["fields"]}
        if "start" in names:
            assert "document_id" in names, resource["name"]
            for row in tables[resource["name"]]:
                if row["start"] != "":
                    assert row["document_id"] in ("longlist", "critique"), (resource["name"], row)
                elif resource["name"] != "critique_answers":  # an answer (ca06) belongs to the critique even with no words of its own
                    assert row["document_id"] == "", (resource["name"], row)


def test_ratings_from_the_post_point_at_their_number_in_the_rank_list(raw, tables):
    from_post = {s["id"] for s in tables["rating_sets"] if s["source"].startswith("post_sections:")}
    exercise = next(s for s in tables["post_sections"] if s["id"] == "exercise")
    rows = [r for r in tables["ratings"] if r["rating_set_id"] in from_post]
    assert rows
    for row in rows:
        assert span(raw, row) == row["theory_number"]
        assert int(exercise["start"]) <= int(row["start"]) < int(row["end"]) <= int(exercise["end"])


def test_theory_spans_reproduce_title_and_description(raw, tables):
    for row in tables["theories"]:
        assert any(span(raw, row) == row["title"] + sep + row["description"] for sep in TITLE_SEPARATORS), row


def test_theory_span_follows_its_list_number(raw, tables):
    for row in tables["theories"]:
        before = raw[: int(row["start"])]
        assert before.endswith(f"  {row['number']}. ")


def test_rank_remark_is_verbatim_in_the_exercise_paragraph(tables):
    exercise = next(s for s in tables["post_sections"] if s["id"] == "exercise")
    for row in tables["ratings"]:
        if row["remark"]:
            assert row["remark"] in exercise["text"]


def test_spans_are_ordered_and_do_not_overlap_across_comments(tables):
    comments = tables["comments"]
    for earlier, later in zip(comments, comments[1:]):
        assert int(earlier["end"]) < int(later["start"])


def test_normalization_only_drops_trailing_whitespace():
    assert documented_normalization("a \u00a0\nb\t\n\n  c") == "a\nb\n\n  c"
    assert normalize_text("a \u00a0\nb\t\n\n  c") == "a\nb\n\n  c"
