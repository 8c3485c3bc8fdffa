"""The comment thread's structure: who answered whom, edits, and evidence-based attribution.

Inputs are the parsed comments (with their opening quotations and spans) and three curated
files under data/curation/: comment_parents.yml, attributions.yml (see ANNOTATION.md there).
"""

import datetime
import re
from dataclasses import dataclass

from scripts.core import yamlio
from scripts.core.errors import BuildError
from scripts.pipeline.parse import CUT_QUOTE_MARK

EDIT_RE = re.compile(r"^(EDIT|Edit|UPDATE|Update)(?: \(([^)]*)\))?: ", re.MULTILINE)
DATE_FORMATS = ("%B %d, %Y", "%d %B %Y", "%Y-%m-%d")


def quotation_target(text):
    """The part of an opening quotation to look for: without a trailing cut mark."""
    return text[: -len(CUT_QUOTE_MARK)].rstrip() if text.endswith(CUT_QUOTE_MARK) else text


def own_words(parsed):
    """(kind, id, start, end) of every passage a quotation can come from, in page order."""
    places = [("post_sections", s["id"], s["start"], s["end"]) for s in parsed.post_sections]
    places += [("theories", str(t["number"]), t["start"], t["end"]) for t in parsed.theories]
    places += [("theory_points", p["id"], p["start"], p["end"]) for p in parsed.theory_points]
    places += [("comments", c["id"], c["body_start"], c["body_end"]) for c in parsed.comments]
    return places


def quote_sources(raw, parsed, source_name):
    """{comment id: (kind, id)} of where each opening quotation was found."""
    places = own_words(parsed)
    found = {}
    for comment in parsed.comments:
        if not comment["quoted_text"]:
            continue
        target = quotation_target(comment["quoted_text"])
        hits = [(kind, place_id) for kind, place_id, start, end in places if start < comment["start"] and target in raw[start:end]]
        if len(hits) != 1:
            where = ", ".join(f"{k}:{i}" for k, i in hits) or "nowhere earlier"
            raise BuildError(
                source_name,
                f"{comment['id']} opens by quoting text found in {where}; expected exactly one earlier place "
                "(list the comment in data/curation/comment_parents.yml to decide)",
                line=comment["line"],
                field="quoted_text",
            )
        found[comment["id"]] = hits[0]
    return found


def load_curated_parents(project, comment_ids):
    path = project.curation_dir / "comment_parents.yml"
    name = project.rel(path)
    curated = {}
    for entry in yamlio.records(path, "parents", ("comment", "reason"), name):
        line = entry[yamlio.LINE_KEY]
        comment, parent = entry["comment"], entry.get("parent")
        if comment not in comment_ids:
            raise BuildError(name, f"'{comment}' is not a comment id (expected c01-c{len(comment_ids):02d})", line=line, field="comment")
        if parent is not None and parent not in comment_ids:
            raise BuildError(name, f"parent '{parent}' is not a comment id; use null for a top-level comment", line=line, field="parent")
        if comment in curated:
            raise BuildError(name, f"'{comment}' is listed twice", line=line, field="comment")
        curated[comment] = (parent, entry["reason"], line)
    return name, curated


def reply_tree(raw, parsed, project, source_name):
    """{comment id: parent fields}, checked to be a depth-first listing of a tree."""
    sources = quote_sources(raw, parsed, source_name)
    ids = [c["id"] for c in parsed.comments]
    curated_name, curated = load_curated_parents(project, set(ids))
    tree = {}
    for comment in parsed.comments:
        cid = comment["id"]
        if cid in sources and cid in curated:
            raise BuildError(
                curated_name, f"{cid} opens with a quotation that decides its parent; remove it from this file", line=curated[cid][2], field="comment"
            )
        if cid in sources:
            kind, place = sources[cid]
            parent = place if kind == "comments" else None
            what = f"comment {place}" if kind == "comments" else f"the post ({kind}:{place})"
            tree[cid] = {"parent_id": parent, "parent_basis": "quote", "parent_reason": f"Opens by quoting {what}.", "quote_source": f"{kind}:{place}"}
        elif cid in curated:
            tree[cid] = {"parent_id": curated[cid][0], "parent_basis": "curated", "parent_reason": curated[cid][1], "quote_source": None}
        else:
            raise BuildError(
                curated_name, f"{cid} opens with no quotation, so its parent must be curated here (parent: cNN or null, reason: ...)", field="parents"
            )
    check_depth_first(ids, tree, curated_name, curated)
    for cid in ids:
        parent = tree[cid]["parent_id"]
        tree[cid]["depth"] = 0 if parent is None else tree[parent]["depth"] + 1
        tree[cid]["thread_id"] = cid if parent is None else tree[parent]["thread_id"]
    return tree


