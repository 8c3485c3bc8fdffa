"""Charts of the saved queries, drawn live on each query's page and as SVG for the docs.

A saved query asks for a chart with one header line in its .sql file:

    -- chart: mark=bar x=theory:ordinal y=comments:quantitative color=kind [scale=0:10]

(mark: bar, line or circle; x and y: COLUMN:TYPE with TYPE quantitative, ordinal, nominal,
temporal or a -bin variant; color and size: optional columns; scale: a fixed LOW:HIGH for the
quantitative axis). That one line gives one Vega-Lite spec (chart_spec) and both pictures:
- the site: the spec goes into the query's metadata as `chart`; its page draws it with the
  page's own rows (site/templates/query.html, site/static/chart.js, vendored Vega);
- docs/charts.md: the build runs the query with its default parameters and renders the same
  spec with those rows to docs/charts/NAME.svg with vl-convert; `python -m scripts docs` lists them.
Vega-Lite sorts ordinal labels alphabetically, so a query that wants another order gives its
labels prefixes that sort that way (zero-padded numbers). A label that names a theory starts
with the theory's zero-padded number, in every chart. Stance colours come from one palette
(scripts/publishing/palette.py).

A chart never draws empty axes. A row is plottable when it has both coordinates; a chart whose
query has no plottable row (or only bars of length 0) must say why in a
`-- chart_empty: WHY` line: the docs image is then that sentence, and the query's page shows it
in place of the chart link (scripts/publishing/metadata.py).
"""

import hashlib
import json
import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from scripts.core import sizes
from scripts.core.errors import BuildError
from scripts.publishing import palette
from scripts.publishing import queries as saved

MARKS = ("bar", "line", "circle")
# datasette-vega's own type options; "-bin" bins the values.
TYPES = ("quantitative", "quantitative-bin", "temporal", "temporal-bin", "ordinal", "nominal")
KEYS = ("mark", "x", "y", "color", "size", "scale")
CHART_DIR = Path("docs") / "charts"
# vl-convert measures text with this font, which it bundles: the SVGs do not depend on the
# fonts installed on the machine that builds them.
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"
LABEL_LIMIT = 0  # no limit: an axis label is never cut with "…" (the chart is sized to fit it)
STANCE_COLOURS = palette.STANCE_COLOURS  # one palette for the live charts and the images
LABEL_SIZE = 12  # pixels: axis labels and titles a reader can read on a phone
TITLE_WIDTH = 60  # characters per line of a chart's title (Vega does not wrap titles)
ROW_STEP = 20  # pixels per label on an ordinal axis
MAX_EXTENT = 480  # pixels an axis may take for its labels (the longest theory label needs about 260)
EMPTY_WIDTH = 560


@dataclass(frozen=True)
class Chart:
    mark: str
    x: str
    x_type: str
    y: str
    y_type: str
    color: str = ""
    size: str = ""
    scale: tuple = ()  # (low, high) of the quantitative axis: a fixed scale, such as scores 0-10

    @property
    def columns(self):
        return [c for c in (self.x, self.y, self.color, self.size) if c]


@dataclass(frozen=True)
class ChartedQuery:
    name: str
    title: str
    chart: Chart
    sql: str
    path: Path
    line: int
    empty_reason: str = ""


