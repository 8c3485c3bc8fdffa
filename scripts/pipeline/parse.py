"""The raw snapshot -> parsed records, each with its character span in the raw text.

The snapshot is a LessWrong page saved as plain text. Its shape:

    post paragraphs, with a numbered list of theories ("  N. Title: text") and indented
    sub-points ("    N. text"), separated by blank lines
    "New Comment"
    "18 comments, sorted by ..."
    the comments' paragraphs, flattened in page order

Every record carries `start` and `end` offsets (Python string indices into the raw text,
end exclusive) such that `normalize_text(raw[start:end])` is the record's text.
"""

import re
from dataclasses import dataclass, field

from scripts.core.errors import BuildError

THEORY_RE = re.compile(r"^  (\d+)\. (.*\S)\s*$")
POINT_RE = re.compile(r"^    (\d+)\. (.*\S)\s*$")
HEADER_RE = re.compile(r"^(\d+) comments?, sorted by ")
PAGE_CHROME = {"New Comment"}
TITLE_SEPARATORS = (": ", " - ")
# A sub-point has a title only when a short heading leads it ("Ambitious version - ...").
POINT_TITLE_MAX_WORDS = 6
# A heading that names what kind of point it is, not what it is about.
POINT_LABELS = {"Note", "Quote"}
CREDIT_RE = re.compile(r"\(credit to ([^)]+?) for this one\)")
RANK_ORDER_RE = re.compile(r"The rated order was ((?:\d+, )*\d+)")
CONTROVERSY_RE = re.compile(r"Interestingly, (\d+) \([^)]*\) was the most controversial highly rated one\.")
# A repeated passage shorter than this is not evidence of a quotation.
MIN_QUOTE_CHARS = 20
CUT_QUOTE_MARK = "..."

# Post paragraphs outside the theory list, recognised by their wording. The first and last
# paragraphs are the introduction and the closing line.
SECTION_PATTERNS = (
    ("note", re.compile(r"^\(Note:")),
    ("credit", re.compile(r"^Credit to ")),
    ("exercise", re.compile(r"^Exercise:")),
    ("spreadsheet", re.compile(r"spreadsheet")),
    ("disagreement", re.compile(r"disagreement")),
)
SECTION_ORDER = ("introduction", "note", "credit", "exercise", "spreadsheet", "disagreement", "closing")


def normalize_text(text):
    """The documented whitespace normalization: trailing whitespace (including the
    snapshot's one no-break space) is dropped from every line; everything else is kept."""
    return "\n".join(line.rstrip() for line in text.split("\n"))


@dataclass
class Line:
    number: int  # 1-based
    start: int
    end: int  # end of text, before the newline
    text: str


@dataclass
class Paragraph:
    lines: list

    @property
    def start(self):
        return self.lines[0].start

    @property
    def end(self):
        return self.lines[-1].start + len(self.lines[-1].text.rstrip())

    @property
    def line(self):
        return self.lines[0].number


@dataclass
class Parsed:
    post_sections: list = field(default_factory=list)
    theories: list = field(default_factory=list)
    theory_points: list = field(default_factory=list)
    comments: list = field(default_factory=list)
    group_ranking: dict = None
    comment_header_count: int = 0
    comment_header_line: int = None


def split_lines(raw):
    lines, offset = [], 0
    for number, text in enumerate(raw.split("\n"), start=1):
        lines.append(Line(number, offset, offset + len(text), text))
        offset += len(text) + 1
    return lines


def group_paragraphs(lines):
    paragraphs, current = [], []
    for line in lines:
        if line.text.strip():
            current.append(line)
        elif current:
            paragraphs.append(Paragraph(current))
            current = []
    if current:
        paragraphs.append(Paragraph(current))
    return paragraphs


def text_of(raw, start, end):
    return normalize_text(raw[start:end])


def parse(raw, source_name, boundaries, expected):
    """Parse the whole snapshot. `boundaries` are the curated comment boundaries
    (see comment_boundaries.yml); `expected` the counts the source sidecar promises."""
    lines = split_lines(raw)
    header_index = find_header(lines, source_name)
    header = lines[header_index]
    parsed = Parsed(comment_header_count=int(HEADER_RE.match(header.text).group(1)), comment_header_line=header.number)
    post_lines = [line for line in lines[:header_index] if line.text.strip() not in PAGE_CHROME]
    parse_post(raw, source_name, post_lines, parsed, expected)
    parse_comments(raw, source_name, lines[header_index + 1 :], parsed, boundaries)
    return parsed


def find_header(lines, source_name):
    headers = [i for i, line in enumerate(lines) if HEADER_RE.match(line.text)]
    if len(headers) != 1:
        found = ", ".join(str(lines[i].number) for i in headers) or "none"
        raise BuildError(
            source_name,
            f"expected exactly one comment header line like '18 comments, sorted by ...' (found: {found})",
            field="comment header",
        )
    return headers[0]


