"""The one reader of datapackage.json, where the schema of every resource lives.

Everything else asks this module for what the schema says: field orders, keys, and the
closed vocabularies (a field's `enum` constraint), so a vocabulary changed in
datapackage.json changes the build's checks with no code edit.
"""

import json

from scripts.core.errors import BuildError


def load_descriptor(project):
    name = project.rel(project.package_path)
    try:
        text = project.package_path.read_text(encoding="utf-8")
        descriptor = json.loads(text)
    except FileNotFoundError:
        raise BuildError(name, "missing; it holds the schema of every resource") from None
    except UnicodeDecodeError as exc:
        raise BuildError(name, f"expected UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BuildError(name, f"not valid JSON: {exc.msg}", line=exc.lineno) from None
    check_shape(descriptor, name, text)
    return descriptor


def check_shape(descriptor, name, text):
    """What the build itself relies on (frictionless checks the rest later): a list of
    resources, each with a name, a path, fields, and keys that name its fields."""
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) for r in resources):
        raise BuildError(name, "expected a list of resources, each a JSON object", field="resources")
    for resource in resources:
        label = resource.get("name")
        line = line_of(text, f'"name": {json.dumps(label)}')
        schema = resource.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        if not isinstance(label, str) or not isinstance(resource.get("path"), str) or not isinstance(fields, list):
            raise BuildError(name, f"resource {label!r}: expected a name, a path and schema.fields", line=line, field="resources")
        names = [f.get("name") for f in fields if isinstance(f, dict)]
        keys = [("primaryKey", schema.get("primaryKey") or [])]
        keys += [("foreignKeys", fk.get("fields", [])) for fk in schema.get("foreignKeys", []) if isinstance(fk, dict)]
        for what, key_fields in keys:
            unknown = [k for k in ([key_fields] if isinstance(key_fields, str) else key_fields) if k not in names]
            if unknown or not key_fields and what == "primaryKey":
                raise BuildError(
                    name,
                    f"resource '{label}': {what} names {', '.join(map(str, unknown)) or 'no field'}, expected one of its fields ({', '.join(map(str, names))})",
                    line=line,
                    field=f"schema.{what}",
                )


def line_of(text, needle):
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def field_names(resource):
    return [f["name"] for f in resource["schema"]["fields"]]


def resource(descriptor, name):
    for candidate in descriptor["resources"]:
        if candidate["name"] == name:
            return candidate
    raise BuildError("datapackage.json", f"no resource '{name}'; the build needs it", field="resources")


def field(descriptor, resource_name, field_name):
    for candidate in resource(descriptor, resource_name)["schema"]["fields"]:
        if candidate["name"] == field_name:
            return candidate
    raise BuildError("datapackage.json", f"resource '{resource_name}' has no field '{field_name}'; the build needs it", field="schema.fields")


def constraints(descriptor, resource_name, field_name):
    return field(descriptor, resource_name, field_name).get("constraints", {})


def vocabulary(descriptor, resource_name, field_name):
    """The closed list of values a field allows (its `enum` constraint), in schema order."""
    allowed = constraints(descriptor, resource_name, field_name).get("enum")
    if not allowed:
        raise BuildError(
            "datapackage.json", f"{resource_name}.{field_name} needs an enum constraint: the build checks curated values against it", field="constraints.enum"
        )
    return tuple(allowed)
