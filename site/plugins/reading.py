"""The pages made for reading (docs/site.md): a theory's page, a comment's page and the whole
thread, each filled here from the database and drawn by its template in site/templates/
(row-longlist-theories.html, row-longlist-comments.html, pages/thread.html).

An argument's `voice` (own or reported words), a comment's `attribution_grade` (stated or
inferred) and the post's `theory_relations` are shown with the rest (docs/argument-map.md).
"""

import re
import runpy
from pathlib import Path

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode

# The order in which a theory page lists stances: for, against, then the softer ones.
# A stance not listed here is still shown, after these.
STANCE_ORDER = ("supports", "opposes", "qualifies", "questions")
# The group's rank order is the rating set of kind "group" (the post's discussion group).
GROUP_KIND = "group"
THREAD_PAGE = "pages/thread.html"
ARGUMENT_MAP = "argument_map.svg"  # drawn by the build (scripts/publishing/argument_map.py) into the downloads mount
# names.py beside this file, by path: Datasette puts the plugins folder on no import path
DOWNLOADS_MOUNT = runpy.run_path(str(Path(__file__).with_name("names.py")))["DOWNLOADS_MOUNT"]


async def rows(db, sql, params=()):
    return [dict(row) for row in (await db.execute(sql, params)).rows]


async def one(db, sql, params=()):
    found = await rows(db, sql, params)
    return found[0] if found else None