def parse_post(raw, source_name, lines, parsed, expected):
    prose = []
    for paragraph in group_paragraphs(lines):
        if THEORY_RE.match(paragraph.lines[0].text):
            parse_theory_list(raw, source_name, paragraph, parsed)
        else:
            prose.append(paragraph)
    check_count(source_name, "theories", len(parsed.theories), expected["theories"])
    check_count(source_name, "theory sub-points", len(parsed.theory_points), expected["theory_points"])
    parsed.post_sections = classify_sections(raw, source_name, prose)
    exercise = next(s for s in parsed.post_sections if s["id"] == "exercise")
    parsed.group_ranking = parse_group_ranking(raw, source_name, exercise, parsed.theories)


def check_count(source_name, what, found, expected):
    if found != expected:
        raise BuildError(source_name, f"expected {expected} {what} (data/raw/source.yml), found {found}", field=what)


def parse_theory_list(raw, source_name, paragraph, parsed):
    for line in paragraph.lines:
        theory_match = THEORY_RE.match(line.text)
        point_match = POINT_RE.match(line.text)
        if theory_match:
            number = int(theory_match.group(1))
            want = len(parsed.theories) + 1
            if number != want:
                raise BuildError(
                    source_name,
                    f"theory numbered {number}, expected {want} (numbers run 1, 2, 3, ... without gaps or repeats)",
                    line=line.number,
                    field="theory number",
                )
            parsed.theories.append(theory_record(raw, source_name, line, theory_match))
        elif point_match and parsed.theories:
            theory = parsed.theories[-1]
            position = int(point_match.group(1))
            siblings = [p for p in parsed.theory_points if p["theory_number"] == theory["number"]]
            if position != len(siblings) + 1:
                raise BuildError(
                    source_name,
                    f"sub-point numbered {position} under theory {theory['number']}, expected {len(siblings) + 1}",
                    line=line.number,
                    field="sub-point number",
                )
            parsed.theory_points.append(point_record(raw, line, point_match, theory["number"]))
        else:
            raise BuildError(
                source_name,
                "expected a numbered theory ('  N. Title: text') or sub-point ('    N. text') inside the list",
                line=line.number,
                field="theory list",
            )


def split_title(text):
    """(title, separator, rest) at the first ': ' or ' - ', whichever comes first."""
    cuts = [(text.find(sep), sep) for sep in TITLE_SEPARATORS if sep in text]
    if not cuts:
        return None, None, text
    index, sep = min(cuts)
    return text[:index], sep, text[index + len(sep) :]


def theory_record(raw, source_name, line, match):
    start = line.start + match.start(2)
    end = line.start + match.end(2)
    title, _, description = split_title(raw[start:end])
    if not title:
        raise BuildError(source_name, "expected a title before ': ' or ' - '", line=line.number, field="theory title")
    credit = CREDIT_RE.search(description)
    return {
        "number": int(match.group(1)),
        "title": title,
        "description": description,
        "credit": credit.group(1) if credit else None,
        "start": start,
        "end": end,
        "line": line.number,
    }


def point_record(raw, line, match, theory_number):
    start = line.start + match.start(2)
    end = line.start + match.end(2)
    text = raw[start:end]
    heading, _, _ = split_title(text)
    is_title = heading and len(heading.split()) <= POINT_TITLE_MAX_WORDS and heading not in POINT_LABELS
    position = int(match.group(1))
    return {
        "id": f"{theory_number}.{position}",
        "theory_number": theory_number,
        "position": position,
        "title": heading if is_title else None,
        "label": heading if heading in POINT_LABELS else None,
        "text": text,
        "start": start,
        "end": end,
        "line": line.number,
    }


def classify_sections(raw, source_name, paragraphs):
    if len(paragraphs) < 2:
        raise BuildError(
            source_name, f"expected the post's {len(SECTION_ORDER)} prose paragraphs around the theory list, found {len(paragraphs)}", field="post sections"
        )
    kinds = ["introduction"] + [section_kind(p, raw) for p in paragraphs[1:-1]] + ["closing"]
    for kind, paragraph in zip(kinds, paragraphs):
        if kind is None:
            raise BuildError(
                source_name, f"a post paragraph matches none of the known sections ({', '.join(SECTION_ORDER)})", line=paragraph.line, field="post sections"
            )
    if kinds != list(SECTION_ORDER):
        raise BuildError(
            source_name,
            f"expected the post sections {', '.join(SECTION_ORDER)} in that order, found {', '.join(kinds)}",
            line=paragraphs[0].line,
            field="post sections",
        )
    return [
        {"id": kind, "position": position, "text": text_of(raw, p.start, p.end), "start": p.start, "end": p.end, "line": p.line}
        for position, (kind, p) in enumerate(zip(kinds, paragraphs), start=1)
    ]


def section_kind(paragraph, raw):
    text = raw[paragraph.start : paragraph.end]
    for kind, pattern in SECTION_PATTERNS:
        if pattern.search(text):
            return kind
    return None


