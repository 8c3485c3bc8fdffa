"""Stage 0: the pinned raw snapshot, checked against its recorded SHA-256."""

import hashlib

from . import yamlio
from .errors import BuildError


def load_source_meta(project):
    meta = yamlio.load(project.source_meta_path, project.rel(project.source_meta_path))
    for field in ("sha256", "url", "title", "post_author", "expected"):
        if not meta or field not in meta:
            raise BuildError(project.rel(project.source_meta_path), "missing; the provenance sidecar needs it", field=field)
    return meta


def read_raw(project, meta):
    """The raw text, only if its bytes are exactly the pinned snapshot."""
    name = project.rel(project.raw_path)
    try:
        data = project.raw_path.read_bytes()
    except FileNotFoundError:
        raise BuildError(name, "the raw snapshot is missing; restore it with `git checkout -- data/raw/`") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != meta["sha256"]:
        raise BuildError(
            name,
            f"SHA-256 is {digest}, expected {meta['sha256']} (recorded in "
            f"{project.rel(project.source_meta_path)}). The snapshot must never be edited: "
            "restore it with `git checkout -- data/raw/`, or pin a new snapshot by updating the sidecar.",
        )
    return data.decode("utf-8")
