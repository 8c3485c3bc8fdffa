"""The instance's size limits, read from the one file that sets them: site/plugins/sizes.py,
which ships with the site (Datasette loads it from --plugins-dir) and so cannot live in scripts/.
Loaded by path: `site` is also the name of a module of Python's standard library."""

import runpy

from scripts.core.paths import REPO_ROOT

_sizes = runpy.run_path(str(REPO_ROOT / "site" / "plugins" / "sizes.py"))

MAX_VALUE_BYTES = _sizes["MAX_VALUE_BYTES"]
MAX_TEXT_BYTES = _sizes["MAX_TEXT_BYTES"]
MAX_SQL_BYTES = _sizes["MAX_SQL_BYTES"]
