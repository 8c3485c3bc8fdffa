"""The rating page (/rate) in a real browser: a fixed set of scores entered as a reader would,
the comparison it shows checked against the package's own aggregates
(scripts/pipeline/aggregates.compare_new_set), the downloaded file built into the package and
found on the site; keyboard use, phone and desktop widths, and nothing sent anywhere."""

import random
import shutil
import zipfile
from contextlib import contextmanager
from pathlib import Path

import pytest

from scripts.build import build, built_zip_name
from scripts.core.schema import load_descriptor
from scripts.pipeline import aggregates
from scripts.ratings import compare, contributed
from tests.helpers import REPO, Tab, copy_inputs, fetch_json, quiet, read_csv, start_server, stop_server

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.slow]

FIXTURE_SETS = REPO.root / "tests" / "fixtures" / "ratings"
SHOTS = Path("/tmp/site-shots")
# The fixed set: halves, a tie (theories 4 and 5), skipped theories, an unranked theory (20).
LABEL, DATE = "Fixture page rater", "2001-02-03"
TYPED = {1: "9", 2: "2", 3: "4,5", 4: "6", 5: "6", 6: "3", 7: "10", 8: "8", 16: "1", 18: "7.5", 20: "5"}
SCORES = {n: float(text.replace(",", ".")) for n, text in TYPED.items()}
SET_ID = f"fixture-page-rater-{DATE}"
# What the page may ask the instance for: its own page, style, script and data. Nothing else.
PAGE_REQUESTS = {"/rate", "/-/static/app.css", "/assets/rate.css", "/assets/rate.js", "/rating/reference.json"}


def with_fixture_sets(destination):
    """A built copy of the project holding the six fixture rating sets besides the group."""
    project = copy_inputs(destination)
    for fixture in sorted(FIXTURE_SETS.glob("fixture-rater-*.csv")):
        shutil.copy(fixture, project.contrib_ratings_dir / fixture.name)
    build(project, progress=quiet)
    return project


@contextmanager
def serving(project, log):
    process, base = start_server(project, log)
    try:
        yield base
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def rated(tmp_path_factory):
    return with_fixture_sets(tmp_path_factory.mktemp("rated"))


@pytest.fixture(scope="module")
def rated_server(rated, tmp_path_factory):
    with serving(rated, tmp_path_factory.mktemp("rated-server") / "datasette.log") as base:
        yield base


@pytest.fixture(scope="module")
def real_server(built, tmp_path_factory):
    with serving(built, tmp_path_factory.mktemp("real-server") / "datasette.log") as base:
        yield base


def open_page(browser, base, width=1280):
    tab = Tab(browser, base)
    tab.page.set_viewport_size({"width": width, "height": 900})
    tab.requests = []
    tab.page.on("request", lambda request: tab.requests.append((request.method, request.url)))
    tab.goto("/rate")
    tab.page.wait_for_selector("#rate[data-ready=true]")
    return tab


def enter_fixed_set(page):
    page.fill("#rate-label", LABEL)
    page.fill("#rate-date", DATE)
    for number, text in TYPED.items():
        page.fill(f"#score-{number}", text)


def shown_comparison(page):
    """What the page shows, read from the DOM."""

    def part(who):
        rho = page.locator(f".rate-rho-{who} .rate-rho-value").get_attribute("data-rho")
        items = page.locator(f".rate-differences-{who} li")
        return {
            "shared": int(page.locator(f".rate-rho-{who}").get_attribute("data-shared")),
            "rho": float(rho) if rho else None,
            "differences": [
                {
                    "theory_number": int(items.nth(i).get_attribute("data-theory")),
                    "rank": float(items.nth(i).get_attribute("data-rank")),
                    "reference_rank": float(items.nth(i).get_attribute("data-reference-rank")),
                }
                for i in range(items.count())
            ],
        }

    positions = {}
    for number in range(1, 21):
        line = page.locator(f"#position-{number}")
        if line.get_attribute("data-lower") is not None:
            positions[number] = {key: int(line.get_attribute(f"data-{key}")) for key in ("lower", "same", "higher")}
    return {"group": part("group"), "consensus": part("consensus"), "positions": positions}


