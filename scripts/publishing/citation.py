"""Ready-made citations (BibTeX and APA) for the README and the Datasette index page.

CITATION.cff is the one place that says how to cite the dataset (authors, date, DOI, the
source post); the version and the package name come from datapackage.json, the one source
of the version (CITATION.cff's copy is checked against it by the tests and the release)."""

import html
import re

from scripts.core import yamlio
from scripts.core.errors import BuildError
from scripts.publishing import base_url

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
BIBTEX_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DOI_PLACEHOLDER = "none assigned yet (when one is, it goes in CITATION.cff as `doi:`)"


def load(project):
    name = project.rel(project.citation_path)
    required = ("title", "version", "date-released", "authors", "references")
    cff = yamlio.mapping(project.citation_path, name, required, "a Citation File Format mapping", "the citations are generated from it", cite_line=True)
    post = source_post(cff)
    with_base_url(cff, base_url.configured(project), name)
    for field in ("title", "authors", "year", "publisher", "url"):
        if not isinstance(post, dict) or not post.get(field):
            raise BuildError(
                name, "missing in the first reference (the source post)", line=getattr(post, "get", dict().get)(yamlio.LINE_KEY), field=f"references[0].{field}"
            )
    return cff


def with_base_url(cff, base, name="CITATION.cff"):
    """CITATION.cff's `url` (the dataset's landing page) is the site's base URL when one is set
    (scripts/publishing/base_url.py): filled in from it, or checked against it."""
    if not base:
        return
    landing = base_url.landing_page(base)
    if not cff.get("url"):
        cff["url"] = landing
    elif str(cff["url"]).rstrip("/") != base:
        what = f"url {cff['url']!r} differs from {base_url.SETTING_FILE}'s base_url {base!r}; give the landing page once, as base_url"
        raise BuildError(name, what, field="url")


def source_post(cff):
    """The reference the dataset is derived from: the post (the first reference)."""
    return cff["references"][0]


def year(cff):
    return str(cff["date-released"])[:4]


def person_apa(author):
    """'Nanda, N.' for a person, the name as written for an organisation."""
    if "name" in author:
        return author["name"]
    initials = " ".join(f"{part[0]}." for part in author["given-names"].split())
    return f"{author['family-names']}, {initials}"


def person_bibtex(author):
    if "name" in author:
        return "{" + author["name"] + "}"  # braces: an organisation, not "Maintainers, Longlist dataset"
    return f"{author['family-names']}, {author['given-names']}"


def person_plain(author):
    return author.get("name") or f"{author['given-names']} {author['family-names']}"


def names_apa(authors):
    names = [person_apa(a) for a in authors]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + ", & " + names[-1]


def ends_with_stop(text):
    return text.rstrip().endswith((".", "?", "!"))


def sentence(text):
    return text if ends_with_stop(text) else text + "."


def label(descriptor, status=None):
    """The version as this build names it: "0.1.0", or "0.1.0 + unreleased changes" for a build
    whose bytes differ from the release record of its version (scripts/release/status.py)."""
    return status.label if status is not None else str(descriptor["version"])


def released(status):
    return status is None or status.released


def link(cff):
    """Where the dataset is found: its DOI, else its url (CITATION.cff), else nothing."""
    if cff.get("doi"):
        return f"https://doi.org/{cff['doi']}"
    return cff.get("url") or ""


# APA strings are lists of (text, italic) pieces, rendered as Markdown or HTML.
def apa_dataset(cff, version):
    where = link(cff)
    where = f" {where}" if where else ""
    return [
        (f"{sentence(names_apa(cff['authors']))} ({year(cff)}). ", False),
        (cff["title"], True),
        (f" (Version {version}) [Data set].{where}", False),
    ]


def published(post):
    """(year, month, day) of the post: from date-published where given, else year and month."""
    date = str(post.get("date-published") or "")
    if date:
        year, month, day = (int(part) for part in date.split("-"))
        return year, month, day
    return post["year"], post.get("month"), None


def apa_post(post):
    _, month_number, day = published(post)
    month = f", {MONTHS[month_number - 1]}" if month_number else ""
    month += f" {day}" if day and month_number else ""
    return [
        (f"{sentence(names_apa(post['authors']))} ({post['year']}{month}). {sentence(post['title'])} ", False),
        (post["publisher"]["name"], True),
        (f". {post['url']}", False),
    ]


def markdown(pieces):
    return "".join(f"*{text}*" if italic else text for text, italic in pieces)


def as_html(pieces):
    return "".join(f"<em>{html.escape(text)}</em>" if italic else html.escape(text) for text, italic in pieces)


def bibtex_entry(kind, key, fields):
    width = max(len(name) for name, _ in fields)
    body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in fields)
    return f"@{kind}{{{key},\n{body}\n}}"


