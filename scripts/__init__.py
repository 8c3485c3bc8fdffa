"""The Longlist data package's code, one sub-package per job:

- core/: paths, errors, YAML loading and the one reader of datapackage.json (the schema).
- pipeline/: the build, stage by stage (build.py lists them): source -> parse -> curation
  and thread -> contributed ratings -> normalize (tables) -> aggregates -> package
  (CSV + validation) -> load (SQLite) -> commit.
- publishing/: what the site and docs are generated from: metadata.yml, saved queries,
  front door, charts, citation, AIF export, generated docs.
- release/: versions, stable identifiers, the package zip, release records, diff.
- ratings/: the contributed rating files, `rate` and `import-ratings`.
- serve/: the Datasette instance (`serve`) and deployments (`publish`).

cli.py parses the command line and calls one function per command.
"""
