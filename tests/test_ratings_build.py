"""Contributed rating sets go through the real build: checked, validated, aggregated, queried.

The contributed files used here are the made-up fixtures in tests/fixtures/ratings/; the
expected statistics are recomputed from those files with the standard library and scipy's
one-pair functions, independently of scripts/pipeline/aggregates.py.
"""

import csv
import shutil
import statistics
from collections import Counter

import pytest
from frictionless import validate
from scipy import stats

from scripts.build import build
from scripts.core.errors import BuildError, BuildErrors
from scripts.pipeline.package import Validation
from scripts.publishing import charts
from tests.helpers import REPO, DatasetteClient, cast, copy_inputs, output_snapshot, quiet, read_csv, remember_svg

FIXTURES = REPO.root / "tests" / "fixtures" / "ratings"
GROUP = "discussion-group"


def fixture_sets():
    """{set id: {"label", "date", "scores": {theory: score}}} read straight from the fixture files."""
    sets = {}
    for path in sorted(FIXTURES.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))[1:]
        fields = {k: v for k, v in rows if not k.startswith("theory ")}
        scores = {int(k.split()[1]): float(v) for k, v in rows if k.startswith("theory ")}
        sets[path.stem] = {**fields, "scores": scores}
    return sets


def add_fixtures(project):
    project.contrib_ratings_dir.mkdir(parents=True, exist_ok=True)
    for path in FIXTURES.glob("*.csv"):
        shutil.copy(path, project.contrib_ratings_dir / path.name)
    return project


@pytest.fixture(scope="module")
def rated(tmp_path_factory):
    """A build of the project with the fixture rating sets contributed."""
    project = add_fixtures(copy_inputs(tmp_path_factory.mktemp("rated")))
    with pytest.MonkeyPatch.context() as patch:  # as the remembered_charts fixture: these tests read the rows, not the SVGs
        patch.setattr(charts, "render_svg", remember_svg(charts.render_svg))
        build(project, progress=quiet)
    return project


@pytest.fixture(scope="module")
def rated_client(rated):
    client = DatasetteClient(rated)
    yield client
    client.close()


def query(client, name, **params):
    args = "".join(f"&{k}={v}" for k, v in params.items())
    response = client.get(f"/longlist/{name}.json?_shape=objects{args}")
    assert response.status_code == 200, response.text[:300]
    return response.json()["rows"]


def group_ranks():
    return {int(r["theory_number"]): int(r["rank"]) for r in read_csv(REPO, "ratings") if r["rating_set_id"] == GROUP}


def places(scores):
    """A set's place for each theory it scored: 1 = its highest score, ties share the average."""
    numbers = sorted(scores)
    return dict(zip(numbers, stats.rankdata([-scores[n] for n in numbers])))


def number_or_none(text):
    return None if text == "" else float(text)


# The contributed files become rows of the package --------------------------------------


@pytest.mark.slow
def test_contributed_sets_become_rating_sets_and_ratings(rated):
    contributed = fixture_sets()
    sets = {row["id"]: row for row in read_csv(rated, "rating_sets")}
    assert set(sets) == {GROUP, *contributed}
    for set_id, expected in contributed.items():
        row = sets[set_id]
        assert (row["label"], row["kind"], row["date"], row["note"]) == (expected["label"], expected["kind"], expected["date"], expected["note"])
        assert row["source"] == f"data/contrib/ratings/{set_id}.csv"
    for row in read_csv(rated, "ratings"):
        if row["rating_set_id"] != GROUP:
            assert float(row["score"]) == contributed[row["rating_set_id"]]["scores"][int(row["theory_number"])]
            assert row["rank"] == row["start"] == row["end"] == row["remark"] == ""
    scored = [r for r in read_csv(rated, "ratings") if r["rating_set_id"] != GROUP]
    assert len(scored) == sum(len(s["scores"]) for s in contributed.values())


@pytest.mark.slow
def test_the_package_with_contributions_is_valid(rated):
    report = validate(str(rated.package_path))
    assert report.valid, report.to_summary()


