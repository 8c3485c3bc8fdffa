"""The instance's size limits, read from the one file that sets them: site/plugins/sizes.py,
which ships with the site (Datasette loads it from --plugins-dir) and so cannot live in scripts/.
Loaded by path: `site` is also the name of a module of Python's standard library."""

import importlib.util

from scripts.core.paths import REPO_ROOT

_spec = importlib.util.spec_from_file_location("longlist_site_sizes", REPO_ROOT / "site" / "plugins" / "sizes.py")
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

MAX_VALUE_BYTES = _module.MAX_VALUE_BYTES
MAX_TEXT_BYTES = _module.MAX_TEXT_BYTES
MAX_SQL_BYTES = _module.MAX_SQL_BYTES
