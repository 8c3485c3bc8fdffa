"""Serve the built database with Datasette, in immutable mode, with settings fit for the public web."""

import hashlib
import json
import os
import secrets
import sqlite3
import sys
import tempfile
from pathlib import Path

from scripts.core import names

HOST = "127.0.0.1"
DEFAULT_PORT = 8001
MAX_DEFAULT_WORKERS = 8  # each worker holds its own Datasette (~60-100 MB)
GRACEFUL_TIMEOUT_S = 10
# Each name/value is passed to Datasette as --setting NAME VALUE (datasette 0.65).
SETTINGS = {
    "sql_time_limit_ms": 1000,
    "max_returned_rows": 200,  # x 25 kB values at most (site/plugins/limits.py): the largest answer stays ~5 MB
    "facet_time_limit_ms": 200,
    "facet_suggest_time_limit_ms": 100,
    "allow_download": 1,
    "default_cache_ttl": 3600,
    "num_sql_threads": 2,  # one for a query brought by ?sql= (site/plugins/limits.py), one for the pages
    # Datasette cuts cells at 2,048 characters in HTML; a comment is up to ~2,700 and no value
    # may exceed 25 kB (site/plugins/limits.py), so no cell is cut (0 = never truncate).
    "truncate_cells_html": 0,
    # Facet suggestions cost one query per column on every table page rendered (more than
    # half of a fresh table page's time); the facets worth showing are set in site/tables.yml.
    "suggest_facets": 0,
}
# The build's downloads at /downloads/, the rating page's script and style (site/static/) at
# /assets/, its data (built) at /rating/: names shared with the plugins (site/plugins/names.py).
DOWNLOADS_MOUNT, ASSETS_MOUNT, RATING_MOUNT = names.DOWNLOADS_MOUNT, names.ASSETS_MOUNT, names.RATING_MOUNT


INSPECT_NAME = "inspect-data.json"


def inspect_path(project):
    """`datasette inspect`'s summary of the database, written by the build beside it."""
    return project.db_path.with_name(INSPECT_NAME)


def inspect_bytes(project, db_path):
    """What `datasette inspect build/longlist.db` prints, run from the project root: the
    database's SHA-256, size and the row count of every table (shadow tables of full-text
    search included), so that Datasette never counts rows at request time. Written by the
    build (the database is immutable; the file changes only with it); the same bytes for the
    same database."""
    data = Path(db_path).read_bytes()
    connection = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("select name from sqlite_master where type='table'")]
        counts = {}
        for table in tables:
            try:
                counts[table] = {"count": connection.execute(f"select count(*) from [{table}]").fetchone()[0]}
            except sqlite3.Error:  # as Datasette: a virtual table that cannot be counted
                counts[table] = {"count": None}
    finally:
        connection.close()
    name = Path(project.db_path).stem
    summary = {name: {"hash": hashlib.sha256(data).hexdigest(), "size": len(data), "file": project.rel(project.db_path), "tables": counts}}
    return json.dumps(summary, indent=2).encode("utf-8")


# What Datasette 1.0 reads from its configuration file (datasette.yaml) rather than metadata:
# saved queries, plugin settings, settings, and the table options that are not descriptions.
TABLE_CONFIG = ("facets", "sort", "sort_desc", "size", "sortable_columns", "label_column", "hidden", "fts_table", "fts_pk", "searchmode", "units")
BOOLEAN_SETTINGS = ("allow_download", "suggest_facets")  # 1.0's configuration file wants true/false


def datasette1_files(metadata):
    """(metadata, configuration) for Datasette 1.0 from this site's metadata.yml for 0.65: saved
    queries, plugins, settings and table options moved to the configuration, where 1.0 reads
    them (it ignores queries left in metadata, and answers 404 for each)."""
    metadata = json.loads(json.dumps(metadata))  # a copy
    config = {"settings": {name: bool(value) if name in BOOLEAN_SETTINGS else value for name, value in SETTINGS.items()}}
    config["plugins"] = metadata.pop("plugins", {})
    config["databases"] = {}
    for name, database in (metadata.get("databases") or {}).items():
        moved = {"queries": database.pop("queries", {}), "tables": {}}
        for table, options in (database.get("tables") or {}).items():
            table_config = {key: options.pop(key) for key in list(options) if key in TABLE_CONFIG}
            if table_config:
                moved["tables"][table] = table_config
        config["databases"][name] = moved
    return metadata, config


