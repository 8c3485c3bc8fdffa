"""The argument map: data/curation/arguments.yml -> arguments, targets and relations, with spans.

Every evidence quote must occur exactly once, verbatim, in its source's own words (a comment
without its opening quotation, or a post section), so its span is computed, never typed.
"""

from scripts.core import schema, yamlio
from scripts.core.errors import BuildError
from scripts.pipeline.thread import span_of


def load(raw, parsed, project, descriptor):
    kinds = schema.vocabulary(descriptor, "arguments", "kind")
    stances = schema.vocabulary(descriptor, "argument_targets", "stance")
    relations_allowed = schema.vocabulary(descriptor, "argument_relations", "relation")
    path = project.curation_dir / "arguments.yml"
    name = project.rel(path)
    comments = {c["id"]: (c["body_start"], c["body_end"]) for c in parsed.comments}
    sections = {s["id"]: (s["start"], s["end"]) for s in parsed.post_sections}
    theories = {str(t["number"]): t["number"] for t in parsed.theories}
    points = {p["id"]: p["theory_number"] for p in parsed.theory_points}
    arguments, targets, relations, seen = [], [], [], {}

    def fail(message, line, field):
        raise BuildError(name, message, line=line, field=field)

    for entry in yamlio.records(path, "arguments", ("id", "source", "kind", "summary", "evidence_quote"), name):
        line, arg_id, source = entry[yamlio.LINE_KEY], str(entry["id"]), str(entry["source"])
        if arg_id in seen:
            fail(f"'{arg_id}' is used twice; ids are unique and never reused", line, "id")
        if source not in comments and source not in sections:
            fail(f"'{source}' is neither a comment id (c01-c{len(comments):02d}) nor a post section ({', '.join(sections)})", line, "source")
        if entry["kind"] not in kinds:
            fail(f"'{entry['kind']}' is not a kind; expected one of {', '.join(kinds)}", line, "kind")
        span = span_of(raw, entry["evidence_quote"], *(comments.get(source) or sections[source]))
        if span is None:
            fail(f"the evidence quote must occur exactly once, verbatim, in the own words of {source}", line, "evidence_quote")
        seen[arg_id] = len(arguments)
        arguments.append(
            {
                "id": arg_id,
                "comment_id": source if source in comments else None,
                "post_section_id": source if source in sections else None,
                "kind": entry["kind"],
                "summary": entry["summary"],
                "evidence_quote": entry["evidence_quote"],
                "start": span[0],
                "end": span[1],
            }
        )
        for target in entry.get("targets") or []:
            target_id, stance = str(target.get("target")), target.get("stance")
            if target_id not in theories and target_id not in points:
                fail(f"target '{target_id}' is not a theory (1-{len(theories)}) or sub-point ({', '.join(points)})", target[yamlio.LINE_KEY], "target")
            if stance not in stances:
                fail(f"'{stance}' is not a stance; expected one of {', '.join(stances)}", target[yamlio.LINE_KEY], "stance")
            targets.append(
                {
                    "argument_id": arg_id,
                    "target_id": target_id,
                    "theory_number": theories.get(target_id) or points[target_id],
                    "theory_point_id": target_id if target_id in points else None,
                    "stance": stance,
                }
            )
        for relation in entry.get("relations") or []:
            other, kind = str(relation.get("to")), relation.get("relation")
            if other not in seen or other == arg_id:
                fail(f"relation to '{other}': expected an earlier argument's id (relations point back to what they engage)", relation[yamlio.LINE_KEY], "to")
            if kind not in relations_allowed:
                fail(f"'{kind}' is not a relation; expected one of {', '.join(relations_allowed)}", relation[yamlio.LINE_KEY], "relation")
            relations.append({"argument_id": arg_id, "target_argument_id": other, "relation": kind})
    check_coverage(name, arguments, comments)
    return {"arguments": arguments, "argument_targets": targets, "argument_relations": relations}


def check_coverage(name, arguments, comments):
    covered = {a["comment_id"] for a in arguments}
    missing = [cid for cid in comments if cid not in covered]
    if missing:
        raise BuildError(
            name,
            f"no argument for comment(s) {', '.join(missing)}; every comment needs at least one (kind meta or acknowledgement if nothing else)",
            field="arguments",
        )
