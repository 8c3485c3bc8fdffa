"""The `linked` template filter: a source text, escaped, with its web addresses made links
(the two rating spreadsheets in the comments, any other URL in a comment or in the post).
The reading pages' templates pass comment, edit and post paragraphs through it."""

import re

import markupsafe
from datasette import hookimpl

URL = re.compile(r"https?://[^\s<>\"']+")
TRAILING = ".,;:!?)]"  # punctuation that ends a sentence, not the address


def linked(text):
    out, at = [], 0
    source = str(text or "")
    for match in URL.finditer(source):
        url = match.group(0).rstrip(TRAILING)
        end = match.start() + len(url)
        out.append(markupsafe.escape(source[at : match.start()]))
        out.append(markupsafe.Markup('<a class="source-url" href="{0}" rel="nofollow">{0}</a>').format(url))
        at = end
    out.append(markupsafe.escape(source[at:]))
    return markupsafe.Markup("").join(out)


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["linked"] = linked
