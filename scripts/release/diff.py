"""What changed between two versions of the package: schema changes, and per resource the
rows added, removed and changed, keyed by primary key. Printed as Markdown, ready to edit
into a CHANGELOG section, or as JSON; each change says which kind of version bump it needs
(semantic versioning for data, as the README defines it)."""

import json

from scripts.release import identifiers, package_reader, versions

LEVELS = ("none", "patch", "minor", "major")
FIELD_PROPERTIES = ("type", "format", "constraints", "rdfType")  # what a value means or may be
LIST_LIMIT = 40  # keys listed per category in Markdown; --json lists them all
SHORT_VALUE = 60  # changed values up to this long are shown old → new in Markdown


def change(level, text):
    return {"level": level, "change": text}


def fields_by_name(resource):
    return {f["name"]: f for f in resource["schema"]["fields"]}


def schema_changes(name, old, new):
    changes = []
    old_fields, new_fields = fields_by_name(old), fields_by_name(new)
    for field in old_fields.keys() - new_fields.keys():
        changes.append(change("major", f"`{name}`: field `{field}` removed"))
    for field in new_fields.keys() - old_fields.keys():
        changes.append(change("minor", f"`{name}`: field `{field}` added ({new_fields[field]['type']})"))
    for field in sorted(old_fields.keys() & new_fields.keys()):
        before, after = old_fields[field], new_fields[field]
        if before["type"] != after["type"]:
            changes.append(change("major", f"`{name}`: field `{field}` type {before['type']} → {after['type']}"))
        for prop in FIELD_PROPERTIES[1:]:
            if before.get(prop) != after.get(prop):
                changes.append(
                    change(
                        "minor",
                        f"`{name}`: field `{field}` {prop} changed: {json.dumps(before.get(prop))} "
                        f"→ {json.dumps(after.get(prop))} (major if it narrows what a value may be)",
                    )
                )
        if before.get("description") != after.get("description"):
            changes.append(change("patch", f"`{name}`: field `{field}` description changed"))
    if [f["name"] for f in old["schema"]["fields"]] != [f["name"] for f in new["schema"]["fields"]] and old_fields.keys() == new_fields.keys():
        changes.append(change("patch", f"`{name}`: field order changed"))
    if old["schema"]["primaryKey"] != new["schema"]["primaryKey"]:
        changes.append(change("major", f"`{name}`: primary key {old['schema']['primaryKey']} → {new['schema']['primaryKey']}"))
    if old["schema"].get("foreignKeys", []) != new["schema"].get("foreignKeys", []):
        changes.append(change("minor", f"`{name}`: foreign keys changed"))
    for prop in ("title", "description", "path"):
        if old.get(prop) != new.get(prop):
            changes.append(change("patch", f"`{name}`: {prop} changed"))
    return sorted(changes, key=lambda c: c["change"])


def row_changes(old_package, new_package, name):
    """Rows added, removed and changed in one resource, keyed by the new primary key."""
    old, new = old_package.resource(name), new_package.resource(name)
    keys = new["schema"]["primaryKey"]
    if not all(k in fields_by_name(old) for k in keys):
        return None  # the key itself changed: rows cannot be matched
    before = {tuple(r.get(k, "") for k in keys): r for r in old_package.rows[name]}  # (an old CSV may lack a column its schema has)
    after = {tuple(r.get(k, "") for k in keys): r for r in new_package.rows[name]}
    shared_fields = [f for f in fields_by_name(new) if f in fields_by_name(old)]
    changed = []
    for key in sorted(before.keys() & after.keys(), key=sort_key):
        differing = {f: [before[key].get(f, ""), after[key].get(f, "")] for f in shared_fields if before[key].get(f) != after[key].get(f)}
        if differing:
            changed.append({"key": list(key), "fields": differing})
    return {
        "added": [list(k) for k in sorted(after.keys() - before.keys(), key=sort_key)],
        "removed": [list(k) for k in sorted(before.keys() - after.keys(), key=sort_key)],
        "changed": changed,
    }


def sort_key(key):
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in key)


