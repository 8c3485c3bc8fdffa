"""The validated package -> one SQLite database, with the package's own types and keys.

Columns get the Table Schema types (sqlite-utils' CSV type detection is not used), primary
and foreign keys become real constraints, every foreign key column is indexed, and the text
columns get FTS5 indexes.
"""

import csv
import json

import sqlite_utils

from scripts.core.errors import BuildError

SQL_TYPES = {"integer": int, "number": float, "boolean": int, "string": str, "date": str}
FTS_COLUMNS = {
    "theories": ["title", "description"],
    "theory_points": ["title", "text"],
    "comments": ["quoted_text", "body"],
    "post_sections": ["text"],
    "arguments": ["summary", "evidence_quote"],
    "theory_relations": ["evidence_quote"],
    "mentions": ["label", "aliases", "note"],
    "adjudications": ["reason"],
    "critique_answers": ["quoted_text", "text"],
}


def foreign_keys(resource):
    """(column, other table, other column) for each single-column foreign key."""
    keys = []
    for fk in resource["schema"].get("foreignKeys", []):
        reference = fk["reference"]
        # "resource": "" (Data Package v1) or no resource (v2): a key into the same resource.
        keys.append((fk["fields"][0], reference.get("resource") or resource["name"], reference["fields"][0]))
    return keys


def creation_order(resources):
    """Referenced tables before the tables that reference them."""
    done, ordered, pending = set(), [], list(resources)
    while pending:
        for resource in pending:
            needs = {other for _, other, _ in foreign_keys(resource)} - {resource["name"]}
            if needs <= done:
                ordered.append(resource)
                done.add(resource["name"])
                pending.remove(resource)
                break
        else:
            raise BuildError(
                "datapackage.json",
                f"the resources' foreign keys form a cycle through {', '.join(r['name'] for r in pending)}; a table can only refer to tables loaded before it",
                field="foreignKeys",
            )
    return ordered


def read_rows(package_dir, resource):
    """The resource's CSV rows, as strings, after checking the header is the schema's field order."""
    fields = [f["name"] for f in resource["schema"]["fields"]]
    with open(package_dir / resource["path"], newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != fields:
            found = "no header (the file is empty)" if header is None else f"the header {','.join(header)}"
            raise BuildError(resource["path"], f"{found}; expected the schema's field order {','.join(fields)}", line=1, field="header")
        yield from reader


def insert_sql(resource):
    """An INSERT that takes a CSV row's strings as they are and lets SQLite convert them: ''
    becomes NULL, 'true'/'false' 1/0, and each column's type affinity (its Table Schema
    type) turns '7' into 7 or 7.0 - with no Python code per cell, which took seconds at a
    million rows (tests/test_database.py compares the result with its own reading of the CSVs).
    Frictionless validates the same CSVs."""

    def quote(name):
        return '"' + name.replace('"', '""') + '"'

    fields = resource["schema"]["fields"]
    values = ["case ? when 'true' then 1 when 'false' then 0 end" if f["type"] == "boolean" else "nullif(?, '')" for f in fields]
    return f"insert into {quote(resource['name'])} ({', '.join(quote(f['name']) for f in fields)}) values ({', '.join(values)})"


def create_table(db, resource):
    fields = resource["schema"]["fields"]
    db[resource["name"]].create(
        {f["name"]: SQL_TYPES[f["type"]] for f in fields},
        pk=tuple(resource["schema"]["primaryKey"]) if len(resource["schema"]["primaryKey"]) > 1 else resource["schema"]["primaryKey"][0],
        not_null={f["name"] for f in fields if f.get("constraints", {}).get("required")},
        foreign_keys=foreign_keys(resource),
    )


def load(package_dir, db_path, views=()):
    """Build `db_path` from the package in `package_dir`. Returns the row count per table."""
    descriptor = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(db_path, recreate=True)
    counts = {}
    with db.conn:
        for resource in creation_order(descriptor["resources"]):
            create_table(db, resource)
            table = db[resource["name"]]
            # Plain executemany: sqlite-utils' insert_all (multi-row VALUES statements built
            # in Python) takes about 4 times as long on a million rows.
            db.conn.executemany(insert_sql(resource), read_rows(package_dir, resource))
            for column, _, _ in foreign_keys(resource):
                table.create_index([column])
            counts[resource["name"]] = table.count
        for name, columns in FTS_COLUMNS.items():
            db[name].enable_fts(columns, fts_version="FTS5", tokenize="porter", create_triggers=False)
        for name, sql in views:
            db.create_view(name, sql)
    problems = list(db.execute("PRAGMA foreign_key_check"))
    if problems:
        table, rowid, parent, _ = problems[0]
        resource = next(r for r in descriptor["resources"] if r["name"] == table)
        keys = resource["schema"]["primaryKey"]
        values = db.execute(f"select {', '.join(f'[{k}]' for k in keys)} from [{table}] where rowid = ?", [rowid]).fetchone()
        row = ", ".join(f"{k}={v!r}" for k, v in zip(keys, values))
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        db.close()
        raise BuildError(resource["path"], f"the row {row} refers to a row of {parent} that does not exist{more}", field="foreignKeys")
    db.vacuum()
    db.close()
    return counts
