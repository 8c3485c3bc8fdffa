"""Datasette's metadata.yml, generated from datapackage.json, sql/ and site/tables.yml.

Nothing here is written by hand twice: titles and descriptions of the dataset, its tables
and columns come from the package descriptor; saved queries and views from their .sql files.
"""

import html
import re
from pathlib import Path

import yaml

from scripts.core import names, yamlio
from scripts.core.paths import DB_NAME
from scripts.publishing import base_url, charts, citation, frontdoor, jsonld
from scripts.publishing import queries as saved


def canned_queries(project, empty_charts=None, live_charts=None):
    """Saved queries from sql/queries/; `empty_charts` ({name: why}) names the charts that have
    nothing to draw in this build: their page says why instead of linking to an empty chart;
    `live_charts` ({name: Vega-Lite spec}) are drawn on their query's page (site/templates/query.html)."""
    empty_charts = empty_charts or {}
    live_charts = live_charts or {}
    queries = {}
    for path in saved.sql_files(project.root / "sql" / "queries"):
        header, sql = saved.read_sql(path)
        # hide_sql: the page opens with the question and its answer; "(show)" reveals the SQL
        query = {"title": header["title"], "description": header["description"], "sql": sql, "hide_sql": True}
        if header.get("chart"):
            chart = charts.parse(header["chart"], project.rel(path), charts.header_line(path, "chart"))
            if path.stem in empty_charts:
                why = f'<p class="chart-empty"><strong>No chart yet.</strong> {html.escape(empty_charts[path.stem])}</p>'
                query["description_html"] = f"<p>{html.escape(header['description'])}</p>{why}"
            else:
                # Datasette's own `fragment` option: its list of queries on the database page links
                # straight to the chart, which the query's page draws from `chart` (its spec).
                query["fragment"] = charts.CHART_ANCHOR
                link = f'<a class="chart-link" href="{html.escape(charts.href(path.stem, chart))}">See it as a chart</a>'
                query["description_html"] = f"<p>{html.escape(header['description'])} {link}</p>"
                if path.stem in live_charts:
                    query["chart"] = live_charts[path.stem]
        if header.get("params"):
            query["params"] = header["params"].split()
            defaults = param_defaults(sql, query["params"])
            if defaults:  # the parameter boxes show them (site/plugins/query_defaults.py): every parameter, "" without a default
                query["param_defaults"] = {name: defaults.get(name, "") for name in query["params"]}
        queries[path.stem] = query
    return queries


# How a saved query gives a parameter its default: coalesce(nullif(:name, ''), 'default'),
# with or without trim() around the parameter.
PARAM_DEFAULT = re.compile(r"coalesce\(nullif\((?:trim\()?:(\w+)\)?, ''\), '([^']*)'\)")


def param_defaults(sql, params):
    """{parameter: its default} as the query's SQL spells it, for the parameters it declares."""
    found = {}
    for name, default in PARAM_DEFAULT.findall(sql):
        if name in params:
            found.setdefault(name, default)
    return found


def table_metadata(resource, presentation):
    meta = {"title": resource["title"], "description": resource["description"]}
    meta.update({k: v for k, v in presentation.items() if k != "title"})
    meta["columns"] = {f["name"]: f["description"] for f in resource["schema"]["fields"]}
    return meta


def licence_text(descriptor):
    """The licences, then the status of the quoted words (the source's `rights` note)."""
    texts = [f"{licence['title']}." for licence in descriptor["licenses"]]
    texts += [f"Quoted text: {source['rights']}" for source in descriptor.get("sources", []) if source.get("rights")]
    return " ".join(texts)


def metadata(project, descriptor, zip_name, status=None, empty_charts=None, live_charts=None):
    """`zip_name`: the package zip the build made (scripts/release/bundle.py); `status`: the
    build's release status (scripts/release/status.py), None for the release itself;
    `empty_charts`: {query name: why its chart has nothing to draw}; `live_charts`: {query
    name: the Vega-Lite spec its page draws}."""
    presentation = yamlio.load(project.site_dir / "tables.yml", "site/tables.yml")

    def strip(d):
        return {k: v for k, v in (d or {}).items() if k != yamlio.LINE_KEY}

    tables = {r["name"]: table_metadata(r, strip(presentation["tables"].get(r["name"]))) for r in descriptor["resources"]}
    view_headers = {path.stem: saved.read_sql(path)[0] for path in saved.sql_files(project.root / "sql" / "views")}
    for name, header in view_headers.items():
        view_meta = strip(presentation.get("views", {}).get(name))
        tables[name] = {"description": header["description"], **view_meta}
    source = descriptor["sources"][0]
    project_licence = descriptor["licenses"][0]
    queries = canned_queries(project, empty_charts, live_charts)
    instance = frontdoor.load_instance(project, queries)
    database = Path(DB_NAME).stem
    cff = citation.load(project)
    cite = citation.citation_html(cff, descriptor, status)
    version = citation.label(descriptor, status)
    found = {
        "title": descriptor["title"],
        "description": descriptor["description"],
        "description_html": frontdoor.index_html(descriptor, queries, instance, database, version),
        "citation_html": cite,
        "license": f"{project_licence['name']} (the project's additions); quoted text remains its authors'",
        "license_url": project_licence["path"],
        "source": "LessWrong: A Longlist of Theories of Impact for Interpretability",
        "source_url": source["path"],
        "about": f"Frictionless data package {descriptor['name']} v{version}",
        **({"about_url": descriptor["homepage"]} if descriptor.get("homepage") else {}),
        "databases": {
            database: {
                "title": descriptor["title"],
                "description": f"{descriptor['description']} Licences: {licence_text(descriptor)}",
                "description_html": frontdoor.database_html(descriptor, instance, database, licence_text(descriptor), version),
                "citation_html": cite,
                "tables": tables,
                "queries": queries,
            }
        },
        "plugins": {
            "datasette-block-robots": {"disallow": instance["robots_disallow"]},
            names.SITE_CONFIG: {
                # the package zip the downloads mount serves (site/plugins/front_door.py, served_package.py)
                "package_zip": zip_name,
                # schema.org Dataset for the index page (site/plugins/discovery.py makes its paths absolute)
                "dataset_jsonld": jsonld.dataset(descriptor, cff, database, status, zip_name),
                # the canonical base URL of absolute URLs (site/plugins/discovery.py; "": from the request)
                "base_url": base_url.configured(project),
            },
        },
    }
    site = found["plugins"][names.SITE_CONFIG]
    # what every page's footer and link previews say (site/plugins/reading.py), read from the
    # plugin configuration: Datasette's metadata is not public API from 1.0 on
    site["page"] = {key: found[key] for key in ("title", "source", "source_url", "license", "license_url")}
    # each saved query's parameters with the defaults its SQL gives them (site/plugins/query_defaults.py)
    site["param_defaults"] = {name: query.pop("param_defaults") for name, query in queries.items() if "param_defaults" in query}
    return found


def metadata_bytes(project, descriptor, zip_name, status=None, empty_charts=None, live_charts=None):
    text = yaml.safe_dump(metadata(project, descriptor, zip_name, status, empty_charts, live_charts), sort_keys=False, allow_unicode=True, width=100)
    header = (
        "# Generated by `python -m scripts build` from datapackage.json, sql/, site/tables.yml "
        "and site/instance.yml.\n# Do not edit by hand: edit those sources and rebuild.\n"
    )
    return (header + text).encode("utf-8")
