"""Command line: parses arguments and calls one function per command."""

import argparse
import sqlite3
import sys
from pathlib import Path

from scripts.core.errors import BuildError, BuildErrors
from scripts.core.paths import Project


def parser():
    parser = argparse.ArgumentParser(
        prog="longlist", description="Build, check, serve, release and compare the Longlist data package (also `python -m scripts`)."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="parse the raw snapshot, write and validate the package, load SQLite, write metadata.yml")
    docs = commands.add_parser("docs", help="regenerate the generated docs (data dictionary, charts page, README citation) from their sources")
    docs.add_argument("--check", action="store_true", help="change nothing; fail if a generated doc is stale")
    serve = commands.add_parser("serve", help="serve the built database with Datasette on 127.0.0.1")
    serve.add_argument("--port", type=int, default=None)
    serve.add_argument("--workers", type=int, default=None, help="worker processes (default: one per core, at most 8)")
    warm = commands.add_parser("warm", help="ask a served site (or the proxy cache in front of it) for every canonical page once")
    warm.add_argument("url", help="the site's address, e.g. http://127.0.0.1:8080/")
    commands.add_parser("clean", help="delete build/ and dist/, keep releases/ (a refused commit journal is discarded unexecuted)")
    commands.add_parser("release", help="build dist/<name>-<version>/ (package zip, SQLite database, SHA256SUMS) and record releases/<version>/manifest.json")
    diff = commands.add_parser("diff", help="what changed between two versions of the package, as a CHANGELOG draft (Markdown) or JSON")
    diff.add_argument("old", help="the older version: a folder with datapackage.json, a package zip, or a release folder dist/<name>-<version>")
    diff.add_argument("new", help="the newer version, in the same forms (. for the working tree)")
    diff.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    publish = commands.add_parser("publish", help="publish the build with `datasette publish`, configured as `serve` runs it")
    publish.add_argument("platform", choices=["cloudrun", "vercel", "fly"])
    publish.add_argument("--name", default="longlist", help="the service / project / app to create or update (default: longlist)")
    publish.add_argument("--dry-run", action="store_true", help="print the command instead of running it")
    commands.add_parser(
        "agreement", help="print the agreement between the two readings of the argument map (Cohen's kappa, Jaccard) and check the adjudication log"
    )
    commands.add_parser("rate", help="the post's exercise: score each theory out of 10 and save your ratings under data/contrib/ratings/")
    importing = commands.add_parser(
        "import-ratings", help="import a CSV export of a rating spreadsheet (wide, transposed or long layout), one file per rater, after a preview"
    )
    importing.add_argument("file", help="the CSV file (UTF-8)")
    importing.add_argument("--note", default=None, help="a note for every imported set, e.g. where the export comes from")
    importing.add_argument("--yes", action="store_true", help="write the files without asking (the preview is still printed)")
    return parser


def require_built(project):
    if not project.db_path.exists():
        raise BuildError(project.rel(project.db_path), "not built yet; run `make build` first")


def run(project, args):
    """Call the command's one function; imports stay inside so each command loads only what it needs."""
    if args.command == "build":
        from scripts.build import build

        build(project)
    elif args.command == "docs":
        from scripts.publishing import docs

        docs.write(project, check=args.check)
    elif args.command == "serve":
        from scripts.core.commit import exclusive
        from scripts.serve import instance

        with exclusive(project):  # an interrupted build or import is finished or undone first
            require_built(project)
        instance.serve(project, args.port or instance.DEFAULT_PORT, workers=args.workers)
    elif args.command == "warm":
        from scripts.serve import warm

        return 1 if warm.warm(project, args.url) else 0
    elif args.command == "clean":
        from scripts.core.commit import clean

        clean(project)
    elif args.command == "release":
        from scripts.core.commit import exclusive
        from scripts.make_release import release

        with exclusive(project):  # an interrupted build or import is finished or undone first
            release(project)
    elif args.command == "diff":
        from scripts.release import diff

        diff.show(args.old, args.new, json_output=args.json)
    elif args.command == "publish":
        from scripts.serve import publish

        require_built(project)
        publish.publish(project, args.platform, args.name, dry_run=args.dry_run)
    elif args.command == "agreement":
        from scripts.pipeline import agreement, critique_agreement

        print(agreement.run(project))
        print()
        print(critique_agreement.run(project))
    elif args.command == "rate":
        from scripts.ratings import rate

        return rate.run(project)
    elif args.command == "import-ratings":
        from scripts.core.commit import exclusive
        from scripts.ratings import importer

        with exclusive(project):  # an interrupted build or import is finished or undone first
            return 0 if importer.run(project, args.file, args.note, yes=args.yes) else 1
    return 0


def main(argv=None, root=None):
    """`root` overrides the project root (tests run the CLI on temporary copies)."""
    args = parser().parse_args(argv)
    project = Project(Path(root)) if root else Project()
    try:
        return run(project, args)
    except BuildErrors as exc:
        for line in exc.lines():
            print(f"error: {line}" if not line.startswith("... and") else line, file=sys.stderr)
        print(f"{len(exc.errors)} problems; nothing was changed", file=sys.stderr)
        return 1
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only folder: nothing the build wrote was kept
        print(f"error: {project.rel(exc.filename) if exc.filename else 'build'}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except sqlite3.Error as exc:  # "database or disk is full": SQLite's own words for a full disk
        print(f"error: {project.rel(project.db_path)}: SQLite: {exc}; nothing was changed", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was changed", file=sys.stderr)
        return 130


def console():
    """Entry point of the `longlist` console script."""
    sys.exit(main())