def parse(text, file, line):
    """A Chart from the value of a `-- chart:` header line."""
    settings = {}
    for token in text.split():
        key, equals, value = token.partition("=")
        if not equals or key not in KEYS or not value:
            raise BuildError(file, f"expected KEY=VALUE with KEY one of {', '.join(KEYS)}, got {token!r}", line=line, field="chart")
        settings[key] = value
    for key in ("mark", "x", "y"):
        if key not in settings:
            raise BuildError(file, f"{key}= is missing (expected mark=bar|line|circle x=COLUMN:TYPE y=COLUMN:TYPE)", line=line, field="chart")
    if settings["mark"] not in MARKS:
        raise BuildError(file, f"mark {settings['mark']!r} is not one of {', '.join(MARKS)}", line=line, field="chart")
    axes = {}
    for axis in ("x", "y"):
        column, colon, vega_type = settings[axis].partition(":")
        if not colon or vega_type not in TYPES:
            raise BuildError(file, f"{axis}={settings[axis]!r}: expected COLUMN:TYPE with TYPE one of {', '.join(TYPES)}", line=line, field="chart")
        axes[axis] = (column, vega_type)
    scale = ()
    if "scale" in settings:
        low, colon, high = settings["scale"].partition(":")
        try:
            scale = (float(low), float(high)) if colon else ()
        except ValueError:
            scale = ()
        if not scale or scale[0] >= scale[1]:
            raise BuildError(file, f"scale={settings['scale']!r}: expected LOW:HIGH, two numbers, LOW below HIGH (such as 0:10)", line=line, field="chart")
        scale = tuple(int(v) if v == int(v) else v for v in scale)
    return Chart(settings["mark"], *axes["x"], *axes["y"], settings.get("color", ""), settings.get("size", ""), scale)


CHART_ANCHOR = "chart"  # the id of the figure a query's page draws its chart in (site/templates/query.html)


def href(query_name, chart, database=None):
    """Link to the chart on the query's page (drawn there on every visit); relative to the query
    page, or with `database` to the index and database pages."""
    path = f"{database}/{query_name}" if database else query_name
    return f"{path}#{CHART_ANCHOR}"


def charted_queries(project):
    """Every saved query with a `-- chart:` line, in file name order."""
    found = []
    for path in saved.sql_files(project.root / "sql" / "queries"):
        header, sql = saved.read_sql(path)
        if "chart" not in header:
            continue
        relative = project.rel(path)
        line = header_line(path, "chart")
        chart = parse(header["chart"], relative, line)
        found.append(ChartedQuery(path.stem, header.get("title", path.stem), chart, sql, path, line, header.get("chart_empty", "")))
    return found


def header_line(path, key):
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(f"-- {key}:"):
            return number
    return None


