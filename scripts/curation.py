"""Hand-curated knowledge under data/curation/, loaded and checked against the parsed source."""

from . import yamlio
from .errors import BuildError
from .parse import Boundaries

POINT_KINDS = ("example", "note", "variant", "quote")


def load_boundaries(project):
    path = project.curation_dir / "comment_boundaries.yml"
    name = project.rel(path)
    document = yamlio.load(path, name) or {}
    lines, lists = {}, {}
    for key in ("starts", "continues"):
        entries = document.get(key) or []
        for entry in entries:
            for field in ("opening", "reason"):
                if not isinstance(entry, dict) or not entry.get(field):
                    line = entry.get(yamlio.LINE_KEY) if isinstance(entry, dict) else None
                    raise BuildError(name, f"every '{key}' entry needs a non-empty '{field}'", line=line, field=field)
            if entry["opening"] in lines:
                raise BuildError(name, f"'{entry['opening']}' is listed twice", line=entry[yamlio.LINE_KEY], field="opening")
            lines[entry["opening"]] = entry[yamlio.LINE_KEY]
        lists[key] = [entry["opening"] for entry in entries]
    return Boundaries(name, lists["starts"], lists["continues"], lines)


def load_point_kinds(project, theory_points):
    """{point id: kind}, with every sub-point covered once and its evidence found in its text."""
    path = project.curation_dir / "theory_point_kinds.yml"
    name = project.rel(path)
    texts = {p["id"]: p["text"] for p in theory_points}
    kinds = {}
    for entry in yamlio.records(path, "kinds", ("point", "kind", "evidence"), name):
        line, point = entry[yamlio.LINE_KEY], str(entry["point"])
        if point not in texts:
            raise BuildError(name, f"'{point}' is not a sub-point of the source (expected one of {', '.join(texts)})", line=line, field="point")
        if point in kinds:
            raise BuildError(name, f"'{point}' has a second entry; give each sub-point one kind", line=line, field="point")
        if entry["kind"] not in POINT_KINDS:
            raise BuildError(name, f"'{entry['kind']}' is not a kind; expected one of {', '.join(POINT_KINDS)}", line=line, field="kind")
        if entry["evidence"] not in texts[point]:
            raise BuildError(name, f"the evidence is not found verbatim in sub-point {point}", line=line, field="evidence")
        kinds[point] = entry["kind"]
    missing = [p for p in texts if p not in kinds]
    if missing:
        raise BuildError(name, f"no kind for sub-point(s) {', '.join(missing)}; every sub-point needs one", field="kinds")
    return kinds
