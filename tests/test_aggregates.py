"""The vectorised statistics of scripts/aggregates.py equal scipy's and numpy's one-at-a-time answers."""

import math
import statistics

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scripts.pipeline import aggregates
from tests.conftest import REPO

# Rating-like matrices: a few sets by up to 20 theories, scores 0-10 in halves, some missing.
cells = st.one_of(st.none(), st.integers(0, 20).map(lambda n: n / 2))
matrices = st.integers(1, 20).flatmap(lambda width: st.lists(st.lists(cells, min_size=width, max_size=width), min_size=1, max_size=12))


def to_array(rows):
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


def spearman_one(x, y):
    """(shared count, rho or None) for one pair of rows, with scipy.stats.spearmanr."""
    shared = [j for j in range(len(x)) if not (math.isnan(x[j]) or math.isnan(y[j]))]
    if len(shared) < aggregates.MIN_SHARED or len({x[j] for j in shared}) == 1 or len({y[j] for j in shared}) == 1:
        return len(shared), None
    return len(shared), stats.spearmanr([x[j] for j in shared], [y[j] for j in shared]).statistic


@settings(max_examples=200, deadline=None)
@given(matrices, matrices)
def test_spearman_by_row_equals_scipy_spearmanr_row_by_row(xs, ys):
    x = to_array(xs)
    y = to_array(ys)
    rows, width = min(len(x), len(y)), min(x.shape[1], y.shape[1])
    x, y = x[:rows, :width], y[:rows, :width]
    counts, rho = aggregates.spearman_by_row(x, y)
    for i in range(rows):
        count, expected = spearman_one(x[i], y[i])
        assert counts[i] == count
        if expected is None:
            assert math.isnan(rho[i])
        else:
            assert rho[i] == np.float64(expected) or abs(rho[i] - expected) < 1e-9


@settings(max_examples=100, deadline=None)
@given(matrices)
def test_places_are_ranks_among_each_sets_own_scores(rows):
    scores = to_array(rows)
    places = aggregates.places_within_sets(scores, np.full_like(scores, np.nan))
    for row, place in zip(scores, places):
        given_scores = [(j, v) for j, v in enumerate(row) if not math.isnan(v)]
        for j, v in given_scores:
            higher = sum(1 for _, other in given_scores if other > v)
            ties = sum(1 for _, other in given_scores if other == v)
            assert place[j] == higher + (ties + 1) / 2  # 1 = best, ties share the average place
        assert all(math.isnan(place[j]) for j, v in enumerate(row) if math.isnan(v))


def test_a_set_that_ranks_keeps_its_ranks():
    ranks = np.array([[2.0, 1.0, np.nan]])
    places = aggregates.places_within_sets(np.full_like(ranks, np.nan), ranks)
    assert places[0, :2].tolist() == [2.0, 1.0] and math.isnan(places[0, 2])


@settings(max_examples=100, deadline=None)
@given(matrices)
def test_consensus_is_the_mean_over_the_other_sets(rows):
    places = to_array(rows)
    consensus = aggregates.consensus_of_others(places)
    for i in range(len(places)):
        for j in range(places.shape[1]):
            others = [places[k, j] for k in range(len(places)) if k != i and not math.isnan(places[k, j])]
            if others:
                assert abs(consensus[i, j] - statistics.mean(others)) < 1e-9
            else:
                assert math.isnan(consensus[i, j])


@settings(max_examples=100, deadline=None)
@given(matrices)
def test_theory_stats_equal_the_standard_library(rows):
    scores = to_array(rows)
    numbers = list(range(1, scores.shape[1] + 1))
    places = aggregates.places_within_sets(scores, np.full_like(scores, np.nan))
    result = aggregates.theory_stats(numbers, scores, places, np.full(len(numbers), np.nan))
    for j, row in enumerate(result):
        column = [v for v in scores[:, j] if not math.isnan(v)]
        assert row["theory_number"] == numbers[j] and row["scored_by"] == row["rated_by"] == len(column)
        if not column:
            assert row["mean_score"] is row["median_score"] is row["sd_score"] is row["mean_rank"] is None
            continue
        assert row["mean_score"] == round(statistics.mean(column), aggregates.DECIMALS)
        assert row["median_score"] == round(statistics.median(column), aggregates.DECIMALS)
        assert row["sd_score"] == (round(statistics.stdev(column), aggregates.DECIMALS) if len(column) >= 2 else None)
        assert row["group_rank"] is None


@settings(max_examples=200, deadline=None)
@given(matrices)
def test_ranks_within_rows_are_scipys_rankdata_to_the_bit(rows):
    values = to_array(rows)
    ours = aggregates.rank_within_rows(values, block=3)  # small blocks: the block edges are crossed
    theirs = stats.rankdata(values, axis=1, nan_policy="omit")
    assert np.array_equal(ours, theirs, equal_nan=True)


def test_the_build_of_the_real_data_does_not_import_scipy():
    """scipy.stats costs ~0.7 s to import; the real data (one rating set) has no rank
    correlation to compute, so its build never imports it."""
    import subprocess
    import sys

    script = (  # the aggregates of the committed tables, in a fresh interpreter
        "import csv, json, sys\n"
        "from scripts.pipeline import aggregates\n"
        "d = json.load(open('datapackage.json'))\n"
        "def rows(name, types):\n"
        "    r = next(x for x in d['resources'] if x['name'] == name)\n"
        "    out = []\n"
        "    for row in csv.DictReader(open(r['path'], newline='', encoding='utf-8')):\n"
        "        out.append({k: (None if v == '' else types.get(k, str)(v)) for k, v in row.items()})\n"
        "    return out\n"
        "tables = {'theories': rows('theories', {'number': int}), 'rating_sets': rows('rating_sets', {}),\n"
        "          'ratings': rows('ratings', {'theory_number': int, 'rank': int, 'score': float})}\n"
        "aggregates.tables(tables)\n"
        "print('scipy' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO.root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
