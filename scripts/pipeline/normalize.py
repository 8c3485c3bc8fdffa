"""Parsed records -> tidy rows, one list per resource, named and sorted as the package wants."""

import re

from scripts.core.constants import GROUP_SET_ID

NATURAL_PARTS = re.compile(r"\d+|[^\d.]+")


def natural_key(value):
    """Sort key that puts "2.1" before "13.1", ("a", 2) before ("a", 10) and "c05:3" before
    "c05:10": digits by value, anything else as text, part by part."""
    if isinstance(value, str):
        return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in NATURAL_PARTS.findall(value))
    return (value,)


def post_sections(parsed):
    return [pick(s, "id", "position", "text", "start", "end") for s in parsed.post_sections]


def theories(parsed):
    return [pick(t, "number", "title", "description", "credit", "start", "end") for t in parsed.theories]


def theory_points(parsed, point_kinds):
    return [
        dict(pick(p, "id", "theory_number", "position", "title"), kind=point_kinds[p["id"]], **pick(p, "text", "start", "end")) for p in parsed.theory_points
    ]


ATTRIBUTION_FIELDS = (
    "participant_id",
    "attribution_basis",
    "attribution_evidence",
    "attribution_evidence_start",
    "attribution_evidence_end",
    "attribution_grade",
    "attribution_match_source",
    "attribution_match",
    "attribution_match_start",
    "attribution_match_end",
)


def comments(parsed, thread):
    """Comments with their place in the reply tree, edit flag and (evidence-based) writer."""
    fields = ("id", "position", "quoted_text", "body", "start", "end", "quote_start", "quote_end", "body_start", "body_end")
    edited = {e["comment_id"] for e in thread.edits}
    rows = []
    for c in parsed.comments:
        tree = thread.tree[c["id"]]
        attribution = thread.attributions.get(c["id"], {})
        rows.append(
            {
                **pick(c, *fields),
                **pick(tree, "quote_source", "parent_id", "thread_id", "depth", "parent_basis", "parent_reason"),
                "edited": c["id"] in edited,
                **{f: attribution.get(f) for f in ATTRIBUTION_FIELDS},
            }
        )
    return rows


RATED_ORDER_RE = re.compile(r"The rated order was (?:\d+, )*\d+")
HOT_TAKES_RE = re.compile(r"these are very off-the-cuff hot takes[^!.]*[!.]")


def group_rating_set(parsed):
    """The discussion group's set. Its note quotes the post's own words about the ratings,
    taken from the Exercise paragraph (never a wording of ours such as "agreed")."""
    exercise = next((s["text"] for s in parsed.post_sections if s["id"] == "exercise"), "")
    order, caveat = RATED_ORDER_RE.search(exercise), HOT_TAKES_RE.search(exercise)
    said = f'The post reports the ratings of the small discussion group its author ran as a rank order: "{order.group(0)}"' if order else "A rank order"
    warned = f', and warns that "{caveat.group(0)}"' if caveat else ""
    return {
        "id": GROUP_SET_ID,
        "kind": "group",
        "label": "The post's discussion group",
        "date": None,
        "source": "post_sections:exercise",
        "note": f"{said}{warned}. The post publishes no scores. Theory 20 is unranked: it was added to the list after the discussion.",
    }


def group_ratings(parsed):
    return [
        {
            "rating_set_id": GROUP_SET_ID,
            "theory_number": r["theory_number"],
            "rank": r["rank"],
            "score": None,
            "remark": r.get("remark"),
            "start": r["start"],
            "end": r["end"],
        }
        for r in parsed.group_ranking["ranks"]
    ]


def tables(parsed, point_kinds, thread, argument_map):
    """Every resource's rows, keyed by resource name."""
    return {
        "post_sections": post_sections(parsed),
        "theories": theories(parsed),
        "theory_points": theory_points(parsed, point_kinds),
        "participants": thread.participants,
        "comments": comments(parsed, thread),
        "comment_edits": thread.edits,
        **argument_map,
        "rating_sets": [group_rating_set(parsed)],
        "ratings": group_ratings(parsed),
    }


def pick(record, *fields):
    return {f: record.get(f) for f in fields}
