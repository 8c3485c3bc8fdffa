"""Command line: only parses arguments and dispatches to the pipeline's stages."""

import argparse
import sys

from .errors import BuildError, BuildErrors
from .paths import Project


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m scripts", description="Build, check and serve the Longlist data package.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="parse the raw snapshot, write and validate the package, load SQLite, write metadata.yml")
    serve = commands.add_parser("serve", help="serve the built database with Datasette on 127.0.0.1")
    serve.add_argument("--port", type=int, default=None)
    commands.add_parser("rate", help="the post's exercise: score each theory out of 10 and save your ratings under data/contrib/ratings/")
    importing = commands.add_parser("import-ratings", help="import a CSV export of the community spreadsheet (wide or long layout), one file per rater")
    importing.add_argument("file", help="the CSV file (UTF-8)")
    importing.add_argument("--note", default=None, help="a note for every imported set, e.g. where the export comes from")
    args = parser.parse_args(argv)
    project = Project()
    try:
        if args.command == "build":
            from .build import build

            build(project)
        elif args.command == "serve":
            from . import serve as serving

            if not project.db_path.exists():
                raise BuildError(project.rel(project.db_path), "not built yet; run `make build` first")
            serving.serve(project, args.port or serving.DEFAULT_PORT)
        elif args.command == "rate":
            from . import rate

            return rate.run(project)
        elif args.command == "import-ratings":
            from . import import_ratings

            import_ratings.run(project, args.file, args.note)
    except BuildErrors as exc:
        for error in exc.errors:
            print(f"error: {error}", file=sys.stderr)
        print(f"{len(exc.errors)} problems; nothing was changed", file=sys.stderr)
        return 1
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was changed", file=sys.stderr)
        return 130
    return 0