@pytest.mark.slow
def test_theory_stats_follow_from_the_scores(rated):
    contributed = fixture_sets().values()
    ranks = group_ranks()
    for row in read_csv(rated, "theory_rating_stats"):
        number = int(row["theory_number"])
        scores = [s["scores"][number] for s in contributed if number in s["scores"]]
        assert int(row["scored_by"]) == len(scores)
        assert int(row["rated_by"]) == len(scores) + (number in ranks)
        if scores:
            assert float(row["mean_score"]) == pytest.approx(statistics.mean(scores), abs=1e-4)
            assert float(row["median_score"]) == pytest.approx(statistics.median(scores), abs=1e-4)
            assert float(row["sd_score"]) == pytest.approx(statistics.stdev(scores), abs=1e-4)
        else:
            assert row["mean_score"] == row["median_score"] == row["sd_score"] == ""
        set_places = [places(s["scores"])[number] for s in contributed if number in s["scores"]]
        set_places += [ranks[number]] if number in ranks else []
        assert number_or_none(row["mean_rank"]) == (pytest.approx(statistics.mean(set_places), abs=1e-4) if set_places else None)
        assert row["group_rank"] == str(ranks.get(number, ""))


@pytest.mark.slow
def test_agreement_is_spearmans_rho_over_the_shared_theories(rated):
    contributed = fixture_sets()
    ranks = group_ranks()
    all_places = {set_id: places(s["scores"]) for set_id, s in contributed.items()}
    all_places[GROUP] = ranks
    rows = {row["rating_set_id"]: row for row in read_csv(rated, "rating_agreement")}
    assert set(rows) == set(all_places)
    for set_id, own in all_places.items():
        row = rows[set_id]
        if set_id != GROUP:
            shared = sorted(set(own) & set(ranks))
            assert int(row["shared_with_group"]) == len(shared)
            assert float(row["rho_with_group"]) == pytest.approx(stats.spearmanr([own[n] for n in shared], [ranks[n] for n in shared]).statistic, abs=1e-4)
        else:
            assert row["shared_with_group"] == row["rho_with_group"] == ""
        others = [p for other, p in all_places.items() if other != set_id]
        consensus = {n: statistics.mean(p[n] for p in others if n in p) for n in own if any(n in p for p in others)}
        shared = sorted(consensus)
        assert int(row["shared_with_consensus"]) == len(shared)
        expected = stats.spearmanr([own[n] for n in shared], [consensus[n] for n in shared]).statistic
        assert float(row["rho_with_consensus"]) == pytest.approx(expected, abs=1e-4)


@pytest.mark.slow
def test_the_database_holds_the_contributed_rows_with_their_types(rated):
    import json
    import sqlite3

    descriptor = json.loads(rated.package_path.read_text(encoding="utf-8"))
    db = sqlite3.connect(rated.db_path)
    for resource in descriptor["resources"]:
        if resource["name"] not in ("rating_sets", "ratings", "theory_rating_stats", "rating_agreement"):
            continue
        fields = resource["schema"]["fields"]
        expected = {tuple(cast(row[f["name"]], f["type"]) for f in fields) for row in read_csv(rated, resource["name"])}
        in_db = db.execute(f"select {', '.join(chr(34) + f['name'] + chr(34) for f in fields)} from {resource['name']}").fetchall()
        assert set(in_db) == expected and len(in_db) == len(expected), resource["name"]
        assert all(type(a) is type(b) for got, want in zip(sorted(in_db, key=str), sorted(expected, key=str)) for a, b in zip(got, want))
    db.close()


# Saved queries on data that supports the post's remark -----------------------------------


@pytest.mark.slow
def test_most_controversial_highly_rated_agrees_with_the_post_on_these_scores(rated_client):
    rows = query(rated_client, "most_controversial_highly_rated")
    assert rows[0]["theory_number"] == 3 and rows[0]["verdict"].startswith("Agrees with the post")
    assert "most controversial highly rated one" in rows[0]["post_remark"]
    # highly rated = the top half by mean score; theory 3 has the largest spread among them
    assert [r["theory_number"] for r in rows] == [3, 1, 4]
    assert rows[0]["sd_score"] == max(r["sd_score"] for r in rows)


@pytest.mark.slow
def test_most_controversial_highly_rated_says_when_there_are_too_few_scores(rated_client, client, tables):
    checks = [query(rated_client, "most_controversial_highly_rated", min_scores=7)]  # 6 fixture raters
    eligible = [r for r in tables["theory_rating_stats"] if int(r["scored_by"]) >= 5]
    real = query(client, "most_controversial_highly_rated")
    if len(eligible) < 2:  # the shipped data today: the group's ranks only
        checks.append(real)
    else:
        assert real[0]["verdict"].startswith(("Agrees", "Differs"))
    for rows in checks:
        assert len(rows) == 1 and rows[0]["theory_number"] is None
        assert rows[0]["verdict"].startswith("Too little data")
        assert "most controversial highly rated one" in rows[0]["post_remark"]


