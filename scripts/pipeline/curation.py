"""Hand-curated knowledge under data/curation/, loaded and checked against the parsed source."""

from scripts.core import schema, yamlio
from scripts.core.errors import BuildError
from scripts.pipeline.parse import Boundaries


def load_boundaries(project):
    path = project.curation_dir / "comment_boundaries.yml"
    name = project.rel(path)
    document = yamlio.load(path, name) or {}
    if not isinstance(document, dict):
        raise BuildError(name, "expected a mapping with 'starts:' and 'continues:' lists", line=1)
    lines, listed_under, lists = {}, {}, {}
    for key in ("starts", "continues"):
        entries = document.get(key) or []
        if not isinstance(entries, list):
            raise BuildError(name, "expected a list of entries with 'opening' and 'reason'", line=yamlio.key_line(path, key), field=key)
        for entry in entries:
            for field in ("opening", "reason"):
                if not isinstance(entry, dict) or not entry.get(field):
                    line = entry.get(yamlio.LINE_KEY) if isinstance(entry, dict) else yamlio.key_line(path, key)
                    raise BuildError(name, f"every '{key}' entry needs a non-empty '{field}'", line=line, field=field)
            opening, line = entry["opening"], entry[yamlio.LINE_KEY]
            if not isinstance(opening, str):
                raise BuildError(name, f"expected the opening words as text, found {opening!r}", line=line, field="opening")
            if opening in lines and listed_under[opening] != key:
                raise BuildError(
                    name, f"'{opening}' is listed under both {listed_under[opening]} (line {lines[opening]}) and {key}; keep one", line=line, field="opening"
                )
            if opening in lines:
                raise BuildError(name, f"'{opening}' is listed twice (also line {lines[opening]})", line=line, field="opening")
            lines[opening], listed_under[opening] = line, key
        lists[key] = [entry["opening"] for entry in entries]
    return Boundaries(name, lists["starts"], lists["continues"], lines)


def load_point_kinds(project, theory_points, descriptor):
    """{point id: kind}, with every sub-point covered once and its evidence found in its text."""
    path = project.curation_dir / "theory_point_kinds.yml"
    name = project.rel(path)
    texts = {p["id"]: p["text"] for p in theory_points}
    point_kinds = schema.vocabulary(descriptor, "theory_points", "kind")
    kinds = {}
    for entry in yamlio.records(path, "kinds", ("point", "kind", "evidence"), name):
        line, point = entry[yamlio.LINE_KEY], str(entry["point"])
        if point not in texts:
            raise BuildError(name, f"'{point}' is not a sub-point of the source (expected one of {', '.join(texts)})", line=line, field="point")
        if point in kinds:
            raise BuildError(name, f"'{point}' has a second entry; give each sub-point one kind", line=line, field="point")
        if entry["kind"] not in point_kinds:
            raise BuildError(name, f"'{entry['kind']}' is not a kind; expected one of {', '.join(point_kinds)}", line=line, field="kind")
        if not isinstance(entry["evidence"], str):
            raise BuildError(name, f"expected a quotation from sub-point {point} as text, found {entry['evidence']!r}", line=line, field="evidence")
        if entry["evidence"] not in texts[point]:
            raise BuildError(name, f"the evidence is not found verbatim in sub-point {point}", line=line, field="evidence")
        kinds[point] = entry["kind"]
    missing = [p for p in texts if p not in kinds]
    if missing:
        raise BuildError(name, f"no kind for sub-point(s) {', '.join(missing)}; every sub-point needs one", field="kinds")
    return kinds