def check_depth_first(ids, tree, curated_name, curated):
    """In a depth-first listing, a comment's parent is the previous comment or one of its ancestors."""
    position = {cid: i for i, cid in enumerate(ids)}
    for index, cid in enumerate(ids):
        parent = tree[cid]["parent_id"]
        line = curated.get(cid, (None, None, None))[2]
        if parent is None:
            continue
        if position[parent] >= index:
            raise BuildError(
                curated_name, f"{cid}'s parent {parent} does not come before it; a reply follows its parent on the page", line=line, field="parent"
            )
        chain, node = [], ids[index - 1]
        while node is not None:
            chain.append(node)
            node = tree[node]["parent_id"]
        if parent not in chain:
            raise BuildError(
                curated_name,
                f"{cid} cannot reply to {parent}: the page lists comments depth-first, so its parent must be "
                f"the comment just before it or one of that comment's ancestors ({', '.join(chain)})",
                line=line,
                field="parent",
            )


def parse_date(text):
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            pass
    return None


def edits(raw, parsed):
    """Edits appended to comments ("EDIT (March 26, 2023): ...", "Update: ..."): each runs to the
    end of its comment, or to the next edit."""
    rows = []
    for comment in parsed.comments:
        body = raw[comment["body_start"] : comment["body_end"]]
        matches = [m for m in EDIT_RE.finditer(body) if m.start() > 0]
        for number, match in enumerate(matches, start=1):
            end = matches[number].start() if number < len(matches) else len(body)
            text = body[match.start() : end].rstrip()
            rows.append(
                {
                    "id": f"{comment['id']}-e{number}",
                    "comment_id": comment["id"],
                    "label": match.group(1),
                    "date": parse_date(match.group(2)) if match.group(2) else None,
                    "date_text": match.group(2),
                    "text": text,
                    "start": comment["body_start"] + match.start(),
                    "end": comment["body_start"] + match.start() + len(text),
                }
            )
    return rows


def span_of(raw, quote, start, end):
    """(start, end) of the one occurrence of `quote` in raw[start:end], or None if not exactly one."""
    passage = raw[start:end]
    first = passage.find(quote)
    if first == -1 or passage.find(quote, first + 1) != -1:
        return None
    return start + first, start + first + len(quote)