@pytest.mark.slow
def test_most_controversial_highly_rated_reports_a_different_theory_when_the_scores_say_so(tmp_path, remembered_charts):
    project = add_fixtures(copy_inputs(tmp_path))
    # Raters now split over theory 1 (mean 7, sd 4.4) more than over theory 3 (sd 4.1).
    for letter, score in zip("abcdef", [0, 10, 10, 2, 10, 10]):
        path = project.contrib_ratings_dir / f"fixture-rater-{letter}.csv"
        text = path.read_text(encoding="utf-8")
        old = next(line for line in text.splitlines() if line.startswith("theory 1,"))
        path.write_text(text.replace(old + "\n", f"theory 1,{score}\n"), encoding="utf-8")
    build(project, progress=quiet)
    client = DatasetteClient(project)
    try:
        top = query(client, "most_controversial_highly_rated")[0]
    finally:
        client.close()
    assert top["theory_number"] == 1
    assert top["verdict"].startswith("Differs from the post") and "the post names theory 3" in top["verdict"]


@pytest.mark.slow
def test_score_distribution_counts_every_score(rated_client):
    for number in (3, 4):
        rows = query(rated_client, "score_distribution", number=number)
        given = Counter(s["scores"][number] for s in fixture_sets().values() if number in s["scores"])
        assert {float(r["score"]): r["raters"] for r in rows if r["raters"]} == given
        assert {int(r["score"]) for r in rows if "." not in r["score"]} == set(range(11))
        assert [r["score"] for r in rows] == sorted(r["score"] for r in rows), "labels sort in score order for the chart"
        assert all(r["theory"].startswith(f"{number} ") for r in rows)
    assert "07.5" in [r["score"] for r in query(rated_client, "score_distribution", number=4)]


@pytest.mark.slow
def test_chart_labels_sort_in_the_query_order(rated_client):
    by_theory = query(rated_client, "rating_stats_by_theory")
    assert [r["theory"] for r in by_theory] == sorted(r["theory"] for r in by_theory)
    # one label convention in every chart: a theory's label starts with its zero-padded number
    assert all(r["theory"].startswith(f"{r['theory_number']:02d} ") for r in by_theory)
    assert len([r for r in by_theory if r["mean_score"] is not None]) == 5
    raters = query(rated_client, "rater_agreement")
    assert [r["rater"] for r in raters] == sorted(r["rater"] for r in raters)
    assert len(raters) == 2 * (len(fixture_sets()) + 1)  # each set against the consensus and the group
    best = max((r for r in raters if r["compared_with"].startswith("the consensus")), key=lambda r: r["rho"] or -2)
    assert best["rater"].startswith("01 ")


# Problems in contributed files ----------------------------------------------------------

BAD_FILES = {
    "out-of-range.csv": ("field,value\nlabel,X\ntheory 3,11\n", ":3: theory 3: 11 is out of range"),
    "not-a-number.csv": ("field,value\nlabel,X\ntheory 3,high\n", ":3: theory 3: 'high' is not a number"),
    "no-such-theory.csv": ("field,value\nlabel,X\ntheory 21,5\n", ":3: theory 21: there is no theory 21"),
    "twice.csv": ("field,value\nlabel,X\ntheory 2,5\ntheory 2,6\n", ":4: theory 2: given twice (first on line 3)"),
    "unknown-field.csv": ("field,value\nlabel,X\nmood,good\ntheory 2,5\n", ":3: mood: unknown field"),
    "no-label.csv": ("field,value\ntheory 2,5\n", ": label: missing or empty"),
    "bad-kind.csv": ("field,value\nlabel,X\nkind,robot\ntheory 2,5\n", ":3: kind: 'robot' is not a kind"),
    "bad-date.csv": ("field,value\nlabel,X\ndate,2024-02-30\ntheory 2,5\n", ":3: date: '2024-02-30' is not a date"),
    "no-scores.csv": ("field,value\nlabel,X\n", ": scores: no 'theory N' rows"),
    "wrong-header.csv": ("theory,score\n3,5\n", ":1: expected the header 'field,value'"),
    "Capital Letters.csv": ("field,value\nlabel,X\ntheory 2,5\n", ": file name: 'Capital Letters' is not a valid rating set id"),
    "discussion-group.csv": ("field,value\nlabel,X\ntheory 2,5\n", ": file name: 'discussion-group' is the id of the post's discussion group"),
}


