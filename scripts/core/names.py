"""The mount names and plugin configuration key the served site uses, read from the one file
that sets them: site/plugins/names.py (shipped with the site, so it cannot live in scripts/).
Loaded by path, as scripts/core/sizes.py is."""

import runpy

from scripts.core.paths import REPO_ROOT

_names = runpy.run_path(str(REPO_ROOT / "site" / "plugins" / "names.py"))

DOWNLOADS_MOUNT = _names["DOWNLOADS_MOUNT"]
ASSETS_MOUNT = _names["ASSETS_MOUNT"]
RATING_MOUNT = _names["RATING_MOUNT"]
SITE_CONFIG = _names["SITE_CONFIG"]
