"""Pipeline for the Longlist of Theories of Impact data package.

raw snapshot -> parse -> normalize (CSV rows) -> package (validate) -> load (SQLite) -> site.
"""
