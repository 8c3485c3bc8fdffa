"""Ids in query results link to their pages: comment ids (c01), argument ids (a07), theory
numbers and sub-point ids (9, 9.2), post paragraphs (disagreement), in the columns that hold
them (docs/site.md).

Datasette links a table's own primary and foreign keys already; this plugin fills in where
it cannot: the results of saved queries and SQL, the views, and the few table columns that
hold an id without being a foreign key.
"""

import re

import markupsafe
from datasette import hookimpl
from datasette.utils import tilde_encode

COMMENT = re.compile(r"c\d{2,}")
ARGUMENT = re.compile(r"[ak]\d{2,}[a-z]?")  # the longlist's a01.., the critique's k01..
CRITIQUE_ANSWER = re.compile(r"ca\d{2}(\.\d)?")
SUB_POINT = re.compile(r"\d{1,2}\.\d{1,2}")
THEORY = re.compile(r"\d{1,2}")
# columns whose whole value is an id, whatever the query calls them
ID_COLUMNS = {
    "comment": "comments",
    "comment_id": "comments",
    "parent_id": "comments",
    "thread_id": "comments",
    "said_in": None,
    "argument": "arguments",
    "argument_id": "arguments",
    "target_argument_id": "arguments",
    "number": "theories",
    "theory_number": "theories",
    "target": None,
    "target_id": None,
    "theory_point_id": "theory_points",
    "post_section_id": "post_sections",
    "critique_answer": "critique_answers",
    "critique_answer_id": "critique_answers",
    "id": None,
}
# columns holding a list of ids, ", "-separated
LIST_COLUMNS = {"comment_ids", "ids", "argument_ids"}
# columns holding "comment c05", "theory 20", "sub-point 9.1", "post section disagreement"
PHRASE_COLUMNS = {"quotes_from", "source"}
PHRASES = {"comment": "comments", "theory": "theories", "sub-point": "theory_points", "post section": "post_sections", "post": "post_sections"}
# what a row's kind/part column says its `id` is
KINDS = {
    "theory": "theories",
    "sub-point": "theory_points",
    "post section": "post_sections",
    "section": "post_sections",
    "comment": "comments",
    "argument": "arguments",
    "critique answer": "critique_answers",
}
# table columns that hold an id but are not a foreign key
TABLE_COLUMNS = {("argument_targets", "target_id"), ("comments", "quote_source")}
VIEWS = {"theory_overview", "theory_discussion"}


def guess(value):
    """The table an id of this shape belongs to, or None."""
    for pattern, table in ((COMMENT, "comments"), (ARGUMENT, "arguments"), (SUB_POINT, "theory_points"), (THEORY, "theories")):
        if pattern.fullmatch(value):
            return table
    return None


TABLE_URLS = {}  # (base_url, database, table) -> the table's URL


def link(datasette, database, table, key, text=None):
    url = f"{table_url(datasette, database, table)}/{tilde_encode(str(key))}"  # datasette.urls.row's URL
    escape = markupsafe.escape  # as Markup.format would, without its (slower) formatter
    return markupsafe.Markup(f'<a href="{escape(url)}">{escape(key if text is None else text)}</a>')


def table_url(datasette, database, table):
    """datasette.urls.table as a plain string, once per table: building it is most of a link's
    cost (Datasette's PrefixedUrlString), and a page may link every row."""
    key = (datasette.setting("base_url"), database, table)
    if key not in TABLE_URLS:
        TABLE_URLS[key] = str(datasette.urls.table(database, table))
    return TABLE_URLS[key]


def row_kind(row):
    keys = row.keys() if hasattr(row, "keys") else ()
    for column in ("kind", "part"):
        value = row[column] if column in keys else None
        if isinstance(value, str):
            for kind, table in KINDS.items():
                if value == kind or value.startswith(kind + " "):  # "comment that quotes it"
                    return table
    return None


def render(datasette, database, row, column, value):
    if value is None or isinstance(value, (bytes, float)):
        return None
    text = str(value)
    if column in LIST_COLUMNS and isinstance(value, str):
        parts = [p.strip() for p in text.split(",")]
        if parts and all(guess(p) in ("comments", "arguments", "theory_points") for p in parts):
            return markupsafe.Markup(", ").join(link(datasette, database, guess(p), p) for p in parts)
        return None
    if column in PHRASE_COLUMNS and isinstance(value, str):
        for phrase, table in PHRASES.items():
            if text.startswith(phrase + " "):
                key = text[len(phrase) + 1 :]
                return markupsafe.Markup("{} {}").format(phrase, link(datasette, database, table, key))
        return None
    if column == "quote_source" and ":" in text:
        table, _, key = text.partition(":")
        if table in ("comments", "theories", "theory_points", "post_sections"):
            return link(datasette, database, table, key, text)
        return None
    if column not in ID_COLUMNS:
        return None
    if column == "said_in" and text.startswith("post: "):
        key = text[len("post: ") :]
        return markupsafe.Markup("post: {}").format(link(datasette, database, "post_sections", key))
    if column == "said_in" and text.startswith("critique: "):
        key = text[len("critique: ") :]
        return markupsafe.Markup("critique: {}").format(link(datasette, database, "critique_answers", key)) if CRITIQUE_ANSWER.fullmatch(key) else None
    table = ID_COLUMNS[column]
    if column == "id":
        table = row_kind(row) or (guess(text) if guess(text) in ("comments", "arguments") else None)
        if table is None:
            return None
    if table is None or table in ("theories", "theory_points"):
        shape = guess(text)
        if table is None:
            table = shape
        elif table == "theories" and shape != "theories":
            return None
    if table is None:
        return None
    if table == "post_sections" and not re.fullmatch(r"[a-z][a-z_-]*", text):
        return None
    if table == "comments" and not COMMENT.fullmatch(text):
        return None
    if table == "arguments" and not ARGUMENT.fullmatch(text):
        return None
    if table == "critique_answers" and not CRITIQUE_ANSWER.fullmatch(text):
        return None
    return link(datasette, database, table, text)


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if table is not None and table not in VIEWS and (table, column) not in TABLE_COLUMNS:
        return None  # a table's keys are linked by Datasette itself
    return render(datasette, database, row, column, value)
