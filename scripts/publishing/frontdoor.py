"""The front door: the HTML descriptions of Datasette's index and database pages.

A reader who has never seen the post lands on the index page. It says what the dataset is and
which version, offers a search box, and links the first questions to ask (site/instance.yml,
straight to the chart where a query has one). Downloads, with the package's SHA-256, and the
citation are added below by the templates in site/templates/ (they need the served files).
Links are relative, so they work under any base URL: from the index page "longlist/NAME"; the
database page (/longlist) resolves the same links to the same pages.
"""

import html

from scripts.core import yamlio
from scripts.core.errors import BuildError

INSTANCE_FILE = "site/instance.yml"


def load_instance(project, queries):
    """site/instance.yml, checked against the saved queries it names."""
    instance = yamlio.load(project.site_dir / "instance.yml", INSTANCE_FILE)
    line = instance.get(yamlio.LINE_KEY)
    for field in ("start_with", "search", "robots_disallow"):
        if not instance.get(field):
            raise BuildError(INSTANCE_FILE, "is missing or empty", line=line, field=field)
    for name in instance["start_with"] + [instance["search"]]:
        if name not in queries:
            raise BuildError(INSTANCE_FILE, f"{name!r} is not a saved query (sql/queries/{name}.sql)", line=line, field="start_with")
    return instance


def version_html(descriptor, version=None):
    """`version`: the version as this build names it ("0.1.0 + unreleased changes" for a build
    that differs from its release; scripts/release/status.py)."""
    version = version or descriptor["version"]
    return f"<p>Version <strong>{html.escape(version)}</strong> of the Frictionless data package <code>{html.escape(descriptor['name'])}</code>.</p>"


def search_form_html(database, query_name):
    hint = "Search all the text: theories, sub-points, the post, comments, arguments"
    return (
        f'<form class="front-door-search" action="{html.escape(database)}/{html.escape(query_name)}" method="get"><p>'
        f'<input type="search" name="q" aria-label="{hint}" placeholder="{hint}" style="width: 30em; max-width: 70%"> '
        '<input type="submit" value="Search"></p></form>'
    )


def start_with_html(queries, names, database):
    items = []
    for name in names:
        # a query with a chart opens drawn: Datasette's `fragment` of the saved query (metadata.py)
        fragment = queries[name].get("fragment")
        link = f"{database}/{name}#{fragment}" if fragment else f"{database}/{name}"
        items.append(f'<li><a href="{html.escape(link)}">{html.escape(queries[name]["title"])}</a></li>')
    return '<h2>Start with</h2><ul class="start-with">' + "".join(items) + "</ul>"


# The pages made for doing rather than querying (site/templates/pages/): the rating exercise
# and the post and the whole thread to read, served at /rate, /post and /thread.
RATE_PAGE = "rate"
THREAD_PAGE = "thread"
POST_PAGE = "post"


def pages_html():
    return (
        f'<p class="front-door-post"><a href="{POST_PAGE}"><strong>Read the post</strong></a>: the 20 theories of impact with their '
        "sub-points, the exercise and the disagreement, as prose in page order, each theory linking to its page.</p>"
        f'<p class="front-door-read"><a href="{THREAD_PAGE}"><strong>Read the discussion</strong></a>: the whole comment thread nested as '
        "on LessWrong, each linking to its page with its arguments; every theory has a page too.</p>"
        f'<p class="front-door-rate"><a href="{RATE_PAGE}"><strong>Add your ratings</strong></a>: the post\'s exercise, '
        "rate each theory out of 10 in your browser and see at once how your view compares with the others'.</p>"
    )


def both_sides_html(database):
    """The one sentence that says the package holds both sides of the debate (the documents resource)."""
    documents, critique = f"{database}/documents", f"{database}/documents/critique"
    return (
        f'<p class="front-door-both-sides">The package now holds <a href="{html.escape(documents)}">both sides of the debate</a>: '
        f'the longlist with its thread, and <a class="critique-link" href="{html.escape(critique)}">the critique that answers it theory by theory</a> '
        "(“Against Almost Every Theory of Impact of Interpretability”, August 2023), each answer beside the theory it answers.</p>"
    )


def index_html(descriptor, queries, instance, database, version=None):
    return (
        f"<p>{html.escape(descriptor['description'])}</p>"
        + both_sides_html(database)
        + version_html(descriptor, version)
        + search_form_html(database, instance["search"])
        + pages_html()
        + start_with_html(queries, instance["start_with"], database)
    )


def database_html(descriptor, instance, database, licences, version=None):
    return (
        f"<p>{html.escape(descriptor['description'])}</p>"
        + f"<p>Licences: {html.escape(licences)}</p>"
        + version_html(descriptor, version)
        + search_form_html(database, instance["search"])
    )
