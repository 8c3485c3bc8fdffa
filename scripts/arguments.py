"""The argument map: data/curation/arguments.yml -> arguments, targets and relations, with spans.

Every evidence quote must occur exactly once, verbatim, in its source's own words (a comment
without its opening quotation, or a post section), so its span is computed, never typed.
"""

import json

from . import yamlio
from .errors import BuildError
from .thread import span_of

KINDS = ("claim", "question", "answer", "acknowledgement", "moderation", "meta")
STANCES = ("supports", "opposes", "qualifies", "questions")
RELATIONS = ("supports", "rebuts", "clarifies", "answers", "agrees")


def load(raw, parsed, project):
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
        if entry["kind"] not in KINDS:
            fail(f"'{entry['kind']}' is not a kind; expected one of {', '.join(KINDS)}", line, "kind")
        span = span_of(raw, entry["evidence_quote"], *(comments.get(source) or sections[source]))
        if span is None:
            fail(f"the evidence quote must occur exactly once, verbatim, in the own words of {source}", line, "evidence_quote")
        seen[arg_id] = len(arguments)
        arguments.append({
            "id": arg_id,
            "comment_id": source if source in comments else None,
            "post_section_id": source if source in sections else None,
            "kind": entry["kind"],
            "summary": entry["summary"],
            "evidence_quote": entry["evidence_quote"],
            "start": span[0],
            "end": span[1],
        })
        for target in entry.get("targets") or []:
            target_id, stance = str(target.get("target")), target.get("stance")
            if target_id not in theories and target_id not in points:
                fail(f"target '{target_id}' is not a theory (1-{len(theories)}) or sub-point ({', '.join(points)})", target[yamlio.LINE_KEY], "target")
            if stance not in STANCES:
                fail(f"'{stance}' is not a stance; expected one of {', '.join(STANCES)}", target[yamlio.LINE_KEY], "stance")
            targets.append({
                "argument_id": arg_id,
                "target_id": target_id,
                "theory_number": theories.get(target_id) or points[target_id],
                "theory_point_id": target_id if target_id in points else None,
                "stance": stance,
            })
        for relation in entry.get("relations") or []:
            other, kind = str(relation.get("to")), relation.get("relation")
            if other not in seen or other == arg_id:
                fail(f"relation to '{other}': expected an earlier argument's id (relations point back to what they engage)", relation[yamlio.LINE_KEY], "to")
            if kind not in RELATIONS:
                fail(f"'{kind}' is not a relation; expected one of {', '.join(RELATIONS)}", relation[yamlio.LINE_KEY], "relation")
            relations.append({"argument_id": arg_id, "target_argument_id": other, "relation": kind})
    check_coverage(name, arguments, comments)
    return {"arguments": arguments, "argument_targets": targets, "argument_relations": relations}


def check_coverage(name, arguments, comments):
    covered = {a["comment_id"] for a in arguments}
    missing = [cid for cid in comments if cid not in covered]
    if missing:
        raise BuildError(name, f"no argument for comment(s) {', '.join(missing)}; every comment needs at least one (kind meta or acknowledgement if nothing else)", field="arguments")


# ------------------------------------------------------------------ AIF export

# AIF (Argument Interchange Format, as used by AIFdb and argument-mining tools) has
# information nodes (I) and scheme nodes: RA = inference, CA = conflict, MA = rephrase.
# Our labels are kept in each scheme node's text so nothing is lost in the mapping.
RELATION_SCHEMES = {"supports": "RA", "agrees": "RA", "answers": "RA", "rebuts": "CA", "clarifies": "MA"}
STANCE_SCHEMES = {"supports": "RA", "opposes": "CA", "qualifies": "CA", "questions": "CA"}
SCHEME_NAMES = {"RA": "Default Inference", "CA": "Default Conflict", "MA": "Default Rephrase"}


def aif(tables, theory_titles):
    """The argument map as an AIF JSON document (nodes, edges, locutions)."""
    nodes, edges = [], []
    for argument in tables["arguments"]:
        nodes.append({"nodeID": argument["id"], "text": argument["evidence_quote"], "type": "I", "summary": argument["summary"], "source": argument["comment_id"] or argument["post_section_id"], "kind": argument["kind"]})
    targeted = sorted({t["target_id"] for t in tables["argument_targets"]}, key=lambda t: [int(x) for x in t.split(".")])
    for target_id in targeted:
        nodes.append({"nodeID": f"theory-{target_id}", "text": theory_titles[target_id], "type": "I"})

    def scheme(node_id, scheme_type, label, source, target):
        nodes.append({"nodeID": node_id, "text": f"{SCHEME_NAMES[scheme_type]} ({label})", "type": scheme_type})
        edges.append({"edgeID": f"{node_id}-from", "fromID": source, "toID": node_id})
        edges.append({"edgeID": f"{node_id}-to", "fromID": node_id, "toID": target})

    for r in tables["argument_relations"]:
        scheme(f"{r['argument_id']}-{r['relation']}-{r['target_argument_id']}", RELATION_SCHEMES[r["relation"]], r["relation"], r["argument_id"], r["target_argument_id"])
    for t in tables["argument_targets"]:
        scheme(f"{t['argument_id']}-{t['stance']}-theory-{t['target_id']}", STANCE_SCHEMES[t["stance"]], t["stance"], t["argument_id"], f"theory-{t['target_id']}")
    return {"nodes": nodes, "edges": edges, "locutions": []}


def aif_bytes(tables, theory_titles):
    return (json.dumps(aif(tables, theory_titles), indent=1, ensure_ascii=False) + "\n").encode("utf-8")
