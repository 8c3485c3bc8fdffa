"""The pinned raw snapshot, checked against its recorded SHA-256."""

import hashlib
import re

from scripts.core import yamlio
from scripts.core.errors import BuildError

# The snapshot is one saved page (22 kB). Far more than that is the wrong file, and the
# parser's quotation search grows with the square of the text, so stop early.
MAX_RAW_BYTES = 5_000_000
# Text holds no control characters but line breaks and tabs; any other is a damaged file.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def load_source_meta(project):
    name = project.rel(project.source_meta_path)
    required = ("sha256", "url", "title", "post_author", "expected")
    meta = yamlio.mapping(project.source_meta_path, name, required, "a mapping of fields (sha256:, url:, title:, ...)", "the provenance sidecar needs it")
    if not SHA256_RE.match(str(meta["sha256"])):
        raise BuildError(
            name, f"expected 64 lowercase hex digits, found {meta['sha256']!r}", line=yamlio.key_line(project.source_meta_path, "sha256"), field="sha256"
        )
    expected = meta["expected"]
    for count in ("theories", "theory_points"):
        value = expected.get(count) if isinstance(expected, dict) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            where = expected.get(yamlio.LINE_KEY) if isinstance(expected, dict) else yamlio.key_line(project.source_meta_path, "expected")
            raise BuildError(name, f"expected a positive whole number of {count} the parser must find, found {value!r}", line=where, field=f"expected.{count}")
    return meta


def read_raw(project, meta, raw_path=None, meta_path=None):
    """The raw text, only if its bytes are exactly the pinned snapshot (by default the longlist's;
    `raw_path` and `meta_path` name another pinned source and its sidecar)."""
    raw_path = raw_path or project.raw_path
    meta_path = meta_path or project.source_meta_path
    name = project.rel(raw_path)
    try:
        size = raw_path.stat().st_size
    except FileNotFoundError:
        raise BuildError(name, "the raw snapshot is missing; restore it with `git checkout -- data/raw/`") from None
    if size > MAX_RAW_BYTES:
        raise BuildError(name, f"{size} bytes, expected at most {MAX_RAW_BYTES} for one saved page; is this the right file?", field="size")
    data = raw_path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != meta["sha256"]:
        raise BuildError(
            name,
            f"SHA-256 is {digest}, expected {meta['sha256']} (recorded in "
            f"{project.rel(meta_path)}). The snapshot must never be edited: "
            "restore it with `git checkout -- data/raw/`, or pin a new snapshot by updating the sidecar.",
        )
    return decode(name, data)


def decode(name, data):
    """The snapshot as text, or an error naming the line of the first byte that is not text."""
    if not data:
        raise BuildError(name, "the snapshot is empty; expected the saved page", field="size")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BuildError(name, f"expected UTF-8 text ({exc.reason} at byte {exc.start})", line=line, field="encoding") from None
    control = CONTROL_RE.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise BuildError(
            name,
            f"a NUL or other control character (U+{ord(control.group()):04X}) that text never holds; expected the saved page as plain text",
            line=line,
            field="encoding",
        )
    return text
