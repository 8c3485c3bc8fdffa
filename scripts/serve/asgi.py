"""The ASGI application each gunicorn worker serves (scripts/serve/instance.py `command`):

    gunicorn --worker-class uvicorn_worker.UvicornWorker ... 'scripts.serve.asgi:create_app("/repo")'

Datasette prints every error answer's traceback, with its locals, through `rich` when rich can
be imported (frictionless, a build dependency, brings it into the same environment): about
0.25 s of the event loop for each 404 or refused query, which would let anyone stall a worker.
A visitor's error is not a server fault, so the serving process runs as if rich were not
installed (as in a `datasette publish` image, which installs no frictionless).
"""

import sys

sys.modules.setdefault("rich", None)  # before Datasette is imported: `import rich` fails

from pathlib import Path  # noqa: E402

from scripts.core.paths import Project  # noqa: E402
from scripts.serve import instance  # noqa: E402


def create_app(root):
    datasette = instance.app(Project(Path(root)))
    return datasette.app()
