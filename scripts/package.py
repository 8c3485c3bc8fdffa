"""Stage 3: rows -> CSV resources + datapackage.json in a staging folder, validated by frictionless.

datapackage.json is the one source of truth for the schema: the build reads the committed
descriptor, writes the rows in its field order, and fills in each resource's bytes and hash.
"""

import csv
import hashlib
import io
import json

from .errors import BuildError
from .normalize import natural_key


def load_descriptor(project):
    name = project.rel(project.package_path)
    try:
        return json.loads(project.package_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(name, "missing; it holds the schema of every resource") from None
    except json.JSONDecodeError as exc:
        raise BuildError(name, f"not valid JSON: {exc.msg}", line=exc.lineno) from None


def field_names(resource):
    return [f["name"] for f in resource["schema"]["fields"]]


def sort_rows(resource, rows):
    key_fields = resource["schema"]["primaryKey"]
    return sorted(rows, key=lambda row: tuple(natural_key(row[f]) for f in key_fields))


def csv_bytes(resource, rows):
    names = field_names(resource)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in sort_rows(resource, rows):
        if set(row) != set(names):
            raise BuildError(resource["path"], f"rows have fields {sorted(row)}, the schema has {sorted(names)}", field="schema")
        writer.writerow([format_value(row[n]) for n in names])
    return out.getvalue().encode("utf-8")


def format_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def descriptor_bytes(descriptor):
    return (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_package(staging, descriptor, tables):
    """Write every resource's CSV and the descriptor (with bytes and hash) under `staging`."""
    descriptor = json.loads(json.dumps(descriptor))
    missing = {r["name"] for r in descriptor["resources"]} ^ set(tables)
    if missing:
        raise BuildError("datapackage.json", f"resources and built tables differ: {', '.join(sorted(missing))}", field="resources")
    for resource in descriptor["resources"]:
        data = csv_bytes(resource, tables[resource["name"]])
        path = staging / resource["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        resource["bytes"] = len(data)
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    (staging / "datapackage.json").write_bytes(descriptor_bytes(descriptor))
    return descriptor


def validate(package_path):
    """Validate with frictionless; on any error raise with frictionless's own report."""
    from frictionless import validate as frictionless_validate

    report = frictionless_validate(str(package_path))
    if report.valid:
        return report
    lines = []
    for task in report.tasks:
        for error in task.errors:
            row = getattr(error, "row_number", None)
            field = getattr(error, "field_name", None)
            parts = [task.place or "datapackage.json"]
            if row:
                parts.append(f"row {row}")
            if field:
                parts.append(f"field {field}")
            lines.append(f"{', '.join(parts)}: {error.type}: {error.note or error.message}")
    for error in report.errors:
        lines.append(f"datapackage.json: {error.type}: {error.note or error.message}")
    raise BuildError("datapackage.json", "frictionless validation failed:\n  " + "\n  ".join(lines) + "\n\n" + report.to_summary())
