"""Serve the built database with Datasette, in immutable mode, with settings fit for the public web."""

import os
import sys

HOST = "127.0.0.1"
DEFAULT_PORT = 8001
# Each name/value is passed to Datasette as --setting NAME VALUE (datasette 0.65).
SETTINGS = {
    "sql_time_limit_ms": 1000,
    "max_returned_rows": 200,  # x 25 kB values at most (site/plugins/limits.py): the largest answer stays ~5 MB
    "facet_time_limit_ms": 200,
    "facet_suggest_time_limit_ms": 100,
    "allow_download": 1,
    "default_cache_ttl": 3600,
    "num_sql_threads": 2,  # one for a query brought by ?sql= (site/plugins/limits.py), one for the pages
}


def command(project, port=DEFAULT_PORT, host=HOST):
    args = [
        os.path.join(os.path.dirname(sys.executable), "datasette"),
        "serve",
        "--immutable", str(project.db_path),
        "--metadata", str(project.metadata_path),
        "--plugins-dir", str(project.site_dir / "plugins"),
        "--host", host,
        "--port", str(port),
    ]
    for name, value in SETTINGS.items():
        args += ["--setting", name, str(value)]
    return args


def serve(project, port=DEFAULT_PORT):
    args = command(project, port)
    print(f"Serving {project.rel(project.db_path)} at http://{HOST}:{port}/ (Ctrl-C stops)", flush=True)
    os.execv(args[0], args)
