"""What makes a rebuild quick must not change what it builds: a chart is redrawn only when its
data or spec changed, a package is validated again only when its bytes changed, and the
outputs are byte-identical either way (timings are in bench/build_speed.py, not here)."""

import pytest

from scripts.build import build
from scripts.pipeline import package
from scripts.publishing import charts
from tests.helpers import output_snapshot, quiet


def chart_images(project):
    return {path.name: path.read_bytes() for path in sorted((project.root / charts.CHART_DIR).glob("*.svg"))}


@pytest.mark.slow
def test_unchanged_charts_are_not_redrawn_and_come_out_the_same(fresh_copy, monkeypatch):
    drawn_first = chart_images(fresh_copy)
    # every drawn chart is remembered (a chart with nothing to draw is a sentence, not a drawing)
    drawings = set(charts.last_drawings(fresh_copy).values())
    assert drawings and drawings == {svg.decode("utf-8") for svg in drawn_first.values() if b"role-axis" in svg}
    redrawn = []
    real = charts.render_svg
    monkeypatch.setattr(charts, "render_svg", lambda spec: redrawn.append(" ".join(spec["title"]["text"])) or real(spec))
    build(fresh_copy, progress=quiet)
    assert redrawn == [] and chart_images(fresh_copy) == drawn_first

    # one query's data changes: that chart alone is drawn again, exactly as a first drawing would be
    sql = fresh_copy.root / "sql" / "queries" / "arguments_per_theory.sql"
    sql.write_text(sql.read_text(encoding="utf-8").replace("-- title: ", "-- title: Count of ", 1), encoding="utf-8")
    build(fresh_copy, progress=quiet)
    assert len(redrawn) == 1 and redrawn[0].startswith("Count of ")
    monkeypatch.setattr(charts, "render_svg", real)
    expected = real_drawings(fresh_copy)
    assert chart_images(fresh_copy) == expected


def real_drawings(project):
    """Every chart drawn afresh (no cache), for comparison; a chart with nothing to draw is its sentence."""
    import sqlite3

    drawn = {}
    with sqlite3.connect(project.db_path) as connection:
        for query in charts.charted_queries(project):
            _, rows = charts.run_with_defaults(connection, query.sql)
            empty = charts.draws_nothing(rows, query.chart)
            svg = charts.empty_svg(query) if empty else charts.render_svg(charts.vegalite_spec(query, rows))
            drawn[f"{query.name}.svg"] = svg.encode("utf-8")
    return drawn


@pytest.mark.slow
def test_the_same_package_bytes_are_not_validated_twice_and_other_bytes_are(fresh_copy, monkeypatch):
    started = []
    real = package.Validation.__init__

    def spy(self, *args, **kwargs):
        real(self, *args, **kwargs)
        started.append(len(self.running))

    monkeypatch.setattr(package.Validation, "__init__", spy)
    before = output_snapshot(fresh_copy.root)
    build(fresh_copy, progress=quiet)
    assert started == [0] and output_snapshot(fresh_copy.root) == before  # found valid before: frictionless not asked
    kinds = fresh_copy.curation_dir / "theory_point_kinds.yml"
    kinds.write_text(kinds.read_text(encoding="utf-8").replace("kind: quote", "kind: note"), encoding="utf-8")
    build(fresh_copy, progress=quiet)
    assert started[-1] >= 1  # new bytes: validated


@pytest.mark.slow
def test_a_failed_build_leaves_the_caches_as_they_were(fresh_copy):
    before = output_snapshot(fresh_copy.root)
    sql = fresh_copy.root / "sql" / "queries" / "arguments_per_theory.sql"
    sql.write_text(sql.read_text(encoding="utf-8").replace("-- title: ", "-- title: Changed ", 1), encoding="utf-8")
    raw = fresh_copy.raw_path
    raw.write_text(raw.read_text(encoding="utf-8") + "x", encoding="utf-8")  # breaks the snapshot's SHA-256: the build fails
    with pytest.raises(Exception):
        build(fresh_copy, progress=quiet)
    assert output_snapshot(fresh_copy.root) == before  # build/chart-drawings.json and build/validated.sha256 included


def test_rank_correlations_still_equal_scipys_when_sets_share_theories():
    """The lazy scipy import path: two scored sets sharing theories get a rho."""
    import numpy as np
    from scipy import stats

    from scripts.pipeline import aggregates

    x = np.array([[1.0, 2.0, 3.0, 4.0, np.nan]])
    y = np.array([[2.0, 1.0, 4.0, 3.0, 5.0]])
    counts, rho = aggregates.spearman_by_row(x, y)
    assert counts.tolist() == [4]
    assert rho[0] == pytest.approx(stats.spearmanr([1, 2, 3, 4], [2, 1, 4, 3]).statistic, abs=1e-12)
