"""The argument map: data/curation/arguments.yml -> arguments, targets and relations, with spans.

Every evidence quote must occur exactly once, verbatim, in its source's own words (a comment
without its opening quotation, or a post section), so its span is computed, never typed.

The same rules read the other passes of the map kept for the agreement figures
(data/curation/second_pass.yml, the second reading; first_pass.yml, the map as released in
0.1.0; the pre-registered readings under data/curation/readings/): see scripts/pipeline/agreement.py.
"""

from dataclasses import dataclass

from scripts.core import schema, yamlio
from scripts.core.errors import BuildError
from scripts.pipeline.thread import span_of

MAIN = "arguments.yml"
SECOND_PASS = "second_pass.yml"
FIRST_PASS = "first_pass.yml"
# The pre-registered independent reading of the thread (data/curation/readings/<name>/): ids r01..,
# relations written {to, type} as its instructions ask.
LONGLIST_READING = "readings/longlist-thread-2026-12/reading.yml"


@dataclass
class Pass:
    """One reading of the argument map, checked: rows in the package's shape."""

    name: str  # the file as the user sees it
    arguments: list  # in page order
    targets: list
    relations: list


def load(raw, parsed, project, descriptor):
    """The published map (arguments.yml): the package's arguments, argument_targets, argument_relations."""
    main = read_pass(raw, parsed, project, descriptor, MAIN, prefix="a", with_voice=True)
    return {"arguments": main.arguments, "argument_targets": main.targets, "argument_relations": main.relations}


def read_pass(raw, parsed, project, descriptor, file_name, prefix, with_voice, relation_key="relation"):
    """Read and check one pass of the map. Entries are listed in page order of their evidence
    (checked); ids are stable labels `prefix` + number, unique; relations point only to an
    earlier entry (so to an earlier argument on the page); `answers` only to a question.
    `relation_key` names the relation's type field (a pre-registered reading writes `type`)."""
    kinds = schema.vocabulary(descriptor, "arguments", "kind")
    voices = schema.vocabulary(descriptor, "arguments", "voice") if with_voice else ()
    stances = schema.vocabulary(descriptor, "argument_targets", "stance")
    relations_allowed = schema.vocabulary(descriptor, "argument_relations", "relation")
    path = project.curation_dir / file_name
    name = project.rel(path)
    comments = {c["id"]: (c["body_start"], c["body_end"]) for c in parsed.comments}
    sections = {s["id"]: (s["start"], s["end"]) for s in parsed.post_sections}
    theories = {str(t["number"]): t["number"] for t in parsed.theories}
    points = {p["id"]: p["theory_number"] for p in parsed.theory_points}
    arguments, targets, relations, seen = [], [], [], {}

    def fail(message, line, field):
        raise BuildError(name, message, line=line, field=field)

    required = ("id", "source", "kind", "summary", "evidence_quote") + (("voice",) if with_voice else ())
    for entry in yamlio.records(path, "arguments", required, name):
        line, arg_id, source = entry[yamlio.LINE_KEY], str(entry["id"]), str(entry["source"])
        if not (arg_id.startswith(prefix) and arg_id[len(prefix) :].isdigit() and len(arg_id) >= len(prefix) + 2):
            fail(f"'{arg_id}' is not an id of this file; expected {prefix} and two or more digits ({prefix}01)", line, "id")
        if arg_id in seen:
            fail(f"'{arg_id}' is used twice; ids are unique and never reused", line, "id")
        if source not in comments and source not in sections:
            fail(f"'{source}' is neither a comment id (c01-c{len(comments):02d}) nor a post section ({', '.join(sections)})", line, "source")
        if entry["kind"] not in kinds:
            fail(f"'{entry['kind']}' is not a kind; expected one of {', '.join(kinds)}", line, "kind")
        if with_voice and entry["voice"] not in voices:
            fail(f"'{entry['voice']}' is not a voice; expected one of {', '.join(voices)}", line, "voice")
        span = span_of(raw, entry["evidence_quote"], *(comments.get(source) or sections[source]))
        if span is None:
            fail(f"the evidence quote must occur exactly once, verbatim, in the own words of {source}", line, "evidence_quote")
        if arguments and span[0] < arguments[-1]["start"]:
            fail(
                f"{arg_id}'s evidence comes before that of {arguments[-1]['id']} on the page; list the entries in page order "
                "(ids are stable labels, the list order is the page order)",
                line,
                "evidence_quote",
            )
        seen[arg_id] = len(arguments)
        arguments.append(
            {
                "id": arg_id,
                "position": len(arguments) + 1,
                "comment_id": source if source in comments else None,
                "post_section_id": source if source in sections else None,
                "kind": entry["kind"],
                "voice": entry.get("voice") if with_voice else None,
                "summary": entry["summary"],
                "evidence_quote": entry["evidence_quote"],
                "start": span[0],
                "end": span[1],
            }
        )
        for target in entry.get("targets") or []:
            unknown = f"is not a theory (1-{len(theories)}) or sub-point ({', '.join(points)})"
            targets.append(target_row(target, arg_id, theories, points, stances, targets, fail, unknown))
        for relation in entry.get("relations") or []:
            other, kind = str(relation.get("to")), relation.get(relation_key)
            if other not in seen or other == arg_id:
                fail(
                    f"relation to '{other}': expected an earlier argument's id (listed before this entry: relations point back to what they engage)",
                    relation[yamlio.LINE_KEY],
                    "to",
                )
            if kind not in relations_allowed:
                fail(f"'{kind}' is not a relation; expected one of {', '.join(relations_allowed)}", relation[yamlio.LINE_KEY], relation_key)
            if kind == "answers" and arguments[seen[other]]["kind"] != "question":
                fail(f"'answers' must point to a question; {other} is a {arguments[seen[other]]['kind']}", relation[yamlio.LINE_KEY], relation_key)
            if any(r["argument_id"] == arg_id and r["target_argument_id"] == other for r in relations):
                fail(f"{arg_id} relates to {other} twice; give each pair one relation", relation[yamlio.LINE_KEY], "to")
            relations.append({"argument_id": arg_id, "target_argument_id": other, "relation": kind})
    check_coverage(name, arguments, comments)
    return Pass(name, arguments, targets, relations)


def check_coverage(name, arguments, comments):
    covered = {a["comment_id"] for a in arguments}
    missing = [cid for cid in comments if cid not in covered]
    if missing:
        raise BuildError(
            name,
            f"no argument for comment(s) {', '.join(missing)}; every comment needs at least one (kind meta or acknowledgement if nothing else)",
            field="arguments",
        )


def target_row(target, arg_id, theories, points, stances, targets, fail, unknown):
    """One entry of an argument's `targets`, checked against the theories and sub-points
    ({id: theory number}), the schema's stances and the argument's earlier targets, as an
    argument_targets row; `unknown` says what a target that is neither is not."""
    target_id, stance = str(target.get("target")), target.get("stance")
    if target_id not in theories and target_id not in points:
        fail(f"target '{target_id}' {unknown}", target[yamlio.LINE_KEY], "target")
    if stance not in stances:
        fail(f"'{stance}' is not a stance; expected one of {', '.join(stances)}", target[yamlio.LINE_KEY], "stance")
    if any(t["argument_id"] == arg_id and t["target_id"] == target_id for t in targets):
        fail(f"{arg_id} targets '{target_id}' twice; give each target one stance", target[yamlio.LINE_KEY], "target")
    return {
        "argument_id": arg_id,
        "target_id": target_id,
        "theory_number": theories.get(target_id) or points[target_id],
        "theory_point_id": target_id if target_id in points else None,
        "stance": stance,
    }
