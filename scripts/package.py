"""Stage 3: rows -> CSV resources + datapackage.json in a staging folder, validated by frictionless.

datapackage.json is the one source of truth for the schema: the build reads the committed
descriptor, writes the rows in its field order, and fills in each resource's bytes and hash.
"""

import csv
import functools
import hashlib
import io
import json
import multiprocessing
import time
import weakref

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
    key = functools.lru_cache(maxsize=None)(natural_key)  # key values repeat (a set's id in each of its ratings)
    return sorted(rows, key=lambda row: tuple([key(row[f]) for f in key_fields]))


def csv_bytes(resource, rows):
    names = field_names(resource)
    expected = set(names)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in sort_rows(resource, rows):
        if row.keys() != expected:
            raise BuildError(resource["path"], f"rows have fields {sorted(row)}, the schema has {sorted(names)}", field="schema")
        # most cells (strings, integers, empty) need no call to format_value
        writer.writerow([value if type(value) in WRITTEN_AS_IS else "" if value is None else format_value(value) for value in map(row.__getitem__, names)])
    return out.getvalue().encode("utf-8")


WRITTEN_AS_IS = frozenset({str, int})  # csv writes them exactly as format_value would (bool is not int here)


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


class Validation:
    """`validate` run in a second process, so that the build can do other work meanwhile.

        validation = Validation(path)     # starts at once
        ...                               # other stages
        seconds = validation.result()     # raises BuildError if the package is invalid

    If the build fails before asking for the result, the validation is stopped as soon as
    this object is dropped, and in any case when the build's process exits.
    """

    def __init__(self, package_path):
        # forkserver, not fork: a forked child would start with a copy of this process's
        # rows (hundreds of MB at a million ratings); preloading frictionless keeps it quick.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["frictionless", __name__])
        self.answer, send = context.Pipe(duplex=False)
        self.process = context.Process(target=_validate_and_send, args=(str(package_path), send), daemon=True)
        self.process.start()
        send.close()
        weakref.finalize(self, _stop, self.process, self.answer)

    def result(self):
        try:
            seconds, problem = self.answer.recv()
        except EOFError:
            raise BuildError("datapackage.json", "frictionless validation stopped before it finished") from None
        finally:
            _stop(self.process, self.answer)
        if problem:
            raise BuildError("datapackage.json", problem)
        return seconds


def _stop(process, answer):
    if process.is_alive():
        process.terminate()
    process.join()
    answer.close()


def _validate_and_send(package_path, send):
    start = time.perf_counter()
    try:
        validate(package_path)
        send.send((time.perf_counter() - start, None))
    except BuildError as exc:
        send.send((time.perf_counter() - start, exc.message))
    except Exception as exc:  # report, rather than die silently in the child
        send.send((time.perf_counter() - start, f"frictionless validation failed: {type(exc).__name__}: {exc}"))
    finally:
        send.close()
