"""The sizes the served instance allows, in one place: limits.py and requests_guard.py use them,
and the build reads this same file (scripts/core/sizes.py) to refuse a value the site could not
serve. It ships with every deployment, so it imports nothing from scripts/; it defines no hook."""

# SQLite's length limit on every connection: the longest string or blob a query may read or
# make. The longest value in the database is about 4 kB, the whole raw snapshot 22 kB.
MAX_VALUE_BYTES = 25_000
# One contributed text value: the instance's limit less room for what a saved query adds around it.
MAX_TEXT_BYTES = MAX_VALUE_BYTES - 1_000
MAX_SQL_BYTES = 50_000  # SQL arrives in a URL; nothing a person types comes near this
# Datasette's max_returned_rows (scripts/serve/instance.py sets it; a test checks they agree),
# which is also what `_facet_size=max` means.
MAX_PAGE_ROWS = 200
# The bound on facets x values x query-string bytes of a page's facet links (honest pages: ~0.3 MB).
MAX_FACET_LINK_BYTES = 4_000_000
