"""A saved query's parameter box shows the value its results use: where the request leaves it
empty, the query's own default (coalesce(nullif(:name, ''), ...) in its SQL, read by the build
into `param_defaults` of the site's plugin configuration)."""

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
