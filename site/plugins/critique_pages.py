"""The critique on the reading pages (docs/site.md): the part "The critique" of a theory's page
(its answer in full, its critique types, the answers it repeats), the page of each document
(documents row pages; the critique's lists its answers with links to the theories), and on a
comment's page the documents of the package that the comment names (c07 names the critique).

Kept apart from reading.py: its templates are site/templates/_critique_answer.html,
_comment_documents.html and row-longlist-documents.html. The critique's words are Markdown as
its export has it; they are rendered inline by markdown-it-py with raw HTML off, so the text
can only ever produce emphasis and links.
"""

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode
from markdown_it import MarkdownIt

STANCE_ORDER = ("opposes", "qualifies", "supports", "questions")
MARKDOWN = MarkdownIt("commonmark", {"html": False})


def inline(text):
    """The critique's Markdown (bold, italics, links) as HTML; no raw HTML passes."""
    import markupsafe

    return markupsafe.Markup(MARKDOWN.renderInline(text or ""))


async def rows(db, sql, params=()):
    return [dict(row) for row in (await db.execute(sql, params)).rows]


def row_url(datasette, database, table, key):
    return f"{datasette.urls.table(database, table)}/{tilde_encode(str(key))}"


async def answers(datasette, database, where, params):
    """The critique's answers chosen by `where`, each with its bullets, arguments, types and references."""
    db = datasette.get_database(database)
    found = await rows(db, f"select * from critique_answers where {where} order by position", params)
    if not found:
        return []
    types = {t["id"]: t for t in await rows(db, "select * from critique_types")}
    ids = [a["id"] for a in found]
    marks = ", ".join("?" for _ in ids)
    bullets = await rows(db, f"select * from critique_bullets where answer_id in ({marks}) order by answer_id, position", ids)
    references = await rows(db, f"select * from critique_references where answer_id in ({marks}) order by start", ids)
    arguments = await rows(
        db,
        "select a.id, a.critique_answer_id, a.summary, a.start, g.target_id, g.stance,"
        " (select group_concat(critique_type, ' ') from argument_critique_types c where c.argument_id = a.id) as types"
        f" from arguments a join argument_targets g on g.argument_id = a.id where a.critique_answer_id in ({marks}) order by a.start, g.target_id",
        ids,
    )
    for answer in found:
        answer["url"] = row_url(datasette, database, "critique_answers", answer["id"])
        answer["theory_url"] = row_url(datasette, database, "theories", answer["theory_number"])
        answer["quote_html"] = inline(answer["quoted_text"])
        answer["bullets_list"] = []
        for bullet in (b for b in bullets if b["answer_id"] == answer["id"]):
            bullet["html"] = inline(bullet["text"])
            bullet["type"] = types.get(bullet["critique_type"])
            answer["bullets_list"].append(bullet)
        answer["types"] = [types[t] for t in dict.fromkeys(b["critique_type"] for b in answer["bullets_list"] if b["critique_type"])]
        merged = {}
        for row in (r for r in arguments if r["critique_answer_id"] == answer["id"]):
            merged.setdefault(row["id"], {**row, "targets": [], "url": row_url(datasette, database, "arguments", row["id"])})["targets"].append(
                row["target_id"]
            )
        answer["arguments"] = list(merged.values())
        answer["stances"] = [s for s in STANCE_ORDER if any(a["stance"] == s for a in answer["arguments"])]
        answer["repeats"] = []
        answer["sections"] = []
        for reference in (r for r in references if r["answer_id"] == answer["id"]):
            if reference["target_answer_id"]:
                reference["url"] = row_url(datasette, database, "theories", reference["target_theory_number"]) + "#critique"
                answer["repeats"].append(reference)
            else:
                answer["sections"].append(reference)
    return found


async def theory_critique(datasette, database, number):
    """The critique's answer to one theory and its nested answers to the theory's sub-points, and
    the answers that repeat this one ("Same critique as N")."""
    found = await answers(datasette, database, "theory_number = ?", [number])
    if not found:
        return None
    db = datasette.get_database(database)
    repeated_by = await rows(
        db,
        "select r.answer_id, a.theory_number, a.quoted_title from critique_references r join critique_answers a on a.id = r.answer_id"
        " where r.target_theory_number = ? order by a.position",
        [number],
    )
    for other in repeated_by:
        other["url"] = row_url(datasette, database, "theories", other["theory_number"]) + "#critique"
    document = row_url(datasette, database, "documents", "critique")
    return {"answers": found, "repeated_by": repeated_by, "document_url": document}


async def document_page(datasette, database, document_id):
    db = datasette.get_database(database)
    found = await rows(db, "select * from documents where id = ?", [document_id])
    if not found:
        return None
    page = {"document": found[0]}
    if document_id == "critique":
        page["answers"] = await answers(datasette, database, "1 = 1", [])
        page["top_count"] = sum(1 for a in page["answers"] if not a["parent_answer_id"])
        page["types"] = await rows(db, "select * from critique_types order by bullets desc, id")
        page["named_in"] = await named_in(datasette, database, db, document_id)
    else:
        page["theories_url"] = datasette.urls.table(database, "theories")
    return page


async def named_in(datasette, database, db, document_id):
    """The comments of the thread that name the document (through the mention that knows it)."""
    found = await rows(
        db,
        "select distinct o.comment_id, o.text from mention_occurrences o join mentions m on m.id = o.mention_id"
        " where m.document_id = ? and o.comment_id is not null order by o.start",
        [document_id],
    )
    for row in found:
        row["url"] = row_url(datasette, database, "comments", row["comment_id"])
    return found


async def comment_documents(datasette, database, comment_id):
    """The documents of the package that a comment names, with the words it names them by."""
    db = datasette.get_database(database)
    found = await rows(
        db,
        "select distinct m.document_id, d.title, o.text from mention_occurrences o join mentions m on m.id = o.mention_id"
        " join documents d on d.id = m.document_id where o.comment_id = ? order by o.start",
        [comment_id],
    )
    for row in found:
        row["url"] = row_url(datasette, database, "documents", row["document_id"])
    return found


@hookimpl
def extra_template_vars(view_name, table, database, request, datasette):
    if view_name != "row" or table not in ("theories", "comments", "documents") or request is None:
        return {}
    keys = [tilde_decode(part) for part in request.url_vars["pks"].split(",")]  # a row's key, as Datasette reads it
    if len(keys) != 1:
        return {}

    async def critique_vars():
        if table == "theories":
            try:
                number = int(keys[0])
            except ValueError:
                return {"critique": None}
            return {"critique": await theory_critique(datasette, database, number)}
        if table == "comments":
            return {"named_documents": await comment_documents(datasette, database, keys[0])}
        return {"document_page": await document_page(datasette, database, keys[0])}

    return critique_vars
