"""The second source, the critique's answers to the list -> documents, answers, bullets and
cross-references, each with its span (code points) in the pinned excerpt
(data/raw/against-almost-every-theory.lesswrong.excerpt.md, provenance in data/raw/critique.yml).

The excerpt's shape (Markdown as the post's export has it):

    heading, underline, one paragraph of introduction
    "N. ***Title**: the theory's text*"            the critique's quotation of theory N
    "   * words"                                    the critique's own bullets (indent 3 or 4)
    "   * ***Title**: the sub-point's text*"        a quoted sub-point, answered one by one,
    "     + words"                                  with its own bullets

A quoted theory is the critique's quotation of the list, never assumed equal to the longlist's
words: it is kept apart from the critique's own words (the bullets). Every span is computed
from the text; `raw[start:end]` is the field's text exactly.
"""

import re
from dataclasses import dataclass

from scripts.core import schema, yamlio
from scripts.core.errors import BuildError
from scripts.pipeline import source

DOCUMENT_ID = "critique"
TYPES_FILE = "critique_types.yml"
ITEM_RE = re.compile(r"^(\d+)\. (.*\S)$")
BULLET_RE = re.compile(r"^( +)([*+]) (.*\S)$")
# A quotation of a theory or sub-point: bold-italic title, then the text, in italics.
QUOTE_RE = re.compile(r"^\*\*\*(?P<title>[^*]+?):?\*\*:? ?(?P<text>.*)$")
# A bold heading that opens a bullet: "**Dual Use:**", "**Not the most direct way.**Evals".
HEADING_RE = re.compile(r"^\*\*(?P<heading>[^*]+?)[.:,]?\*\*")
LINK_RE = re.compile(r"\[(?P<title>(?:[^\[\]]|\[[^\]]*\])*)\]\((?P<url>[^)\s]+)\)")
SAME_AS_RE = re.compile(r"Same critique as \*\*(?P<number>\d+)\.")


@dataclass
class Critique:
    text: str
    meta: dict
    answers: list
    bullets: list
    references: list


def load_meta(project):
    path = project.critique_meta_path
    name = project.rel(path)
    required = ("document_id", "file", "sha256", "title", "url", "author", "author_basis", "published", "published_precision", "published_basis", "expected")
    meta = yamlio.mapping(path, name, required, "a mapping of fields (sha256:, url:, title:, ...)", "the provenance sidecar needs it")
    if not source.SHA256_RE.match(str(meta["sha256"])):
        raise BuildError(name, f"expected 64 lowercase hex digits, found {meta['sha256']!r}", line=yamlio.key_line(path, "sha256"), field="sha256")
    if meta["file"] != project.critique_raw_path.name:
        raise BuildError(name, f"expected the file {project.critique_raw_path.name}, found {meta['file']!r}", line=yamlio.key_line(path, "file"), field="file")
    if str(meta["document_id"]) != DOCUMENT_ID:
        raise BuildError(name, f"expected document_id {DOCUMENT_ID}", line=yamlio.key_line(path, "document_id"), field="document_id")
    return meta


def read(project):
    """The pinned excerpt, parsed; the build stops if a byte differs from the pinned SHA-256."""
    meta = load_meta(project)
    text = source.read_raw(project, meta, project.critique_raw_path, project.critique_meta_path)
    answers, bullets, references = parse(text, project.rel(project.critique_raw_path), meta["expected"])
    return Critique(text, meta, answers, bullets, references)


def lines_of(text):
    """[(line number, start offset, line text)]."""
    found, at = [], 0
    for number, line in enumerate(text.split("\n"), start=1):
        found.append((number, at, line))
        at += len(line) + 1
    return found


def quotation(name, number, line, start, body):
    """The quoted theory or sub-point: its markdown, title and text, each with its span."""
    match = QUOTE_RE.match(body)
    if not match:
        raise BuildError(name, "expected a quoted theory in bold italics (***Title**: text*)", line=number, field="quoted_text")
    text = match.group("text")
    closing = text.rstrip(".").rstrip("*")  # the italics close with * (once with *.)
    title_start = start + match.start("title")
    text_start = start + match.start("text")
    return {
        "quoted_text": body,
        "quote_start": start,
        "quote_end": start + len(body),
        "quoted_title": match.group("title"),
        "quoted_title_start": title_start,
        "quoted_title_end": title_start + len(match.group("title")),
        "quoted_description": closing,
        "quoted_description_start": text_start,
        "quoted_description_end": text_start + len(closing),
    }


