"""The instance's size limits, read from the one file that sets them: site/plugins/sizes.py,
which ships with the site (Datasette loads it from --plugins-dir) and so cannot live in scripts/.
Loaded by path: `site` is also the name of a module of Python's standard library."""

import runpy

from scripts.core.paths import REPO_ROOT

_sizes = runpy.run_path(str(REPO_ROOT / "site" / "plugins" / "sizes.py"))

MAX_VALUE_BYTES = _sizes["MAX_VALUE_BYTES"]
MAX_TEXT_BYTES = _sizes["MAX_TEXT_BYTES"]
MAX_SQL_BYTES = _sizes["MAX_SQL_BYTES"]

# What `make diff` reads of a package given to it (scripts/release/package_reader.py): an old
# release, a zip from elsewhere. The package itself is about 0.2 MB (its largest file ~60 kB);
# a million contributed ratings would make ratings.csv about 30 MB. Each cap is checked before
# the bytes are read (a zip's listing, then each member's declared size, then the read itself).
MAX_PACKAGE_ZIP_BYTES = 64 * 1024 * 1024  # the zip file as it lies on disk
MAX_PACKAGE_MEMBERS = 1_000  # names in a zip (the package has about 30)
MAX_DESCRIPTOR_BYTES = 4 * 1024 * 1024  # datapackage.json (about 60 kB)
MAX_PACKAGE_FILE_BYTES = 48 * 1024 * 1024  # one resource's CSV, uncompressed
MAX_PACKAGE_BYTES = 96 * 1024 * 1024  # every file read from one package, uncompressed
