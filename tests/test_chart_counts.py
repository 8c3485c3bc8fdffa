"""The live charts count what their titles say, at 390 px and 1,280 px (docs/site.md).

`arguments_per_theory` ("Arguments for and against each theory") stacks arguments by stance: a
theory's bar is as long as its own-voice arguments, each counted once. Where they come from is
counted per theory, each comment once whatever stances it takes. The expected figures are
computed here from the package's CSVs, not from the query: auditing (theory 3) is argued about
by 6 sources (5 comments and the post's disagreement paragraph).
"""

import os
import re

import pytest

from tests.helpers import Tab, svg_marks

WIDTHS = (390, 1280)
SVG_BAR = re.compile(r"arguments: (\d+); theory: (\d\d) [^;]*; stance: (\w+)")


def own_arguments_and_sources(tables, number):
    # the thread's own-voice arguments (the critique's answers are counted by their own queries)
    own = {a["id"]: a for a in tables["arguments"] if a["voice"] == "own" and a["document_id"] == "longlist"}
    targets = [t for t in tables["argument_targets"] if t["theory_number"] == str(number) and t["argument_id"] in own]
    arguments = {t["argument_id"] for t in targets}
    sources = {own[a]["comment_id"] or "post:" + own[a]["post_section_id"] for a in arguments}
    by_stance = {}
    for t in targets:
        by_stance.setdefault(t["stance"], set()).add(t["argument_id"])
    return arguments, sources, by_stance


def test_auditing_is_argued_by_six_sources(tables):
    arguments, sources, by_stance = own_arguments_and_sources(tables, 3)
    assert len(sources) == 6 and "post:disagreement" in sources
    # a source that takes two stances: counting sources per stance and adding them up counts it twice
    own = {a["id"]: a["comment_id"] or "post:" + a["post_section_id"] for a in tables["arguments"]}
    per_stance = sum(len({own[a] for a in ids}) for ids in by_stance.values())
    assert per_stance > len(sources)
    assert sum(len(ids) for ids in by_stance.values()) == len(arguments)  # one stance per argument and theory


@pytest.mark.parametrize("width", WIDTHS)
def test_stance_chart_stacks_arguments_and_counts_each_source_once(browser, server, tables, width, tmp_path_factory):
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    try:
        tab.goto("/longlist/arguments_per_theory")
        page = tab.page
        page.wait_for_selector("#chart .chart-area[data-drawn] svg.marks")
        svg = page.evaluate("() => new XMLSerializer().serializeToString(document.querySelector('#chart .chart-area svg.marks'))")
        bars = {}
        for count, theory, stance in SVG_BAR.findall(svg):
            bars.setdefault(int(theory), {})[stance] = int(count)
        assert svg_marks(svg) == sum(len(stances) for stances in bars.values())
        for number, drawn in bars.items():
            arguments, sources, by_stance = own_arguments_and_sources(tables, number)
            assert drawn == {stance: len(ids) for stance, ids in by_stance.items()}, number
            assert sum(drawn.values()) == len(arguments), number
        # the table beside it: auditing's sources, each once
        header = [h.strip() for h in page.locator("table.rows-and-columns thead th").all_inner_texts()]
        column = header.index("sources_on_theory")
        auditing = [r for r in page.locator("table.rows-and-columns tbody tr").all() if "03 Auditing" in r.inner_text()]
        assert auditing and {r.locator("td").nth(column).inner_text().strip() for r in auditing} == {"6"}
        # the chart's legend reads for, against, then the softer stances; the labels are whole
        assert [s for s in re.findall(r"<text[^>]*>(supports|opposes|qualifies|questions)</text>", svg)] == ["supports", "opposes", "qualifies", "questions"]
        assert "…" not in svg
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width < 600:
            assert page.locator(".chart-scroll-note").is_visible()
        shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path_factory.mktemp("shots"))
        page.locator("#chart").screenshot(path=os.path.join(shots, f"chart-arguments_per_theory-{width}.png"))
        # the theory page gives the same count of sources
        tab.goto("/longlist/theories/3")
        assert "from 6 sources" in page.locator(".source-count").inner_text()
        tab.check()
    finally:
        tab.context.close()
