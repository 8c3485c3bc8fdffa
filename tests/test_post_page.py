"""The post's own page (/post), the theory relations as sentences, and what every reading page
carries: the footer (source, licence, citation), the menu, a description, OpenGraph tags and
a canonical link, and a place in the sitemap (docs/site.md).

Expected text comes from the database, never from the templates. Screenshots at both widths go
to $SCREENSHOT_DIR (for example /tmp/site-shots), never into the repository.
"""

import json
import os
import re
from html.parser import HTMLParser

import pytest

from tests.helpers import REPO, Tab, get, words

WIDTHS = (390, 1280)
READING_PAGES = ["/post", "/thread", "/rate", "/longlist/theories/9", "/longlist/comments/c07"]


def shots_dir(tmp_path_factory):
    shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path_factory.mktemp("screenshots"))
    os.makedirs(shots, exist_ok=True)
    return shots


@pytest.mark.parametrize("width", WIDTHS)
def test_post_page_reads_the_post_in_page_order(browser, server, db, width, tmp_path_factory):
    theories = db.execute("select number, title, description, start from theories order by start").fetchall()
    sections = db.execute("select id, text, start from post_sections order by start").fetchall()
    points = db.execute("select id, theory_number, text from theory_points order by theory_number, position").fetchall()
    source_url = json.loads(REPO.package_path.read_text(encoding="utf-8"))["sources"][0]["path"]
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    try:
        tab.goto("/post")
        page = tab.page
        text = words(page.locator("article.post").inner_text())
        # every paragraph and every theory, in the order the raw snapshot gives them
        pieces = [(s["start"], words(s["text"])) for s in sections] + [
            (t["start"], f"{t['number']}. {t['title']}: {words(t['description'])}") for t in theories
        ]
        at = -1
        for _, piece in sorted(pieces):
            found = text.find(piece, at + 1)
            assert found > at, f"not found after the previous part: {piece[:60]}"
            at = found
        # each sub-point under its own theory, in full
        for point in points:
            item = page.locator(f"#theory-{point['theory_number']} [id='point-{point['id']}']")
            assert item.count() == 1, point["id"]
            assert words(point["text"]) in words(item.inner_text())
        # the exercise and the disagreement are there; the source and the licence are linked
        assert page.locator("section#exercise").count() == 1 and page.locator("section#disagreement").count() == 1
        assert page.locator(f"article.post a[href='{source_url}']").count() >= 1
        assert page.locator("article.post a[href*='creativecommons.org']").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=os.path.join(shots_dir(tmp_path_factory), f"post-{width}.png"), full_page=True)
        # each theory links to its page
        with page.expect_navigation():
            page.locator("#theory-9 a.theory-link").click()
        assert page.url.endswith("/longlist/theories/9")
        tab.check()
    finally:
        tab.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_theory_relations_read_as_sentences_from_subject_to_object(browser, server, db, width):
    # the relations the post states (the critique's "Same critique as 9" is shown in its own part)
    relations = db.execute(
        "select * from theory_relations where 9 in (subject_theory_number, object_theory_number) and document_id = 'longlist' order by id"
    ).fetchall()
    assert {r["relation"] for r in relations} == {"variant_of", "lower_bar_than"}
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    try:
        tab.goto("/longlist/theories/9")
        sentences = [words(s) for s in tab.page.locator("section.relations .relation-sentence").all_inner_texts()]
        assert len(sentences) == len(relations)
        for relation, sentence in zip(relations, sentences):
            # the subject comes first and the object after the verb, as the data says
            verb = {"variant_of": "is a version of", "lower_bar_than": "is a lower bar than"}[relation["relation"]]
            before, _, after = sentence.partition(f" {verb} ")
            assert after, sentence
            for end, part in ((relation["subject_id"], before), (relation["object_id"], after)):
                assert (f"sub-point {end}" in part) if "." in end else ("this theory" in part), (sentence, end)
            assert sentence[0].isupper() and sentence.endswith(".")
            assert "_" not in sentence and " of 9 " not in sentence
        # the lower bar is 9.2's, compared with 9.1, not with theory 9
        assert any(s.startswith("Its sub-point 9.2") and s.endswith("its sub-point 9.1 (Ambitious version).") for s in sentences)
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= width
        tab.check()
    finally:
        tab.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_reading_page_has_the_footer_menu_and_page_description(browser, server, width):
    source_url = json.loads(REPO.package_path.read_text(encoding="utf-8"))["sources"][0]["path"]
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    try:
        for path in ["/"] + READING_PAGES:
            tab.goto(path)
            page = tab.page
            footer = page.locator("footer .site-footer")
            assert footer.count() == 1, path
            assert footer.locator(f"a.footer-source[href='{source_url}']").count() == 1, path
            assert footer.locator("a.footer-license[href*='creativecommons.org/licenses/by/4.0']").count() == 1, path
            assert "remain their authors'" in footer.inner_text(), path
            menu = [words(t) for t in page.locator("details.nav-menu a").all_text_contents()]
            for label in ("The post", "The comment thread", "Rate the theories", "Search all the text"):
                assert label in menu, (path, menu)
            if path != "/":
                assert page.locator("meta[name=description]").get_attribute("content"), path
                assert page.locator("meta[property='og:title']").count() == 1, path
                assert page.locator("link[rel=canonical]").get_attribute("href") == server + path, path
            assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        # the footer's citation link leads to the index page's "How to cite"
        with tab.page.expect_navigation():
            tab.page.locator("footer a.footer-cite").click()
        assert tab.page.locator("#how-to-cite h2").inner_text() == "How to cite"
        tab.check()
    finally:
        tab.context.close()


