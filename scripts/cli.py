"""Command line: only parses arguments and dispatches to the pipeline's stages."""

import argparse
import sys

from .errors import BuildError, BuildErrors
from .paths import Project


def main(argv=None, root=None):
    """`root` overrides the project root (tests run the CLI on temporary copies)."""
    parser = argparse.ArgumentParser(prog="python -m scripts", description="Build, check and serve the Longlist data package.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="parse the raw snapshot, write and validate the package, load SQLite, write metadata.yml")
    serve = commands.add_parser("serve", help="serve the built database with Datasette on 127.0.0.1")
    serve.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    project = Project(root) if root else Project()
    try:
        if args.command == "build":
            from .build import build

            build(project)
        elif args.command == "serve":
            from . import serve as serving

            if not project.db_path.exists():
                raise BuildError(project.rel(project.db_path), "not built yet; run `make build` first")
            serving.serve(project, args.port or serving.DEFAULT_PORT)
    except (BuildError, BuildErrors) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a full disk, a read-only folder: nothing the build wrote was kept
        print(f"error: {project.rel(exc.filename) if exc.filename else 'build'}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; nothing was changed", file=sys.stderr)
        return 130
    return 0
