"""Light pages (docs/site.md): the pages a reader starts from show their text on a phone's
network, load no charting script, and hold up their text with no script in their head.

Only "the text is visible" is asserted here, with the phone profile of bench/page_weight.py
(1.6 Mbps, 150 ms latency, cache off); how soon and how many bytes is that benchmark's job,
never a test's (no timed assertions).
"""

import pytest

from tests.helpers import Tab

pytestmark = [pytest.mark.browser, pytest.mark.server]

PAGES = ["/", "/post", "/thread", "/longlist/theories/9", "/longlist/comments/c01", "/rate"]
PHONE = {"offline": False, "latency": 150, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 750_000 / 8}
CHARTING = ("vega", "datasette_vega")


@pytest.mark.parametrize("width", (390, 1280))
def test_reading_pages_show_their_text_on_a_phone_network_without_charting_scripts(browser, server, width):
    tab = Tab(browser, server)
    tab.page.set_viewport_size({"width": width, "height": 900})
    cdp = tab.context.new_cdp_session(tab.page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", PHONE)
    scripts = []
    tab.page.on("request", lambda request: request.resource_type == "script" and scripts.append(request.url))
    try:
        for path in PAGES:
            scripts.clear()
            tab.goto(path)
            heading = tab.page.locator("h1").first
            heading.wait_for(state="visible")
            assert heading.inner_text().strip(), path
            assert tab.page.locator("p:visible").first.inner_text().strip(), path
            # no charting script on a page without a chart, and nothing in the head that blocks the text
            assert not [url for url in scripts if any(name in url for name in CHARTING)], (path, scripts)
            blocking = tab.page.evaluate(
                "() => [...document.head.querySelectorAll('script[src]')].filter(s => !s.defer && !s.async && s.type !== 'module').map(s => s.src)"
            )
            assert blocking == [], (path, blocking)
        tab.check()
    finally:
        tab.context.close()


def test_a_chart_page_loads_its_charting_scripts_deferred(browser, server):
    tab = Tab(browser, server)
    try:
        tab.goto("/longlist/arguments_per_theory")
        deferred = tab.page.evaluate("() => [...document.head.querySelectorAll('script[src]')].map(s => [s.src.split('/').pop(), s.defer])")
        vendored = [(name, is_deferred) for name, is_deferred in deferred if name.startswith("vega") or name == "chart.js"]
        assert len(vendored) == 4 and all(is_deferred for _, is_deferred in vendored), deferred
        tab.page.wait_for_selector("#chart .chart-area[data-drawn] svg.marks")
        tab.check()
    finally:
        tab.context.close()