def test_the_page_shows_what_the_aggregates_compute_and_its_file_builds_into_the_package(browser, rated, rated_server, tmp_path):
    tab = open_page(browser, rated_server)
    page = tab.page
    enter_fixed_set(page)
    shown = shown_comparison(page)

    expected = aggregates.compare_new_set(compare.read_tables(rated), SCORES)
    del expected["consensus"]["sets"]
    assert shown == expected
    # the comparison is not empty: both rhos exist and the fixture raters scored theories 1-5
    assert shown["group"]["rho"] is not None and shown["consensus"]["rho"] is not None
    assert set(shown["positions"]) == set(SCORES) and sum(shown["positions"][3].values()) == 6
    assert len(shown["group"]["differences"]) == aggregates.MOST_DIFFERENT
    assert "There are 6 other rating sets" not in page.locator(".rate-compare").inner_text()  # 7: the group and six raters
    assert "mean place over the 7 rating sets" in page.locator(".rate-compare").inner_text()

    with page.expect_download() as info:
        page.locator(".rate-download-button").click()
    download = info.value
    assert download.suggested_filename == f"{SET_ID}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    note = page.locator("#rate-note").input_value()
    rating_set = contributed.RatingSet(SET_ID, LABEL, "individual", DATE, note, SCORES)
    assert saved.read_text(encoding="utf-8") == contributed.format_set(rating_set)  # byte for byte the contributed format
    steps = page.locator(".rate-steps").inner_text()
    assert "pull request" in steps and "data/contrib/ratings/" in steps and "make build" in steps
    tab.check()
    tab.context.close()

    # The next build accepts the file unchanged, and the package and the site have the set.
    project = with_fixture_sets(tmp_path / "next")
    shutil.copy(saved, project.contrib_ratings_dir / saved.name)
    build(project, progress=quiet)
    assert {r["id"]: r["label"] for r in read_csv(project, "rating_sets")}[SET_ID] == LABEL
    published = {int(r["theory_number"]): float(r["score"]) for r in read_csv(project, "ratings") if r["rating_set_id"] == SET_ID}
    assert published == SCORES
    agreement = {r["rating_set_id"]: r for r in read_csv(project, "rating_agreement")}[SET_ID]
    assert float(agreement["rho_with_group"]) == shown["group"]["rho"] and float(agreement["rho_with_consensus"]) == shown["consensus"]["rho"]
    assert int(agreement["shared_with_group"]) == shown["group"]["shared"]
    descriptor = load_descriptor(project)
    with zipfile.ZipFile(project.build_dir / "downloads" / built_zip_name(project, descriptor)) as archive:
        assert archive.read("data/ratings.csv").decode("utf-8").count(f"\n{SET_ID},") == len(SCORES)
    with serving(project, tmp_path / "next.log") as base:
        rows = fetch_json(base, f"/longlist/rating_sets/{SET_ID}.json?_shape=objects")["rows"]
        assert [r["label"] for r in rows] == [LABEL]
        scores = fetch_json(base, f"/longlist/ratings.json?rating_set_id={SET_ID}&_shape=array&_size=max")
        assert {r["theory_number"]: r["score"] for r in scores} == SCORES
        row_page = Tab(browser, base)
        row_page.goto(f"/longlist/rating_sets/{SET_ID}")
        assert LABEL in row_page.page.locator("table").first.inner_text()
        row_page.check()
        row_page.context.close()


def test_the_page_sends_nothing_and_loads_only_its_own_files(browser, rated_server):
    tab = open_page(browser, rated_server)
    loading = list(tab.requests)
    enter_fixed_set(tab.page)
    with tab.page.expect_download():
        tab.page.locator(".rate-download-button").click()
    # loading asks this instance for files only: the page, its style, script and data, Datasette's own static files
    assert {method for method, _ in loading} == {"GET"} and all(url.startswith(rated_server + "/") for _, url in loading)
    paths = {url[len(rated_server) :].split("?")[0] for _, url in loading}
    assert PAGE_REQUESTS <= paths and all(path in PAGE_REQUESTS or path.startswith("/-/static") for path in paths), paths
    # scoring and downloading ask nothing of anyone: the file is made in the page (a blob: URL)
    assert [url for _, url in tab.requests[len(loading) :] if not url.startswith("blob:")] == []
    tab.check()
    tab.context.close()


def test_keyboard_use_scores_skips_and_moves_on(browser, real_server):
    tab = open_page(browser, real_server)
    page = tab.page
    first = page.locator("#score-1")
    first.focus()
    page.keyboard.type("7")
    page.keyboard.press("Enter")  # on to the next theory
    assert page.evaluate("document.activeElement.id") == "score-2"
    page.keyboard.press("ArrowUp")  # an empty box starts at 0
    page.keyboard.press("ArrowUp")
    assert page.locator("#score-2").input_value() == "0.5"
    page.keyboard.press("Escape")  # empty again: skipped
    assert page.locator("#score-2").input_value() == "" and page.locator("#state-2").inner_text() == "skipped"
    page.keyboard.press("Tab")  # Tab reads on: the next theory's title link, then its box
    assert page.evaluate("document.activeElement.closest('li').id") == "theory-3"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "score-3"
    page.keyboard.type("11")
    assert "11 is out of range" in page.locator("#problem-3").inner_text()
    page.keyboard.press("Backspace")
    assert page.locator("#problem-3").inner_text() == ""
    assert page.locator(".rate-count").inner_text() == "You have scored 2 theories of 20 and skipped 1."
    tab.check()
    tab.context.close()


