"""Stage: ratings -> how much raters agree, as two derived resources of the package.

- theory_rating_stats: per theory, how many sets rated it, the mean, median and standard
  deviation of its scores (the spread is the "controversy"), its mean place across sets,
  and its group rank.
- rating_agreement: per rating set, Spearman's rho with the discussion group and with the
  consensus of all the other sets, over the theories both rated.

Why derived resources and not SQL views: SQLite has no median, standard deviation or rank
correlation, and recomputing them on every page view over a million ratings would not fit
in 100 ms. As resources they are described once in datapackage.json (so Datasette and the
README show what each column means), validated by frictionless, and part of the download.

Why one row per set (against the group and against everyone else) and not every pair of
sets: pairs grow with the square of the number of sets (1.25 billion pairs for the 50,000
sets of a million ratings), while these two references grow linearly.

A set's "place" for a theory is its rank where the set gives a rank order (the group), else
the theory's position among the set's own scores (1 = its highest score; tied scores share
the average place), so sets that rank and sets that score can be compared.
"""

import warnings

import numpy as np

from scripts.core.constants import GROUP_SET_ID

# scipy.stats takes ~0.7 s to import, most of a sub-second build: it is imported only when a
# rank correlation has to be computed (two sets sharing MIN_SHARED theories); ranks are
# computed with numpy (rank_within_rows), equal to scipy.stats.rankdata's to the bit.

# With two shared theories every rank correlation is +1 or -1: it says nothing.
MIN_SHARED = 3
DECIMALS = 4
# How many theories a comparison lists where a new set differs most from a reference.
MOST_DIFFERENT = 3
NEW_SET = ""  # stands for a set not yet in the package (no set id is empty)


def tables(tables):
    """The derived resources' rows, from the package's theories, rating_sets and ratings."""
    theory_numbers = [t["number"] for t in tables["theories"]]
    set_ids = [s["id"] for s in tables["rating_sets"]]
    scores, ranks = matrices(set_ids, theory_numbers, tables["ratings"])
    places = places_within_sets(scores, ranks)
    group = set_ids.index(GROUP_SET_ID)
    return {
        "theory_rating_stats": theory_stats(theory_numbers, scores, places, ranks[group]),
        "rating_agreement": agreement(set_ids, places, group),
    }


def matrices(set_ids, theory_numbers, ratings):
    """(scores, ranks): one row per set, one column per theory, NaN where there is none."""
    row = {set_id: i for i, set_id in enumerate(set_ids)}
    column = {number: j for j, number in enumerate(theory_numbers)}
    rows = np.fromiter((row[r["rating_set_id"]] for r in ratings), dtype=np.int64, count=len(ratings))
    columns = np.fromiter((column[r["theory_number"]] for r in ratings), dtype=np.int64, count=len(ratings))
    scores = np.full((len(set_ids), len(theory_numbers)), np.nan)
    ranks = np.full_like(scores, np.nan)
    scores[rows, columns] = np.fromiter((np.nan if r["score"] is None else r["score"] for r in ratings), dtype=float, count=len(ratings))
    ranks[rows, columns] = np.fromiter((np.nan if r["rank"] is None else r["rank"] for r in ratings), dtype=float, count=len(ratings))
    return scores, ranks


def places_within_sets(scores, ranks):
    """Each set's place for each theory: its rank if the set ranks, else from its scores."""
    ranks_given = ~np.isnan(ranks).all(axis=1, keepdims=True)
    if ranks_given.all():
        return ranks.copy()
    by_score = rank_within_rows(-scores)
    return np.where(ranks_given, ranks, by_score)


def rank_within_rows(values, block=4_096):
    """Each value's rank within its row, NaN left out (and left NaN), tied values sharing the
    average rank: scipy.stats.rankdata(values, axis=1, nan_policy="omit"), exactly (ranks are
    whole or half numbers). A value's rank is 1 + the number of smaller values in its row +
    half the number of other equal ones; rows go in blocks to bound the memory of the
    row-by-row comparison (rows x columns x columns)."""
    ranks = np.full(values.shape, np.nan)
    for start in range(0, len(values), block):
        rows = values[start : start + block]
        smaller = (rows[:, None, :] < rows[:, :, None]).sum(axis=2)
        equal = (rows[:, None, :] == rows[:, :, None]).sum(axis=2)  # itself included; NaN equals nothing
        ranks[start : start + block] = np.where(np.isnan(rows), np.nan, smaller + (equal + 1) / 2)
    return ranks