def test_every_problem_in_contributed_files_is_reported_and_nothing_changes(fresh_copy):
    before = output_snapshot(fresh_copy.root)
    folder = fresh_copy.contrib_ratings_dir
    folder.mkdir(parents=True, exist_ok=True)
    for name, (text, _) in BAD_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "latin-1.csv").write_bytes("field,value\nlabel,Zoë\ntheory 2,5\n".encode("latin-1"))
    with pytest.raises(BuildErrors) as failure:
        build(fresh_copy, progress=quiet)
    messages = [str(e) for e in failure.value.errors]
    for name, (_, expected) in BAD_FILES.items():
        assert any(m.startswith(f"data/contrib/ratings/{name}") and expected in m for m in messages), (name, messages)
    assert any(m.startswith("data/contrib/ratings/latin-1.csv:2: not UTF-8 text: byte 0xeb at column 9") for m in messages), messages
    assert output_snapshot(fresh_copy.root) == before


@pytest.mark.slow
def test_a_byte_order_mark_is_accepted(tmp_path, remembered_charts):
    project = copy_inputs(tmp_path)
    project.contrib_ratings_dir.mkdir(parents=True, exist_ok=True)
    (project.contrib_ratings_dir / "bom.csv").write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "fixture-rater-a.csv").read_bytes())
    build(project, progress=quiet)
    assert "bom" in {row["id"] for row in read_csv(project, "rating_sets")}


@pytest.mark.slow
def test_frictionless_problems_found_in_the_second_process_fail_the_build(rated, tmp_path):
    shutil.copy(rated.package_path, tmp_path / "datapackage.json")
    shutil.copytree(rated.data_dir, tmp_path / "data", ignore=shutil.ignore_patterns("contrib", "raw", "curation"))
    ratings_csv = tmp_path / "data" / "ratings.csv"
    ratings_csv.write_text(ratings_csv.read_text(encoding="utf-8").replace("fixture-rater-a,3,,10,", "fixture-rater-a,3,,12,"), encoding="utf-8")
    with pytest.raises(BuildError, match=r"frictionless validation failed: data/ratings.csv row \d+ field score value '12': constraint-error"):
        Validation(tmp_path / "datapackage.json").result()


# What the repository ships ---------------------------------------------------------------


def test_the_shipped_data_holds_only_real_ratings(tables):
    contributed = sorted(REPO.contrib_ratings_dir.glob("*.csv")) if REPO.contrib_ratings_dir.is_dir() else []
    for path in contributed:
        text = path.read_text(encoding="utf-8")
        assert "TEST FIXTURE" not in text and "SYNTHETIC" not in text, path
    assert {r["id"] for r in tables["rating_sets"]} == {GROUP} | {p.stem for p in contributed}
    assert not any(r["id"].startswith("fixture-") for r in tables["rating_sets"])


def test_the_aggregates_say_honestly_how_much_data_there_is(tables):
    """Today the only set is the group's rank order: no scores, so no means and no spreads."""
    scores = Counter(int(r["theory_number"]) for r in tables["ratings"] if r["score"])
    ranks = group_ranks()
    for row in tables["theory_rating_stats"]:
        number = int(row["theory_number"])
        assert int(row["scored_by"]) == scores[number]
        assert (row["mean_score"] == "") == (scores[number] == 0) and (row["sd_score"] == "") == (scores[number] < 2)
        assert row["group_rank"] == str(ranks.get(number, ""))
    agreement = {r["rating_set_id"]: r for r in tables["rating_agreement"]}
    assert set(agreement) == {r["id"] for r in tables["rating_sets"]}
    if len(agreement) == 1:  # the group alone: no one to compare it with
        assert agreement[GROUP] == {
            "rating_set_id": GROUP,
            "shared_with_group": "",
            "rho_with_group": "",
            "shared_with_consensus": "0",
            "rho_with_consensus": "",
        }


@pytest.mark.parametrize("name", ["theory_rating_stats", "rating_agreement"])
def test_committed_aggregates_equal_a_fresh_build(built, name):
    assert (REPO.data_dir / f"{name}.csv").read_bytes() == (built.data_dir / f"{name}.csv").read_bytes()
