"""The site reaches Datasette only through its documented plugin hooks and public API.

Every attribute the site's code (site/plugins/, scripts/serve/) reads from a Datasette object,
a database, a request or Datasette's modules is listed here against what Datasette 0.65's
documentation describes (docs/internals.rst, "Internals for plugins": "The interface to these
objects should not be considered stable with the exception of methods that are documented
here"), and every hook against docs/plugin_hooks.rst. A name with a leading underscore, or one
the documentation does not describe, fails.
"""

import ast

import pytest

from tests.helpers import REPO

# docs/internals.rst of Datasette 0.65: the Datasette class, datasette.urls, datasette.client
DATASETTE = {
    "databases", "plugin_config", "render_template", "permission_allowed", "ensure_permissions", "check_visibility",
    "get_database", "add_database", "add_memory_database", "remove_database", "sign", "unsign", "add_message",
    "absolute_url", "setting", "client", "urls", "tracer",
    # the ASGI application of the instance: what the asgi_wrapper hook wraps, and what any ASGI
    # server runs (documented from 1.0: the upgrade notes of 1.0a20)
    "app",
}  # fmt: skip
URLS = {"instance", "path", "logout", "static", "static_plugins", "database", "table", "query"}
CLIENT = {"get", "post", "options", "head", "put", "patch", "delete", "request"}
# the Database class: its constructor's arguments and the documented properties and methods
DATABASE = {
    "name", "path", "size", "mtime_ns", "is_mutable", "is_memory", "hash", "execute", "execute_fn", "execute_write",
    "execute_write_script", "execute_write_many", "execute_write_fn", "close", "attached_databases", "table_exists",
    "table_names", "view_names", "table_columns", "table_column_details", "primary_keys", "fts_table",
    "label_column_for_table", "foreign_keys_for_table", "hidden_table_names", "get_table_definition",
    "get_view_definition", "get_all_foreign_keys",
}  # fmt: skip
REQUEST = {
    "scope",
    "method",
    "url",
    "scheme",
    "headers",
    "cookies",
    "host",
    "path",
    "full_path",
    "query_string",
    "args",
    "url_vars",
    "actor",
    "post_vars",
    "post_body",
}
# names imported from Datasette's modules (docs/internals.rst: Response, tilde encoding; docs/plugins.rst: hookimpl;
# the Datasette class itself, constructed as the docs show)
IMPORTS = {
    ("datasette", "hookimpl"), ("datasette", "Response"), ("datasette.utils", "tilde_encode"), ("datasette.utils", "tilde_decode"),
    ("datasette.utils", "await_me_maybe"), ("datasette.utils", "parse_metadata"), ("datasette.app", "Datasette"),
}  # fmt: skip
# docs/plugin_hooks.rst of 0.65
HOOKS = {
    "prepare_connection", "prepare_jinja2_environment", "extra_template_vars", "extra_css_urls", "extra_js_urls",
    "extra_body_script", "publish_subcommand", "render_cell", "register_output_renderer", "register_routes",
    "register_commands", "register_facet_classes", "asgi_wrapper", "startup", "canned_queries", "actor_from_request",
    "filters_from_request", "permission_allowed", "register_magic_parameters", "forbidden", "handle_exception",
    "menu_links", "table_actions", "database_actions", "skip_csrf", "get_metadata", "block_robots_extra_lines",
}  # fmt: skip
# The Datasette constructor takes what `datasette serve` takes as options (docs/cli-reference.rst):
# --immutable, --metadata, --inspect-file, --template-dir, --plugins-dir, --static, --setting, --secret
CONSTRUCTOR = {"immutables", "metadata", "inspect_data", "template_dir", "plugins_dir", "static_mounts", "settings", "secret"}

OBJECTS = {"datasette": DATASETTE, "ds": DATASETTE, "db": DATABASE, "database_object": DATABASE, "request": REQUEST}


def site_files():
    return sorted((REPO.site_dir / "plugins").glob("*.py")) + sorted((REPO.root / "scripts" / "serve").glob("*.py"))


def touched(path):
    """[(line, what, name)] of every use of Datasette this file makes."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "datasette":
            uses += [(node.lineno, "import", (node.module, alias.name)) for alias in node.names]
        elif isinstance(node, ast.Import):
            uses += [(node.lineno, "import", (alias.name, None)) for alias in node.names if alias.name.split(".")[0] == "datasette"]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in OBJECTS:
            uses.append((node.lineno, node.value.id, node.attr))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and isinstance(node.value.value, ast.Name):
            if node.value.value.id in ("datasette", "ds") and node.value.attr in ("urls", "client"):
                uses.append((node.lineno, f"datasette.{node.value.attr}", node.attr))
        elif isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Name) and d.id == "hookimpl" or isinstance(d, ast.Call) and getattr(d.func, "id", "") == "hookimpl" for d in node.decorator_list
        ):
            uses.append((node.lineno, "hook", node.name))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Datasette":
            uses += [(node.lineno, "Datasette()", keyword.arg) for keyword in node.keywords]
    return uses


ALLOWED = {"datasette.urls": URLS, "datasette.client": CLIENT, "hook": HOOKS, "Datasette()": CONSTRUCTOR, **OBJECTS}


@pytest.mark.parametrize("path", site_files(), ids=lambda path: str(path.relative_to(REPO.root)))
def test_only_documented_datasette_api(path):
    wrong = []
    for line, what, name in touched(path):
        if what == "import":
            ok = name in IMPORTS or name == ("datasette", None)
        else:
            ok = not name.startswith("_") and name in ALLOWED[what]
        if not ok:
            wrong.append(f"{path.relative_to(REPO.root)}:{line}: {what} {name}")
    assert wrong == []


def test_the_check_finds_private_and_undocumented_use(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from datasette import hookimpl\nfrom datasette.utils import urlsafe_components\nimport datasette.handle_exception\n"
        "def f(datasette, db):\n    datasette._table_permission_allows\n    datasette.static_mounts\n    datasette.urls.row\n    db.table_names\n",
        encoding="utf-8",
    )
    found = {(what, name) for _, what, name in touched(sample)}
    assert ("import", ("datasette.utils", "urlsafe_components")) in found and ("import", ("datasette.handle_exception", None)) in found
    assert {("datasette", "_table_permission_allows"), ("datasette", "static_mounts"), ("datasette.urls", "row"), ("db", "table_names")} <= found
    assert not {("datasette", "static_mounts"), ("datasette.urls", "row")} & {(w, n) for w, n in found if w != "import" and n in ALLOWED[w]}
