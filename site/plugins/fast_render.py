"""Datasette's render path made cheaper, with the same output: what a table page no cache
holds (a filter, a sort, a facet) spends its time on (bench/serve_load.py, profiled).

- The head and body of every table on table and row pages, and the values of each facet, are
  written by Python functions instead of Datasette's Jinja loops over each column, cell and
  value (site/templates/_table.html, _facet_results.html).
  Datasette renders its templates asynchronously: each cell passed through several nested
  async generators. The markup is Datasette's own (0.65): the same attributes, classes
  (`col-<column>`, `type-<value type>`), sort links and escaping, so its CSS and JavaScript
  (column actions) work unchanged.
- `datasette.absolute_url` gets its path as a plain string. Datasette 0.65 builds paths as
  PrefixedUrlString, whose every method lookup calls dir(str); urljoin makes dozens of them,
  once per facet value, which was a tenth of a faceted page's time. The URL is the same.
- Templates are read once: no file check on each request, and a name with no template is
  remembered as such.
"""

import html
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils import to_css_class
from jinja2 import BaseLoader, TemplateNotFound
from markupsafe import Markup

SORT_ARGS = ("_sort", "_sort_desc", "_next")  # what a column's sort link replaces in the query string


def html_of(value):
    """A cell's value as HTML, escaped as Jinja would unless it is already markup."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def table_head(columns, request, sort, sort_desc, fix_path):
    """The <th> cells of `display_columns`, each a sort link where the column is sortable (the
    link of Datasette's path_with_replaced_args, the query string parsed once for all columns)."""
    kept = urlencode([(key, value) for key, value in parse_qsl(request.query_string) if key not in SORT_ARGS])
    base = html.escape(str(fix_path(request.path)))

    def sort_link(key, name):
        return f"{base}?{html.escape(kept + '&' if kept else '')}{html.escape(urlencode([(key, name)]))}"

    cells = []
    for column in columns:
        name = column["name"]
        text = html.escape(name)
        description = column.get("description")
        attributes = f'data-column-description="{html.escape(description)}" ' if description else ""
        attributes += (
            f'class="col-{html.escape(to_css_class(name))}" scope="col" data-column="{text}" '
            f'data-column-type="{html.escape(column["type"].lower())}" data-column-not-null="{html_of(column["notnull"])}" '
            f'data-is-pk="{1 if column["is_pk"] else 0}"'
        )
        if not column.get("sortable"):
            label = text
        elif name == sort:
            label = f'<a href="{sort_link("_sort_desc", name)}" rel="nofollow">{text}&nbsp;▼</a>'
        else:
            label = f'<a href="{sort_link("_sort", name)}" rel="nofollow">{text}{"&nbsp;▲" if name == sort_desc else ""}</a>'
        cells.append(f"<th {attributes}>{label}</th>")
    return Markup("\n".join(cells))


def table_body(rows):
    """The <tr> rows of `display_rows`."""
    classes = {}
    parts = []
    for row in rows:
        parts.append("<tr>")
        for cell in row:
            column = cell["column"]
            css = classes.get(column)
            if css is None:
                css = classes[column] = html.escape(to_css_class(column))
            parts.append(f'<td class="col-{css} type-{html.escape(cell["value_type"])}">{html_of(cell["value"])}</td>')
        parts.append("</tr>\n")
    return Markup("".join(parts))


def facet_values(results):
    """The <li> items of one facet's values (Datasette's _facet_results.html, its inner loop):
    a value links to the page filtered by it, a selected value to the page without it."""
    items = []
    for value in results:
        count = f"{value['count']:,}"
        url = html.escape(str(value["toggle_url"]))
        label = value["label"]
        if not value["selected"]:
            text = label if hasattr(label, "__html__") else str(label)  # Jinja's `string` filter
            items.append(f'<li><a href="{url}">{html_of(text or "-")}</a> {count}</li>')
        else:
            items.append(f'<li>{html_of(label or "-")} &middot; {count} <a href="{url}" class="cross">&#x2716;</a></li>')
    return Markup("\n".join(items))


class RememberingLoader(BaseLoader):
    """Datasette's template loader, remembering the names it has no template for: each page
    asks for several names that no one made (table-<database>-<table>.html, ...), and a miss
    is otherwise looked for in every template folder again on every request."""

    def __init__(self, loader):
        self.loader = loader
        self.missing = set()

    def get_source(self, environment, template):
        if template in self.missing:
            raise TemplateNotFound(template)
        try:
            return self.loader.get_source(environment, template)
        except TemplateNotFound:
            self.missing.add(template)
            raise

    def list_templates(self):
        return self.loader.list_templates()


@hookimpl
def startup(datasette):
    absolute_url = datasette.absolute_url
    if getattr(absolute_url, "plain_path", False):  # already wrapped (startup hooks run once per instance)
        return

    def absolute_url_of_plain_path(request, path):
        return absolute_url(request, str(path))

    absolute_url_of_plain_path.plain_path = True
    datasette.absolute_url = absolute_url_of_plain_path


@hookimpl
def prepare_jinja2_environment(env, datasette):
    # The templates of a served site do not change while it runs (the page cache keeps pages
    # rendered from them for its whole life): no file is checked again on each request.
    env.auto_reload = False
    if not isinstance(env.loader, RememberingLoader):
        env.loader = RememberingLoader(env.loader)
    env.filters["longlist_table_head"] = lambda columns, request, sort=None, sort_desc=None: table_head(columns, request, sort, sort_desc, datasette.urls.path)
    env.filters["longlist_table_body"] = table_body
    env.filters["longlist_facet_values"] = facet_values