def run_with_defaults(connection, sql):
    """(columns, rows as dicts) of a saved query with every parameter left empty, as Datasette
    runs it when the page has no parameters."""
    parameters = {name: "" for name in re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", sql)}
    cursor = connection.execute(sql, parameters)
    columns = [d[0] for d in cursor.description]
    return columns, [dict(zip(columns, row)) for row in cursor.fetchall()]


def plottable(rows, chart):
    """The rows that draw a mark: both coordinates present."""
    return [row for row in rows if row.get(chart.x) is not None and row.get(chart.y) is not None]


def draws_nothing(rows, chart):
    """True if the chart would be empty axes: no plottable row, or bars all of length 0."""
    lengths = [c for c, t in ((chart.x, chart.x_type), (chart.y, chart.y_type)) if t == "quantitative"] if chart.mark == "bar" else []
    drawn = plottable(rows, chart)
    return not drawn or bool(lengths) and all(row[c] == 0 for row in drawn for c in lengths)


def check(query, columns, rows, relative):
    """True if the chart draws, False if it is honestly empty (and says why); else a BuildError."""
    missing = [c for c in query.chart.columns if c not in columns]
    if missing:
        raise BuildError(relative, f"column {missing[0]!r} is not in the query's result (it has: {', '.join(columns)})", line=query.line, field="chart")
    if draws_nothing(rows, query.chart):
        if not query.empty_reason:
            raise BuildError(
                relative,
                f"the chart has no row to draw with its default parameters ({len(rows)} row(s), none with both {query.chart.x} and {query.chart.y});"
                " add a `-- chart_empty: WHY` line saying why, for the page and the docs",
                line=query.line,
                field="chart",
            )
        return False
    # datasette-vega draws nothing for fewer than two rows
    if len(rows) < 2:
        raise BuildError(relative, f"the query gives {len(rows)} row(s) with its default parameters; a chart needs at least 2", line=query.line, field="chart")
    return True


def channel(column, vega_type):
    base, _, binned = vega_type.partition("-")
    encoded = {"field": column, "type": base}
    if binned:
        encoded["bin"] = True
    return encoded


def counts(rows, field):
    """True if every value of the column is a whole number of at least 0 (a count)."""
    values = [row.get(field) for row in rows if row.get(field) is not None]
    return bool(values) and all(isinstance(v, int) and v >= 0 for v in values)


def axis_channel(chart, column, vega_type, rows):
    encoded = channel(column, vega_type)
    axis = {"labelLimit": LABEL_LIMIT, "titleFontSize": LABEL_SIZE, "labelFontSize": LABEL_SIZE}
    if encoded["type"] == "quantitative" and not encoded.get("bin"):
        if chart.scale:
            encoded["scale"] = {"domain": list(chart.scale), "nice": False}
        if counts(rows, column):  # ticks 0, 1, 2 ..., never 0.5 between whole numbers
            axis.update({"tickMinStep": 1, "format": "d"})
    encoded["axis"] = axis
    return encoded


def chart_spec(query, rows):
    """The chart as a Vega-Lite spec, without its data: the live chart on the query's page
    (site/static/chart.js adds the page's rows) and the image in docs/charts.md (vegalite_spec)
    draw the same spec. `rows` are the default parameters' rows, which say whether a quantitative
    axis counts (whole-number ticks) and which colours the legend needs."""
    chart = query.chart
    encoding = {"x": axis_channel(chart, chart.x, chart.x_type, rows), "y": axis_channel(chart, chart.y, chart.y_type, rows)}
    # a row without both coordinates draws nothing (no stray mark at an axis); isValid, not the
    # `valid` predicate, which also drops every text label (isNaN of a string)
    transform = [{"filter": " && ".join(f"isValid(datum[{json.dumps(column)}])" for column in (chart.x, chart.y))}]
    if chart.color:
        encoding["color"] = {
            "field": chart.color,
            "type": "nominal",
            "legend": {"labelLimit": LABEL_LIMIT, "labelFontSize": LABEL_SIZE, "titleFontSize": LABEL_SIZE},
        }
        stances = palette.stance_scale(row[chart.color] for row in rows)
        if stances:
            encoding["color"]["scale"] = stances
            encoding["color"]["sort"] = stances["domain"]
    if chart.size:
        encoding["size"] = {"field": chart.size, "type": "quantitative"}
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": wrap(query.title, TITLE_WIDTH), "anchor": "start", "fontSize": 14},
        "mark": {"type": chart.mark, "tooltip": True} if chart.mark != "circle" else {"type": "circle", "size": 70, "opacity": 0.85, "tooltip": True},
        "transform": transform,
        "encoding": encoding,
        # maxExtent: room for the labels, else Vega caps it at 200 pixels and the axis title overlaps them
        "config": {"font": FONT, "axis": {"labelLimit": LABEL_LIMIT, "maxExtent": MAX_EXTENT, "labelColor": "#222", "titleColor": "#222"}},
        # for the live chart (site/static/chart.js), which cuts its rows' text as display_text does
        "usermeta": {"textChars": sizes.CHART_TEXT_CHARS},
    }
    for axis, vega_type in (("x", chart.x_type), ("y", chart.y_type)):
        if vega_type in ("ordinal", "nominal"):
            spec["height" if axis == "y" else "width"] = {"step": ROW_STEP}
    return spec


def display_text(value):
    """A value as a chart draws it: text longer than CHART_TEXT_CHARS cut with "…" (a label of
    24,000 characters made a 38 MB SVG and minutes of drawing); the data keeps the whole value."""
    if isinstance(value, str) and len(value) > sizes.CHART_TEXT_CHARS:
        return value[: sizes.CHART_TEXT_CHARS - 1] + "…"
    return value


def vegalite_spec(query, rows):
    """The image's spec: chart_spec with the rows inline (only the columns it draws, their text
    cut for display)."""
    spec = chart_spec(query, rows)
    return {**spec, "data": {"values": [{c: display_text(row[c]) for c in query.chart.columns} for row in rows]}}


