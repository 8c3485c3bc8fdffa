"""What the front door offers for download, read from what this instance actually serves.

The index and database pages list (site/templates/_front_door.html): every zip in the static
mount `downloads` with its size and SHA-256, computed here from the served file itself, its
metadata files (datapackage.json, croissant.json for ML tools and dataset hubs), and
each database file and table with Datasette's own download URLs.
"""

import hashlib
import zipfile
from functools import lru_cache
from pathlib import Path

from datasette import hookimpl

MOUNT = "downloads"
PAGES = ("index.html", "database.html")


@lru_cache(maxsize=None)
def sha256(path, mtime_ns, size):
    """SHA-256 of a file, computed once per version of it (the cache key changes with it)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=None)
def members(path, mtime_ns, size):
    """The names in a zip, read once per version of it."""
    with zipfile.ZipFile(path) as archive:
        return frozenset(archive.namelist())


def packages(datasette):
    found = []
    for mount, directory in datasette.static_mounts:
        if mount != MOUNT:
            continue
        for path in sorted(Path(directory).glob("*.zip")):
            stat = path.stat()
            found.append(
                {
                    "name": path.name,
                    "url": datasette.urls.path(f"{mount}/{path.name}"),
                    "bytes": stat.st_size,
                    "sha256": sha256(str(path), stat.st_mtime_ns, stat.st_size),
                    # the zip's metadata files, served one by one at /package/ (site/plugins/served_package.py)
                    "croissant": datasette.urls.path("package/croissant.json")
                    if "croissant.json" in members(str(path), stat.st_mtime_ns, stat.st_size)
                    else None,
                    "descriptor": datasette.urls.path("package/datapackage.json"),
                }
            )
    return found


async def databases(datasette, only):
    listed = []
    for name, db in datasette.databases.items():
        if name == "_internal" or (only and name != only) or db.is_memory or not db.path:
            continue
        hidden = set(await db.hidden_table_names())
        tables = [t for t in await db.table_names() if t not in hidden]
        listed.append(
            {
                "file": Path(db.path).name,
                # Datasette serves the file itself only for immutable databases with allow_download on
                "url": datasette.urls.database(name) + ".db" if datasette.setting("allow_download") and not db.is_mutable else None,
                "bytes": Path(db.path).stat().st_size,
                "tables": [
                    {
                        "name": table,
                        "csv": datasette.urls.table(name, table, format="csv") + "?_stream=on",
                        "json": datasette.urls.table(name, table, format="json") + "?_shape=array&_size=max",
                    }
                    for table in tables
                ],
            }
        )
    return listed


@hookimpl
def extra_template_vars(template, database, datasette):
    if template not in PAGES:
        return {}

    async def downloads():
        return {"front_door_downloads": {"packages": packages(datasette), "databases": await databases(datasette, database)}}

    return downloads
