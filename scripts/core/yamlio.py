"""YAML loading that remembers the line of every mapping, so errors can point at it."""

import yaml

from scripts.core.errors import BuildError

LINE_KEY = "__line__"


# libyaml's parser where PyYAML has it (several times quicker: the build reads every curated
# file on every run); the mappings are still built here, with their lines.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_BaseLoader):
    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping[LINE_KEY] = node.start_mark.line + 1
        return mapping


def load(path, display_name=None):
    name = display_name or str(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise BuildError(name, "file not found") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BuildError(name, f"expected UTF-8 text ({exc.reason} at byte {exc.start})", line=line) from None
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise BuildError(name, f"not valid YAML: {getattr(exc, 'problem', exc)}", line=line) from None


def key_line(path, key):
    """The line of a top-level `key:` (scalars and lists carry no line of their own)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None


def mapping(path, name, required, shape, why, cite_line=False):
    """A YAML file that must be one mapping with the `required` fields non-empty. `shape` says
    what was expected instead of another document, `why` why a missing field matters."""
    document = load(path, name)
    if not isinstance(document, dict):
        raise BuildError(name, f"expected {shape}", line=1)
    for field in required:
        if not document.get(field):  # absent, or empty: "", [], {}
            raise BuildError(name, f"missing; {why}", line=document[LINE_KEY] if cite_line else None, field=field)
    return document


def records(path, key, required, display_name=None):
    """The list under `key`, each record a dict with the `required` fields present and non-empty."""
    name = display_name or str(path)
    document = load(path, name) or {}
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        raise BuildError(name, f"expected a top-level '{key}:' list", line=1)
    for record in document[key]:
        if not isinstance(record, dict):
            raise BuildError(name, f"expected each '{key}' entry to be a mapping")
        for field in required:
            if record.get(field) in (None, ""):
                raise BuildError(name, "missing or empty; every entry needs it", line=record[LINE_KEY], field=field)
    return document[key]
