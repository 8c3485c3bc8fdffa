"""The sizes the served instance allows, in one place: site/plugins/limits.py and
requests_guard.py use them, and the build reads this same file (scripts/core/sizes.py) so that
it refuses at the gate a value the site could not serve. It ships with every deployment
(`--plugins-dir site/plugins`), so it must not import anything from scripts/.

Datasette loads every file here as a plugin; this one defines no hook and only holds numbers.
"""

# SQLite's length limit on every connection of the instance: the longest string or blob a
# query may read or make ("string or blob too big" beyond it). The longest value in the
# database is about 4 kB (an FTS index block) and the whole raw snapshot 22 kB.
MAX_VALUE_BYTES = 25_000
# What the build accepts in one contributed text value (a label, a note): the instance's limit
# less room for what a saved query adds around a value (rater_agreement puts a place number
# before each label), so a value that passes the build is one every page can show.
MAX_TEXT_BYTES = MAX_VALUE_BYTES - 1_000
# SQL arrives in a URL; nothing a person types comes near this.
MAX_SQL_BYTES = 50_000
# The rows a page may show: Datasette's max_returned_rows (scripts/serve/instance.py sets it;
# a test checks they agree), which is also what `_facet_size=max` means.
MAX_PAGE_ROWS = 200
# Each facet value is a link that repeats the page's whole query string, so a page's facet
# links weigh facets x values x query string: ten facets of `_facet_size=max` padded to 65 kB
# made a 31.8 MB page in 4.2 s. The bound on that product, in bytes (honest pages: ~0.3 MB).
MAX_FACET_LINK_BYTES = 4_000_000
# A streamed CSV (`?_stream=1`) runs one query per page of rows, each under the time limit:
# a recursive `_where` streamed for 64 s. The whole stream's bound, in seconds.
MAX_STREAM_SECONDS = 15
