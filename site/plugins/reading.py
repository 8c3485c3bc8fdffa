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
POST_PAGE = "pages/post.html"
RATE_PAGE = "pages/rate.html"
ARGUMENT_MAP = "argument_map.svg"  # drawn by the build (scripts/publishing/argument_map.py) into the downloads mount
# names.py beside this file, by path: Datasette puts the plugins folder on no import path
NAMES = runpy.run_path(str(Path(__file__).with_name("names.py")))
DOWNLOADS_MOUNT, SITE_CONFIG = NAMES["DOWNLOADS_MOUNT"], NAMES["SITE_CONFIG"]


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
    # what "no scores" means in this build: the contributed sets and whether any of them scored this theory
    page["contributed"] = await one(
        db,
        "select count(distinct s.id) as sets, count(distinct case when r.score is not null then s.id end) as scoring,"
        " count(distinct case when r.theory_number = ? and (r.score is not null or r.rank is not null) then s.id end) as rating_it"
        " from rating_sets s left join ratings r on r.rating_set_id = s.id where s.kind != ?",
        [number, GROUP_KIND],
    )

    names = await writers(db)
    found = await rows(
        db,
        "select g.stance, g.target_id, g.theory_point_id, a.id, a.kind, a.summary, a.evidence_quote, a.comment_id, a.post_section_id, a.start,"
        " c.participant_id, a.voice from argument_targets g join arguments a on a.id = g.argument_id"
        " left join comments c on c.id = a.comment_id where g.theory_number = ? and a.document_id = 'longlist' order by a.start, a.id, g.target_id",
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
    # the counts of the chart arguments_per_theory, from the same view
    page["summary"] = await one(db, "select * from theory_argument_summary where number = ?", [number])

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


# Each relation of theory_relations (its enum in datapackage.json) as a sentence a reader
# would write, from its real subject and object; tests/test_reading_pages.py checks that every
# relation of the schema has one.
RELATION_SENTENCES = {
    "similar_to": "{subject} is similar to {object}.",
    "lower_bar_than": "{subject} is a lower bar than {object}.",
    "overlaps_with": "{subject} overlaps a lot with {object}.",
    "distinguished_from": "The post distinguishes {subject} from {object}.",
    "variant_of": "{subject} is a version of {object}.",
    "next_in_series": "{subject} follows {object} as the next in its series.",
    "same_critique_as": "The critique answers {subject} with the same critique as {object}.",
}


def relation_end(datasette, database, end_id, number, titles, point_titles):
    """One end of a relation as words with a link: "this theory", "its sub-point 9.1
    (Ambitious version)", "theory 3 (Auditing)", "sub-point 4.1 of theory 4"."""
    end_id = str(end_id)
    if end_id == str(number):
        return markupsafe.Markup("this theory")
    if "." in end_id:
        theory = end_id.split(".")[0]
        url = row_url(datasette, database, "theory_points", end_id)
        title = point_titles.get(end_id)
        words = f"sub-point {end_id}" + (f" ({title})" if title else "")
        prefix = "its " if theory == str(number) else ""
        suffix = "" if theory == str(number) else f" of theory {theory}"
        return markupsafe.Markup('{}<a href="{}">{}</a>{}').format(prefix, url, words, suffix)
    url = row_url(datasette, database, "theories", end_id)
    return markupsafe.Markup('<a href="{}">theory {} ({})</a>').format(url, end_id, titles.get(end_id, ""))


def relation_sentence(relation, subject, obj):
    pattern = RELATION_SENTENCES.get(relation, "{subject} " + relation.replace("_", " ") + " {object}.")
    sentence = str(markupsafe.Markup(markupsafe.escape(pattern)).format(subject=subject, object=obj))
    # the first letter a reader sees, after any opening tag, is a capital
    return markupsafe.Markup(re.sub(r"^((?:<[^>]*>)*)([a-z])", lambda m: m.group(1) + m.group(2).upper(), sentence, count=1))


async def theory_relations(datasette, database, db, number):
    """The relations the post states (theory_relations) with this theory or one of its
    sub-points at either end, each as a sentence from its real subject and object, with the
    evidence."""
    titles = {str(t["number"]): t["title"] for t in await rows(db, "select number, title from theories")}
    point_titles = {p["id"]: p["title"] for p in await rows(db, "select id, title from theory_points")}
    related = []
    sql = (
        "select id, relation, subject_id, object_id, evidence_quote, stated_in from theory_relations"
        " where :n in (subject_theory_number, object_theory_number) and document_id = 'longlist' order by id"
    )
    for row in await rows(db, sql, {"n": number}):
        subject = relation_end(datasette, database, row["subject_id"], number, titles, point_titles)
        obj = relation_end(datasette, database, row["object_id"], number, titles, point_titles)
        related.append(
            {
                "id": row["id"],
                "relation": row["relation"],
                "sentence": relation_sentence(row["relation"], subject, obj),
                "evidence": row["evidence_quote"],
                "stated_in": row["stated_in"],
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


# Post page -------------------------------------------------------------------------------


async def post_page(datasette, database):
    """The post as prose in page order: its paragraphs (post_sections) and the numbered theories
    with their sub-points, ordered by where each begins in the raw snapshot."""
    db = datasette.get_database(database)
    points = await rows(db, "select * from theory_points order by theory_number, position")
    theories = await rows(db, "select * from theories order by start")
    for theory in theories:
        theory["url"] = row_url(datasette, database, "theories", theory["number"])
        theory["points"] = [p for p in points if p["theory_number"] == theory["number"]]
        for point in theory["points"]:
            point["url"] = row_url(datasette, database, "theory_points", point["id"])
    parts = [{"kind": "theories", "start": theories[0]["start"] if theories else 0, "theories": theories}]
    for section in await rows(db, "select * from post_sections order by start"):
        section["url"] = row_url(datasette, database, "post_sections", section["id"])
        section["paragraphs"] = paragraphs(section["text"])
        section["arguments"] = await rows(
            db,
            "select a.id, group_concat(distinct g.theory_number) as theories from arguments a"
            " left join argument_targets g on g.argument_id = a.id where a.post_section_id = ? group by a.id order by a.start",
            [section["id"]],
        )
        for argument in section["arguments"]:
            argument["url"] = row_url(datasette, database, "arguments", argument["id"])
        parts.append({"kind": "section", "start": section["start"], "section": section})
    parts.sort(key=lambda part: part["start"])
    author = await one(db, "select id, name from participants where role = 'post author'")
    return {
        "parts": parts,
        "theory_count": len(theories),
        "author": author,
        "author_url": row_url(datasette, database, "participants", author["id"]) if author else None,
        "database": database,
    }


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


def page_config(datasette):
    """The title, source and licence the build writes into the site's plugin configuration
    (generated from datapackage.json)."""
    return (datasette.plugin_config(SITE_CONFIG) or {}).get("page") or {}


def site_footer(datasette):
    """Source, licence and citation for the footer of every page (site/templates/base.html)."""
    page = page_config(datasette)
    return {
        "source": page.get("source"),
        "source_url": page.get("source_url"),
        "license": page.get("license"),
        "license_url": page.get("license_url"),
        "cite_url": datasette.urls.instance() + "#how-to-cite",
        "post_url": datasette.urls.path("/post"),
    }


def short(text, limit=200):
    """A description of at most `limit` characters, cut at a word."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def page_meta(datasette, request, description):
    """What a reading page tells link previews and search engines: its description and its
    canonical address (no query string)."""
    canonical = datasette.absolute_url(request, request.path) if request is not None else None
    return {"description": description, "canonical": canonical, "site_name": page_config(datasette).get("title")}


@hookimpl
def extra_template_vars(template, database, table, view_name, request, datasette):
    found = reading_template_vars(template, database, table, view_name, request, datasette)
    footer = {"site_footer": site_footer(datasette)}
    if not callable(found):
        return {**found, **footer}

    async def with_footer():
        return {**(await found()), **footer}

    return with_footer


def reading_template_vars(template, database, table, view_name, request, datasette):
    if template == RATE_PAGE:
        return {
            "page_meta": page_meta(
                datasette, request, "The post's exercise in your browser: rate each of the 20 theories of impact out of 10 and see how your view compares."
            )
        }
    if template == POST_PAGE:

        async def post():
            name = first_database(datasette)
            description = (
                "The post as the dataset's snapshot has it, in page order: the 20 theories of impact with their sub-points, the exercise and the disagreement."
            )
            return {"post": await post_page(datasette, name) if name else None, "page_meta": page_meta(datasette, request, description)}

        return post
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
                page = await theory_page(datasette, database, number)
                meta = (
                    page_meta(datasette, request, short(f"Theory of impact {number}: {page['theory']['title']}. {page['theory']['description']}"))
                    if page
                    else None
                )
                return {"reading": page, "page_meta": meta}
            page = await comment_page(datasette, database, keys[0])
            meta = page_meta(datasette, request, short(f"Comment {keys[0]} on the post's thread: {page['comment']['body']}")) if page else None
            return {"reading": page, "page_meta": meta}

        return row_page
    if template == THREAD_PAGE:

        async def thread():
            name = first_database(datasette)
            description = "All 18 comments under the post, nested as on LessWrong, in full, with the argument map as a picture."
            return {"thread": await thread_page(datasette, name) if name else None, "page_meta": page_meta(datasette, request, description)}

        return thread
    return {}


@hookimpl
def menu_links(datasette, actor, request):
    """The reading pages, from the menu of every page."""
    name = first_database(datasette)
    links = [{"href": datasette.urls.path("/post"), "label": "The post"}, {"href": datasette.urls.path("/thread"), "label": "The comment thread"}]
    if name:
        links.append({"href": datasette.urls.table(name, "theories"), "label": "The 20 theories"})
    links.append({"href": datasette.urls.path("/rate"), "label": "Rate the theories"})
    if name:
        links.append({"href": datasette.urls.query(name, "search_text"), "label": "Search all the text"})
    return links