def theory_stats(theory_numbers, scores, places, group_ranks):
    scored_by = count(scores)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # mean or spread of no values: left empty below
        mean = np.nanmean(scores, axis=0)
        median = np.nanmedian(scores, axis=0)
        spread = np.nanstd(scores, axis=0, ddof=1)
        mean_place = np.nanmean(places, axis=0)
    return [
        {
            "theory_number": number,
            "rated_by": int(count(places)[j]),
            "scored_by": int(scored_by[j]),
            "mean_score": value(mean[j]),
            "median_score": value(median[j]),
            "sd_score": value(spread[j]) if scored_by[j] >= 2 else None,
            "mean_rank": value(mean_place[j]),
            "group_rank": None if np.isnan(group_ranks[j]) else int(group_ranks[j]),
        }
        for j, number in enumerate(theory_numbers)
    ]


def agreement(set_ids, places, group):
    group_places = np.broadcast_to(places[group], places.shape).copy()
    group_places[group] = np.nan  # the group is not compared with itself
    shared_group, rho_group = spearman_by_row(places, group_places)
    shared_consensus, rho_consensus = spearman_by_row(places, consensus_of_others(places))
    return [
        {
            "rating_set_id": set_id,
            "shared_with_group": None if i == group else int(shared_group[i]),
            "rho_with_group": value(rho_group[i]),
            "shared_with_consensus": int(shared_consensus[i]),
            "rho_with_consensus": value(rho_consensus[i]),
        }
        for i, set_id in enumerate(set_ids)
    ]


def consensus_of_others(places):
    """For each set, the mean place of each theory over all the other sets (leave one out)."""
    present = ~np.isnan(places)
    own = np.where(present, places, 0.0)
    others = present.sum(axis=0) - present
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(others > 0, (own.sum(axis=0) - own) / others, np.nan)


def spearman_by_row(x, y):
    """(shared count, Spearman's rho) of each row of x with the same row of y, over the
    columns where both have a value, with scipy working on all rows at once.

    Spearman's rho is Pearson's r of the ranks (tied values share the average rank), which
    is how scipy.stats.spearmanr computes it; calling spearmanr row by row takes about
    200 µs a row, 10 s for the 50,000 sets of a million ratings. So each row's shared values
    are ranked at once (rank_within_rows, as scipy's rankdata with axis=1), and the columns a row does not share are filled with
    that row's mean rank: a value equal to the mean adds nothing to Pearson's sums (its
    deviation is zero) and leaves the mean unchanged, so scipy's pearsonr over the full
    rows gives exactly the rho over the shared columns. tests/test_aggregates.py checks
    every value against scipy.stats.spearmanr."""
    shared = ~np.isnan(x) & ~np.isnan(y)
    counts = shared.sum(axis=1)
    if x.shape[1] < MIN_SHARED or not (counts >= MIN_SHARED).any():
        return counts, np.full(len(x), np.nan)
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # rows with nothing shared: mean of nothing
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)  # equal scores throughout: no rho
        ranked = [padded(ranks) for ranks in shared_ranks(x, y)]
        rho = stats.pearsonr(*ranked, axis=1).statistic
    return counts, np.where(counts >= MIN_SHARED, rho, np.nan)


def shared_ranks(x, y):
    """[ranks of x, ranks of y]: each row's values ranked over the columns where x and y both
    have one (1 = the smallest; tied values share the average rank), NaN in the other columns.
    These are the ranks whose correlation is Spearman's rho, and whose differences say where
    two sets disagree most (compare_new_set)."""
    shared = ~np.isnan(x) & ~np.isnan(y)
    return [rank_within_rows(np.where(shared, values, np.nan)) for values in (x, y)]


def padded(ranks):
    """Ranks with NaN replaced by the row's mean rank."""
    return np.where(np.isnan(ranks), np.nanmean(ranks, axis=1, keepdims=True), ranks)


