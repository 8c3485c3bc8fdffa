"""Reliability statistics for two readings, as argument-mining corpora report them.

Plain functions on lists of paired categories (left reading, right reading), one pair per unit:
Krippendorff's alpha (nominal) from the `krippendorff` package with a seeded bootstrap interval
over units, specific agreement per category, and the word n-grams two texts share that a
background (the source and the rules both annotators had) does not explain.
"""

import re
import zlib

import krippendorff
import numpy as np

RESAMPLES = 1000
CONFIDENCE = 95  # percent, two-sided percentile interval
SEED = 20261203  # fixed: the same inputs give the same interval on every build


def codes(pairs):
    """The pairs as two rows of integer codes (categories in sorted order), and the number of categories."""
    categories = sorted({c for pair in pairs for c in pair})
    index = {c: i for i, c in enumerate(categories)}
    return np.array([[index[a] for a, _ in pairs], [index[b] for _, b in pairs]], dtype=float), len(categories)


def alpha(pairs):
    """Krippendorff's alpha (nominal) of paired categories; None when it is undefined (fewer
    than two units, or a single category: no variation to agree on)."""
    if len(pairs) < 2:
        return None
    data, count = codes(pairs)
    if count < 2:
        return None
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal", value_domain=list(range(count))))


def alpha_of_counts(counts, types, count):
    """Nominal alpha of each resample, given as counts (resamples x pair types) of the distinct
    (left code, right code) pairs `types`; two annotators, no missing values. The
    coincidence-matrix formula (Krippendorff 2011, section C) as matrix products, so a thousand
    resamples cost one pass; tests check it against the package's alpha."""
    types = np.asarray(types)
    units = counts.sum(axis=1)
    n = 2 * units  # pairable values: two per unit
    disagreeing = 2 * counts @ (types[:, 0] != types[:, 1])  # off-diagonal coincidences
    usage = np.zeros((len(types), count))  # how often each pair type uses each category
    np.add.at(usage, (np.arange(len(types)), types[:, 0]), 1)
    np.add.at(usage, (np.arange(len(types)), types[:, 1]), 1)
    totals = counts @ usage
    expected = n * n - (totals * totals).sum(axis=1)  # sum over c != k of n_c * n_k
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expected > 0, 1 - (n - 1) * disagreeing / expected, np.nan)


def alpha_interval(pairs, label, resamples=RESAMPLES, confidence=CONFIDENCE):
    """(low, high): the percentile bootstrap interval of alpha, resampling units with replacement
    (a multinomial draw over the distinct pairs, the same distribution as drawing units one by
    one). Seeded by `label` (the row's id), so every figure has its own fixed stream. None where
    alpha is undefined; resamples with a single category (alpha undefined) are left out."""
    if alpha(pairs) is None:
        return None
    data, count = codes(pairs)
    coded = list(zip(data[0].astype(int).tolist(), data[1].astype(int).tolist()))
    types = sorted(set(coded))
    shares = np.array([coded.count(t) for t in types]) / len(coded)
    rng = np.random.default_rng([SEED, zlib.crc32(label.encode("utf-8"))])
    values = alpha_of_counts(rng.multinomial(len(pairs), shares, size=resamples), types, count)
    values = values[~np.isnan(values)]
    tail = (100 - confidence) / 2
    return float(np.percentile(values, tail)), float(np.percentile(values, 100 - tail))


def specific_agreement(left_has, right_has):
    """Positive specific agreement on one category: 2 x units both give it / (units the left
    gives it + units the right gives it), with the count both give; None when neither does."""
    both = sum(1 for a, b in zip(left_has, right_has) if a and b)
    given = sum(left_has) + sum(right_has)
    return (None if not given else 2 * both / given), both


def words(text):
    """Lower-case words, apostrophes dropped (so "model's" and "model’s" are one word)."""
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "").replace("'", ""))


def ngrams(text, length):
    found = words(text)
    return {tuple(found[i : i + length]) for i in range(len(found) - length + 1)}


def shared_ngrams(text, other, background, length):
    """The word n-grams two texts share that are not in the background n-grams."""
    return (ngrams(text, length) & ngrams(other, length)) - background