def wrap(text, width):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return lines + ([line] if line else [])


def empty_svg(query):
    """A chart with nothing to draw, as the sentence that says why (no axes)."""
    from html import escape

    lines = wrap(query.empty_reason, 88)
    height = 58 + 17 * len(lines)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{EMPTY_WIDTH}" height="{height}" viewBox="0 0 {EMPTY_WIDTH} {height}">',
        f'<rect width="{EMPTY_WIDTH}" height="{height}" fill="#ffffff" stroke="#cccccc"/>',
        f'<text x="12" y="24" font-family="{FONT}" font-size="13" font-weight="bold">{escape(query.title)}: no chart yet</text>',
    ]
    out += [f'<text x="12" y="{50 + 17 * i}" font-family="{FONT}" font-size="11">{escape(line)}</text>' for i, line in enumerate(lines)]
    return "\n".join(out + ["</svg>"]) + "\n"


def render_svg(spec):
    import vl_convert

    return vl_convert.vegalite_to_svg(spec)


CHART_CACHE = "chart-drawings.json"  # under build/: the SVGs of the last build, by the hash of what drew them


def drawing_key(spec):
    """SHA-256 of (vl-convert's version, the spec with its data): what an SVG depends on."""
    from importlib.metadata import version

    key = json.dumps([version("vl-convert-python"), spec], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def last_drawings(project):
    """{drawing_key: SVG} of the last committed build, or {} (none, or unreadable)."""
    try:
        drawings = json.loads((project.build_dir / CHART_CACHE).read_text(encoding="utf-8"))
        return drawings if isinstance(drawings, dict) else {}
    except (OSError, ValueError):
        return {}


def drawn_svg(spec, last, drawings):
    """render_svg(spec), drawn again only when the spec (data included) or vl-convert's
    version changed: vl-convert takes ~0.15 s a chart, most of a build. `last` holds the last
    build's SVGs under drawing_key(spec), so a reused one is the very text vl-convert gave for
    that input: the output is byte-identical either way. This build's go into `drawings`."""
    key = drawing_key(spec)
    svg = last[key] if isinstance(last.get(key), str) else render_svg(spec)
    drawings[key] = svg
    return svg


def keep_drawings(project, staged):
    """After a committed build: its SVGs (staged as a file) become the cache."""
    if staged.is_file():
        os.replace(staged, project.build_dir / CHART_CACHE)


def write_charts(project, db_path, out_dir, staged_drawings=None, live_specs=None):
    """Check every chart against its query's result and write out_dir/NAME.svg for each,
    reusing the last build's drawings of the same specs if `staged_drawings` (a file that
    receives this build's, for keep_drawings) is given. Returns the charted queries and, for
    those with nothing to draw, why ({name: reason}); `live_specs`, a dict, receives the spec of
    each chart that draws ({name: chart_spec}) for its page (metadata.yml)."""
    queries = charted_queries(project)
    empty = {}
    last, drawings = (last_drawings(project) if staged_drawings is not None else {}), {}
    out_dir.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        for query in queries:
            relative = project.rel(query.path)
            try:
                columns, rows = run_with_defaults(connection, query.sql)
            except sqlite3.Error as exc:
                raise BuildError(relative, f"the query fails with its default parameters: {exc}") from None
            drawn = check(query, columns, rows, relative)
            svg = drawn_svg(vegalite_spec(query, rows), last, drawings) if drawn else empty_svg(query)
            (out_dir / f"{query.name}.svg").write_text(svg, encoding="utf-8")
            if not drawn:
                empty[query.name] = query.empty_reason
            elif live_specs is not None:
                live_specs[query.name] = chart_spec(query, rows)
    finally:
        connection.close()
    if staged_drawings is not None:
        staged_drawings.write_text(json.dumps(drawings, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    return queries, empty


def image_paths(project):
    return [str(CHART_DIR / f"{query.name}.svg") for query in charted_queries(project)]
