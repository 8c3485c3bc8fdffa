"""A saved query's parameter boxes show the value its results use: where the request leaves a
parameter empty, the query falls back to its default (coalesce(nullif(:name, ''), ...) in its
SQL), and the box shows that default rather than staying empty above results for it.

The defaults are read from each query's SQL by the build (`param_defaults` in metadata.yml,
scripts/publishing/metadata.py)."""

from datasette import hookimpl


@hookimpl
def extra_template_vars(template, database, view_name, request, datasette):
    if template != "query.html" or request is None or not database:
        return {}

    async def filled():
        name = request.url_vars.get("table") if request.url_vars else None
        queries = await datasette.get_canned_queries(database, None)
        query = queries.get(name) if name else None
        if not query or not query.get("param_defaults"):
            return {}
        return {"named_parameter_values": {p: request.args.get(p) or query["param_defaults"].get(p, "") for p in query.get("params", [])}}

    return filled
