"""Ask a served site for every page a crawler or reader can reach without a query string, so a
shared cache in front of it (deploy/nginx-longlist.conf, a CDN) holds each one before the first
visitor asks: every page of the sitemap, the JSON of each table, view and saved query, every row
page, the pages listed under `warm` in site/instance.yml, the package zip with its .sha256 and
each of its CSVs at /package/.

    longlist warm http://127.0.0.1:8080/
"""

import json
import urllib.parse
import xml.etree.ElementTree as ET

import httpx
import yaml

from scripts.core import names

SITEMAP = "/sitemap.xml"
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def fetch(base, path):
    """One GET of `path` (a path, or a URL whose path is used) from `base`."""
    return httpx.get(urllib.parse.urljoin(base, urllib.parse.urlsplit(path)._replace(scheme="", netloc="").geturl()), timeout=60)


def row_paths(base, table_path):
    """The row pages of a table, from its JSON (following its pages); none for a view."""
    from datasette.utils import tilde_encode

    paths, next_path = [], f"{table_path}.json?_size=max"
    while next_path and (response := fetch(base, next_path)).status_code == 200:
        page = response.json()
        if not page.get("primary_keys") or page.get("is_view"):
            return []
        index = [page["columns"].index(key) for key in page["primary_keys"]]
        paths += [f"{table_path}/" + ",".join(tilde_encode(str(row[i])) for i in index) for row in page["rows"]]
        next_path = page.get("next_url")
    return paths


def pages(project, base):
    response = fetch(base, SITEMAP)
    if response.status_code != 200:
        raise SystemExit(f"error: {base}{SITEMAP} answered {response.status_code}")
    canonical = [urllib.parse.urlsplit(loc.text).path for loc in ET.fromstring(response.content).iter(f"{NS}loc")]
    found = canonical + [str(path) for path in yaml.safe_load((project.site_dir / "instance.yml").read_text(encoding="utf-8")).get("warm") or []]
    config = (yaml.safe_load(project.metadata_path.read_text(encoding="utf-8")).get("plugins") or {}).get(names.SITE_CONFIG) or {}
    if config.get("package_zip"):
        found += [f"/{names.DOWNLOADS_MOUNT}/{config['package_zip']}{suffix}" for suffix in ("", ".sha256")]
    descriptor = json.loads(project.package_path.read_text(encoding="utf-8"))
    found += [f"/package/{resource['path']}" for resource in descriptor["resources"]]  # the index page's CSV links
    for path in canonical:
        if path.count("/") == 2:  # /database/table-or-view-or-query
            found += [f"{path}.json", *row_paths(base, path)]
    return list(dict.fromkeys(found))


def warm(project, base, say=print):
    """Ask for every page once; returns the paths that did not answer 200."""
    try:
        paths = pages(project, base)
        failed = [f"{path}: {status}" for path in paths if (status := fetch(base, path).status_code) != 200]
    except httpx.HTTPError as error:  # no server there, or it stopped answering
        raise SystemExit(f"error: {base}: {error}") from None
    say(f"warmed {len(paths) - len(failed)} of {len(paths)} pages at {base}" + (f"; not 200: {', '.join(failed)}" if failed else ""))
    return failed
