"""The data package, file by file, at /package/: read from the package zip this instance serves
for download, so every URL is exactly a file of that zip.

    /package/datapackage.json      the descriptor (its resources' paths are relative to it)
    /package/data/theories.csv     a resource, and so on for every member of the zip

So `frictionless.Package("https://HOST/package/datapackage.json")` opens the served package
as it opens the zip, and the index page's JSON-LD links each CSV of the package.
"""

import io
import runpy
import zipfile
from pathlib import Path, PurePosixPath

from datasette import Response, hookimpl

# names.py beside this file, by path: Datasette puts the plugins folder on no import path
names = runpy.run_path(str(Path(__file__).with_name("names.py")))
MOUNT, PLUGIN = names["DOWNLOADS_MOUNT"], names["SITE_CONFIG"]
TYPES = {
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".sql": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".cff": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


async def package_zip(datasette):
    """The package zip's bytes as the downloads mount serves them, or None."""
    name = (datasette.plugin_config(PLUGIN) or {}).get("package_zip")
    if not name:
        return None
    response = await datasette.client.get(datasette.urls.path(f"{MOUNT}/{name}"))
    return response.content if response.status_code == 200 else None


def member(archive_bytes, name):
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        if name not in archive.namelist():
            return None
        return archive.read(name)


async def package_file(datasette, request):
    name = request.url_vars["path"]
    archive = await package_zip(datasette)
    parts = PurePosixPath(name).parts
    data = member(archive, name) if archive and ".." not in parts and not name.startswith("/") else None
    if data is None:
        return Response.text("Not found: this file is not in the package", status=404)
    suffix = PurePosixPath(name).suffix
    content_type = TYPES.get(suffix, "text/plain; charset=utf-8" if name == "LICENSE" else "application/octet-stream")
    return Response(data, content_type=content_type)


@hookimpl
def register_routes():
    return [(r"^/package/(?P<path>.+)$", package_file)]
