"""The application each gunicorn worker serves (instance.command). Datasette prints an error
answer's traceback with its locals through `rich` when rich is importable (frictionless brings
it): about 0.25 s of the event loop per 404. The serving process runs without it, as a
`datasette publish` image does."""

import sys

sys.modules.setdefault("rich", None)  # before Datasette is imported: `import rich` fails

from pathlib import Path  # noqa: E402

from scripts.core.paths import Project  # noqa: E402
from scripts.serve import instance  # noqa: E402


def create_app(root):
    return instance.app(Project(Path(root))).app()
