"""What the text says about its own parts: theory-to-theory relations the post states
(data/curation/theory_relations.yml) and mentions of people, works and ideas
(data/curation/mentions.yml, whose occurrences the build finds itself).
"""

import re

from scripts.core import schema, yamlio
from scripts.core.errors import BuildError
from scripts.pipeline.thread import span_of


def places(parsed):
    """{id: (start, end)} of the post's theories and sub-points, by their string ids."""
    found = {str(t["number"]): (t["start"], t["end"]) for t in parsed.theories}
    found.update({p["id"]: (p["start"], p["end"]) for p in parsed.theory_points})
    return found


def theory_of(parsed):
    found = {str(t["number"]): t["number"] for t in parsed.theories}
    found.update({p["id"]: p["theory_number"] for p in parsed.theory_points})
    return found


def theory_relations(raw, parsed, project, descriptor, critique=None):
    """The stated relations; given (critique text, critique tables), also those the critique
    states in an answer's own words (stated_in an answer id, document critique)."""
    path = project.curation_dir / "theory_relations.yml"
    name = project.rel(path)
    allowed = schema.vocabulary(descriptor, "theory_relations", "relation")
    spans, theory = places(parsed), theory_of(parsed)
    texts = {key: (raw, "longlist") for key in spans}
    if critique:
        for answer in critique[1]["critique_answers"]:
            if answer["start"] is not None:
                spans[answer["id"]] = (answer["start"], answer["end"])
                texts[answer["id"]] = (critique[0], "critique")
    rows, seen = [], set()
    for entry in yamlio.records(path, "relations", ("id", "subject", "relation", "object", "stated_in", "evidence_quote"), name):
        line = entry[yamlio.LINE_KEY]
        rel_id = str(entry["id"])
        if not re.fullmatch(r"tr[0-9]{2,}", rel_id) or rel_id in seen:
            raise BuildError(name, f"'{rel_id}' must be a new id: tr and two or more digits, unique", line=line, field="id")
        seen.add(rel_id)
        for field in ("subject", "object", "stated_in"):
            if str(entry[field]) not in (spans if field == "stated_in" else theory):
                raise BuildError(
                    name, f"'{entry[field]}' is not a theory (1-{len(parsed.theories)}) or sub-point; write it as a string (\"9.2\")", line=line, field=field
                )
        if str(entry["subject"]) == str(entry["object"]):
            raise BuildError(name, "a theory is not related to itself", line=line, field="object")
        if entry["relation"] not in allowed:
            raise BuildError(name, f"'{entry['relation']}' is not a relation; expected one of {', '.join(allowed)}", line=line, field="relation")
        stated_in = str(entry["stated_in"])
        text, document = texts[stated_in]
        span = span_of(text, entry["evidence_quote"], *spans[stated_in])
        if span is None:
            raise BuildError(name, f"the evidence quote must occur exactly once, verbatim, in the words of {stated_in}", line=line, field="evidence_quote")
        rows.append(
            {
                "id": rel_id,
                "subject_id": str(entry["subject"]),
                "subject_theory_number": theory[str(entry["subject"])],
                "relation": entry["relation"],
                "object_id": str(entry["object"]),
                "object_theory_number": theory[str(entry["object"])],
                "stated_in": stated_in,
                "evidence_quote": entry["evidence_quote"],
                "start": span[0],
                "end": span[1],
                "document_id": document,
            }
        )
    return rows


def searched_parts(parsed):
    """(part, row fields, start, end) of every passage mentions are looked for in: the post's
    sections, theories and sub-points, and each comment's own words (not its opening quotation)."""
    empty = {"post_section_id": None, "theory_number": None, "theory_point_id": None, "comment_id": None}
    parts = [("post_section", {**empty, "post_section_id": s["id"]}, s["start"], s["end"]) for s in parsed.post_sections]
    parts += [("theory", {**empty, "theory_number": t["number"]}, t["start"], t["end"]) for t in parsed.theories]
    parts += [("theory_point", {**empty, "theory_number": p["theory_number"], "theory_point_id": p["id"]}, p["start"], p["end"]) for p in parsed.theory_points]
    parts += [("comment", {**empty, "comment_id": c["id"]}, c["body_start"], c["body_end"]) for c in parsed.comments]
    return parts


def alias_pattern(text, any_case):
    """A whole-word match of `text`: no letter or digit just before or after it."""
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(text) + r"(?![A-Za-z0-9])", re.IGNORECASE if any_case else 0)


