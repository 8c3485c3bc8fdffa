"""The SQLite database holds exactly the package's rows, with its types and keys enforced."""

import json
import sqlite3

import pytest

from scripts.core.errors import BuildError
from scripts.pipeline import load as loader
from scripts.pipeline.load import FTS_COLUMNS, creation_order, load
from tests.helpers import cast, read_csv


@pytest.fixture
def db(built):
    connection = sqlite3.connect(built.db_path)
    yield connection
    connection.close()


def typed_rows(resource, rows):
    types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
    return [tuple(cast(row[name], types[name]) for name in types) for row in rows]


def test_database_holds_exactly_the_package_rows(built, db, descriptor):
    for resource in descriptor["resources"]:
        names = [f["name"] for f in resource["schema"]["fields"]]
        keys = ", ".join(resource["schema"]["primaryKey"])
        in_db = db.execute(f"select {', '.join(names)} from {resource['name']} order by {keys}").fetchall()
        expected = sorted(
            typed_rows(resource, read_csv(built, resource["name"])), key=lambda row: tuple(row[names.index(k)] for k in resource["schema"]["primaryKey"])
        )
        assert in_db == expected, resource["name"]


def test_columns_have_the_package_types(db, descriptor):
    sql_type = {"integer": "INTEGER", "number": "REAL", "string": "TEXT", "boolean": "INTEGER", "date": "TEXT"}
    for resource in descriptor["resources"]:
        columns = {row[1]: row[2] for row in db.execute(f"pragma table_info({resource['name']})")}
        assert columns == {f["name"]: sql_type[f["type"]] for f in resource["schema"]["fields"]}


def test_primary_and_foreign_keys_are_real_constraints(db, descriptor):
    for resource in descriptor["resources"]:
        info = db.execute(f"pragma table_info({resource['name']})").fetchall()
        assert [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] == resource["schema"]["primaryKey"]
        declared = {
            (fk["fields"][0], fk["reference"].get("resource") or resource["name"], fk["reference"]["fields"][0])
            for fk in resource["schema"].get("foreignKeys", [])
        }
        actual = {(row[3], row[2], row[4]) for row in db.execute(f"pragma foreign_key_list({resource['name']})")}
        assert actual == declared, resource["name"]


def test_foreign_keys_are_enforced(db):
    db.execute("pragma foreign_keys = on")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("insert into ratings (rating_set_id, theory_number, rank) values ('discussion-group', 99, 20)")
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("insert into theory_points (id, theory_number, position, kind, text, start, end) values ('99.1', 99, 1, 'note', 'x', 0, 1)")


def test_foreign_key_columns_are_indexed(db, descriptor):
    for resource in descriptor["resources"]:
        indexed = {db.execute(f"pragma index_info('{index[1]}')").fetchone()[2] for index in db.execute(f"pragma index_list({resource['name']})")}
        for fk in resource["schema"].get("foreignKeys", []):
            assert fk["fields"][0] in indexed, (resource["name"], fk)


@pytest.mark.parametrize("table", sorted(FTS_COLUMNS))
def test_full_text_search_indexes_the_text(db, table):
    assert db.execute(f"select count(*) from {table}_fts").fetchone()[0] == db.execute(f"select count(*) from {table}").fetchone()[0]
    # a word the table's text is about: the post's relations and the adjudication log speak of auditing
    word = {"theory_relations": "auditing", "adjudications": "auditing"}.get(table, "interpretability")
    hits = db.execute(f"select count(*) from {table}_fts where {table}_fts match ?", [word]).fetchone()[0]
    assert hits > 0


def test_theory_overview_view(db):
    rows = {r[0]: r for r in db.execute("select number, group_rank, sub_points, discussing_comments, comment_ids from theory_overview")}
    assert len(rows) == 20
    assert rows[1][1] == 1 and rows[20][1] is None
    assert rows[9][2] == 2 and rows[6][2] == 2 and rows[1][2] == 0
    # c09 quotes theory 20 and four replies argue about it (c14 questions it); c16 quotes theory 12 (cut with "...").
    assert rows[20][3:] == (5, "c09, c10, c11, c12, c14")
    assert rows[12][3:] == (1, "c16")


