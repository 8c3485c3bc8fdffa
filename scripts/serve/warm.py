"""Ask a served site for every page a crawler or reader can reach without a query string, so
that a shared cache in front of it (deploy/nginx-longlist.conf, a CDN) holds each one before
the first visitor asks: the pages of the sitemap (index, database, every table, view and saved
query), the JSON of every table and view, every row page, and the extra paths listed under
`warm` in site/instance.yml (reading pages nothing in the sitemap names), and the package zip
the build made (its name from metadata.yml) with its .sha256.

    longlist warm http://127.0.0.1:8080/
"""

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import yaml

from scripts.core import names

SITEMAP = "/sitemap.xml"
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def fetch(base, path, timeout=60):
    """(status, body) of one GET of `path` (a path, or a URL whose path is used) from `base`."""
    url = urllib.parse.urljoin(base, urllib.parse.urlsplit(path)._replace(scheme="", netloc="").geturl())
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def sitemap_paths(base):
    status, body = fetch(base, SITEMAP)
    if status != 200:
        raise SystemExit(f"error: {base}{SITEMAP} answered {status}")
    return [urllib.parse.urlsplit(loc.text).path for loc in ET.fromstring(body).iter(f"{NS}loc")]


def row_paths(base, table_path):
    """The row pages of a table, from its JSON (following its pages); none for a view."""
    from datasette.utils import tilde_encode

    paths, next_path = [], f"{table_path}.json?_size=max"
    while next_path:
        status, body = fetch(base, next_path)
        if status != 200:
            break
        page = json.loads(body)
        keys = page.get("primary_keys") or []
        if not keys or page.get("is_view"):
            return []
        index = [page["columns"].index(key) for key in keys]
        paths += [f"{table_path}/" + ",".join(tilde_encode(str(row[i])) for i in index) for row in page["rows"]]
        next_path = page.get("next_url")
    return paths


def pages(project, base):
    canonical = sitemap_paths(base)
    extra = yaml.safe_load((project.site_dir / "instance.yml").read_text(encoding="utf-8")).get("warm") or []
    config = (yaml.safe_load(project.metadata_path.read_text(encoding="utf-8")).get("plugins") or {}).get(names.SITE_CONFIG) or {}
    package = [f"/{names.DOWNLOADS_MOUNT}/{config['package_zip']}{suffix}" for suffix in ("", ".sha256")] if config.get("package_zip") else []
    found = list(canonical) + [str(path) for path in extra] + package
    for path in canonical:
        if path.count("/") == 2:  # /database/table-or-view-or-query
            found.append(f"{path}.json")
            found += row_paths(base, path)
    return list(dict.fromkeys(found))


def warm(project, base, say=print):
    """Ask for every page once; returns the paths that did not answer 200."""
    failed = []
    paths = pages(project, base)
    for path in paths:
        status, _ = fetch(base, path)
        if status != 200:
            failed.append(f"{path}: {status}")
    say(f"warmed {len(paths) - len(failed)} of {len(paths)} pages at {base}" + (f"; not 200: {', '.join(failed)}" if failed else ""))
    return failed