def attributions(raw, parsed, project, grades=("stated", "inferred")):
    """(participants rows, {comment id: attribution fields}). `grades` is the closed list of
    attribution grades (comments.attribution_grade's enum in datapackage.json)."""
    path = project.curation_dir / "attributions.yml"
    name = project.rel(path)
    participants = []
    for entry in yamlio.records(path, "participants", ("id", "role", "basis"), name):
        participants.append({"id": entry["id"], "name": entry.get("name"), "role": entry["role"], "basis": entry["basis"], "note": entry.get("note")})
    known = {p["id"] for p in participants}
    bodies = {c["id"]: (c["body_start"], c["body_end"]) for c in parsed.comments}
    bodies.update({s["id"]: (s["start"], s["end"]) for s in parsed.post_sections})
    places = dict(bodies)
    places.update({str(t["number"]): (t["start"], t["end"]) for t in parsed.theories})
    places.update({p["id"]: (p["start"], p["end"]) for p in parsed.theory_points})
    kinds = {c["id"]: "comments" for c in parsed.comments}
    kinds.update({s["id"]: "post_sections" for s in parsed.post_sections})
    kinds.update({str(t["number"]): "theories" for t in parsed.theories})
    kinds.update({p["id"]: "theory_points" for p in parsed.theory_points})
    assigned = {}
    required = ("comment", "participant", "grade", "evidence_comment", "evidence_quote", "reasoning")
    for entry in yamlio.records(path, "attributions", required, name):
        line = entry[yamlio.LINE_KEY]
        if entry["comment"] not in bodies or not entry["comment"].startswith("c"):
            raise BuildError(name, f"'{entry['comment']}' is not a comment id", line=line, field="comment")
        if entry["participant"] not in known:
            raise BuildError(name, f"'{entry['participant']}' is not listed under participants", line=line, field="participant")
        if entry["comment"] in assigned:
            raise BuildError(name, f"{entry['comment']} is attributed twice", line=line, field="comment")
        if entry["grade"] not in grades:
            raise BuildError(name, f"'{entry['grade']}' is not a grade; expected one of {', '.join(grades)}", line=line, field="grade")
        if entry["evidence_comment"] not in bodies:
            raise BuildError(name, f"'{entry['evidence_comment']}' is neither a comment nor a post section id", line=line, field="evidence_comment")
        span = span_of(raw, entry["evidence_quote"], *bodies[entry["evidence_comment"]])
        if span is None:
            raise BuildError(
                name,
                f"the evidence quote must occur exactly once, verbatim, in the own words of {entry['evidence_comment']}",
                line=line,
                field="evidence_quote",
            )
        match, match_span, match_source = entry.get("match"), None, None
        if entry["grade"] == "inferred":
            if entry["evidence_comment"] != entry["comment"]:
                raise BuildError(
                    name,
                    f"an inferred attribution rests on {entry['comment']}'s own words: evidence_comment must be {entry['comment']}",
                    line=line,
                    field="evidence_comment",
                )
            if not isinstance(match, dict) or not match.get("source") or not match.get("quote"):
                raise BuildError(
                    name,
                    "an inferred attribution needs match: {source: ..., quote: ...}, the words elsewhere that its own words match",
                    line=line,
                    field="match",
                )
            source = str(match["source"])
            if source not in places or source == entry["comment"]:
                raise BuildError(
                    name, f"match source '{source}' is not another comment, post section, theory or sub-point", line=match[yamlio.LINE_KEY], field="source"
                )
            match_span = span_of(raw, match["quote"], *places[source])
            if match_span is None:
                raise BuildError(name, f"the match quote must occur exactly once, verbatim, in {source}", line=match[yamlio.LINE_KEY], field="quote")
            match_source = f"{kinds[source]}:{source}"
        elif match is not None:
            raise BuildError(name, "only an inferred attribution has a match; a stated one rests on its evidence_quote", line=line, field="match")
        assigned[entry["comment"]] = {
            "participant_id": entry["participant"],
            "attribution_basis": entry["reasoning"],
            "attribution_evidence": entry["evidence_quote"],
            "attribution_evidence_start": span[0],
            "attribution_evidence_end": span[1],
            "attribution_grade": entry["grade"],
            "attribution_match_source": match_source,
            "attribution_match": match["quote"] if match_span else None,
            "attribution_match_start": match_span[0] if match_span else None,
            "attribution_match_end": match_span[1] if match_span else None,
        }
    assigned.update(weighed_but_unattributed(raw, path, name, bodies, known, assigned))
    for participant in participants:
        graded = [a["attribution_grade"] for a in assigned.values() if a["participant_id"] == participant["id"]]
        participant["stated_comments"] = graded.count("stated")
        participant["inferred_comments"] = graded.count("inferred")
    return participants, assigned


def weighed_but_unattributed(raw, path, name, bodies, known, assigned):
    """{comment id: attribution fields with no participant}: comments whose words suggest a writer
    but do not meet the rule (attributions.yml, `not_attributed`); the reason and the words weighed
    go into attribution_basis and attribution_evidence, so the data says why they stay unknown."""
    document = yamlio.load(path, name)
    if not document.get("not_attributed"):
        return {}
    out = {}
    for entry in yamlio.records(path, "not_attributed", ("comment", "considered", "evidence_quote", "reasoning"), name):
        line, comment = entry[yamlio.LINE_KEY], str(entry["comment"])
        if comment not in bodies or not comment.startswith("c"):
            raise BuildError(name, f"'{comment}' is not a comment id", line=line, field="comment")
        if comment in assigned or comment in out:
            raise BuildError(name, f"{comment} is attributed or listed twice; a comment is either attributed or not", line=line, field="comment")
        if entry["considered"] not in known:
            raise BuildError(name, f"'{entry['considered']}' is not listed under participants", line=line, field="considered")
        span = span_of(raw, entry["evidence_quote"], *bodies[comment])
        if span is None:
            raise BuildError(name, f"the evidence quote must occur exactly once, verbatim, in the own words of {comment}", line=line, field="evidence_quote")
        out[comment] = {
            "participant_id": None,
            "attribution_basis": f"Not attributed (weighed against {entry['considered']}): {entry['reasoning']}",
            "attribution_evidence": entry["evidence_quote"],
            "attribution_evidence_start": span[0],
            "attribution_evidence_end": span[1],
            "attribution_grade": None,
            "attribution_match_source": None,
            "attribution_match": None,
            "attribution_match_start": None,
            "attribution_match_end": None,
        }
    return out


@dataclass
class Thread:
    tree: dict  # comment id -> parent_id, thread_id, depth, parent_basis, parent_reason, quote_source
    edits: list
    participants: list
    attributions: dict  # comment id -> attribution fields


def thread(raw, parsed, project, grades=("stated", "inferred")):
    participants, assigned = attributions(raw, parsed, project, grades)
    return Thread(reply_tree(raw, parsed, project, project.rel(project.raw_path)), edits(raw, parsed), participants, assigned)
