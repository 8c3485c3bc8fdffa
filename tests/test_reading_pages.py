"""The pages made for reading (docs/site.md), in Debian's chromium against a served instance:
a theory's page, a comment's page, the whole thread, and the query pages' reading aids.

What each page must show is checked against the database, not against the templates: the
theory's sub-points, rank and arguments, the comment's edit and writer, the thread's reply
tree. Every page must load without a failed request or a console error and must not scroll
sideways at 390 px (a phone) or 1,280 px. Screenshots of each page at both widths go to
$SCREENSHOT_DIR (for example /tmp/shots-13), never into the repository.
"""

import os

import pytest

from scripts.publishing import queries as saved
from tests.helpers import REPO, Tab, words

pytestmark = [pytest.mark.browser, pytest.mark.server]

WIDTHS = (390, 1280)
READING_PAGES = ["/longlist/theories/9", "/longlist/comments/c01", "/thread", "/longlist/theories/20", "/longlist/comments/c11", "/longlist/comments/c14"]
OTHER_PAGES = ["/", "/longlist", "/longlist/comments_on_a_theory?number=9", "/longlist/thread_tree", "/longlist/comments", "/longlist/theory_overview"]


def test_theory_page_shows_sub_points_rank_and_arguments_linking_to_comments(tab, db):
    theory = db.execute("select * from theories where number = 9").fetchone()
    points = db.execute("select id, text from theory_points where theory_number = 9 order by position").fetchall()
    rank = db.execute("select rank from ratings where theory_number = 9 and rating_set_id = 'discussion-group'").fetchone()["rank"]
    targets = db.execute(
        "select a.id, a.comment_id, a.evidence_quote, g.stance from argument_targets g join arguments a on a.id = g.argument_id"
        " where g.theory_number = 9 and a.document_id = 'longlist'"
    ).fetchall()
    discussing = {r[0] for r in db.execute("select comment_id from theory_discussion where theory_number = 9")}

    tab.goto("/longlist/theories/9")
    page = tab.page
    assert page.title() == f"Theory 9: {theory['title']}"
    assert words(page.locator("h1").inner_text()) == f"9. {theory['title']}"
    assert words(theory["description"]) in words(page.locator(".theory-description").inner_text())
    # its two sub-points, in full
    assert len(points) == 2
    shown = page.locator("li.sub-point")
    assert shown.count() == 2
    for point, item in zip(points, shown.all()):
        assert point["id"] in item.inner_text() and words(point["text"]) in words(item.inner_text())
    # its rank in the discussion group's order
    assert f"{rank} of 19" in page.locator(".group-rank").inner_text()
    assert "No scores yet" in page.locator(".scores").inner_text()
    # the arguments, grouped by stance, each with its quote
    for stance in {t["stance"] for t in targets}:
        heading = page.locator(f"h3.stance-{stance}")
        assert heading.count() == 1
        listed = heading.locator("xpath=following-sibling::ul[1]").locator("li.argument a.argument-link").all_inner_texts()
        assert set(listed) == {t["id"] for t in targets if t["stance"] == stance}
    for target in targets:
        assert words(target["evidence_quote"]) in words(page.locator(f"#argument-{target['id']} blockquote.evidence").inner_text())
    # the comments that discuss it: the one definition, the view theory_discussion
    # (c01 argues theory 9; c05 restates c01's words about it, voice quoted)
    assert set(page.locator(".discussing-comments a.comment-link").all_inner_texts()) == discussing == {"c01", "c05"}
    # each argument made in a comment links to that comment's page, which holds its quote
    in_comments = [t for t in targets if t["comment_id"]]
    assert in_comments
    first = in_comments[0]
    with page.expect_navigation():
        page.locator(f"#argument-{first['id']} a.said-in").click()
    assert page.url.endswith(f"/longlist/comments/{first['comment_id']}")
    assert words(first["evidence_quote"]) in words(page.locator(".comment-text").inner_text())
    tab.check()


