"""The argument map as one picture: the reply tree of the comments and the relations between
their arguments, drawn by hand as SVG from the built database (no layout engine, so the
bytes depend only on the data).

Top to bottom, in page order: the post's paragraphs that hold arguments, then each comment,
indented under the comment it replies to (a line joins it to its parent). Under each comment,
two lines per argument: its id, kind and short text (its summary, cut at a word), then the
stances it takes with each theory's number and title, so the picture reads without hovering
(touch screens have no hover). The legend is stacked at the left, within a phone's width. On the right, an arc
joins an argument to the earlier argument it relates to; the arc's colour and dash pattern
say which relation (so the picture also reads in greyscale), its arrow points at the earlier
argument. Ids link to their pages when the picture is shown on the site's thread page.
"""

import sqlite3
from html import escape

from scripts.core.paths import DB_NAME

DATABASE = DB_NAME.removesuffix(".db")
SERVED_NAME = "argument_map.svg"  # in the downloads mount, where site/plugins/reading.py finds it
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
FONT_SIZE = 11
CHAR_WIDTH = 6.2  # a generous average width of a FONT_SIZE character, to place the arcs clear of the labels
INDENT = 18
HEADER_HEIGHT = 24
ROW_HEIGHT = 31  # two lines: the argument's short text, then its stances and theories
SUMMARY_CHARS = 90  # an argument's summary is cut at a word after this many characters
LEGEND_COLUMN = 170  # the legend's two columns fit a 390 px screen
TOP = 196  # below the title, the explanation and the legend
LEFT = 10
# relation -> (colour, dash pattern, width): for and against differ in hue and lightness and
# in pattern; no two relations share both.
RELATION_STYLE = {
    "supports": ("#1a5e9a", "", 1.6),
    "agrees": ("#74a9cf", "", 1.2),
    "answers": ("#6a3d9a", "7 2 2 2", 1.3),
    "clarifies": ("#555555", "2 2", 1.2),
    "rebuts": ("#b3410e", "6 3", 1.8),
}
STANCE_MARK = {"supports": "+", "opposes": "\u2212", "qualifies": "~", "questions": "?"}


def load(db_path):
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:

        def rows(sql):
            return [dict(r) for r in connection.execute(sql)]

        return {
            "comments": rows(
                "select c.id, c.position, c.parent_id, c.depth, c.start, p.name as writer from comments c"
                " left join participants p on p.id = c.participant_id order by c.position"
            ),
            "sections": rows("select id, position, start from post_sections order by position"),
            # the thread's map: the longlist's arguments (the critique's answers have their own page)
            "arguments": rows("select id, comment_id, post_section_id, kind, summary, start from arguments where document_id = 'longlist' order by start, id"),
            "targets": rows(
                "select g.argument_id, g.target_id, g.stance, t.title from argument_targets g join theories t on t.number = g.theory_number"
                " join arguments a on a.id = g.argument_id where a.document_id = 'longlist' order by g.argument_id, g.target_id"
            ),
            "relations": rows(
                "select r.argument_id, r.target_argument_id, r.relation from argument_relations r join arguments a on a.id = r.argument_id"
                " where a.document_id = 'longlist' order by r.argument_id, r.target_argument_id"
            ),
        }
    finally:
        connection.close()


def layout(data):
    """Rows top to bottom: ('group', ...) for a post paragraph or a comment, ('argument', ...)."""
    by_group = {}
    for argument in data["arguments"]:
        key = ("comment", argument["comment_id"]) if argument["comment_id"] else ("section", argument["post_section_id"])
        by_group.setdefault(key, []).append(argument)
    groups = [("section", s["id"], 0, None, None) for s in data["sections"] if ("section", s["id"]) in by_group]
    groups += [("comment", c["id"], c["depth"], c["parent_id"], c["writer"]) for c in data["comments"]]
    placed, y = [], TOP
    for kind, key, depth, parent, writer in groups:
        placed.append({"row": "group", "kind": kind, "id": key, "depth": depth, "parent": parent, "writer": writer, "y": y})
        y += HEADER_HEIGHT
        for argument in by_group.get((kind, key), []):
            placed.append({"row": "argument", "depth": depth, "y": y, **argument})
            y += ROW_HEIGHT
        y += 4
    return placed, y