class Locs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inside, self.found = False, []

    def handle_starttag(self, tag, attrs):
        self.inside = tag == "loc"

    def handle_data(self, data):
        if self.inside:
            self.found.append(data.strip())


def test_sitemap_lists_every_reading_page(server, db):
    status, _, body = get(server + "/sitemap.xml")
    assert status == 200
    parser = Locs()
    parser.feed(body.decode("utf-8"))
    paths = {re.sub(r"^https?://[^/]+", "", loc) for loc in parser.found}
    expected = {"/post", "/thread", "/rate"}
    expected |= {f"/longlist/theories/{r[0]}" for r in db.execute("select number from theories")}
    expected |= {f"/longlist/comments/{r[0]}" for r in db.execute("select id from comments")}
    assert expected <= paths, sorted(expected - paths)
    for path in ("/post", "/longlist/theories/9", "/longlist/comments/c07"):
        assert get(server + path)[0] == 200, path


def test_every_relation_of_the_schema_has_a_sentence(descriptor):
    import importlib.util

    spec = importlib.util.spec_from_file_location("reading", REPO.root / "site" / "plugins" / "reading.py")
    reading = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reading)
    field = next(f for r in descriptor["resources"] if r["name"] == "theory_relations" for f in r["schema"]["fields"] if f["name"] == "relation")
    assert set(field["constraints"]["enum"]) == set(reading.RELATION_SENTENCES)
    for pattern in reading.RELATION_SENTENCES.values():
        assert pattern.index("{subject}") < pattern.index("{object}") or pattern.startswith("The post"), pattern


@pytest.mark.parametrize("width", WIDTHS)
def test_argument_map_reads_without_hover_and_its_legend_is_whole(browser, server, db, width, tmp_path_factory):
    arguments = db.execute("select id, summary from arguments where document_id = 'longlist' order by start, id").fetchall()
    titles = {str(r["number"]): r["title"] for r in db.execute("select number, title from theories")}
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    try:
        tab.goto("/thread")
        figure = tab.page.locator("#argument-map svg.argument-map-figure")
        figure.scroll_into_view_if_needed()
        # each argument's own words are drawn as text, not only in a hover title
        drawn = figure.locator("a[href*='/arguments/'] > text").all_text_contents()
        assert len(drawn) == len(arguments)
        for argument, text in zip(arguments, drawn):
            assert text.startswith(argument["id"]) and " ".join(argument["summary"].split()[:4]) in text, text
        # the theories by name, next to their numbers
        stances = " ".join(figure.locator("text[fill='#444444']").all_text_contents())
        assert "3 Auditing" in stances and f"9 {titles['9']}" in stances
        # the legend (every relation) lies within the screen's width
        frame = tab.page.locator("#argument-map .figure-scroll").bounding_box()
        for relation in ("supports", "agrees", "answers", "clarifies", "rebuts"):
            label = figure.locator("text").filter(has_text=re.compile(f"^{relation}$")).first.bounding_box()
            assert label["x"] + label["width"] <= min(width, frame["x"] + frame["width"]), relation
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= width
        tab.page.screenshot(path=os.path.join(shots_dir(tmp_path_factory), f"thread-argument-map-{width}.png"))
        tab.check()
    finally:
        tab.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_smaller_reading_aids(browser, server, db, width):
    """Parameter boxes show the default their results use; search results without the raw rank
    and with whole words; web addresses in comments are links; bylines in plain words."""
    inferred = db.execute("select id from comments where attribution_grade = 'inferred' order by position").fetchall()
    urls = [u for (body,) in db.execute("select body from comments") for u in re.findall(r"https?://\S+", body)]
    assert inferred and len(urls) == 2  # facts of the source: one inferred writer, two spreadsheets
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    try:
        tab.goto("/longlist/theory_with_points")
        first = tab.page.locator("table.rows-and-columns tbody tr").first.inner_text()
        assert tab.page.locator("input[name=number]").input_value() == "9" and "Interpretability tools in the loss function" in first
        tab.goto("/longlist/search_text?q=deception")
        header = [h.strip() for h in tab.page.locator("table.rows-and-columns thead th").all_inner_texts()]
        assert header == ["kind", "id", "title", "snippet"]
        assert tab.page.locator("input[name=q]").first.input_value() == "deception"
        for row in tab.page.locator("table.rows-and-columns tbody tr").all():
            if row.locator("td.col-kind").inner_text().strip() == "comment":
                title = row.locator("td.col-title").inner_text().strip()
                assert title.endswith(" …") or not title.endswith("…"), title
                title_words = title.removesuffix(" …").split()
                body = " ".join(db.execute("select body from comments where id = ?", [row.locator("td.col-id").inner_text().strip()]).fetchone()[0].split())
                assert body.startswith(" ".join(title_words)), title  # whole words only
        linked = set()
        for comment in ("c17", "c18"):
            tab.goto(f"/longlist/comments/{comment}")
            linked |= {a.get_attribute("href") for a in tab.page.locator(".comment-text a.source-url").all()}
        assert {u.rstrip(".,;:)") for u in urls} <= linked
        tab.goto("/longlist/comments/c01")
        assert words(tab.page.locator(".byline").inner_text()).startswith("By Rohin.")
        tab.goto("/thread")
        for (comment_id,) in inferred:
            assert "inferred" in tab.page.locator(f"li#{comment_id} > .comment-box .comment-head").inner_text()
        assert tab.page.evaluate("document.documentElement.scrollWidth") <= width
        tab.check()
    finally:
        tab.context.close()
