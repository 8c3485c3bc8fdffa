"""Sentences that depend on the data say what this build's data says (docs/site.md).

A build of a copy of the project with one contributed rating set (made up here, marked as a
test fixture) that scores every theory but theory 5, served and read in chromium at 390 px
and 1,280 px: no page may still say that nobody has contributed scores, or that there is no
one to compare, and the charts that had nothing to draw now draw the set.
"""

import pytest

from scripts.build import build
from scripts.publishing import charts
from tests.helpers import REPO, Tab, copy_inputs, fetch_json, plottable, quiet, start_server, stop_server, svg_marks

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

SET_ID = "fixture-stale-check-2000-01-02"
SKIPPED = 5
SCORES = {n: (n * 7) % 11 for n in range(1, 21) if n != SKIPPED}  # 0-10, no two neighbours alike
STALE = ("nobody has contributed", "no one to compare", "The only rating set", "No theory has a score yet")


@pytest.fixture(scope="module")
def contributed_server(tmp_path_factory):
    project = copy_inputs(tmp_path_factory.mktemp("one-set"))
    lines = ["field,value", "label,Fixture stale check", "kind,individual", "date,2000-01-02"]
    lines += ["note,TEST FIXTURE: made up for the tests (tests/test_stale_sentences.py); not real ratings"]
    lines += [f"theory {n},{score}" for n, score in SCORES.items()]
    (project.contrib_ratings_dir / f"{SET_ID}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    build(project, progress=quiet)
    process, base = start_server(project, tmp_path_factory.mktemp("one-set-server") / "datasette.log")
    try:
        yield base
    finally:
        stop_server(process)


def page_text(tab):
    return " ".join(tab.page.locator("body").inner_text().split())


def drawn_marks(tab):
    tab.page.wait_for_selector("#chart .chart-area[data-drawn] svg.marks")
    return svg_marks(tab.page.evaluate("() => new XMLSerializer().serializeToString(document.querySelector('#chart .chart-area svg.marks'))"))


@pytest.mark.parametrize("width", (390, 1280))
def test_sentences_follow_a_contributed_set(browser, contributed_server, width):
    tab = Tab(browser, contributed_server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    try:
        # the theory the set skipped: it has no score, and the page says why in this build's terms
        tab.goto(f"/longlist/theories/{SKIPPED}")
        said = " ".join(tab.page.locator(".scores").inner_text().split())
        assert "the one rating set contributed to this version of the data does not score it" in said, said
        # a theory it scored: its score, from one set
        tab.goto("/longlist/theories/3")
        said = " ".join(tab.page.locator(".scores").inner_text().split())
        assert said.startswith("Scores out of 10 from 1 rating set: mean") and f"median {SCORES[3]}" in said, said
        # the query pages whose charts had nothing to draw: no stale sentence, and the set drawn
        for name in ("rater_agreement", "rating_stats_by_theory", "score_distribution"):
            rows = fetch_json(contributed_server, f"/longlist/{name}.json?_shape=array")
            tab.goto(f"/longlist/{name}")
            text = page_text(tab)
            assert not [s for s in STALE if s in text], (name, [s for s in STALE if s in text])
            assert tab.page.locator("p.chart-empty").count() == 0, name
            query = next(q for q in charts.charted_queries(REPO) if q.name == name)
            assert drawn_marks(tab) == len(plottable(rows, query.chart)) > 0, name
        # the rating page's consensus sentence counts the contributed set
        tab.goto("/rate")
        tab.page.wait_for_selector("#rate[data-ready=true]")
        tab.page.fill("#score-1", "7")
        assert "mean place over the 2 rating sets" in tab.page.locator(".rate-consensus-what").inner_text()
        for path in (f"/longlist/theories/{SKIPPED}", "/longlist/theories/3", "/rate"):
            tab.goto(path)
            assert tab.page.evaluate("document.documentElement.scrollWidth") <= width, path
        tab.check()
    finally:
        tab.context.close()