def test_theory_discussion_is_quotes_names_and_arguments(db):
    """One definition of "a comment discusses a theory": every comment whose argument
    targets a theory or one of its sub-points is in it, and so is every quotation of a theory."""
    discussion = set(db.execute("select comment_id, theory_number, link from theory_discussion"))
    argued = set(
        db.execute(
            "select distinct a.comment_id, t.theory_number from arguments a join argument_targets t on t.argument_id = a.id where a.comment_id is not null"
        )
    )
    assert {(c, n) for c, n, link in discussion if link == "argues"} == argued
    # theory 9: its own-voice arguments in the thread are all in c01 (the training-loop side of the
    # debate); c05 discusses it only by restating c01's words (voice quoted)
    assert {c for c, n, _ in discussion if n == 9} == {c for c, n in argued if n == 9} == {"c01", "c05"}
    own = db.execute(
        "select distinct a.comment_id, a.voice = 'own' from arguments a join argument_targets t on t.argument_id = a.id "
        "where t.theory_number = 9 and a.comment_id is not null"
    ).fetchall()
    assert sorted(own) == [("c01", 1), ("c05", 0)]
    assert ("c16", 12, "quotes") in discussion and ("c09", 20, "quotes") in discussion


# A package the loader cannot load is a user's error, named by file, line and field ---------


@pytest.fixture
def no_fts(monkeypatch):
    """The loader indexes the project's own text tables; a tiny package has none of them."""
    monkeypatch.setattr(loader, "FTS_COLUMNS", {})


def tiny_package(folder, parents="id\na\n", children="id,parent\nx,a\n"):
    """A two-resource package: children.parent refers to parents.id."""
    child_keys = [{"fields": ["parent"], "reference": {"resource": "parents", "fields": ["id"]}}]
    descriptor = {
        "resources": [
            {"name": "parents", "path": "data/parents.csv", "schema": {"fields": [{"name": "id", "type": "string"}], "primaryKey": ["id"]}},
            {
                "name": "children",
                "path": "data/children.csv",
                "schema": {"fields": [{"name": "id", "type": "string"}, {"name": "parent", "type": "string"}], "primaryKey": ["id"], "foreignKeys": child_keys},
            },
        ]
    }
    (folder / "data").mkdir(parents=True)
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    (folder / "data" / "parents.csv").write_text(parents, encoding="utf-8")
    (folder / "data" / "children.csv").write_text(children, encoding="utf-8")
    return folder


def test_the_tiny_package_loads(tmp_path, no_fts):
    assert load(tiny_package(tmp_path), tmp_path / "tiny.db") == {"parents": 1, "children": 1}


def test_a_foreign_key_cycle_is_named_in_the_descriptor():
    resources = [
        {"name": "a", "schema": {"foreignKeys": [{"fields": ["b_id"], "reference": {"resource": "b", "fields": ["id"]}}]}},
        {"name": "b", "schema": {"foreignKeys": [{"fields": ["a_id"], "reference": {"resource": "a", "fields": ["id"]}}]}},
    ]
    with pytest.raises(BuildError, match=r"^datapackage.json: foreignKeys: the resources' foreign keys form a cycle through a, b"):
        creation_order(resources)


@pytest.mark.parametrize(
    "parents, message",
    [("name\na\n", r"^data/parents.csv:1: header: the header name; expected the schema's field order id$"), ("", r"^data/parents.csv:1: header: no header")],
)
def test_a_csv_whose_header_is_not_the_schema_is_named_with_its_line(tmp_path, no_fts, parents, message):
    with pytest.raises(BuildError, match=message):
        load(tiny_package(tmp_path, parents=parents), tmp_path / "tiny.db")


def test_a_row_that_refers_to_nothing_is_named_by_its_key(tmp_path, no_fts):
    package = tiny_package(tmp_path, children="id,parent\nx,a\ny,zzz\nz,zzz\n")
    with pytest.raises(BuildError, match=r"^data/children.csv: foreignKeys: the row id='y' refers to a row of parents that does not exist \(and 1 more\)$"):
        load(package, tmp_path / "tiny.db")