def compare(old_package, new_package):
    old_resources = {r["name"]: r for r in old_package.descriptor["resources"]}
    new_resources = {r["name"]: r for r in new_package.descriptor["resources"]}
    changes, resources = [], {}
    for name in sorted(old_resources.keys() - new_resources.keys()):
        changes.append(change("major", f"resource `{name}` removed ({len(old_package.rows[name])} rows)"))
    for name in sorted(new_resources.keys() - old_resources.keys()):
        changes.append(change("minor", f"resource `{name}` added ({len(new_package.rows[name])} rows)"))
        resources[name] = {
            "added": [[*(r[k] for k in new_resources[name]["schema"]["primaryKey"])] for r in new_package.rows[name]],
            "removed": [],
            "changed": [],
        }
    for name in [r["name"] for r in new_package.descriptor["resources"] if r["name"] in old_resources]:
        changes += schema_changes(name, old_resources[name], new_resources[name])
        rows = row_changes(old_package, new_package, name)
        if rows is None:
            changes.append(change("major", f"`{name}`: rows not compared, the primary key changed"))
            continue
        resources[name] = rows
        if rows["removed"]:
            changes.append(change("major", f"`{name}`: {count(rows['removed'], 'id')} removed"))
        if rows["added"]:
            changes.append(change("minor", f"`{name}`: {count(rows['added'], 'row')} added"))
        if rows["changed"]:
            changes.append(change("patch", f"`{name}`: {count(rows['changed'], 'row')} corrected"))
    moves = renumbered(old_package, new_package)
    for name, pairs in moves.items():
        changes.append(change("major", f"`{name}`: {count(pairs, 'row')} renumbered (words moved to another id)"))
    for prop in sorted(set(old_package.descriptor) | set(new_package.descriptor)):
        if prop not in ("resources", "version") and old_package.descriptor.get(prop) != new_package.descriptor.get(prop):
            changes.append(change("patch", f"package {prop} changed"))
    bump = max((c["level"] for c in changes), key=LEVELS.index, default="none")
    return {
        "old": {"where": old_package.where, "version": old_package.version},
        "new": {"where": new_package.where, "version": new_package.version},
        "bump": bump,
        "changes": changes,
        "resources": {name: rows for name, rows in resources.items() if any(rows.values())},
        "renumbered": {name: [[list(a), list(b)] for a, b in pairs] for name, pairs in moves.items()},
    }


def renumbered(old_package, new_package):
    old_ids, new_ids = identifiers.ids(old_package), identifiers.ids(new_package)
    moves = {}
    for name in old_ids.keys() & new_ids.keys():
        if old_ids[name]["primary_key"] == new_ids[name]["primary_key"]:
            pairs = identifiers.moved(old_ids[name]["rows"], new_ids[name]["rows"])
            if pairs:
                moves[name] = pairs
    return dict(sorted(moves.items()))


def count(items, noun):
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"


def next_version(version, bump):
    """The version a change of level `bump` leads to from `version`."""
    major, minor, patch = versions.parse(version)
    return {
        "major": f"{major + 1}.0.0",
        "minor": f"{major}.{minor + 1}.0",
        "patch": f"{major}.{minor}.{patch + 1}",
        "none": version,
    }[bump]


def shown(field, values):
    old, new = values
    if max(len(old), len(new)) <= SHORT_VALUE:
        return f"{field} {json.dumps(old, ensure_ascii=False)} → {json.dumps(new, ensure_ascii=False)}"
    return field


def listed(keys):
    shown = ", ".join(f"`{identifiers.show(k)}`" for k in keys[:LIST_LIMIT])
    more = len(keys) - LIST_LIMIT
    return shown + (f" and {more} more (see --json)" if more > 0 else "")


def markdown(result):
    old, new = result["old"], result["new"]
    heading = new["version"]
    if result["bump"] != "none" and versions.parse(new["version"]) <= versions.parse(old["version"]):
        heading = next_version(old["version"], result["bump"])
    out = [f"## {heading} — YYYY-MM-DD", ""]
    out.append(f"<!-- drafted by `python -m scripts diff`: {old['where']} ({old['version']}) → {new['where']} ({new['version']}) -->")
    out.append("")
    if not result["changes"]:
        out.append("No changes: the two versions hold the same schema and rows.")
        return "\n".join(out) + "\n"
    out.append(f"Suggested version bump: **{result['bump']}**, {old['version']} → {next_version(old['version'], result['bump'])}.")
    if new["version"] == old["version"]:
        out.append(f"Warning: both say version {new['version']}, but they differ; a version must mean the same bytes forever.")
    out.append("")
    for level in reversed(LEVELS[1:]):
        items = [c["change"] for c in result["changes"] if c["level"] == level]
        if items:
            out.append(f"### {level.capitalize()} changes")
            out.append("")
            out += [f"- {item}" for item in items]
            out.append("")
    if result["resources"]:
        out.append("### Rows by resource")
        out.append("")
        out.append("| resource | added | removed | changed |")
        out.append("|---|---|---|---|")
        for name, rows in result["resources"].items():
            out.append(f"| `{name}` | {len(rows['added'])} | {len(rows['removed'])} | {len(rows['changed'])} |")
        out.append("")
        for name, rows in result["resources"].items():
            out.append(f"#### `{name}`")
            out.append("")
            if rows["added"]:
                out.append(f"- added: {listed(rows['added'])}")
            if rows["removed"]:
                out.append(f"- removed: {listed(rows['removed'])}")
            for item in rows["changed"][:LIST_LIMIT]:
                out.append(f"- changed `{identifiers.show(item['key'])}`: {'; '.join(shown(f, v) for f, v in item['fields'].items())}")
            if len(rows["changed"]) > LIST_LIMIT:
                out.append(f"- and {len(rows['changed']) - LIST_LIMIT} more changed rows (see --json)")
            for old_key, new_key in result["renumbered"].get(name, []):
                out.append(f"- renumbered: `{identifiers.show(old_key)}` → `{identifiers.show(new_key)}`")
            out.append("")
    return "\n".join(out)


def as_json(result):
    return json.dumps(result, indent=2, ensure_ascii=False) + "\n"


def show(old, new, json_output=False, print=print):
    """Print what changed between two versions of the package (paths as `diff` takes them)."""
    result = compare(package_reader.read(old), package_reader.read(new))
    print(as_json(result) if json_output else markdown(result), end="")
