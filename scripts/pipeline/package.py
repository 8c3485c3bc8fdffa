"""Rows -> CSV resources + datapackage.json in a staging folder, validated by frictionless.

datapackage.json is the one source of truth for the schema: the build reads the committed
descriptor, writes the rows in its field order, and fills in each resource's bytes and hash.
"""

import csv
import functools
import gc
import hashlib
import io
import json
import multiprocessing
import operator
import os
import time
import weakref
from pathlib import Path

from scripts.core.errors import BuildError
from scripts.core.schema import field_names
from scripts.pipeline.normalize import natural_key


def sort_rows(resource, rows):
    # Keys built column by column with C-level map/zip, and natural_key cached (a set's id
    # repeats in each of its ratings): a per-row Python key took seconds at a million rows.
    key = functools.lru_cache(maxsize=None)(natural_key)
    columns = [map(key, map(operator.itemgetter(f), rows)) for f in resource["schema"]["primaryKey"]]
    keys = list(zip(*columns))
    return [rows[i] for i in sorted(range(len(rows)), key=keys.__getitem__)]


def csv_bytes(resource, rows):
    names = field_names(resource)
    expected = set(names)
    # csv writes strings, integers and None ('') as format_value would; only the number and
    # boolean columns need it (a value of the wrong type elsewhere fails validation).
    formatted = [i for i, f in enumerate(resource["schema"]["fields"]) if f["type"] in ("number", "boolean")]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in sort_rows(resource, rows):
        if row.keys() != expected:
            missing, extra = sorted(set(names) - set(row)), sorted(set(row) - set(names))
            raise BuildError(
                "datapackage.json",
                f"resource '{resource['name']}': the build makes no field {', '.join(missing) or '-'} "
                f"and makes {', '.join(extra) or 'nothing'} the schema lacks; "
                "schema.fields must list exactly the fields the build makes",
                field="schema.fields",
            )
        cells = [row[name] for name in names]
        for i in formatted:
            if cells[i] is not None:
                cells[i] = format_value(cells[i])
        writer.writerow(cells)
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


def with_snapshot_hash(descriptor, source_meta, raw_relative):
    """The descriptor with its first source naming the raw snapshot and its SHA-256, each in a
    field of its own, taken from data/raw/source.yml (the one place the hash is written)."""
    descriptor = json.loads(json.dumps(descriptor))
    sources = descriptor.get("sources") or [{}]
    sources[0]["snapshot"] = raw_relative
    sources[0]["sha256"] = str(source_meta["sha256"])
    descriptor["sources"] = sources
    return descriptor


def with_critique_snapshot(descriptor, critique_meta, raw_relative):
    """The descriptor with its second source, the critique, naming its snapshot and SHA-256
    (from data/raw/critique.yml, the one place that hash is written)."""
    descriptor = json.loads(json.dumps(descriptor))
    sources = descriptor.get("sources") or [{}]
    while len(sources) < 2:
        sources.append({})
    sources[1]["snapshot"] = raw_relative
    sources[1]["sha256"] = str(critique_meta["sha256"])
    descriptor["sources"] = sources
    return descriptor


def write_package(staging, descriptor, tables):
    """Write every resource's CSV and the descriptor (with type, bytes and hash) under `staging`."""
    descriptor = json.loads(json.dumps(descriptor))
    described = {r["name"] for r in descriptor["resources"]}
    if described != set(tables):
        unbuilt, undescribed = sorted(described - set(tables)), sorted(set(tables) - described)
        raise BuildError(
            "datapackage.json",
            f"the build makes no resource {', '.join(unbuilt) or '-'} and makes {', '.join(undescribed) or 'nothing'} the descriptor lacks; "
            "resources must list exactly the tables the build makes",
            field="resources",
        )
    for resource in descriptor["resources"]:
        data = csv_bytes(resource, tables[resource["name"]])
        path = staging / resource["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        resource.setdefault("type", "table")  # Data Package v2: every resource here is a table
        resource["bytes"] = len(data)
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    (staging / "datapackage.json").write_bytes(descriptor_bytes(descriptor))
    return descriptor


def validate(package_path, resource_names=None):
    """Validate with frictionless (only `resource_names`, each in the context of the whole
    package so that foreign keys are checked, if given); on any error raise with the first
    error and a count of the rest."""
    from collections import Counter

    from frictionless import FrictionlessException, Package, Report
    from frictionless import validate as frictionless_validate

    if resource_names is None:
        report = frictionless_validate(str(package_path))
    else:
        try:
            package = Package(str(package_path))
        except FrictionlessException:  # a broken descriptor: the whole-package report names the problem
            return validate(package_path)
        start = time.perf_counter()
        reports = [package.validate(name=name) for name in resource_names]
        report = Report.from_validation_reports(time=time.perf_counter() - start, reports=reports)
    if report.valid:
        return report
    problems = [(task.place or "datapackage.json", error) for task in report.tasks for error in task.errors]
    problems += [("datapackage.json", error) for error in report.errors]
    place, first = problems[0]
    parts = [place]
    if getattr(first, "row_number", None):
        parts.append(f"row {first.row_number}")
    if getattr(first, "field_name", None):
        parts.append(f"field {first.field_name}")
    if getattr(first, "cell", None) not in (None, ""):
        parts.append(f"value {first.cell[:60]!r}" if isinstance(first.cell, str) else f"value {first.cell!r}")
    message = f"frictionless validation failed: {' '.join(parts)}: {first.type}: {first.note or first.message}"
    if len(problems) > 1:
        counts = Counter(error.type for _, error in problems[1:])
        message += f"\n  and {len(problems) - 1} more (" + ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) + ")"
    raise BuildError("datapackage.json", message)