def compare_new_set(tables, scores, most=MOST_DIFFERENT):
    """How a new rating set ({theory number: score}) compares with the sets in `tables`, by the
    code that makes rating_agreement, so the figures are the ones the package will show once
    the set is added (the rating page's script and `rate` both report them):

    - group, consensus: {shared, rho, differences} as rating_agreement gives them for the new
      set; the consensus is the mean place of each theory over every set already in `tables`.
      `differences`: the `most` theories whose ranks over the shared theories differ most
      (the terms of Spearman's rho), largest difference first, then by theory number, each
      with the new set's rank and the reference's (1 = placed highest, ties averaged); none
      when fewer than MIN_SHARED theories are shared.
    - positions: for each scored theory, how many of the other sets' scores for it are lower,
      the same and higher than the new score.
    """
    theory_numbers = [t["number"] for t in tables["theories"]]
    set_ids = [s["id"] for s in tables["rating_sets"]] + [NEW_SET]
    new_ratings = [{"rating_set_id": NEW_SET, "theory_number": n, "rank": None, "score": float(v)} for n, v in sorted(scores.items())]
    score_matrix, ranks = matrices(set_ids, theory_numbers, list(tables["ratings"]) + new_ratings)
    places = places_within_sets(score_matrix, ranks)
    group = set_ids.index(GROUP_SET_ID)
    row = agreement(set_ids, places, group)[-1]
    new = places[-1:]
    others = score_matrix[:-1]
    return {
        "group": {
            "shared": row["shared_with_group"],
            "rho": row["rho_with_group"],
            "differences": differences(new, places[group : group + 1], theory_numbers, most),
        },
        "consensus": {
            "sets": len(set_ids) - 1,
            "shared": row["shared_with_consensus"],
            "rho": row["rho_with_consensus"],
            "differences": differences(new, consensus_of_others(places)[-1:], theory_numbers, most),
        },
        "positions": {
            number: {"lower": int((others[:, j] < value).sum()), "same": int((others[:, j] == value).sum()), "higher": int((others[:, j] > value).sum())}
            for j, number in enumerate(theory_numbers)
            if not np.isnan(value := score_matrix[-1, j])
        },
    }


def differences(places, reference, theory_numbers, most):
    """The theories where one row of places and one row of reference places differ most in
    rank over the theories both have (see compare_new_set)."""
    ours, theirs = (ranks[0] for ranks in shared_ranks(places, reference))
    gap = ours - theirs
    if (~np.isnan(gap)).sum() < MIN_SHARED:
        return []
    order = sorted((j for j in np.flatnonzero(~np.isnan(gap)) if gap[j] != 0), key=lambda j: (-abs(gap[j]), theory_numbers[j]))
    return [{"theory_number": theory_numbers[j], "rank": float(ours[j]), "reference_rank": float(theirs[j])} for j in order[:most]]


def reference_places(tables):
    """What a program needs to compare a new set with the package without reading every
    rating (the rating page's script): per theory, the group's place, the sum and count of
    every set's places, and how many sets gave each score. A new set's consensus is then
    sum / count, the number consensus_of_others computes: places are multiples of 1/2 (ranks,
    or average ranks of tied scores), so every sum is exact and one division gives the same
    float anywhere."""
    theory_numbers = [t["number"] for t in tables["theories"]]
    set_ids = [s["id"] for s in tables["rating_sets"]]
    scores, ranks = matrices(set_ids, theory_numbers, tables["ratings"])
    places = places_within_sets(scores, ranks)
    group = places[set_ids.index(GROUP_SET_ID)]
    present = ~np.isnan(places)
    sums = np.where(present, places, 0.0).sum(axis=0)
    counts = present.sum(axis=0)
    found = []
    for j, number in enumerate(theory_numbers):
        values, tallies = np.unique(scores[~np.isnan(scores[:, j]), j], return_counts=True)
        found.append(
            {
                "theory_number": number,
                "group_place": None if np.isnan(group[j]) else float(group[j]),
                "places_sum": float(sums[j]),
                "places_count": int(counts[j]),
                "scores": [[float(v), int(n)] for v, n in zip(values, tallies)],
            }
        )
    return found


def count(matrix):
    return (~np.isnan(matrix)).sum(axis=0)


def value(number):
    """A statistic as the package stores it: rounded, or None where there is none."""
    return None if np.isnan(number) else round(float(number), DECIMALS)
