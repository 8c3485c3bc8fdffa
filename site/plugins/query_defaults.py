"""A saved query's parameter boxes show the value its results use: where the request leaves a
parameter empty, the query falls back to its default (coalesce(nullif(:name, ''), ...) in its
SQL), and the box shows that default rather than staying empty above results for it.

The defaults are read from each query's SQL by the build (`param_defaults` in the site's plugin
configuration in metadata.yml, scripts/publishing/metadata.py)."""

import runpy
from pathlib import Path

from datasette import hookimpl

# names.py beside this file, by path: Datasette puts the plugins folder on no import path
SITE_CONFIG = runpy.run_path(str(Path(__file__).with_name("names.py")))["SITE_CONFIG"]


@hookimpl
def extra_template_vars(template, database, view_name, request, datasette):
    if template != "query.html" or request is None or not database:
        return {}
    name = request.url_vars.get("table") if request.url_vars else None
    defaults = ((datasette.plugin_config(SITE_CONFIG) or {}).get("param_defaults") or {}).get(name)
    if not defaults:
        return {}
    return {"named_parameter_values": {param: request.args.get(param) or default for param, default in defaults.items()}}
