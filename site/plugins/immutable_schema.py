"""Schema look-ups answered from memory for immutable databases, so that a page Datasette
renders for the first time (a filter, a sort, a facet: what the page cache cannot hold in
advance) costs its own queries and template, not dozens of trips to a SQL thread.

Profiled (bench/serve_load.py, cProfile of Datasette 0.65.5 in process), a fresh index page
cost ~40 ms: for each of its ~40 tables and views Datasette asks SQLite for the table's name
in SQLite's spelling (one query per permission check), its columns, primary keys and
full-text table, each a round trip to a worker thread (~0.15 ms of the event loop each,
more under load), and for each table permission check it deep-copies the whole metadata
(~0.3 ms a table). The answers never change while the server runs: the database is opened
immutable (its schema cannot change) and metadata.yml is read once at start. So, for
immutable databases only:

- Database methods that read the schema (table_names, table_columns, primary_keys,
  fts_table, foreign keys, definitions ...) remember their answer per arguments and return
  a fresh copy of it each time (callers may modify what they get);
- queries that only read `sqlite_master` or `PRAGMA schema_version` (the permission check's
  spelling query among them) are answered from memory;
- Datasette._table_permission_allows, a function of (database, table) and the metadata
  only, is remembered per metadata object (a test that replaces the metadata gets fresh
  answers);
- permission answers for the anonymous visitor (actor None), when Datasette's default rules
  are the only ones: a function of the action, the resource and the metadata. The index
  page asks two for each of its ~40 tables and views (can you see it, can everyone?).

Nothing is remembered for a mutable database, and nothing if a plugin supplies metadata
through the get_metadata hook (it could vary). Permissions themselves are still checked on
every request for a signed-in actor, with the actor's own rules.
"""

import re

from datasette import hookimpl
from datasette.plugins import pm

SCHEMA_METHODS = (
    "attached_databases",
    "fts_table",
    "foreign_keys_for_table",
    "get_all_foreign_keys",
    "get_table_definition",
    "get_view_definition",
    "hidden_table_names",
    "label_column_for_table",
    "primary_keys",
    "table_column_details",
    "table_columns",
    "table_exists",
    "table_names",
    "view_names",
)
# SQL that reads only the schema: its answer is fixed for an immutable database.
# Answers kept per function, at most: a URL can name any table, and names that do not exist
# are asked about too (the real ones number a few dozen).
MAX_ANSWERS = 2_000
SCHEMA_SQL = re.compile(r"\s*(select\s[^;]*\sfrom\s+sqlite_master\b[^;]*|pragma\s+schema_version\s*;?)\s*$", re.IGNORECASE | re.DOTALL)


def fresh(value):
    """A copy of lists, dicts and sets all the way down (other values are immutable here:
    strings, numbers, tuples, namedtuples, sqlite3.Row)."""
    if isinstance(value, list):
        return [fresh(item) for item in value]
    if isinstance(value, dict):
        return {key: fresh(item) for key, item in value.items()}
    if isinstance(value, set):
        return set(value)
    return value


def hashable(args, kwargs):
    try:
        key = (args, tuple(sorted(kwargs.items())))
        hash(key)
        return key
    except TypeError:
        return None


def remembering(method):
    answers = {}

    async def remembered(*args, **kwargs):
        key = hashable(args, kwargs)
        if key is None:
            return await method(*args, **kwargs)
        if key in answers:
            return fresh(answers[key])
        answer = await method(*args, **kwargs)
        if len(answers) < MAX_ANSWERS:
            answers[key] = answer
        return fresh(answer)

    remembered.answers = answers
    return remembered


def remembering_schema_sql(execute):
    answers = {}

    async def schema_execute(sql, params=None, *args, **kwargs):
        if args or kwargs or not isinstance(sql, str) or not SCHEMA_SQL.match(sql):
            return await execute(sql, params, *args, **kwargs)
        key = hashable((sql, tuple(params) if isinstance(params, (list, tuple)) else params), {})
        if key is None:
            return await execute(sql, params)
        results = answers.get(key)
        if results is None:
            results = await execute(sql, params)
            if len(answers) < MAX_ANSWERS:
                answers[key] = results
        return type(results)(list(results.rows), results.truncated, results.description)

    schema_execute.answers = answers
    return schema_execute


def remember_table_permissions(datasette):
    compute = datasette._table_permission_allows
    answers = {}

    def table_permission_allows(database, table):
        key = (id(datasette._metadata_local), database, table)
        if key in answers:
            return fresh(answers[key])
        answer = compute(database, table)
        if len(answers) < MAX_ANSWERS:
            answers[key] = answer
        return fresh(answer)

    datasette._table_permission_allows = table_permission_allows


def remember_anonymous_permissions(datasette):
    decide = datasette.permission_allowed
    answers = {}

    async def permission_allowed(actor, action, resource=None, default=False):
        if actor is not None:
            return await decide(actor, action, resource=resource, default=default)
        key = hashable((id(datasette._metadata_local), action, resource, default), {})
        if key is None:
            return await decide(actor, action, resource=resource, default=default)
        if key not in answers:
            answer = await decide(actor, action, resource=resource, default=default)
            if len(answers) >= MAX_ANSWERS:
                return answer
            answers[key] = answer
        return answers[key]

    datasette.permission_allowed = permission_allowed


def only_default_permission_rules():
    return {impl.plugin_name for impl in pm.hook.permission_allowed.get_hookimpls()} <= {"datasette.default_permissions"}


def metadata_is_static():
    return not pm.hook.get_metadata.get_hookimpls()


@hookimpl
def startup(datasette):
    if not metadata_is_static():
        return
    for database in datasette.databases.values():
        if database.is_mutable or database.is_memory or getattr(database, "longlist_schema_remembered", False):
            continue
        for name in SCHEMA_METHODS:
            setattr(database, name, remembering(getattr(database, name)))
        database.execute = remembering_schema_sql(database.execute)
        database.longlist_schema_remembered = True
    if not getattr(datasette, "longlist_permissions_remembered", False):
        remember_table_permissions(datasette)
        if only_default_permission_rules() and all(not db.is_mutable for name, db in datasette.databases.items() if name != "_internal"):
            remember_anonymous_permissions(datasette)
        datasette.longlist_permissions_remembered = True