def parse(text, name, expected):
    """(answers, bullets, references) in page order."""
    answers, bullets, references = [], [], []
    current = None  # the answer bullets go to
    theory = None  # the answer of the numbered item, for nested answers
    intro_seen = False
    for number, start, line in lines_of(text):
        if number <= 2 or not line.strip():
            continue
        item = ITEM_RE.match(line)
        bullet = BULLET_RE.match(line)
        if item:
            theory_number = int(item.group(1))
            if theory_number != len([a for a in answers if a["parent_answer_id"] is None]) + 1:
                raise BuildError(
                    name, f"expected theory {len([a for a in answers if a['parent_answer_id'] is None]) + 1} next, found {theory_number}", line=number
                )
            body_start = start + item.start(2)
            current = theory = {
                "id": f"ca{theory_number:02d}",
                "theory_number": theory_number,
                "theory_point_id": None,
                "parent_answer_id": None,
                "line": number,
                **quotation(name, number, line, body_start, item.group(2)),
            }
            answers.append(current)
        elif bullet and theory is not None:
            indent, marker, body = bullet.groups()
            body_start = start + bullet.start(3)
            if marker == "*" and body.startswith("***"):
                nested = len([a for a in answers if a["parent_answer_id"] == theory["id"]]) + 1
                point_id = f"{theory['theory_number']}.{nested}"
                current = {
                    "id": f"ca{point_id.zfill(4)}" if theory["theory_number"] < 10 else f"ca{point_id}",
                    "theory_number": theory["theory_number"],
                    "theory_point_id": point_id,
                    "parent_answer_id": theory["id"],
                    "line": number,
                    **quotation(name, number, line, body_start, body),
                }
                answers.append(current)
                continue
            depth = 2 if marker == "+" else 1
            if depth == 2 and current["parent_answer_id"] is None:
                raise BuildError(name, "a nested (+) bullet outside a quoted sub-point", line=number)
            if depth == 1 and current["parent_answer_id"] is not None:
                current = theory  # back to the theory's own bullets
            own = [b for b in bullets if b["answer_id"] == current["id"]]
            bullet_row = {
                "id": f"{current['id']}-{len(own) + 1}",
                "answer_id": current["id"],
                "position": len(own) + 1,
                "depth": depth,
                "text": body,
                "start": body_start,
                "end": body_start + len(body),
                "line": number,
            }
            heading = HEADING_RE.match(body)
            bullet_row["heading"] = heading.group("heading") if heading else None
            bullet_row["heading_start"] = body_start + heading.start("heading") if heading else None
            bullet_row["heading_end"] = body_start + heading.end("heading") if heading else None
            bullets.append(bullet_row)
            references += bullet_references(bullet_row, len(references))
        elif not intro_seen and theory is None:
            intro_seen = True
        else:
            raise BuildError(name, "expected a numbered theory (N. ***Title**: ...*) or a bullet (* or +) under one", line=number)
    top = [a for a in answers if a["parent_answer_id"] is None]
    nested = [a for a in answers if a["parent_answer_id"] is not None]
    if len(top) != expected.get("answers") or len(nested) != expected.get("nested_answers"):
        raise BuildError(
            name,
            f"found {len(top)} answers and {len(nested)} nested answers, "
            f"expected {expected.get('answers')} and {expected.get('nested_answers')} (data/raw/critique.yml)",
        )
    for position, answer in enumerate(answers, start=1):
        answer["position"] = position
        own = [b for b in bullets if b["answer_id"] == answer["id"]]
        answer["bullets"] = len(own)
        answer["text"] = text[own[0]["start"] : own[-1]["end"]] if own else None
        answer["start"] = own[0]["start"] if own else None
        answer["end"] = own[-1]["end"] if own else None
    return answers, bullets, references


