"""The vectorised statistics of scripts/pipeline/aggregates.py equal scipy's and numpy's one-at-a-time answers."""

import math
import statistics

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scripts.pipeline import aggregates
from tests.helpers import REPO

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


@settings(max_examples=100, deadline=None)
@given(matrices, st.lists(st.one_of(st.none(), st.integers(0, 20).map(lambda n: n / 2)), min_size=20, max_size=20))
def test_reference_places_give_a_new_sets_consensus_exactly(rows, new_row):
    """The rating page divides each theory's sum of places by their count (reference_places);
    that must be, to the last bit, the consensus consensus_of_others finds for a new set."""
    width = len(rows[0])
    new_row = new_row[:width]
    tables = {
        "theories": [{"number": j + 1} for j in range(width)],
        "rating_sets": [{"id": aggregates.GROUP_SET_ID}] + [{"id": f"set-{i}"} for i in range(len(rows))],
        "ratings": [{"rating_set_id": aggregates.GROUP_SET_ID, "theory_number": 1, "rank": 1, "score": None}]
        + [
            {"rating_set_id": f"set-{i}", "theory_number": j + 1, "rank": None, "score": v}
            for i, row in enumerate(rows)
            for j, v in enumerate(row)
            if v is not None
        ],
    }
    reference = aggregates.reference_places(tables)
    places = aggregates.places_within_sets(
        *aggregates.matrices(
            [s["id"] for s in tables["rating_sets"]] + ["new"],
            list(range(1, width + 1)),
            tables["ratings"] + [{"rating_set_id": "new", "theory_number": j + 1, "rank": None, "score": v} for j, v in enumerate(new_row) if v is not None],
        )
    )
    consensus = aggregates.consensus_of_others(places)[-1]
    for j, theory in enumerate(reference):
        if theory["places_count"] == 0:
            assert math.isnan(consensus[j])
        else:
            assert theory["places_sum"] / theory["places_count"] == consensus[j]
        scores = [row[j] for row in rows if row[j] is not None]
        assert theory["scores"] == [[v, scores.count(v)] for v in sorted(set(scores))]


def test_compare_new_set_lists_the_largest_rank_differences_and_the_positions():
    """A hand-worked case: the group ranks theories 1-5 in order; the new set reverses 1 and 5."""
    tables = {
        "theories": [{"number": n} for n in range(1, 6)],
        "rating_sets": [{"id": aggregates.GROUP_SET_ID}, {"id": "other"}],
        "ratings": [{"rating_set_id": aggregates.GROUP_SET_ID, "theory_number": n, "rank": n, "score": None} for n in range(1, 6)]
        + [{"rating_set_id": "other", "theory_number": n, "rank": None, "score": s} for n, s in [(1, 5.0), (2, 7.0), (3, 7.0)]],
    }
    result = aggregates.compare_new_set(tables, {1: 2, 2: 8, 3: 7, 4: 6, 5: 9})
    # places 5, 2, 3, 4, 1 against 1-5: d = 4, 0, 0, 0, -4; rho = 1 - 6 * 32 / (5 * 24) = -0.6
    assert result["group"] == {
        "shared": 5,
        "rho": -0.6,
        "differences": [{"theory_number": 1, "rank": 5.0, "reference_rank": 1.0}, {"theory_number": 5, "rank": 1.0, "reference_rank": 5.0}],
    }
    assert result["consensus"]["sets"] == 2
    assert result["positions"] == {
        1: {"lower": 0, "same": 0, "higher": 1},
        2: {"lower": 1, "same": 0, "higher": 0},
        3: {"lower": 0, "same": 1, "higher": 0},
        4: {"lower": 0, "same": 0, "higher": 0},
        5: {"lower": 0, "same": 0, "higher": 0},
    }


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