def site_paths(project):
    """What makes the instance this project's site besides the database: metadata, templates,
    local plugins, static downloads and the inspect file. Shared by serve, publish and the tests."""
    return {
        "inspect": inspect_path(project),
        "metadata": project.metadata_path,
        "template_dir": project.site_dir / "templates",
        "plugins_dir": project.site_dir / "plugins",
        "static": [
            (DOWNLOADS_MOUNT, project.build_dir / "downloads"),
            (ASSETS_MOUNT, project.site_dir / "static"),
            (RATING_MOUNT, project.build_dir / "rating"),
        ],
    }


def site_options(project, path=str):
    paths = site_paths(project)
    return [
        "--inspect-file",
        path(paths["inspect"]),
        "--metadata",
        path(paths["metadata"]),
        "--template-dir",
        path(paths["template_dir"]),
        "--plugins-dir",
        path(paths["plugins_dir"]),
        *[part for mount, directory in paths["static"] for part in ("--static", f"{mount}:{path(directory)}")],
    ]


def setting_options():
    return [part for name, value in SETTINGS.items() for part in ("--setting", name, str(value))]


def datasette_executable():
    return os.path.join(os.path.dirname(sys.executable), "datasette")


def serve_arguments(project, port=DEFAULT_PORT, host=HOST):
    """The arguments of a plain `datasette serve` of this site (one process; what a
    `datasette publish` image runs, and what the tests compare with)."""
    return ["--immutable", str(project.db_path), *site_options(project), "--host", host, "--port", str(port), *setting_options()]


def cores():
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def default_workers():
    return max(1, min(cores(), MAX_DEFAULT_WORKERS))


def pid_prefix(project):
    """Serving gunicorns of this checkout write their process id to PREFIX-<port>.pid, outside
    the build folder (which only the build writes): the build reloads them when it has
    committed a new database (scripts/serve/reload.py)."""
    root = hashlib.sha256(str(Path(project.root).resolve()).encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"longlist-serve-{root}"


def pid_path(project, port):
    return pid_prefix(project).with_name(f"{pid_prefix(project).name}-{port}.pid")


def command(project, port=DEFAULT_PORT, host=HOST, workers=None):
    """The one start command of the site (make serve, the tests, the docs): gunicorn with
    uvicorn workers accepting on one listening socket, each serving the Datasette of `app`
    (scripts/serve/asgi.py). The socket is bound without SO_REUSEPORT (gunicorn's
    --reuse-port): the master binds it once and its workers inherit it, so nothing needs the
    option, and with it any process of the same user could bind the same port later and take
    a share of new connections (a third, beside two workers). A reload (SIGHUP) keeps the socket."""
    count = default_workers() if workers is None else workers
    return [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"),
        "--worker-class",
        "uvicorn_worker.UvicornWorker",
        "--workers",
        str(count),
        "--bind",
        f"{host}:{port}",
        "--chdir",
        str(project.root),
        "--pid",
        str(pid_path(project, port)),
        "--graceful-timeout",
        str(GRACEFUL_TIMEOUT_S),
        "--access-logfile",
        "-",
        f"scripts.serve.asgi:create_app({str(project.root)!r})",
    ]


def app(project, metadata=None):
    """The Datasette of this site, as `command` serves it (and for in-process tests);
    `metadata` replaces the contents of metadata.yml."""
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
    count = args[args.index("--workers") + 1]
    # one secret for every worker: a cookie signed by one is valid in the others
    os.environ.setdefault("DATASETTE_SECRET", secrets.token_hex(32))
    print(f"Serving {project.rel(project.db_path)} at http://{HOST}:{port}/ with {count} worker process(es) (Ctrl-C stops)", flush=True)
    os.execv(args[0], args)