def paragraphs(text):
    """Paragraphs of a text whose paragraphs are separated by a blank line (the snapshot's way)."""
    return [part.strip("\n") for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def row_url(datasette, database, table, key):
    return f"{datasette.urls.table(database, table)}/{tilde_encode(str(key))}"


def source_link(datasette, database, source):
    """'post_sections:disagreement' (comments.quote_source) -> (label, url)."""
    table, _, key = (source or "").partition(":")
    labels = {"post_sections": "the post's {} paragraph", "comments": "comment {}", "theories": "theory {}", "theory_points": "sub-point {}"}
    if not key or table not in labels:
        return None
    return {"label": labels[table].format(key), "url": row_url(datasette, database, table, key)}


def stance_groups(arguments):
    order = list(STANCE_ORDER) + sorted({a["stance"] for a in arguments} - set(STANCE_ORDER))
    groups = [{"stance": stance, "arguments": [a for a in arguments if a["stance"] == stance]} for stance in order]
    return [group for group in groups if group["arguments"]]


async def writers(db):
    """participant id -> name (or the id where the participant has no name)."""
    return {p["id"]: p["name"] or p["id"] for p in await rows(db, "select id, name from participants")}


# Theory page ------------------------------------------------------------------------------


async def theory_page(datasette, database, number):
    db = datasette.get_database(database)
    theory = await one(db, "select * from theories where number = ?", [number])
    if theory is None:
        return None
    page = {"theory": theory, "description": paragraphs(theory["description"])}
    page["points"] = await rows(db, "select * from theory_points where theory_number = ? order by position", [number])
    for point in page["points"]:
        point["url"] = row_url(datasette, database, "theory_points", point["id"])
    page["ranks"] = await rows(
        db,
        "select r.rank, r.remark, s.id as set_id, s.label from ratings r join rating_sets s on s.id = r.rating_set_id"
        " where r.theory_number = ? and s.kind = ? order by s.id",
        [number, GROUP_KIND],
    )
    page["groups_total"] = {
        r["rating_set_id"]: r["ranked"]
        for r in await rows(
            db,
            "select rating_set_id, count(rank) as ranked from ratings"
            " where rating_set_id in (select id from rating_sets where kind = ?) group by rating_set_id",
            [GROUP_KIND],
        )
    }
    page["stats"] = await one(db, "select * from theory_rating_stats where theory_number = ?", [number])

    names = await writers(db)
    found = await rows(
        db,
        "select g.stance, g.target_id, g.theory_point_id, a.id, a.kind, a.summary, a.evidence_quote, a.comment_id, a.post_section_id, a.start,"
        " c.participant_id, a.voice from argument_targets g join arguments a on a.id = g.argument_id"
        " left join comments c on c.id = a.comment_id where g.theory_number = ? order by a.start, a.id, g.target_id",
        [number],
    )
    merged = {}
    for row in found:  # one entry per argument and stance, with every target (the theory, its sub-points)
        entry = merged.setdefault((row["stance"], row["id"]), {**row, "targets": []})
        entry["targets"].append(row["target_id"])
    arguments = list(merged.values())
    for argument in arguments:
        argument["url"] = row_url(datasette, database, "arguments", argument["id"])
        if argument["comment_id"]:
            argument["said_in"] = {"label": argument["comment_id"], "url": row_url(datasette, database, "comments", argument["comment_id"])}
        else:
            argument["said_in"] = {
                "label": f"the post ({argument['post_section_id']} paragraph)",
                "url": row_url(datasette, database, "post_sections", argument["post_section_id"]),
            }
        argument["writer"] = names.get(argument["participant_id"]) if argument["participant_id"] else None
    page["stances"] = stance_groups(arguments)
    page["argument_count"] = len({a["id"] for a in arguments})

    comments = {}
    for row in await rows(
        db,
        "select d.comment_id, d.link, c.participant_id, c.position from theory_discussion d join comments c on c.id = d.comment_id"
        " where d.theory_number = ? order by c.position, d.link",
        [number],
    ):
        entry = comments.setdefault(
            row["comment_id"],
            {
                "id": row["comment_id"],
                "url": row_url(datasette, database, "comments", row["comment_id"]),
                "writer": names.get(row["participant_id"]) if row["participant_id"] else None,
                "links": [],
            },
        )
        if row["link"] not in entry["links"]:
            entry["links"].append(row["link"])
    for entry in comments.values():
        entry["arguments"] = sorted({a["id"] for a in arguments if a["comment_id"] == entry["id"]})
    page["discussion"] = list(comments.values())

    page["relations"] = await theory_relations(datasette, database, db, number)
    page["previous"] = await one(db, "select number, title from theories where number < ? order by number desc limit 1", [number])
    page["next"] = await one(db, "select number, title from theories where number > ? order by number limit 1", [number])
    for key in ("previous", "next"):
        if page[key]:
            page[key]["url"] = row_url(datasette, database, "theories", page[key]["number"])
    return page


async def theory_relations(datasette, database, db, number):
    """The theory-to-theory relations the post states (theory_relations) that have this theory
    at either end, each with the other theory, the relation, which way it runs and the evidence."""
    related = []
    sql = (
        "select r.relation, r.subject_theory_number, r.object_theory_number, r.evidence_quote, t.number, t.title"
        " from theory_relations r join theories t"
        " on t.number = case when r.subject_theory_number = :n then r.object_theory_number else r.subject_theory_number end"
        " where :n in (r.subject_theory_number, r.object_theory_number) order by r.id"
    )
    for row in await rows(db, sql, {"n": number}):
        related.append(
            {
                "relation": row["relation"].replace("_", " "),
                "direction": "from" if row["subject_theory_number"] == number else "to",
                "other": row["number"],
                "title": row["title"],
                "url": row_url(datasette, database, "theories", row["number"]),
                "evidence": row["evidence_quote"],
            }
        )
    return related


# Comment page -----------------------------------------------------------------------------


def split_edits(body, edits):
    """The comment's own words without its appended edits, and the edits in page order (each
    edit's text is part of the body in the snapshot; it is shown apart, not twice)."""
    text = body or ""
    for edit in edits:
        at = text.find(edit["text"])
        if at >= 0:
            text = text[:at] + text[at + len(edit["text"]) :]
    return text.strip()


async def comment_page(datasette, database, comment_id):
    db = datasette.get_database(database)
    comment = await one(db, "select * from comments where id = ?", [comment_id])
    if comment is None:
        return None
    names = await writers(db)
    everyone = {c["id"]: c for c in await rows(db, "select id, position, parent_id, thread_id, depth, participant_id from comments order by position")}
    for c in everyone.values():
        c["url"] = row_url(datasette, database, "comments", c["id"])
        c["writer"] = names.get(c["participant_id"]) if c["participant_id"] else None
    edits = await rows(db, "select * from comment_edits where comment_id = ? order by start", [comment_id])
    for edit in edits:
        edit["paragraphs"] = paragraphs(edit["text"])
    page = {"comment": comment, "edits": edits, "paragraphs": paragraphs(split_edits(comment["body"], edits))}
    page["quote_source"] = source_link(datasette, database, comment.get("quote_source"))
    if comment.get("participant_id"):
        page["writer"] = await one(db, "select * from participants where id = ?", [comment["participant_id"]])
        page["writer"]["url"] = row_url(datasette, database, "participants", comment["participant_id"])
    if comment.get("attribution_evidence_start") is not None:
        page["evidence_in"] = await one(
            db,
            "select id from comments where start <= :at and :at < end union all select id from post_sections where start <= :at and :at < end",
            {"at": comment["attribution_evidence_start"]},
        )
        if page["evidence_in"]:
            key = page["evidence_in"]["id"]
            page["evidence_in"]["url"] = row_url(datasette, database, "comments" if key in everyone else "post_sections", key)
    page["attribution_grade"] = comment["attribution_grade"]

    ancestors, parent = [], comment["parent_id"]
    while parent and parent in everyone and len(ancestors) < len(everyone):
        ancestors.insert(0, everyone[parent])
        parent = everyone[parent]["parent_id"]
    page["ancestors"] = ancestors
    page["parent"] = everyone.get(comment["parent_id"])
    page["replies"] = [c for c in everyone.values() if c["parent_id"] == comment_id]
    page["thread_size"] = sum(1 for c in everyone.values() if c["thread_id"] == comment["thread_id"])
    page["total"] = len(everyone)
    ordered = list(everyone)
    at = ordered.index(comment_id)
    page["previous"] = everyone[ordered[at - 1]] if at > 0 else None
    page["next"] = everyone[ordered[at + 1]] if at + 1 < len(ordered) else None

    arguments = await rows(db, "select * from arguments where comment_id = ? order by start, id", [comment_id])
    titles = {str(t["number"]): t["title"] for t in await rows(db, "select number, title from theories")}
    for argument in arguments:
        argument["url"] = row_url(datasette, database, "arguments", argument["id"])
        argument["targets"] = await rows(db, "select * from argument_targets where argument_id = ? order by target_id", [argument["id"]])
        for target in argument["targets"]:
            number = str(target["theory_number"])
            target["url"] = row_url(datasette, database, "theories", number)
            target["title"] = titles.get(number)
        argument["answers_to"] = await relation_rows(datasette, database, db, "argument_id", "target_argument_id", argument["id"])
        argument["answered_by"] = await relation_rows(datasette, database, db, "target_argument_id", "argument_id", argument["id"])
    page["arguments"] = arguments
    return page


async def relation_rows(datasette, database, db, this, other, argument_id):
    found = await rows(
        db,
        f"select r.relation, r.[{other}] as other, a.comment_id, a.post_section_id, a.summary from argument_relations r"
        f" join arguments a on a.id = r.[{other}] where r.[{this}] = ? order by a.start, a.id",
        [argument_id],
    )
    for row in found:
        row["url"] = row_url(datasette, database, "arguments", row["other"])
        row["where"] = row["comment_id"] or f"the post ({row['post_section_id']})"
    return found


# Thread page ------------------------------------------------------------------------------


async def thread_page(datasette, database):
    db = datasette.get_database(database)
    names = await writers(db)
    comments = await rows(db, "select * from comments order by position")
    edits = await rows(db, "select * from comment_edits order by start")
    counted = await rows(db, "select comment_id, count(*) as n from arguments where comment_id is not null group by comment_id")
    counts = {r["comment_id"]: r["n"] for r in counted}
    by_id = {}
    for comment in comments:
        own_edits = [dict(e, paragraphs=paragraphs(e["text"])) for e in edits if e["comment_id"] == comment["id"]]
        comment.update(
            url=row_url(datasette, database, "comments", comment["id"]),
            writer=names.get(comment["participant_id"]) if comment["participant_id"] else None,
            paragraphs=paragraphs(split_edits(comment["body"], own_edits)),
            edits=own_edits,
            arguments=counts.get(comment["id"], 0),
            children=[],
        )
        by_id[comment["id"]] = comment
    roots = []
    for comment in comments:
        parent = by_id.get(comment["parent_id"])
        (parent["children"] if parent else roots).append(comment)
    return {"roots": roots, "count": len(comments), "argument_map": await argument_map_svg(datasette), "database": database}


async def argument_map_svg(datasette):
    """The build's drawing of the argument map as the downloads mount serves it, inlined so
    that its links work."""
    response = await datasette.client.get(datasette.urls.path(f"{DOWNLOADS_MOUNT}/{ARGUMENT_MAP}"))
    if response.status_code != 200:
        return None
    text = response.text
    return markupsafe.Markup(text[text.index("<svg") :])


def first_database(datasette):
    return next((name for name, db in datasette.databases.items() if name != "_internal" and not db.is_memory), None)


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    if view_name == "row" and table in ("theories", "comments") and request is not None:
        keys = [tilde_decode(part) for part in request.url_vars["pks"].split(",")]  # a row's key, as Datasette reads it
        if len(keys) != 1:
            return {}

        async def row_page():
            if table == "theories":
                try:
                    number = int(keys[0])
                except ValueError:
                    return {"reading": None}
                return {"reading": await theory_page(datasette, database, number)}
            return {"reading": await comment_page(datasette, database, keys[0])}

        return row_page
    if template == THREAD_PAGE:

        async def thread():
            name = first_database(datasette)
            return {"thread": await thread_page(datasette, name) if name else None}

        return thread
    return {}


@hookimpl
def menu_links(datasette, actor, request):
    """The reading pages, from the menu of every page."""
    name = first_database(datasette)
    links = [{"href": datasette.urls.path("/thread"), "label": "The comment thread"}]
    if name:
        links.append({"href": datasette.urls.table(name, "theories"), "label": "The 20 theories"})
    return links
