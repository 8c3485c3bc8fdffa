"""What the front door offers for download, read from what this instance actually serves.

The index and database pages list (site/templates/_front_door.html): the package zip the
static mount `downloads` serves (its name from the plugin configuration the build writes into
metadata.yml), with its size and SHA-256 computed here from the served bytes themselves, asked
for through datasette.client like any visitor, and its metadata files (datapackage.json,
croissant.json for ML tools and dataset hubs); and each database file and table with
Datasette's own download URLs.
"""

import hashlib
import io
import runpy
import zipfile
from pathlib import Path

from datasette import hookimpl

# names.py beside this file, by path: Datasette puts the plugins folder on no import path
names = runpy.run_path(str(Path(__file__).with_name("names.py")))
MOUNT, PLUGIN = names["DOWNLOADS_MOUNT"], names["SITE_CONFIG"]
PAGES = ("index.html", "database.html")


async def packages(datasette):
    name = (datasette.plugin_config(PLUGIN) or {}).get("package_zip")
    if not name:
        return []
    url = datasette.urls.path(f"{MOUNT}/{name}")
    response = await datasette.client.get(url)
    if response.status_code != 200:
        return []
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        members = set(archive.namelist())
    return [
        {
            "name": name,
            "url": url,
            "bytes": len(response.content),
            "sha256": hashlib.sha256(response.content).hexdigest(),
            # the zip's metadata files, served one by one at /package/ (site/plugins/served_package.py)
            "croissant": datasette.urls.path("package/croissant.json") if "croissant.json" in members else None,
            "descriptor": datasette.urls.path("package/datapackage.json"),
        }
    ]


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
                        "csv": datasette.urls.path(f"package/data/{table}.csv"),  # the package's own file, every row
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
        return {"front_door_downloads": {"packages": await packages(datasette), "databases": await databases(datasette, database)}}

    return downloads