def test_theory_page_links_to_neighbours_and_names_what_is_missing(tab, db):
    tab.goto("/longlist/theories/20")
    page = tab.page
    assert "did not rank it" in page.locator(".group-rank").inner_text()  # added after the discussion
    assert page.locator("a.next-theory").count() == 0
    with page.expect_navigation():
        page.locator("a.previous-theory").click()
    title = db.execute("select title from theories where number = 19").fetchone()[0]
    assert words(page.locator("h1").inner_text()) == f"19. {title}"
    tab.check()


def test_comment_page_shows_the_edit_in_full_the_writer_and_the_tree(tab, db):
    comment = db.execute("select * from comments where id = 'c01'").fetchone()
    edit = db.execute("select * from comment_edits where comment_id = 'c01'").fetchone()
    replies = [r[0] for r in db.execute("select id from comments where parent_id = 'c01' order by position")]
    arguments = [r[0] for r in db.execute("select id from arguments where comment_id = 'c01' order by start")]
    assert edit["date"].startswith("2023")

    tab.goto("/longlist/comments/c01")
    page = tab.page
    # the 2023 edit, whole (Datasette's cell limit cut it at 2,048 characters)
    assert words(page.locator(".comment-text aside.edit").inner_text()).endswith(words(edit["text"]))
    assert "March 26, 2023" in page.locator(".edit-label").inner_text()
    # the opening quotation, set apart, and the comment's own words as paragraphs, edit not repeated
    assert words(page.locator("blockquote.opening-quote > p").first.inner_text()) == words(comment["quoted_text"])
    prose = page.locator(".comment-text > p")
    own_words = comment["body"].replace(edit["text"], "").strip()
    assert prose.count() == own_words.count("\n\n") + 1
    assert words(" ".join(prose.all_inner_texts())) == words(own_words)
    # who wrote it, and the evidence
    assert page.locator("a.writer").inner_text() == "Rohin"
    assert words(comment["attribution_evidence"]) in words(page.locator("details.attribution").inner_text())
    # its replies and arguments
    assert page.locator("a.reply-link").all_inner_texts() == replies
    assert page.locator("li.argument a.argument-link").all_inner_texts() == arguments
    with page.expect_navigation():
        page.locator("a.reply-link").first.click()
    assert page.url.endswith(f"/longlist/comments/{replies[0]}")
    assert page.locator("a.parent-link").inner_text() == "c01"
    tab.check()


def test_comment_page_says_why_a_suggestive_comment_has_no_writer(tab, db):
    """c14 is weighed against the rule that makes c18 inferred and not attributed: its page says
    the writer is unknown and, on opening, why, with the words weighed."""
    comment = db.execute("select * from comments where id = 'c14'").fetchone()
    assert comment["participant_id"] is None and comment["attribution_basis"].startswith("Not attributed")
    tab.goto("/longlist/comments/c14")
    page = tab.page
    assert "Writer unknown" in page.locator(".byline").inner_text()
    why = page.locator("details.attribution.unattributed")
    assert why.locator("summary").inner_text() == "Why no writer is recorded"
    why.locator("summary").click()
    shown = words(why.inner_text())
    assert words(comment["attribution_basis"]) in shown and words(comment["attribution_evidence"]) in shown
    tab.goto("/longlist/comments/c11")  # an unattributed comment nothing suggests a writer for
    assert page.locator("details.attribution").count() == 0
    tab.check()


def test_comment_page_of_an_unattributed_deep_reply(tab, db):
    comment = db.execute("select * from comments where id = 'c11'").fetchone()
    assert comment["participant_id"] is None and comment["depth"] == 2
    tab.goto("/longlist/comments/c11")
    page = tab.page
    assert "Writer unknown" in page.locator(".byline").inner_text()
    place = words(page.locator(".place").inner_text())
    assert f"c09 → {comment['parent_id']} → c11" in place and "depth 2" in place
    tab.check()


