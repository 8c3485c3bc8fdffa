"""The argument map as an AIF document (exports/argument_map.aif.json).

AIF (Argument Interchange Format, as used by AIFdb and argument-mining tools) has
information nodes (I) and scheme nodes: RA = inference, CA = conflict, MA = rephrase.
Our labels are kept in each scheme node's text so nothing is lost in the mapping; each
argument's I-node also carries its kind and voice (own, reported, quoted), so a reader can
leave out the views a writer only reports. The package has two documents (the longlist with its
thread, and the critique's answers): each argument has a locution naming its document, the
source within it (a comment, a post section or a critique answer) and its character span.
"""

import json

RELATION_SCHEMES = {"supports": "RA", "agrees": "RA", "answers": "RA", "rebuts": "CA", "clarifies": "MA", "repeats": "MA"}
STANCE_SCHEMES = {"supports": "RA", "opposes": "CA", "qualifies": "CA", "questions": "CA"}
SCHEME_NAMES = {"RA": "Default Inference", "CA": "Default Conflict", "MA": "Default Rephrase"}


def aif(tables, theory_titles):
    """The argument map as an AIF JSON document (nodes, edges, locutions)."""
    nodes, edges, locutions = [], [], []
    for argument in tables["arguments"]:
        nodes.append(
            {
                "nodeID": argument["id"],
                "text": argument["evidence_quote"],
                "type": "I",
                "summary": argument["summary"],
                "source": argument.get("critique_answer_id") or argument["comment_id"] or argument["post_section_id"],
                "document": argument.get("document_id"),
                "kind": argument["kind"],
                "voice": argument["voice"],
            }
        )
        locutions.append(
            {
                "nodeID": argument["id"],
                "personID": None,
                "timestamp": None,
                "source": argument.get("document_id"),
                "start": argument["start"],
                "end": argument["end"],
            }
        )
    targeted = sorted({t["target_id"] for t in tables["argument_targets"]}, key=lambda t: [int(x) for x in t.split(".")])
    for target_id in targeted:
        nodes.append({"nodeID": f"theory-{target_id}", "text": theory_titles[target_id], "type": "I"})

    def scheme(node_id, scheme_type, label, source, target):
        nodes.append({"nodeID": node_id, "text": f"{SCHEME_NAMES[scheme_type]} ({label})", "type": scheme_type})
        edges.append({"edgeID": f"{node_id}-from", "fromID": source, "toID": node_id})
        edges.append({"edgeID": f"{node_id}-to", "fromID": node_id, "toID": target})

    for r in tables["argument_relations"]:
        scheme(
            f"{r['argument_id']}-{r['relation']}-{r['target_argument_id']}",
            RELATION_SCHEMES[r["relation"]],
            r["relation"],
            r["argument_id"],
            r["target_argument_id"],
        )
    for t in tables["argument_targets"]:
        scheme(
            f"{t['argument_id']}-{t['stance']}-theory-{t['target_id']}", STANCE_SCHEMES[t["stance"]], t["stance"], t["argument_id"], f"theory-{t['target_id']}"
        )
    return {"nodes": nodes, "edges": edges, "locutions": locutions}


def aif_bytes(tables, theory_titles):
    return (json.dumps(aif(tables, theory_titles), indent=1, ensure_ascii=False) + "\n").encode("utf-8")
