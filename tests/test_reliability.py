"""The reliability statistics (scripts/pipeline/reliability.py) against worked examples of
Krippendorff's "Computing Krippendorff's Alpha-Reliability" (2011), and the bootstrap interval's
invariants."""

import math

import krippendorff
import numpy as np
import pytest

from scripts.pipeline import reliability

NAN = math.nan


def test_the_package_gives_the_papers_nominal_alpha_for_four_observers():
    """Section C: 4 observers, 12 units, missing values; nominal alpha = 0.743."""
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
    assert round(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"), 3) == 0.743


def test_alpha_of_two_readings_matches_the_papers_two_observer_examples():
    """Section A: binary data, two observers, 10 units: alpha = 0.095. Section B: nominal data,
    two observers, 12 units: alpha = 0.692. Categories are any labels (here strings)."""
    first = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    second = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert round(reliability.alpha(list(zip(first, second))), 3) == 0.095
    first = "a a b b d c c c e d d a".split()
    second = "b a b b b c c c e d d d".split()
    assert round(reliability.alpha(list(zip(first, second))), 3) == 0.692


def test_alpha_is_undefined_without_variation():
    assert reliability.alpha([("none", "none")] * 5) is None
    assert reliability.alpha([("a", "b")]) is None
    assert reliability.alpha_interval([("none", "none")] * 5, "x") is None


def test_the_resample_formula_is_the_packages_alpha():
    """Each bootstrap replicate's alpha (computed for all resamples at once from counts of the
    distinct pairs) equals the package's alpha on the same units."""
    rng = np.random.default_rng(7)
    pairs = [(str(a), str(b)) for a, b in rng.integers(0, 4, size=(60, 2))]
    pairs += [(a, a) for a, _ in pairs[:40]]  # some agreement
    data, count = reliability.codes(pairs)
    types = sorted(set(zip(data[0].astype(int).tolist(), data[1].astype(int).tolist())))
    counts = rng.integers(0, 6, size=(25, len(types)))
    fast = reliability.alpha_of_counts(counts, types, count)
    for row, value in zip(counts, fast):
        units = [(str(a), str(b)) for (a, b), times in zip(types, row) for _ in range(times)]
        assert value == pytest.approx(reliability.alpha(units), abs=1e-12)


def test_the_bootstrap_interval_holds_the_estimate_and_is_repeatable():
    pairs = [("supports", "supports")] * 12 + [("opposes", "opposes")] * 6 + [("supports", "qualifies"), ("none", "opposes")] + [("none", "none")] * 30
    point = reliability.alpha(pairs)
    low, high = reliability.alpha_interval(pairs, "example")
    assert -1 <= low <= point <= high <= 1 and low < high
    assert reliability.alpha_interval(pairs, "example") == (low, high)
    # another label draws other resamples; a perfect agreement has the degenerate interval
    assert reliability.alpha_interval(pairs, "other") != (low, high)
    assert reliability.alpha_interval([("a", "a"), ("b", "b")] * 5, "perfect") == (1.0, 1.0)


def test_specific_agreement_counts_one_category():
    value, both = reliability.specific_agreement([True, True, False, False], [True, False, True, False])
    assert (value, both) == (0.5, 1)
    assert reliability.specific_agreement([False], [False]) == (None, 0)


def test_shared_wording_leaves_out_what_the_background_explains():
    background = reliability.ngrams("auditing a trained model is the main theory here", 5)
    left = "The writer says auditing a trained model is the main theory, a view held firmly by few."
    right = "Auditing a trained model is the main theory, a view held firmly by few people."
    shared = reliability.shared_ngrams(left, right, background, 5)
    assert ("a", "view", "held", "firmly", "by") in shared
    assert not any(gram[:4] == ("auditing", "a", "trained", "model") for gram in shared)
    assert reliability.words("The model’s view isn't") == ["the", "models", "view", "isnt"]


def test_two_readings_of_any_document_compare_by_one_call():
    """agreement.compare_readings takes two readings of the same units (here a made-up document
    with units u1, u2 and targets 1, 2) as plain rows, so another document's map and its
    pre-registered reading go through the same call."""
    from types import SimpleNamespace

    from scripts.pipeline import agreement

    def reading(prefix, arguments, targets, relations):
        rows = [
            {"id": f"{prefix}{i}", "source": s, "kind": k, "voice": "own", "summary": text, "start": a, "end": b}
            for i, (s, k, text, a, b) in enumerate(arguments, start=1)
        ]
        return SimpleNamespace(
            arguments=rows,
            targets=[{"argument_id": f"{prefix}{i}", "target_id": str(t), "theory_number": t, "theory_point_id": None, "stance": st} for i, t, st in targets],
            relations=[{"argument_id": f"{prefix}{i}", "target_argument_id": f"{prefix}{j}", "relation": r} for i, j, r in relations],
        )

    left = reading(
        "x",
        [("u1", "claim", "lights help walkers at night a lot", 0, 10), ("u2", "claim", "cameras move speeding", 20, 30)],
        [(1, 1, "supports"), (2, 2, "opposes")],
        [(2, 1, "rebuts")],
    )
    right = reading(
        "y",
        [("u1", "claim", "lights help walkers at night a lot more", 2, 9), ("u2", "question", "do cameras work", 21, 29)],
        [(1, 1, "supports"), (2, 2, "questions")],
        [(2, 1, "rebuts")],
    )
    rows = {r["id"]: r for r in agreement.compare_readings(left, right, ["u1", "u2"], [1, 2], "x-vs-y", "x", "y", ["unrelated background"])}
    assert rows["x-vs-y:stance:percent_agreement"]["agreed"] == 3  # of 4 (unit, theory) pairs
    assert rows["x-vs-y:stance:specific_agreement:supports"]["value"] == 1.0
    assert rows["x-vs-y:stance:specific_agreement:opposes"]["value"] == 0.0
    assert rows["x-vs-y:kind:cohen_kappa"]["agreed"] == 1
    assert rows["x-vs-y:summary_wording:shared_ngram_aligned"]["agreed"] == 1  # "lights help walkers at night"
    found = agreement.differences(left, right, [1, 2])
    assert found[("stance", "u2", "2")] == ("opposes", "questions") and found[("kind", "u2", "x2/y2")] == ("claim", "question")
