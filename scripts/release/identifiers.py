"""Stable identifiers: what a release promises about its ids, and the check that keeps it.

A release records, per resource, every primary key with a fingerprint of the row's own
words: its string fields other than keys and foreign keys (a title, a body, a label),
as a short readable excerpt and a hash of the whole. A later package renumbers silently
when an id of the release is gone, or when a row's words now sit under another id. New ids
are always allowed; removing or reassigning one needs a new major version.
"""

import hashlib

from scripts.release import versions

EXCERPT_CHARS = 60
MIN_EXCERPT_CHARS = 20  # shorter excerpts ("group", "example") say too little about identity


def key_fields(resource):
    return list(resource["schema"]["primaryKey"])


def content_fields(resource):
    linked = set(key_fields(resource))
    for foreign_key in resource["schema"].get("foreignKeys", []):
        linked.update(foreign_key["fields"])
    return [f["name"] for f in resource["schema"]["fields"] if f["type"] == "string" and f["name"] not in linked]


def fingerprint(resource, row):
    """(excerpt, hash) of a row's own words; empty strings when it has none."""
    text = " | ".join(row[name] for name in content_fields(resource) if row.get(name))
    if not text:
        return "", ""
    return " ".join(text.split())[:EXCERPT_CHARS], hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def ids(package):
    """{resource: {"primary_key": [...], "rows": [{"key": [...], "excerpt": ..., "sha256": ...}]}}."""
    recorded = {}
    for resource in package.descriptor["resources"]:
        keys = key_fields(resource)
        entries = []
        for row in package.rows[resource["name"]]:
            excerpt, digest = fingerprint(resource, row)
            entries.append({"key": [row[k] for k in keys], "excerpt": excerpt, "sha256": digest})
        recorded[resource["name"]] = {"primary_key": keys, "rows": entries}
    return recorded


def show(key):
    return ",".join(key)


def unique(entries, field):
    """{value: key} of the values of `field` that exactly one entry has."""
    seen = {}
    for entry in entries:
        if entry[field]:
            seen.setdefault(entry[field], []).append(tuple(entry["key"]))
    return {value: keys[0] for value, keys in seen.items() if len(keys) == 1}


def moved(released_rows, current_rows):
    """[(old key, new key)] where the words a released id held now sit under another id."""
    now = {tuple(e["key"]): e for e in current_rows}
    moves = []
    for field in ("sha256", "excerpt"):
        before = unique(released_rows, field)
        after = unique(current_rows, field)
        for value, old_key in before.items():
            if field == "excerpt" and len(value) < MIN_EXCERPT_CHARS:
                continue
            new_key = after.get(value)
            still_there = now.get(old_key, {}).get(field) == value
            if new_key and new_key != old_key and not still_there and (old_key, new_key) not in moves:
                moves.append((old_key, new_key))
    return moves


def renumberings(released, current):
    """Every way `current` ids break the promise of the `released` ids, one line each."""
    problems = []
    for name, recorded in released.items():
        if name not in current:
            problems.append(f"resource `{name}` is gone (it had {len(recorded['rows'])} released ids)")
            continue
        if current[name]["primary_key"] != recorded["primary_key"]:
            problems.append(f"`{name}`: primary key changed from {recorded['primary_key']} to {current[name]['primary_key']}")
            continue
        now = {tuple(e["key"]) for e in current[name]["rows"]}
        for entry in recorded["rows"]:
            if tuple(entry["key"]) not in now:
                problems.append(f'`{name}` {show(entry["key"])}: released id is gone (it held "{entry["excerpt"]}")')
        for old_key, new_key in moved(recorded["rows"], current[name]["rows"]):
            problems.append(f"`{name}` {show(old_key)}: its words now sit under {show(new_key)} (renumbered)")
    return problems


def allowed_to_renumber(released_version, current_version):
    """Ids may be removed or reassigned only in a new major version."""
    return versions.parse(current_version)[0] > versions.parse(released_version)[0]