class Validators:
    """Processes forked when the build starts, each importing frictionless at once (~0.4 s of
    a sub-second build) while the build parses, writes and loads; Validation gives them work.

    fork: it starts at once and works however the build was started (spawn and forkserver
    re-run the caller's main script). gc.freeze keeps a child's garbage collector from
    touching (and so copying) the parent's objects.
    """

    def __init__(self, count=1):
        self.idle = [_fork_worker() for _ in range(count)]
        weakref.finalize(self, _stop_all, self.idle)  # the ones never given work

    def take(self):
        return self.idle.pop(0) if self.idle else _fork_worker()

    def stop(self):
        _stop_all(self.idle)


def _fork_worker():
    context = multiprocessing.get_context("fork")
    answer, work = context.Pipe()
    process = context.Process(target=_wait_for_work, args=(work,), daemon=True)
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()
    work.close()
    return process, answer


def _stop_all(idle):
    while idle:
        _stop(*idle.pop())


# A package smaller than this is validated whole in one process (frictionless's own overhead
# per call is larger than the work); a larger one in two: its largest resource, the rest.
SPLIT_BYTES = 2_000_000


class Validation:
    """frictionless validation, in other processes so that the build can do other work
    meanwhile.

        validation = Validation(path)     # starts validating at once
        ...                               # other stages
        seconds = validation.result()     # waits; raises BuildError if the package is invalid

    frictionless checks cell by cell in pure Python, and one resource (the ratings) can hold
    nearly all the cells: a large package is validated in two processes, its largest resource
    in the other one while the build works, the others in the build's own process when it asks
    for the result, each in the context of the whole package (so foreign keys are checked). If the build fails before asking for the result, the processes are
    stopped as soon as this object is dropped, and in any case when the build's process exits.

    `verdict`, a file, holds the SHA-256 of the bytes (and frictionless's version) of the last
    package found valid: the same bytes are not validated twice (an unchanged rebuild).
    """

    def __init__(self, package_path, validators=None, verdict=None):
        self.package_path = str(package_path)
        resources = json.loads(Path(package_path).read_text(encoding="utf-8"))["resources"]
        self.digest = package_digest(package_path, resources) if verdict else None
        self.verdict = Path(verdict) if verdict else None
        self.running = []
        self.here = []  # resources this process validates in result(), after its own stages
        self.valid = False
        if self.verdict is not None and _read(self.verdict) == self.digest:
            self.valid = True
            if validators is not None:
                validators.stop()
            return
        validators = validators or Validators(0)
        if sum(r.get("bytes", 0) for r in resources) < SPLIT_BYTES:
            jobs = [None]  # the whole package
        else:
            largest = max(resources, key=lambda r: r["bytes"])["name"]
            jobs = [[largest]]
            self.here = [r["name"] for r in resources if r["name"] != largest]
        for names in jobs:
            process, answer = validators.take()
            answer.send((self.package_path, names))
            self.running.append((process, answer))
        validators.stop()
        for process, answer in self.running:
            weakref.finalize(self, _stop, process, answer)

    def result(self):
        """The seconds the longest part took (0 for a package validated before); raises
        BuildError with the problems of all parts."""
        seconds, problems = 0.0, []
        if self.here:
            start = time.perf_counter()
            try:
                validate(self.package_path, self.here)
            except BuildError as exc:
                problems.append(exc.message)
            seconds = time.perf_counter() - start
        for process, answer in self.running:
            try:
                there, problem = answer.recv()
            except EOFError:
                there, problem = 0.0, "frictionless validation stopped without an answer: its process failed (see above)"
            finally:
                _stop(process, answer)
            seconds = max(seconds, there)
            problems += [problem] if problem else []
        if len(problems) > 1:  # keep the message to two lines: the first error, then where to see all
            first_line = problems[0].split("\n")[0]
            raise BuildError("datapackage.json", f"{first_line}\n  and more errors: run `.venv/bin/frictionless validate datapackage.json` for the full report")
        if problems:
            raise BuildError("datapackage.json", problems[0])
        self.valid = True
        return seconds

    def remember(self):
        """Record the package as valid (after result() said so and the build committed it)."""
        if self.verdict is None or not self.valid or not self.running:
            return
        self.verdict.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.verdict.with_name(f".{self.verdict.name}.tmp")
        temporary.write_text(self.digest, encoding="utf-8")
        os.replace(temporary, self.verdict)  # a new file, never a write into the old one (a kill leaves one or the other)


def _read(path):
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def package_digest(package_path, resources):
    """SHA-256 of frictionless's version, the descriptor and every resource file's bytes."""
    from importlib.metadata import version

    digest = hashlib.sha256(f"frictionless {version('frictionless')}\n".encode())
    root = Path(package_path).parent
    for path in [Path(package_path)] + [root / r["path"] for r in resources if isinstance(r.get("path"), str)]:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        try:
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        except OSError:
            digest.update(b"(missing)")
    return digest.hexdigest()


def _wait_for_work(work):
    import frictionless  # noqa: F401  (the slow part, done while the build works)

    try:
        package_path, names = work.recv()
    except (EOFError, OSError):
        return
    _validate_and_send(package_path, names, work)


def _stop(process, answer):
    if process.is_alive():
        process.terminate()
    process.join()
    answer.close()


def _validate_and_send(package_path, resource_names, send):
    start = time.perf_counter()
    try:
        validate(package_path, resource_names)
        send.send((time.perf_counter() - start, None))
    except BuildError as exc:
        send.send((time.perf_counter() - start, exc.message))
    except Exception as exc:  # report, rather than die silently in the child
        send.send((time.perf_counter() - start, f"frictionless validation failed: {type(exc).__name__}: {exc}"))
    finally:
        send.close()