def short(text, limit=SUMMARY_CHARS):
    """The text cut at a word before `limit` characters, with "…" if cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def argument_label(argument, targets):
    """(first line, second line): "a07 claim: its short text", "− 3 Auditing; + 9.1 Interpretability ..."."""
    stances = "; ".join(f"{STANCE_MARK.get(t['stance'], t['stance'])} {t['target_id']} {t['title']}" for t in targets)
    return f"{argument['id']} {argument['kind']}: {short(argument['summary'])}", stances


def group_text(p):
    """The words in a comment's (or post paragraph's) box: id, writer where known, parent."""
    if p["kind"] == "section":
        return f"The post: {p['id']} paragraph"
    who = f" {p['writer']}" if p["writer"] else ""
    reply = f" \u00b7 reply to {p['parent']}" if p["parent"] else ""
    return f"{p['id']}{who}{reply}"


def number(value):
    return f"{value:.1f}".removesuffix(".0")


def svg(data):
    placed, bottom = layout(data)
    targets = {}
    for target in data["targets"]:
        targets.setdefault(target["argument_id"], []).append(target)
    labels = {p["id"]: argument_label(p, targets.get(p["id"], [])) for p in placed if p["row"] == "argument"}
    label_x = {p["id"]: LEFT + p["depth"] * INDENT + 14 for p in placed if p["row"] == "argument"}
    boxes = {p["id"]: group_text(p) for p in placed if p["row"] == "group"}
    widest = max(
        [label_x[i] + max(len(line) for line in labels[i]) * CHAR_WIDTH for i in labels]
        + [LEFT + p["depth"] * INDENT + len(boxes[p["id"]]) * CHAR_WIDTH + 12 for p in placed if p["row"] == "group"]
    )
    arc_x = round(widest + 16)
    ys = {p["id"]: p["y"] for p in placed if p["row"] == "argument"}
    reach = max([abs(ys[r["argument_id"]] - ys[r["target_argument_id"]]) for r in data["relations"]] + [0])
    width = round(arc_x + 20 + min(300, 10 + 0.35 * reach))
    height = bottom + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"'
        f' font-family="{FONT}" font-size="{FONT_SIZE}" class="argument-map-figure" role="img" aria-labelledby="argument-map-title">',
        '<title id="argument-map-title">The argument map: the comment thread as a reply tree, and the relations between its arguments</title>',
        "<defs>",
    ]
    for relation, (colour, _, _) in RELATION_STYLE.items():
        out.append(
            f'<marker id="arrow-{relation}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path d="M0,0 L8,4 L0,8 z" fill="{colour}"/></marker>'
        )
    out.append("</defs>")
    out.append(f'<rect width="{width}" height="{height}" fill="#ffffff"/>')
    out.append(f'<text x="{LEFT}" y="20" font-size="14" font-weight="bold">The argument map:</text>')
    out.append(f'<text x="{LEFT}" y="38" font-size="14" font-weight="bold">replies and the relations between arguments</text>')
    explanation = (
        "Comments in page order, each indented under the one it replies to;",
        "under each, its arguments with their short text, then the theories",
        "and sub-points they take a stance on: + supports, \u2212 opposes,",
        "~ qualifies, ? questions. Every id links to its page.",
    )
    for line, text in enumerate(explanation):
        out.append(f'<text x="{LEFT}" y="{58 + 14 * line}">{text}</text>')
    out.append(f'<text x="{LEFT}" y="126">Arcs, from an argument to the earlier one it:</text>')
    for index, (relation, (colour, dash, stroke)) in enumerate(RELATION_STYLE.items()):
        x, y = LEFT + (index % 2) * LEGEND_COLUMN, 144 + (index // 2) * 16
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{x}" y1="{y - 4}" x2="{x + 30}" y2="{y - 4}" stroke="{colour}" stroke-width="{stroke}"{dash_attr} marker-end="url(#arrow-{relation})"/>'
            f'<text x="{x + 36}" y="{y}">{relation}</text>'
        )
    # reply tree: a line from each comment's header down to each of its replies
    header = {p["id"]: p for p in placed if p["row"] == "group" and p["kind"] == "comment"}
    for p in placed:
        if p["row"] == "group" and p["kind"] == "comment" and p["parent"] in header:
            parent = header[p["parent"]]
            px = LEFT + parent["depth"] * INDENT + 6
            cx = LEFT + p["depth"] * INDENT
            out.append(f'<path d="M{px},{parent["y"] + 9} V{p["y"] + 8} H{cx}" fill="none" stroke="#9a9a9a" stroke-width="1.2"/>')
    for p in placed:
        x = LEFT + p["depth"] * INDENT
        if p["row"] == "group":
            text = boxes[p["id"]]
            href = f"/{DATABASE}/post_sections/{p['id']}" if p["kind"] == "section" else f"/{DATABASE}/comments/{p['id']}"
            box = round(len(text) * CHAR_WIDTH + 12)
            out.append(
                f'<a href="{href}"><rect x="{x}" y="{p["y"]}" width="{box}" height="17" rx="3" fill="#eef3f8" stroke="#7d97b3"/>'
                f'<text x="{x + 6}" y="{p["y"] + 12.5}" font-weight="bold">{escape(text)}</text></a>'
            )
        else:
            y = p["y"] + 8
            lx = label_x[p["id"]]
            first, stances = labels[p["id"]]
            leader = number(lx + len(first) * CHAR_WIDTH + 4)  # a faint line from the label to the arcs
            out.append(
                f'<a href="/{DATABASE}/arguments/{p["id"]}"><title>{escape(p["id"] + ": " + p["summary"])}</title>'
                f'<circle cx="{lx - 6}" cy="{y - 3.5}" r="2.5" fill="#333333"/>'
                f'<text x="{lx}" y="{y}">{escape(first)}</text></a>'
                + (f'<text x="{lx}" y="{y + 13}" fill="#444444">{escape(stances)}</text>' if stances else "")
                + f'<line x1="{leader}" y1="{y - 3.5}" x2="{arc_x}" y2="{y - 3.5}" stroke="#e2e2e2" stroke-width="1"/>'
            )
    for relation in data["relations"]:
        colour, dash, stroke = RELATION_STYLE.get(relation["relation"], ("#000000", "", 1))
        y1 = ys[relation["argument_id"]] + 4.5
        y2 = ys[relation["target_argument_id"]] + 4.5
        bend = 10 + 0.35 * abs(y1 - y2)
        bend = min(bend, 300)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<path d="M{arc_x},{number(y1)} C{number(arc_x + bend)},{number(y1)} {number(arc_x + bend)},{number(y2)} {arc_x + 2},{number(y2)}"'
            f' fill="none" stroke="{colour}" stroke-width="{stroke}"{dash_attr} marker-end="url(#arrow-{relation["relation"]})">'
            f"<title>{relation['argument_id']} {relation['relation']} {relation['target_argument_id']}</title></path>"
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(db_path, targets):
    """Draw the map from the built database and write it to every path in `targets`."""
    text = svg(load(db_path))
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return text
