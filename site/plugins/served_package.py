"""The data package, file by file, at /package/: read from the package zip this instance serves
for download, so every URL is exactly a file of that zip.

    /package/datapackage.json      the descriptor (its resources' paths are relative to it)
    /package/data/theories.csv     a resource, and so on for every member of the zip

So `frictionless.Package("https://HOST/package/datapackage.json")` opens the served package
as it opens the zip, and the index page's JSON-LD links each CSV of the package.
"""

import zipfile
from pathlib import Path, PurePosixPath

from datasette import hookimpl
from datasette.utils.asgi import Response

MOUNT = "downloads"
TYPES = {
    ".json": "application/json; charset=utf-8",
    ".svg": "image/svg+xml",
    ".sql": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".cff": "text/plain; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}


def package_zip(datasette):
    """The one package zip in the downloads mount, or None."""
    for mount, directory in datasette.static_mounts:
        if mount == MOUNT:
            zips = sorted(Path(directory).glob("*.zip"))
            if len(zips) == 1:
                return zips[0]
    return None


def member(archive_path, name):
    with zipfile.ZipFile(archive_path) as archive:
        if name not in archive.namelist():
            return None
        return archive.read(name)


async def package_file(datasette, request):
    name = request.url_vars["path"]
    archive = package_zip(datasette)
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