def parse_group_ranking(raw, source_name, exercise, theories):
    text = raw[exercise["start"] : exercise["end"]]
    line = exercise["line"]
    order = RANK_ORDER_RE.search(text)
    if not order:
        raise BuildError(source_name, "expected 'The rated order was N, N, ...' in the Exercise paragraph", line=line, field="rank order")
    known = {t["number"] for t in theories}
    ranks, seen = [], set()
    for token in re.finditer(r"\d+", order.group(1)):
        number = int(token.group())
        if number not in known:
            raise BuildError(source_name, f"rank order names theory {number}, expected one of 1-{max(known)}", line=line, field="rank order")
        if number in seen:
            raise BuildError(source_name, f"rank order names theory {number} twice; each theory can hold one rank", line=line, field="rank order")
        seen.add(number)
        start = exercise["start"] + order.start(1) + token.start()
        ranks.append({"theory_number": number, "rank": len(ranks) + 1, "start": start, "end": start + len(token.group())})
    remark = CONTROVERSY_RE.search(text)
    if remark:
        number = int(remark.group(1))
        if number not in seen:
            raise BuildError(
                source_name, f"the 'most controversial' remark names theory {number}, which the rank order does not rank", line=line, field="rank order"
            )
        for rank in ranks:
            if rank["theory_number"] == number:
                rank["remark"] = remark.group(0)
    return {"section": exercise, "ranks": ranks}


# ---------------------------------------------------------------- comments


def parse_comments(raw, source_name, lines, parsed, boundaries):
    paragraphs = group_paragraphs(lines)
    if not paragraphs:
        raise BuildError(source_name, "no comments after the comment header", line=parsed.comment_header_line, field="comments")
    starts, continues = match_boundaries(raw, paragraphs, boundaries)
    groups = []
    for index, paragraph in enumerate(paragraphs):
        quote = quoted_passage(raw, paragraph)
        if index == 0 or quote or index in starts:
            if index in continues:
                raise BuildError(
                    boundaries.name,
                    f"'{continues[index]}' is listed under continues, but the paragraph starts "
                    f"a comment by rule (it is the first, or it opens with a quotation)",
                    line=boundaries.lines[continues[index]],
                    field="continues",
                )
            groups.append({"quote": paragraph if quote else None, "body": []})
            if not quote:
                groups[-1]["body"].append(paragraph)
        else:
            groups[-1]["body"].append(paragraph)
    for position, group in enumerate(groups, start=1):
        parsed.comments.append(comment_record(raw, source_name, position, group))
    if len(parsed.comments) != parsed.comment_header_count:
        raise BuildError(
            source_name,
            f"the header says {parsed.comment_header_count} comments but the rules and "
            f"{boundaries.name} find {len(parsed.comments)}; fix the curated boundaries",
            line=parsed.comment_header_line,
            field="comments",
        )


@dataclass
class Boundaries:
    """The curated boundary file, as the parser needs it."""

    name: str
    starts: list  # opening words
    continues: list
    lines: dict  # opening -> line in the curated file


def match_boundaries(raw, paragraphs, boundaries):
    def find(opening, listed_under):
        hits = [i for i, p in enumerate(paragraphs) if raw[p.start : p.end].startswith(opening)]
        if len(hits) != 1:
            raise BuildError(
                boundaries.name,
                f"'{opening}' must open exactly one paragraph of the comment thread, but opens {len(hits)}",
                line=boundaries.lines[opening],
                field=listed_under,
            )
        return hits[0]

    starts = {find(opening, "starts"): opening for opening in boundaries.starts}
    continues = {find(opening, "continues"): opening for opening in boundaries.continues}
    both = set(starts) & set(continues)
    if both:
        opening = starts[min(both)]
        raise BuildError(boundaries.name, f"'{opening}' is listed both as a start and as a continuation", line=boundaries.lines[opening])
    return starts, continues


def quoted_passage(raw, paragraph):
    """True when the paragraph repeats a passage found earlier in the source: a reply's quote."""
    text = normalize_text(raw[paragraph.start : paragraph.end])
    if text.endswith(CUT_QUOTE_MARK):
        text = text[: -len(CUT_QUOTE_MARK)].rstrip()
    return len(text) >= MIN_QUOTE_CHARS and raw.find(text, 0, paragraph.start) != -1


def comment_record(raw, source_name, position, group):
    quote, body = group["quote"], group["body"]
    if not body:
        raise BuildError(
            source_name, "a comment holds only a quotation and no words of its own; the next paragraph must continue it", line=quote.line, field="comments"
        )
    first = quote or body[0]
    return {
        "id": f"c{position:02d}",
        "position": position,
        "quoted_text": text_of(raw, quote.start, quote.end) if quote else None,
        "body": text_of(raw, body[0].start, body[-1].end),
        "start": first.start,
        "end": body[-1].end,
        "quote_start": quote.start if quote else None,
        "quote_end": quote.end if quote else None,
        "body_start": body[0].start,
        "body_end": body[-1].end,
        "line": first.line,
    }
