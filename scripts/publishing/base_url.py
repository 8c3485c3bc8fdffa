"""The site's canonical base URL: the one setting (`base_url` in site/instance.yml) behind every
absolute URL the project publishes about itself: the sitemap, robots.txt and the index page's
JSON-LD (site/plugins/discovery.py reads it from metadata.yml), croissant.json, and the
citations (CITATION.cff's `url`, read through scripts/publishing/citation.py).

Empty or absent: no public home yet; the site then makes its URLs absolute from the request
(the Host header and the scheme the proxy forwards), as before. Set it once a deployment has
its address, so that a proxy that does not forward the scheme (`datasette publish fly`)
cannot turn https:// into http://.
"""

import re

from scripts.core import yamlio
from scripts.core.errors import BuildError

SETTING_FILE = "site/instance.yml"
SETTING = "base_url"
SHAPE = re.compile(r"https?://[A-Za-z0-9.-]+(:\d+)?(/[A-Za-z0-9._~/-]*)?")


def check(value, line=None):
    """The base URL without a trailing slash; "" when unset."""
    value = "" if value is None else str(value).strip()
    if not value:
        return ""
    if not SHAPE.fullmatch(value):
        what = f"expected an absolute http(s) URL without query or fragment (https://host[/prefix]), got {value!r}"
        raise BuildError(SETTING_FILE, what, line=line, field=SETTING)
    return value.rstrip("/")


def configured(project):
    """The base URL of site/instance.yml, checked, without a trailing slash ("" when unset)."""
    instance = yamlio.load(project.site_dir / "instance.yml", SETTING_FILE)
    return check(instance.get(SETTING), yamlio.key_line(project.site_dir / "instance.yml", SETTING))


def landing_page(base):
    """The site's index page for a base URL ("" when unset)."""
    return f"{base}/" if base else ""


def absolute(base, path):
    """`path` (from the site's root, "/...") made absolute against the base URL."""
    return f"{base}{path}"
