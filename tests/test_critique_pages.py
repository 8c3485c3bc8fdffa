"""The critique on the site, in Debian's chromium against a served instance: theory 9's page
shows the critique's answer in full with its critique types; the critique's page lists its 20
answers with links to the theories; c07's page links to it; the three saved queries of the
debate answer. What each page must show is read from the database; every page loads without a
failed request or a console error and does not scroll sideways at 390 or 1,280 px. Screenshots
go to $SCREENSHOT_DIR (for example /tmp/critique-shots), never into the repository."""

import os

import pytest

from tests.helpers import Tab, words

pytestmark = [pytest.mark.browser, pytest.mark.server]

WIDTHS = (390, 1280)
PAGES = [
    "/",
    "/longlist/theories/9",
    "/longlist/theories/6",
    "/longlist/theories/20",
    "/longlist/documents/critique",
    "/longlist/documents/longlist",
    "/longlist/comments/c07",
    "/longlist/theory_critiques_and_defenders",
    "/longlist/critique_types_per_theory",
    "/longlist/critique_grants",
]


def test_theory_9_shows_the_critiques_answer_and_its_types(tab, db):
    bullets = db.execute(
        "select b.*, t.label from critique_bullets b left join critique_types t on t.id = b.critique_type where answer_id = 'ca09' order by position"
    ).fetchall()
    thread = {
        r[0]
        for r in db.execute(
            "select a.id from argument_targets g join arguments a on a.id = g.argument_id where g.theory_number = 9 and a.document_id = 'longlist'"
        )
    }
    assert [b["heading"] for b in bullets] == ["Dual Use", "List of lethalities 27. Selecting for undetectability"]
    tab.goto("/longlist/theories/9")
    page = tab.page
    part = page.locator("section#critique")
    assert part.locator("h2").inner_text() == "The critique"
    answer = part.locator("#answer-ca09")
    # the answer in full: every bullet, the critique's words (Markdown rendered, so compare its words)
    shown = answer.locator("li.critique-bullet")
    assert shown.count() == len(bullets) == 2
    assert "for obvious reasons, and this one is particularly dangerous." in shown.nth(0).inner_text()
    assert "Optimizing against an interpreted thought optimizes against interpretability." in words(shown.nth(1).inner_text())
    # its critique types, by the critique's own labels
    assert set(answer.locator(".critique-types .critique-type").all_inner_texts()) == {b["label"] for b in bullets}
    # the theory quoted as the critique quotes it, apart from the critique's words
    assert "Ambitious version" in answer.locator("blockquote.critique-quote").inner_text()
    # answer 20 repeats this one: linked back
    assert "theory 20" in part.locator(".repeated-by").inner_text()
    # the thread's arguments stay the thread's
    assert set(page.locator("section.arguments li.argument a.argument-link").all_inner_texts()) == thread
    with page.expect_navigation():
        part.locator("a.critique-document").click()
    assert page.url.endswith("/longlist/documents/critique")
    tab.check()


def test_theory_20_links_to_the_answers_it_repeats(tab):
    tab.goto("/longlist/theories/20")
    links = tab.page.locator("#answer-ca20 a.repeats-link")
    assert links.all_inner_texts() == ["the answer to theory 9", "the answer to theory 15", "the answer to theory 16"]
    with tab.page.expect_navigation():
        links.nth(1).click()
    assert tab.page.url.endswith("/longlist/theories/15#critique")
    assert tab.page.locator("#answer-ca15 a.section-link").inner_text() == "Microscope AI?"
    tab.check()


def test_theory_6_shows_the_answers_to_its_sub_points(tab, db):
    tab.goto("/longlist/theories/6")
    nested = tab.page.locator("section#critique .nested-answer")
    assert nested.count() == 2
    assert "Coordinating a slowdown" in nested.nth(1).locator("blockquote.critique-quote").inner_text()
    assert "qualifies" in nested.nth(1).locator("h3").inner_text()
    tab.check()


