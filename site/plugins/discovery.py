"""How search engines find the dataset: the index page's schema.org Dataset (JSON-LD), a
/sitemap.xml of the canonical pages, and its address in /robots.txt.

Absolute URLs use the canonical base URL where one is configured (`base_url` in
site/instance.yml, passed on in metadata.yml's plugin config `longlist-site`), whatever
scheme or host a proxy forwards; without one, the request's.

The JSON-LD comes from metadata.yml (plugins: longlist-site: dataset_jsonld, generated from datapackage.json and
CITATION.cff by scripts/publishing/jsonld.py) with the site's own paths made absolute for the
host serving the page. The sitemap lists the index page, each database page, and the page of
every table, view and saved query, the reading pages (/post, /thread, /rate, each theory and
comment): the pages that stay the same for a release (no query
strings, which robots.txt keeps crawlers away from).
"""

import json
import runpy
from pathlib import Path
from xml.sax.saxutils import escape

from datasette import Response, hookimpl
from datasette.utils import tilde_encode

SITEMAP = "/sitemap.xml"
# names.py beside this file, by path: Datasette puts the plugins folder on no import path
PLUGIN = runpy.run_path(str(Path(__file__).with_name("names.py")))["SITE_CONFIG"]
READING_PAGES = ("/post", "/thread", "/rate")
READING_ROWS = (("theories", "number"), ("comments", "id"))


def canonical_url(datasette, request, path):
    """`path` (from the site's root) as an absolute URL: on the configured base URL, else on
    the scheme and host of the request."""
    base = (datasette.plugin_config(PLUGIN) or {}).get("base_url")
    return f"{base}{path}" if base else datasette.absolute_url(request, path)


def absolute(datasette, request, value):
    return canonical_url(datasette, request, value) if isinstance(value, str) and value.startswith("/") else value


def jsonld(datasette, request):
    found = (datasette.plugin_config(PLUGIN) or {}).get("dataset_jsonld")
    if not found:
        return None
    found = dict(found)  # the configuration itself stays as it is
    found["url"] = canonical_url(datasette, request, datasette.urls.instance())
    found["distribution"] = [{**item, "contentUrl": absolute(datasette, request, item.get("contentUrl"))} for item in found.get("distribution", [])]
    # inside <script>: no "</" may close the element early
    return json.dumps(found, ensure_ascii=False, indent=2).replace("<", "\\u003c")


async def saved_queries(datasette, name):
    """The saved queries an anonymous visitor sees, as the database's JSON lists them (Datasette
    0.65 lists all; 1.0 lists the first few with `queries_more` and all at /DATABASE/-/queries.json,
    page by page)."""
    listed = (await datasette.client.get(datasette.urls.database(name, format="json"))).json()
    queries = listed.get("queries", [])
    if listed.get("queries_more"):
        queries, page = [], datasette.urls.database(name) + "/-/queries.json"
        while page:
            found = (await datasette.client.get(page)).json()
            queries += found.get("queries", [])
            page = found.get("next_url")
    return [query["name"] for query in queries if not query.get("private")]


async def canonical_paths(datasette):
    paths = [datasette.urls.instance()]
    for name, db in datasette.databases.items():
        if name == "_internal":
            continue
        paths.append(datasette.urls.database(name))
        hidden = set(await db.hidden_table_names())
        paths += [datasette.urls.table(name, table) for table in await db.table_names() if table not in hidden]
        paths += [datasette.urls.table(name, view) for view in await db.view_names()]
        paths += [datasette.urls.query(name, query) for query in await saved_queries(datasette, name)]
        for table, key in READING_ROWS:  # the reading pages of site/plugins/reading.py: every theory and comment
            if table in await db.table_names():
                rows = await db.execute(f"select [{key}] from [{table}] order by rowid")
                paths += [f"{datasette.urls.table(name, table)}/{tilde_encode(str(row[0]))}" for row in rows]
    return paths + [datasette.urls.path(page) for page in READING_PAGES]


async def sitemap(datasette, request):
    urls = [canonical_url(datasette, request, path) for path in await canonical_paths(datasette)]
    body = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    body += [f"  <url><loc>{escape(url)}</loc></url>" for url in urls]
    body.append("</urlset>")
    return Response("\n".join(body) + "\n", content_type="application/xml; charset=utf-8")


@hookimpl
def register_routes():
    return [(r"^/sitemap\.xml$", sitemap)]


@hookimpl
def block_robots_extra_lines(datasette, request):
    """datasette-block-robots' own hook: robots.txt names the sitemap."""
    return [f"Sitemap: {canonical_url(datasette, request, SITEMAP)}"]


@hookimpl
def extra_template_vars(template, datasette, request):
    if template != "index.html":
        return {}
    return {"dataset_jsonld": jsonld(datasette, request)}