def bibtex_dataset(cff, descriptor, status=None):
    version = label(descriptor, status)
    post = source_post(cff)
    fields = [
        ("author", "{" + " and ".join(person_bibtex(a) for a in cff["authors"]) + "}"),
        ("title", "{{" + cff["title"] + "}}"),
        ("year", "{" + year(cff) + "}"),
        ("version", "{" + version + "}"),
        (
            "note",
            "{Data set, version "
            + version
            + ". Derived from "
            + " and ".join(person_plain(a) for a in post["authors"])
            + ", ``"
            + post["title"]
            + "'', "
            + post["publisher"]["name"]
            + ", "
            + str(post["year"])
            + "}",
        ),
    ]
    if cff.get("doi"):
        fields.append(("doi", "{" + cff["doi"] + "}"))
    if cff.get("url"):
        fields.append(("url", "{" + cff["url"] + "}"))
    key = f"{descriptor['name']}-{descriptor['version']}" + ("" if released(status) else "-unreleased")
    return bibtex_entry("misc", key, fields)


def bibtex_post(post):
    first_word = next(w for w in re.findall(r"[A-Za-z]+", post["title"]) if w.lower() not in {"a", "an", "the"})
    key = f"{post['authors'][0].get('family-names', 'anon').lower()}{post['year']}{first_word.lower()}"
    fields = [
        ("author", "{" + " and ".join(person_bibtex(a) for a in post["authors"]) + "}"),
        ("title", "{{" + post["title"] + "}}"),
        ("year", "{" + str(post["year"]) + "}"),
    ]
    if post.get("month"):
        fields.append(("month", BIBTEX_MONTHS[post["month"] - 1]))
    if post.get("date-published"):
        fields.append(("date", "{" + str(post["date-published"]) + "}"))  # biblatex reads the exact date
    fields += [("howpublished", "{" + post["publisher"]["name"] + "}"), ("url", "{" + post["url"] + "}")]
    return bibtex_entry("misc", key, fields)


def unreleased_note(cff, descriptor):
    version = descriptor["version"]
    return (
        f"these files differ from version {version} as released on {cff['date-released']} "
        f"(releases/{version}/manifest.json records its SHA-256s). Cite a released version: only `make release` makes one"
    )


def version_line(cff, descriptor, status=None):
    doi = f"DOI: [{cff['doi']}](https://doi.org/{cff['doi']})" if cff.get("doi") else f"DOI: {DOI_PLACEHOLDER}"
    if not released(status):
        return f"This is **{label(descriptor, status)}**: {unreleased_note(cff, descriptor)}. {doi}."
    return f"This is version **{descriptor['version']}** of the dataset, released {cff['date-released']}. {doi}."


CITATION_START = "<!-- citation:start (generated from CITATION.cff by `python -m scripts docs`; do not edit) -->"
CITATION_END = "<!-- citation:end -->"


def readme_block(cff, descriptor, status=None):
    post = source_post(cff)
    return "\n".join(
        [
            version_line(cff, descriptor, status),
            "",
            "Cite the dataset (APA, then BibTeX):",
            "",
            f"> {markdown(apa_dataset(cff, label(descriptor, status)))}",
            "",
            "```bibtex",
            bibtex_dataset(cff, descriptor, status),
            "```",
            "",
            "and the source post:",
            "",
            f"> {markdown(apa_post(post))}",
            "",
            "```bibtex",
            bibtex_post(post),
            "```",
            "",
        ]
    )


def readme_text(readme_text, cff, descriptor, name="README.md", status=None):
    """README text with its citation block regenerated (for `status`, the build's release
    status; None: the version as released)."""
    if CITATION_START not in readme_text or CITATION_END not in readme_text:
        raise BuildError(name, f"the citation markers are missing; expected the lines\n  {CITATION_START}\n  {CITATION_END}")
    before, rest = readme_text.split(CITATION_START, 1)
    _, after = rest.split(CITATION_END, 1)
    return f"{before}{CITATION_START}\n\n{readme_block(cff, descriptor, status)}{CITATION_END}{after}"


def citation_html(cff, descriptor, status=None):
    """How to cite, for the Datasette index and database pages: the dataset and the source post."""
    doi = f'<a href="https://doi.org/{html.escape(cff["doi"])}">{html.escape(cff["doi"])}</a>' if cff.get("doi") else "none assigned yet"
    post = source_post(cff)
    if released(status):
        first = f"<p><strong>Version {html.escape(str(descriptor['version']))}</strong>, released {html.escape(str(cff['date-released']))}. DOI: {doi}.</p>"
    else:
        note = html.escape(unreleased_note(cff, descriptor)).replace("`make release`", "<code>make release</code>")
        first = f'<p class="unreleased"><strong>{html.escape(label(descriptor, status))}</strong>: {note}. DOI: {doi}.</p>'
    return "\n".join(
        [
            first,
            "<p>Cite the dataset:</p>",
            f"<blockquote>{as_html(apa_dataset(cff, label(descriptor, status)))}</blockquote>",
            f"<pre>{html.escape(bibtex_dataset(cff, descriptor, status))}</pre>",
            "<p>and the source post:</p>",
            f"<blockquote>{as_html(apa_post(post))}</blockquote>",
            f"<pre>{html.escape(bibtex_post(post))}</pre>",
        ]
    )
