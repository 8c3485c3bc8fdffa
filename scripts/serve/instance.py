"""The site served: Datasette in immutable mode on the built database, with the site's
options and settings, started by one command (gunicorn with uvicorn workers) shared by
`make serve`, the tests, the benchmarks and the docs; `publish` passes on the same options."""

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from scripts.core import names

HOST = "127.0.0.1"
DEFAULT_PORT = 8001
MAX_DEFAULT_WORKERS = 8  # each worker holds its own Datasette (~60-100 MB)
GRACEFUL_TIMEOUT_S = 10
SETTINGS = {  # passed to Datasette as --setting NAME VALUE
    "sql_time_limit_ms": 1000,
    "max_returned_rows": 200,  # x 25 kB values at most (site/plugins/sizes.py): an answer stays ~5 MB
    "facet_time_limit_ms": 200,
    "facet_suggest_time_limit_ms": 100,
    "allow_download": 1,
    # a whole table is the package's own CSV at /package/ (site/plugins/served_package.py): no
    # stream of Datasette's, which ran a query per page of rows without a bound on the whole
    "allow_csv_stream": 0,
    "default_cache_ttl": 3600,
    "num_sql_threads": 2,  # one for brought-in SQL (site/plugins/limits.py), one for the pages
    "truncate_cells_html": 0,  # a comment is up to ~2,700 characters: no cell is cut
    "suggest_facets": 0,  # a query per column on every table page; site/tables.yml sets the facets
}


def datasette_executable():
    return os.path.join(os.path.dirname(sys.executable), "datasette")


def inspect_path(project):
    return project.db_path.with_name("inspect-data.json")


def inspect_bytes(root, db):
    """What `datasette inspect DB` prints from `root` (the database's hash, size and every table's
    row count): the build writes it beside the database, so no count is made at request time."""
    return subprocess.run([datasette_executable(), "inspect", db], cwd=root, capture_output=True, check=True).stdout


def site_paths(project):
    """What makes the instance this project's site besides the database and settings."""
    return {
        "inspect": inspect_path(project),
        "metadata": project.metadata_path,
        "template_dir": project.site_dir / "templates",
        "plugins_dir": project.site_dir / "plugins",
        "static": [
            (names.DOWNLOADS_MOUNT, project.build_dir / "downloads"),  # package zip, argument map
            (names.ASSETS_MOUNT, project.site_dir / "static"),  # the rating page's script and style
            (names.RATING_MOUNT, project.build_dir / "rating"),  # the rating page's data
        ],
    }


def site_options(project, path=str, inspect=True):
    """The site's `--flag value` options of `datasette serve` (`datasette publish` makes its own inspect file)."""
    paths = site_paths(project)
    options = ["--inspect-file", path(paths["inspect"])] if inspect else []
    for flag in ("metadata", "template_dir", "plugins_dir"):
        options += ["--" + flag.replace("_", "-"), path(paths[flag])]
    return options + [part for mount, directory in paths["static"] for part in ("--static", f"{mount}:{path(directory)}")]


def setting_options():
    return [part for name, value in SETTINGS.items() for part in ("--setting", name, str(value))]


def serve_arguments(project, port=DEFAULT_PORT, host=HOST):
    """The arguments of one plain `datasette serve` of this site (what a `datasette publish` image runs)."""
    return ["--immutable", str(project.db_path), *site_options(project), "--host", host, "--port", str(port), *setting_options()]


def pid_path(project, port):
    """Where a serving gunicorn of this checkout writes its process id, outside build/ (which
    only the build writes); the build reloads it after a new database (reload.py)."""
    root = hashlib.sha256(str(Path(project.root).resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"longlist-serve-{root}-{port}.pid"


def command(project, port=DEFAULT_PORT, host=HOST, workers=None):
    """gunicorn with uvicorn workers, each serving scripts/serve/asgi.py's app. The master binds
    the socket once and the workers inherit it: no SO_REUSEPORT, with which any process of the
    same user could bind the port later and take a share of new connections."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    count = max(1, min(cores, MAX_DEFAULT_WORKERS)) if workers is None else workers
    return [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        *("--worker-class", "uvicorn_worker.UvicornWorker", "--workers", str(count), "--bind", f"{host}:{port}"),
        *("--chdir", str(project.root), "--pid", str(pid_path(project, port)), "--graceful-timeout", str(GRACEFUL_TIMEOUT_S)),
        *("--access-logfile", "-", f"scripts.serve.asgi:create_app({str(project.root)!r})"),
    ]


def app(project, metadata=None):
    """The Datasette of this site, as `command` serves it; `metadata` replaces metadata.yml's contents."""
    import json

    import yaml
    from datasette.app import Datasette

    paths = site_paths(project)
    return Datasette(
        immutables=[str(project.db_path)],
        inspect_data=json.loads(paths["inspect"].read_text(encoding="utf-8")) if paths["inspect"].exists() else None,
        metadata=metadata if metadata is not None else yaml.safe_load(paths["metadata"].read_text(encoding="utf-8")),
        template_dir=str(paths["template_dir"]),
        plugins_dir=str(paths["plugins_dir"]),
        static_mounts=[(mount, str(directory)) for mount, directory in paths["static"]],
        settings=SETTINGS,
        secret=os.environ.get("DATASETTE_SECRET"),
    )


def serve(project, port=DEFAULT_PORT, workers=None):
    args = command(project, port, workers=workers)
    os.environ.setdefault("DATASETTE_SECRET", os.urandom(32).hex())  # one secret: a cookie one worker signs, another reads
    count = args[args.index("--workers") + 1]
    print(f"Serving {project.rel(project.db_path)} at http://{HOST}:{port}/ with {count} worker process(es) (Ctrl-C stops)", flush=True)
    os.execv(args[0], args)
