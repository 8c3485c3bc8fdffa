"""Every table page, row page and saved query answers through Datasette's own test client."""

import html

import pytest
import yaml

from tests.helpers import REPO

METADATA = yaml.safe_load(REPO.metadata_path.read_text(encoding="utf-8"))
DATABASE = METADATA["databases"]["longlist"]
QUERIES = sorted(DATABASE["queries"])


def rows(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()["rows"]


def test_index_page_shows_title_source_and_licence(client):
    response = client.get("/")
    assert response.status_code == 200
    assert METADATA["title"] in response.text
    assert METADATA["source_url"] in response.text and METADATA["license_url"] in response.text


@pytest.mark.parametrize("table", sorted(DATABASE["tables"]))
def test_table_pages_answer_with_all_rows(client, built, table):
    import sqlite3

    count = sqlite3.connect(built.db_path).execute(f"select count(*) from {table}").fetchone()[0]
    assert client.get(f"/longlist/{table}").status_code == 200
    data = client.get(f"/longlist/{table}.json?_shape=array&_size=max")
    assert data.status_code == 200 and len(data.json()) == count > 0


@pytest.mark.parametrize(
    "path", ["theories/9", "theory_points/9.2", "comments/c07", "post_sections/exercise", "rating_sets/discussion-group", "ratings/discussion-group,3"]
)
def test_row_pages_answer(client, path):
    response = client.get(f"/longlist/{path}.json?_shape=array")
    assert response.status_code == 200, response.text[:300]
    assert len(response.json()) == 1


def test_column_descriptions_reach_the_table_page(client, descriptor):
    theories = next(r for r in descriptor["resources"] if r["name"] == "theories")
    page = html.unescape(client.get("/longlist/theories").text)
    assert theories["description"] in page
    for field in theories["schema"]["fields"]:
        assert field["description"] in page, field["name"]


@pytest.mark.parametrize("query", QUERIES)
def test_every_saved_query_answers_without_parameters(client, query):
    assert rows(client, f"/longlist/{query}.json?_shape=objects")


def test_rank_order_query(client):
    result = rows(client, "/longlist/theories_by_group_rank.json?_shape=objects")
    assert [r["number"] for r in result][:5] == [1, 4, 3, 6, 8]
    assert result[-1]["number"] == 20 and result[-1]["group_rank"] is None
    assert "controversial" in next(r for r in result if r["number"] == 3)["remark"]


def test_theory_with_points_query(client):
    result = rows(client, "/longlist/theory_with_points.json?_shape=objects&number=6")
    assert [r["id"] for r in result] == ["6", "6.1", "6.2"]


@pytest.mark.parametrize(
    "q, expect", [("Goodharted", {("sub-point", "9.1"), ("sub-point", "9.2")}), ("simplicity prior", {("comment", "c09"), ("comment", "c12")})]
)
def test_search_query_finds_theories_points_and_comments(client, q, expect):
    result = rows(client, f"/longlist/search_text.json?_shape=objects&q={q}")
    assert expect <= {(r["kind"], r["id"]) for r in result}


def test_search_query_survives_fts_syntax(client):
    assert client.get("/longlist/search_text.json?q=%22unbalanced+AND").status_code == 200


def test_table_search_uses_fts(client):
    result = client.get("/longlist/comments.json?_search=reporter&_shape=array").json()
    assert {r["id"] for r in result} == {"c10", "c11"}