def test_thread_page_shows_every_comment_nested_in_full(tab, db):
    comments = db.execute("select * from comments order by position").fetchall()
    edits = {e["comment_id"]: e["text"] for e in db.execute("select * from comment_edits")}
    tab.goto("/thread")
    page = tab.page
    items = page.locator("ol.comment-tree li.comment")
    assert items.count() == len(comments) == 18
    for comment in comments:
        item = page.locator(f"li.comment#{comment['id']}")
        # nested: the closest enclosing comment is its parent
        enclosing = item.locator("xpath=ancestor::li[contains(@class, 'comment')][1]")
        if comment["parent_id"]:
            assert enclosing.get_attribute("id") == comment["parent_id"], comment["id"]
            # real indentation: a reply starts to the right of the comment it answers
            parent_box = page.locator(f"li.comment#{comment['parent_id']} > .comment-box").bounding_box()
            assert item.locator("> .comment-box").bounding_box()["x"] > parent_box["x"] + 5, comment["id"]
        else:
            assert enclosing.count() == 0, comment["id"]
        # the full text: every paragraph of its own words, and its edit
        shown = words(item.locator("> .comment-box").inner_text())
        assert words(comment["body"].replace(edits.get(comment["id"], ""), "")) in shown, comment["id"]
        if comment["id"] in edits:
            assert words(edits[comment["id"]]) in shown
        assert item.locator("> .comment-box a.comment-link").get_attribute("href") == f"/longlist/comments/{comment['id']}"
    # the argument map, drawn by the build, with a link to every comment and argument
    figure = page.locator("#argument-map svg.argument-map-figure")
    assert figure.count() == 1
    n_arguments = db.execute("select count(*) from arguments where document_id = 'longlist'").fetchone()[0]  # the thread's map
    assert figure.locator("a[href^='/longlist/comments/']").count() == len(comments)
    assert figure.locator("a[href^='/longlist/arguments/']").count() == n_arguments
    with page.expect_navigation():
        page.locator("li.comment#c05 > .comment-box a.comment-link").click()
    assert page.locator("h1").inner_text() == "Comment c05"
    tab.check()


def test_query_page_is_titled_by_its_question_hides_its_sql_and_links_ids(tab, db):
    header, _ = saved.read_sql(REPO.root / "sql" / "queries" / "comments_on_a_theory.sql")
    tab.goto("/longlist/comments_on_a_theory?number=9")
    page = tab.page
    assert page.title() == header["title"]
    assert page.locator("pre#sql-query").count() == 0 and page.locator("textarea#sql-editor").count() == 0
    # the ids in the result open their pages: the theory, and the comment that argues about it
    assert page.locator("td.col-id a[href='/longlist/theories/9']").count() == 1
    assert page.locator("td.col-id a[href='/longlist/comments/c01']").count() == 1
    # the comment's text is whole, its 2023 edit included
    edit = db.execute("select text from comment_edits where comment_id = 'c01'").fetchone()[0]
    assert words(edit) in words(page.locator("td.col-text").nth(1).inner_text())
    # one click shows the SQL
    with page.expect_navigation():
        page.locator(".show-hide-sql a").click()
    assert "from theory_discussion" in page.locator("#sql-query, #sql-editor").first.text_content()
    tab.check()


def test_ids_link_in_argument_queries_and_views(tab):
    tab.goto("/longlist/arguments_on_theory")
    page = tab.page
    assert page.locator("td.col-argument a[href^='/longlist/arguments/a']").count() > 0
    assert page.locator("td.col-said_in a").count() == page.locator("td.col-said_in").count()
    tab.goto("/longlist/theory_overview")
    assert page.locator("td.col-comment_ids a[href='/longlist/comments/c09']").count() == 1
    tab.check()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(browser, server, width, tmp_path_factory):  # noqa: F811
    shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path_factory.mktemp("screenshots"))
    os.makedirs(shots, exist_ok=True)
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    wide = {}
    try:
        for path in READING_PAGES + OTHER_PAGES:
            tab.goto(path)
            scroll_width = tab.page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                wide[path] = scroll_width
            name = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "index"
            tab.page.screenshot(path=os.path.join(shots, f"{name}-{width}.png"), full_page=True)
        assert not wide, f"pages wider than {width} px: {wide}"
        tab.check()
    finally:
        tab.context.close()