def test_the_critiques_page_lists_its_twenty_answers_with_links_to_the_theories(tab, db):
    document = db.execute("select * from documents where id = 'critique'").fetchone()
    titles = {r["number"]: r["title"] for r in db.execute("select number, title from theories")}
    tab.goto("/longlist/documents/critique")
    page = tab.page
    assert page.locator("h1").inner_text() == document["title"]
    assert "2023-08" in page.locator(".byline").inner_text() and "the day is not known" in page.locator(".byline").inner_text()
    top = page.locator("ol.answer-list > li.answer:not(.nested-answer)")
    assert top.count() == 20
    hrefs = top.locator("a.theory-link").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == [f"/longlist/theories/{n}#critique" for n in range(1, 21)]
    assert page.locator("ol.answer-list > li.nested-answer").count() == 2
    assert page.locator("a.named-in-link").all_inner_texts() == ["c07"]
    with page.expect_navigation():
        top.nth(2).locator("a.theory-link").click()
    assert words(page.locator("h1").inner_text()) == f"3. {titles[3]}"
    tab.check()


def test_the_index_page_says_the_package_holds_both_sides(tab):
    tab.goto("/")
    sentence = tab.page.locator(".front-door-both-sides")
    assert "both sides of the debate" in sentence.inner_text()
    with tab.page.expect_navigation():
        sentence.locator("a.critique-link").click()
    assert tab.page.url.endswith("/longlist/documents/critique")
    tab.check()


def test_c07_links_to_the_critiques_page(tab):
    tab.goto("/longlist/comments/c07")
    link = tab.page.locator("section.named-documents a.document-link")
    assert link.inner_text() == "Against Almost Every Theory of Impact of Interpretability"
    with tab.page.expect_navigation():
        link.click()
    assert tab.page.url.endswith("/longlist/documents/critique")
    tab.check()


def test_the_debate_queries_answer(tab, db):
    tab.goto("/longlist/theory_critiques_and_defenders")
    assert tab.page.locator("table.rows-and-columns tbody tr").count() == 20
    # the critique's arguments on theory 3 say where they are made, linked to the answer
    tab.goto("/longlist/arguments_on_theory?theory=3")
    on_three = db.execute(
        "select count(distinct a.id) from arguments a join argument_targets t on t.argument_id = a.id "
        "where a.critique_answer_id = 'ca03' and t.theory_number = 3"
    ).fetchone()[0]
    assert on_three >= 2  # ca03 has two bullets against auditing
    assert tab.page.locator("td.col-said_in a[href='/longlist/critique_answers/ca03']").count() == on_three
    assert tab.page.locator("td.col-argument a[href='/longlist/arguments/k05']").count() == 1
    tab.goto("/longlist/critique_grants")
    answers = set(tab.page.locator("table.rows-and-columns td.col-critique_answer").all_inner_texts())
    assert {a.strip() for a in answers} == {"ca01", "ca06.2", "ca08", "ca16"}
    tab.goto("/longlist/critique_types_per_theory")
    theories = {t.strip() for t in tab.page.locator("table.rows-and-columns td.col-theory").all_inner_texts()}
    assert len(theories) == 20  # the chart never lies blank: every theory has a type
    tab.check()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_critique_page_scrolls_sideways(browser, server, width, tmp_path_factory):
    shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path_factory.mktemp("screenshots"))
    os.makedirs(shots, exist_ok=True)
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    wide = {}
    try:
        for path in PAGES:
            tab.goto(path)
            scroll_width = tab.page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                wide[path] = scroll_width
            name = path.strip("/").replace("/", "_")
            tab.page.screenshot(path=os.path.join(shots, f"{name}-{width}.png"), full_page=True)
        assert not wide, f"pages wider than {width} px: {wide}"
        tab.check()
    finally:
        tab.context.close()
