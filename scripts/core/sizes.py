"""Every size limit, in one place. The instance's are read from the one file that sets them:
site/plugins/sizes.py, which ships with the site (Datasette loads it from --plugins-dir) and so
cannot live in scripts/; loaded by path (`site` is also the name of a module of Python's
standard library). Below them, the limits only the build and the release tools apply: what
contributed rating sets may add up to, and what `diff` reads of a package from elsewhere."""

import runpy

from scripts.core.paths import REPO_ROOT

_sizes = runpy.run_path(str(REPO_ROOT / "site" / "plugins" / "sizes.py"))

MAX_VALUE_BYTES = _sizes["MAX_VALUE_BYTES"]
MAX_TEXT_BYTES = _sizes["MAX_TEXT_BYTES"]
MAX_SQL_BYTES = _sizes["MAX_SQL_BYTES"]

# Contributed rating sets (data/contrib/ratings/*.csv, scripts/ratings/contributed.py), per value
# and in total, so that the build's time and every output's size stay bounded however many
# files arrive (issue 20: 120 files of 96 kB, each a label and a note of 24,000 quote marks, made
# the charts stage take 614 s, a chart SVG 38.4 MB and the rating_sets page 28.6 MB). Today
# there is no contributed file; bench/ratings_scale.py's million ratings are about 53,000
# files, 20 MB, 6 MB of labels and notes, well inside.
MAX_LABEL_BYTES = 400  # a rater's name: the rating page takes 100 characters, 300 bytes at most; charts show CHART_TEXT_CHARS
MAX_NOTE_BYTES = 4_000  # a paragraph or two on how the ratings were made
MAX_CONTRIBUTED_FILES = 100_000
MAX_CONTRIBUTED_TOTAL_BYTES = 64 * 1024 * 1024  # every contributed file together, as read
MAX_CONTRIBUTED_TEXT_BYTES = 16 * 1024 * 1024  # every label and note together (UTF-8)
# The longest text a chart draws (an axis label, a legend entry); longer values are cut with
# "…" in the drawing only, the data keeping the whole value.
CHART_TEXT_CHARS = 60

# What `make diff` reads of a package given to it (scripts/release/package_reader.py): an old
# release, a zip from elsewhere. The package itself is about 0.2 MB (its largest file ~60 kB);
# a million contributed ratings would make ratings.csv about 30 MB. Each cap is checked before
# the bytes are read (a zip's listing, then each member's declared size, then the read itself).
MAX_PACKAGE_ZIP_BYTES = 64 * 1024 * 1024  # the zip file as it lies on disk
MAX_PACKAGE_MEMBERS = 1_000  # names in a zip (the package has about 30)
MAX_DESCRIPTOR_BYTES = 4 * 1024 * 1024  # datapackage.json (about 60 kB)
MAX_PACKAGE_FILE_BYTES = 48 * 1024 * 1024  # one resource's CSV, uncompressed
MAX_PACKAGE_BYTES = 96 * 1024 * 1024  # every file read from one package, uncompressed
# Lines of every CSV of one package together (a row is a line or more): each row is held in
# memory, so a file of tiny rows costs far more than its bytes. A million ratings and the rest.
MAX_PACKAGE_LINES = 1_500_000