def bullet_references(bullet, count):
    """The bullet's cross-references: "Same critique as N" and every link to a section of the full post."""
    found = []
    body, at = bullet["text"], bullet["start"]
    same = SAME_AS_RE.match(body)
    if same:
        found.append(
            {
                "kind": "same_critique_as",
                "target_theory_number": int(same.group("number")),
                "section_title": None,
                "section_url": None,
                "text": body,
                "start": at,
                "end": at + len(body),
            }
        )
    for link in LINK_RE.finditer(body):
        if POST_PATH in link.group("url") and "#" in link.group("url"):
            lead = body[: link.start()].rstrip('“"[ ')
            found.append(
                {
                    "kind": section_kind(lead),
                    "target_theory_number": None,
                    "section_title": link.group("title"),
                    "section_url": link.group("url"),
                    "text": link.group(0),
                    "start": at + link.start(),
                    "end": at + link.end(),
                }
            )
    for offset, reference in enumerate(found, start=1):
        reference["id"] = f"cr{count + offset:02d}"
        reference["answer_id"] = bullet["answer_id"]
        reference["bullet_id"] = bullet["id"]
        reference["line"] = bullet["line"]
    return found


POST_PATH = "/posts/LNA8mubrByG7SFacm/"  # links into the full post: its own sections


def section_kind(lead):
    """How the bullet points to the section, from the words before the link."""
    if lead.endswith("Mostly the same critiques as in section"):
        return "mostly_same_critiques_as_section"
    if lead.endswith(("Critiqued in section", "Critique in section")):
        return "critiqued_in_section"
    return "section_link"


def read_types(project, descriptor, critique):
    """The critique types (data/curation/critique_types.yml), checked against the schema's
    closed vocabulary and the text: every bold heading is listed under one type, and every
    listed heading and phrase occurs."""
    path = project.curation_dir / TYPES_FILE
    name = project.rel(path)
    allowed = schema.vocabulary(descriptor, "critique_bullets", "critique_type")
    kinds = schema.vocabulary(descriptor, "critique_types", "kind")
    types = []
    for entry in yamlio.records(path, "types", ("id", "label", "kind", "definition"), name):
        line = entry[yamlio.LINE_KEY]
        if entry["id"] not in allowed:
            raise BuildError(name, f"'{entry['id']}' is not in the schema's vocabulary ({', '.join(allowed)})", line=line, field="id")
        if entry["kind"] not in kinds:
            raise BuildError(name, f"'{entry['kind']}' is not a kind; expected one of {', '.join(kinds)}", line=line, field="kind")
        words = entry.get("headings") or entry.get("phrases")
        if not isinstance(words, list) or not words:
            raise BuildError(name, "expected a list of headings (or phrases) as the text writes them", line=line, field="headings")
        for word in words:
            if word not in critique.text:
                raise BuildError(name, f"'{word}' does not occur in {project.rel(project.critique_raw_path)}", line=line, field="headings")
        types.append({**entry, "words": words})
    missing = [t for t in allowed if t not in {e["id"] for e in types}]
    if missing:
        raise BuildError(name, f"no entry for {', '.join(missing)}; every type of the schema needs a label and a definition", field="types")
    return types


def type_of(bullet, types, name):
    """The critique type of a bullet: its heading's, or the cross-reference its words open with."""
    if bullet["heading"]:
        for entry in types:
            if bullet["heading"] in (entry.get("headings") or []):
                return entry["id"]
        raise BuildError(
            name, f"bullet {bullet['id']}: heading '{bullet['heading']}' is listed under no type in data/curation/{TYPES_FILE}", line=bullet["line"]
        )
    for entry in types:
        if any(bullet["text"].startswith(phrase) for phrase in entry.get("phrases") or []):
            return entry["id"]
    return None


