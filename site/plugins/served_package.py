"""The data package file by file at /package/ (`/package/datapackage.json`, `/package/data/theories.csv`,
...), read from the package zip this instance serves for download, so every URL is exactly a file
of that zip and `frictionless.Package("https://HOST/package/datapackage.json")` opens it."""

import io
import runpy
import zipfile
from pathlib import Path

from datasette import Response, hookimpl

# names.py beside this file, by path: Datasette puts the plugins folder on no import path
names = runpy.run_path(str(Path(__file__).with_name("names.py")))
TEXT = {".csv": "text/csv", ".md": "text/markdown", ".sql": "text/plain", ".cff": "text/plain", ".txt": "text/plain", "LICENSE": "text/plain"}
TYPES = {".json": "application/json; charset=utf-8", ".svg": "image/svg+xml"} | {end: kind + "; charset=utf-8" for end, kind in TEXT.items()}


async def package_file(datasette, request):
    name = request.url_vars["path"]
    zip_name = (datasette.plugin_config(names["SITE_CONFIG"]) or {}).get("package_zip")
    response = await datasette.client.get(datasette.urls.path(f"{names['DOWNLOADS_MOUNT']}/{zip_name}")) if zip_name else None
    if response is None or response.status_code != 200:
        return Response.text("Not found: this instance serves no package zip", status=404)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        if name not in archive.namelist():  # only the zip's own member names: no "..", no absolute path
            return Response.text("Not found: this file is not in the package", status=404)
        data = archive.read(name)
    kind = next((kind for end, kind in TYPES.items() if name.endswith(end)), "application/octet-stream")
    return Response(data, content_type=kind)


@hookimpl
def register_routes():
    return [(r"^/package/(?P<path>.+)$", package_file)]