def read_mentions(project, descriptor):
    path = project.curation_dir / "mentions.yml"
    name = project.rel(path)
    kinds = schema.vocabulary(descriptor, "mentions", "kind")
    entries, owner = [], {}
    for entry in yamlio.records(path, "mentions", ("id", "label", "kind", "aliases"), name):
        line = entry[yamlio.LINE_KEY]
        mention_id = str(entry["id"])
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", mention_id) or any(e["id"] == mention_id for e in entries):
            raise BuildError(name, f"'{mention_id}' must be a unique slug (lower-case letters, digits, hyphens)", line=line, field="id")
        if entry["kind"] not in kinds:
            raise BuildError(name, f"'{entry['kind']}' is not a kind; expected one of {', '.join(kinds)}", line=line, field="kind")
        if not isinstance(entry["aliases"], list):
            raise BuildError(name, "expected a list of aliases", line=line, field="aliases")
        aliases = []
        for alias in entry["aliases"]:
            text, any_case = (alias.get("text"), bool(alias.get("any_case"))) if isinstance(alias, dict) else (alias, False)
            if not isinstance(text, str) or not text.strip() or text != text.strip():
                raise BuildError(name, f"an alias of '{mention_id}' must be non-empty text without outer spaces, found {text!r}", line=line, field="aliases")
            if text.lower() in owner:
                raise BuildError(name, f"alias '{text}' is also an alias of '{owner[text.lower()]}'; each form names one entry", line=line, field="aliases")
            owner[text.lower()] = mention_id
            aliases.append((text, any_case))
        document = entry.get("document")
        entries.append({"id": mention_id, "label": entry["label"], "kind": entry["kind"], "aliases": aliases, "note": entry.get("note"), "document": document})
    return entries


def critique_parts(critique_tables):
    """(part, row fields, start, end) of the critique's passages: each answer's quotation of its
    theory and each of its bullets (the critique's own words)."""
    empty = {"post_section_id": None, "theory_number": None, "theory_point_id": None, "comment_id": None}
    answers = {a["id"]: a for a in critique_tables["critique_answers"]}
    parts = [
        (
            "critique_quote",
            {**empty, "theory_number": a["theory_number"], "theory_point_id": a["theory_point_id"], "critique_answer_id": a["id"]},
            a["quote_start"],
            a["quote_end"],
        )
        for a in answers.values()
    ]
    for b in critique_tables["critique_bullets"]:
        answer = answers[b["answer_id"]]
        fields = {**empty, "theory_number": answer["theory_number"], "theory_point_id": answer["theory_point_id"], "critique_answer_id": answer["id"]}
        parts.append(("critique_answer", fields, b["start"], b["end"]))
    return parts


def find(entries, raw, parts, document_id):
    """The occurrences of the entries in one document's parts; overlapping matches of entries of
    the same kind keep the longest (then the earliest); an entry of another kind may sit inside
    one (a person named in a work's title)."""
    found = []
    for part, fields, start, end in parts:
        passage = raw[start:end]
        for entry in entries:
            for text, any_case in entry["aliases"]:
                for match in alias_pattern(text, any_case).finditer(passage):
                    found.append((entry, part, fields, start + match.start(), start + match.end()))
    found.sort(key=lambda f: (f[3], -(f[4] - f[3])))
    kept = []
    for candidate in found:
        entry, _, _, begin, finish = candidate
        if any(k[0]["kind"] == entry["kind"] and k[3] < finish and begin < k[4] for k in kept):
            continue
        kept.append(candidate)
    occurrences = []
    for entry, part, fields, begin, finish in kept:
        text = raw[begin:finish]
        if not any(text == alias or (any_case and text.lower() == alias.lower()) for alias, any_case in entry["aliases"]):
            raise BuildError("data/curation/mentions.yml", f"internal check: '{text}' at {begin} is not an alias of {entry['id']}", field="aliases")
        row = {"mention_id": entry["id"], "start": begin, "end": finish, "text": text, "part": part, "critique_answer_id": None, **fields}
        occurrences.append({**row, "document_id": document_id})
    return occurrences


def mentions(raw, parsed, project, descriptor, critique=None):
    """(mentions rows, mention_occurrences rows) of the longlist and, given (critique text,
    critique tables), of the critique. The primary key (mention, start) stays unique across the
    two documents: a critique occurrence whose offset a longlist occurrence of the same mention
    already holds would collide, and the build says so."""
    entries = read_mentions(project, descriptor)
    documents = schema.vocabulary(descriptor, "documents", "id")
    for entry in entries:
        if entry["document"] is not None and entry["document"] not in documents:
            raise BuildError(
                project.rel(project.curation_dir / "mentions.yml"), f"'{entry['document']}' is not a document ({', '.join(documents)})", field="document"
            )
    occurrences = find(entries, raw, searched_parts(parsed), "longlist")
    in_critique = find(entries, critique[0], critique_parts(critique[1]), "critique") if critique else []
    taken = {(o["mention_id"], o["start"]) for o in occurrences}
    for o in in_critique:
        if (o["mention_id"], o["start"]) in taken:
            raise BuildError(
                "data/curation/mentions.yml",
                f"{o['mention_id']} occurs at offset {o['start']} of both documents; the key (mention_id, start) would repeat",
                field="aliases",
            )
    rows = [
        {
            "id": e["id"],
            "label": e["label"],
            "kind": e["kind"],
            "aliases": " | ".join(text + (" (any case)" if any_case else "") for text, any_case in e["aliases"]),
            "occurrences": sum(1 for o in occurrences if o["mention_id"] == e["id"]),
            "note": e["note"],
            "critique_occurrences": sum(1 for o in in_critique if o["mention_id"] == e["id"]),
            "document_id": e["document"],
        }
        for e in entries
    ]
    return rows, occurrences + in_critique


def tables(raw, parsed, project, descriptor, critique=None):
    mention_rows, occurrences = mentions(raw, parsed, project, descriptor, critique)
    return {"theory_relations": theory_relations(raw, parsed, project, descriptor, critique), "mentions": mention_rows, "mention_occurrences": occurrences}