def tables(project, descriptor, critique, parsed):
    """documents, critique_answers, critique_bullets, critique_references, critique_types rows."""
    name = project.rel(project.critique_raw_path)
    types = read_types(project, descriptor, critique)
    titles = {str(t["number"]): t["title"] for t in parsed.theories}
    titles.update({p["id"]: p["title"] for p in parsed.theory_points})
    points = {p["id"] for p in parsed.theory_points}
    bullet_rows = []
    for b in critique.bullets:
        bullet_rows.append(
            {
                **{f: b[f] for f in ("id", "answer_id", "position", "depth", "heading", "heading_start", "heading_end")},
                "critique_type": type_of(b, types, name),
                **{f: b[f] for f in ("text", "start", "end")},
                "document_id": DOCUMENT_ID,
            }
        )
    answer_ids = {a["theory_number"]: a["id"] for a in critique.answers if a["parent_answer_id"] is None}
    answer_rows = []
    for a in critique.answers:
        target = a["theory_point_id"] or str(a["theory_number"])
        if a["theory_point_id"] and a["theory_point_id"] not in points:
            raise BuildError(name, f"answer {a['id']} quotes a sub-point {a['theory_point_id']} the longlist does not have", line=a["line"])
        answer_rows.append(
            {
                "id": a["id"],
                "position": a["position"],
                "theory_number": a["theory_number"],
                "theory_point_id": a["theory_point_id"],
                "parent_answer_id": a["parent_answer_id"],
                **{f: a[f] for f in ("quoted_title", "quoted_title_start", "quoted_title_end", "quoted_text", "quote_start", "quote_end")},
                "title_as_in_longlist": a["quoted_title"] == titles.get(target),
                "bullets": a["bullets"],
                "text": a["text"],
                "start": a["start"],
                "end": a["end"],
                "document_id": DOCUMENT_ID,
            }
        )
    reference_rows = []
    for r in critique.references:
        target = r["target_theory_number"]
        if target is not None and target not in answer_ids:
            raise BuildError(name, f"'Same critique as {target}' names no answer of the excerpt", line=r["line"])
        reference_rows.append(
            {
                **{f: r[f] for f in ("id", "answer_id", "bullet_id", "kind")},
                "target_answer_id": answer_ids.get(target) if target is not None else None,
                "target_theory_number": target,
                **{f: r[f] for f in ("section_title", "section_url", "text", "start", "end")},
                "document_id": DOCUMENT_ID,
            }
        )
    type_rows = [
        {
            "id": t["id"],
            "label": t["label"],
            "kind": t["kind"],
            "wording": " | ".join(t["words"]),
            "definition": t["definition"],
            "bullets": sum(1 for b in bullet_rows if b["critique_type"] == t["id"]),
        }
        for t in types
    ]
    return {
        "critique_answers": answer_rows,
        "critique_bullets": bullet_rows,
        "critique_references": reference_rows,
        "critique_types": type_rows,
    }


def documents(project, longlist_meta, critique):
    """The two documents of the package, from their provenance sidecars."""
    basis = str(longlist_meta.get("basis") or "")
    published = str(longlist_meta.get("published") or "")
    day = re.match(r"\d{4}-\d{2}-\d{2}", published)
    meta = critique.meta
    return [
        {
            "id": "longlist",
            "title": longlist_meta["title"],
            "author": longlist_meta["post_author"],
            "author_basis": "The post's byline on LessWrong (data/raw/source.yml).",
            "published": day.group(0) if day else None,
            "published_precision": "day" if day else None,
            "published_basis": basis,
            "url": longlist_meta["url"],
            "post_id": longlist_meta.get("post_id"),
            "what": "The post and its comment thread, as one saved page.",
            "snapshot": project.rel(project.raw_path),
            "sha256": str(longlist_meta["sha256"]),
        },
        {
            "id": DOCUMENT_ID,
            "title": meta["title"],
            "author": meta["author"],
            "author_basis": " ".join(str(meta["author_basis"]).split()),
            "published": str(meta["published"]),
            "published_precision": meta["published_precision"],
            "published_basis": " ".join(str(meta["published_basis"]).split()),
            "url": meta["url"],
            "post_id": meta.get("post_id"),
            "what": " ".join(str(meta["contains"]).split()),
            "snapshot": project.rel(project.critique_raw_path),
            "sha256": str(meta["sha256"]),
        },
    ]


SPAN_RESOURCES = ("post_sections", "theories", "theory_points", "theory_relations", "comments", "comment_edits", "mention_occurrences", "arguments", "ratings")


def tag_longlist(tables):
    """Every span of the longlist's resources says which document it points into: rows with a
    span and no document yet are the longlist's; rows with no span (contributed ratings) none."""
    for name in SPAN_RESOURCES:
        for row in tables[name]:
            if "document_id" not in row:
                row["document_id"] = "longlist" if row.get("start") is not None else None
    for row in tables["arguments"]:
        row.setdefault("critique_answer_id", None)