@pytest.mark.parametrize("width", (390, 1280))
def test_keyboard_pass_never_hides_the_box_under_the_bar_and_says_places_in_words(browser, real_server, width):
    tab = open_page(browser, real_server, width)
    page = tab.page
    # before the reader does anything, nothing is "skipped"
    assert [t for t in page.locator(".rate-state").all_inner_texts() if t.strip()] == []
    assert "not scored a theory yet" in page.locator(".rate-count").inner_text()
    # scores with ties (two 8s, three 5s), typed box after box with Enter, as a keyboard rater does
    typed = [8, 8, 5, 5, 5, 9, 2, 7, 6, 3, 1, 4, 10, 0, 6.5, 7.5, 3.5, 2.5, 9.5, 4.5]
    page.locator("#score-1").focus()
    covered = []
    for number, score in enumerate(typed, start=1):
        assert page.evaluate("document.activeElement.id") == f"score-{number}"
        box = page.evaluate("document.activeElement.getBoundingClientRect().toJSON()")
        bar = page.evaluate("document.querySelector('.rate-bar').getBoundingClientRect().toJSON()")
        if box["bottom"] > bar["top"] or box["top"] < 0:
            covered.append(number)
        page.keyboard.type(str(score))
        page.keyboard.press("Enter")
    assert not covered, f"score boxes under the sticky bar or off screen at {width} px: {covered}"
    assert [t for t in page.locator(".rate-state").all_inner_texts() if t.strip()] == []  # every box has a score
    places = " ".join(page.locator(".rate-differences li").all_inner_texts())
    assert places and ".5th" not in places and "(tied)" not in places
    assert "joint" in places or all(float(r) == int(float(r)) for r in page.locator(".rate-differences li").evaluate_all("l => l.map(e => e.dataset.rank)"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"rate-keyboard-{width}.png"))
    tab.check()
    tab.context.close()


def test_a_download_is_refused_until_the_set_is_complete(browser, real_server):
    tab = open_page(browser, real_server)
    page = tab.page
    button = page.locator(".rate-download-button")
    button.click()
    assert "Type your name" in page.locator(".rate-download-problem").inner_text()
    page.fill("#rate-label", "=HYPERLINK(1)")
    button.click()
    assert "which spreadsheets run as a formula" in page.locator(".rate-download-problem").inner_text()
    page.fill("#rate-label", LABEL)
    page.fill("#score-4", "7.3")
    button.click()
    assert "theory 4" in page.locator(".rate-download-problem").inner_text() and "whole or half points" in page.locator("#problem-4").inner_text()
    page.fill("#score-4", "")
    button.click()
    assert "score at least one theory" in page.locator(".rate-download-problem").inner_text()
    tab.check()
    tab.context.close()


def test_scores_survive_a_reload(browser, real_server):
    tab = open_page(browser, real_server)
    tab.page.fill("#rate-label", LABEL)
    tab.page.fill("#score-5", "8.5")
    tab.page.reload()
    tab.page.wait_for_selector("#rate[data-ready=true]")
    assert tab.page.locator("#score-5").input_value() == "8.5" and tab.page.locator("#rate-label").input_value() == LABEL
    tab.check()
    tab.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_page_fits_the_screen_and_is_linked_from_the_index(browser, real_server, width):
    tab = Tab(browser, real_server)
    page = tab.page
    page.set_viewport_size({"width": width, "height": 900})
    tab.goto("/")
    with page.expect_navigation():
        page.get_by_role("link", name="Add your ratings").click()
    assert page.url == f"{real_server}/rate"
    page.wait_for_selector("#rate[data-ready=true]")
    theories = read_csv(REPO, "theories")
    assert page.locator(".rate-theory").count() == len(theories)
    assert page.locator("#theory-3 h2").inner_text() == "3. Auditing"
    assert page.locator("#theory-6 .rate-points li").count() == 2  # the sub-points 6.1 and 6.2
    href = page.locator("#theory-3 h2 a").get_attribute("href")
    assert tab.goto(href).status == 200 and "Auditing" in page.content()
    page.go_back()
    page.wait_for_selector("#rate[data-ready=true]")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"rate-{width}.png"))
    enter_fixed_set(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#compare").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"rate-{width}-compared.png"))
    page.locator("#download").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"rate-{width}-download.png"))
    tab.check()
    tab.context.close()


def test_the_page_agrees_with_the_aggregates_on_many_sets(browser, rated, rated_server):
    """Random sets (seeded): halves, many ties, few or many theories, equal scores throughout."""
    generator = random.Random(14)
    tables = compare.read_tables(rated)
    tab = open_page(browser, rated_server)
    page = tab.page
    cases = [{n: 5.0 for n in range(1, 8)}, {1: 3.0, 2: 4.0}, {n: float(n % 3) for n in range(1, 21)}]
    for _ in range(15):
        chosen = generator.sample(range(1, 21), generator.randint(1, 20))
        cases.append({n: generator.randint(0, 20) / 2 for n in chosen})
    for scores in cases:
        typed = {str(n): (str(scores[n]) if n in scores else "") for n in range(1, 21)}
        page.evaluate(
            """typed => { for (const [n, v] of Object.entries(typed)) document.getElementById('score-' + n).value = v;
                          document.getElementById('score-1').dispatchEvent(new Event('input', {bubbles: true})); }""",
            typed,
        )
        expected = aggregates.compare_new_set(tables, scores)
        del expected["consensus"]["sets"]
        assert shown_comparison(page) == expected, scores
    tab.check()
    tab.context.close()
