"""The whole pipeline, top to bottom. Everything is built in a staging folder under build/
and moved into place only when every stage has passed, so a failed build leaves the
previous CSVs, datapackage.json, metadata.yml and database untouched."""

import shutil
import tempfile
import time
from pathlib import Path

from scripts.core import schema
from scripts.pipeline import aggregates, arguments, curation, load, normalize, package, parse, source, thread
from scripts.pipeline.commit import commit
from scripts.publishing import aif, charts, metadata, queries
from scripts.ratings import contributed
from scripts.release import bundle
from scripts.serve import instance


def stage_outputs(project, staging, progress, timings=None):
    timer = Timer(progress, timings)
    validators = package.Validators(1)  # imports frictionless in another process meanwhile
    meta = source.load_source_meta(project)
    raw = source.read_raw(project, meta)
    descriptor = schema.load_descriptor(project)
    timer.done("source", f"{project.rel(project.raw_path)} matches its SHA-256")

    parsed = parse.parse(raw, project.rel(project.raw_path), curation.load_boundaries(project), meta["expected"])
    point_kinds = curation.load_point_kinds(project, parsed.theory_points, descriptor)
    timer.done("parse", f"{len(parsed.theories)} theories, {len(parsed.theory_points)} sub-points, {len(parsed.comments)} comments")

    comment_thread = thread.thread(raw, parsed, project)
    argument_map = arguments.load(raw, parsed, project, descriptor)
    timer.done("curate", f"reply tree, {len(comment_thread.attributions)} attributions, {len(argument_map['arguments'])} arguments")

    contributed_sets = contributed.load_contributed(project, contributed.Rules.from_package(descriptor, [t["number"] for t in parsed.theories]))
    timer.done("ratings", f"{len(contributed_sets)} contributed rating sets in {project.rel(project.contrib_ratings_dir)}/")

    tables = contributed.add_to_tables(normalize.tables(parsed, point_kinds, comment_thread, argument_map), contributed_sets, project)
    timer.done("normalize", f"{len(tables['ratings'])} ratings in {len(tables['rating_sets'])} sets")

    tables.update(aggregates.tables(tables))
    timer.done("aggregate", "theory_rating_stats, rating_agreement")

    descriptor = package.write_package(staging, descriptor, tables)
    timer.done("package", ", ".join(f"{name} {len(rows)}" for name, rows in tables.items()))

    # frictionless is the slowest stage (pure Python, cell by cell): it checks the largest
    # resource in a second process while this one does the load, charts, site and bundle stages.
    validation = package.Validation(staging / "datapackage.json", validators, verdict=project.build_dir / VERDICT)

    try:
        counts = load.load(staging, staging / "build" / project.db_path.name, queries.views(project))
    except Exception:
        # a package that breaks its own schema fails the load first: frictionless names the row and field
        validation.result()
        raise
    staged_db = staging / "build" / project.db_path.name
    (staging / inspect_file(project)).write_bytes(instance.inspect_bytes(project, staged_db))
    timer.done("load", f"{sum(counts.values())} rows into {project.rel(project.db_path)}, its counts into {inspect_file(project)}")

    charted = charts.write_charts(project, staging / "build" / project.db_path.name, staging / charts.CHART_DIR, staging / charts.CHART_CACHE)
    timer.done("charts", f"{len(charted)} charts checked against their queries, SVGs into {charts.CHART_DIR}/")

    (staging / "metadata.yml").write_bytes(metadata.metadata_bytes(project, descriptor))
    (staging / AIF_EXPORT).parent.mkdir(parents=True, exist_ok=True)
    (staging / AIF_EXPORT).write_bytes(aif.aif_bytes(tables, theory_titles(tables)))
    timer.done("site", f"metadata.yml, {AIF_EXPORT}")

    downloads = staging / download_dir(project)
    downloads.mkdir(parents=True)
    name = bundle.zip_name(descriptor)
    digest = bundle.write_zip(bundle.members(staging, project, descriptor), downloads / name, name[: -len(".zip")])
    (downloads / f"{name}.sha256").write_text(f"{digest}  {name}\n", encoding="utf-8")
    timer.done("bundle", f"{download_dir(project)}/{name} sha256 {digest[:12]}...")

    seconds = validation.result()
    how = "ran alongside load, charts, site and bundle" if validation.running else "the same bytes as the last valid build"
    timer.done("validate", f"frictionless: package valid ({how})", seconds=seconds)
    return descriptor, validation


AIF_EXPORT = "exports/argument_map.aif.json"
VERDICT = "validated.sha256"  # under build/: the SHA-256 of the last package frictionless found valid


def theory_titles(tables):
    titles = {str(t["number"]): t["title"] for t in tables["theories"]}
    titles.update({p["id"]: p["title"] or p["text"] for p in tables["theory_points"]})
    return titles


def inspect_file(project):
    return project.rel(instance.inspect_path(project))


def download_dir(project):
    return str((project.build_dir / "downloads").relative_to(project.root))


def outputs(project, descriptor):
    """Paths of every output, relative to the project root."""
    return (
        [r["path"] for r in descriptor["resources"]]
        + [
            "datapackage.json",
            "metadata.yml",
            AIF_EXPORT,
            str(project.db_path.relative_to(project.root)),
            inspect_file(project),
            f"{download_dir(project)}/{bundle.zip_name(descriptor)}",
            f"{download_dir(project)}/{bundle.zip_name(descriptor)}.sha256",
        ]
        + charts.image_paths(project)
    )


def build(project, progress=print, timings=None):
    """Build every output; `timings`, if given, is a dict that receives each stage's seconds."""
    project.build_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="staging-", dir=project.build_dir))
    try:
        descriptor, validation = stage_outputs(project, staging, progress, timings)
        commit(project, staging, outputs(project, descriptor))
        charts.remove_stale_images(project)
        # what makes the next build with the same inputs quicker, kept only once this one is in place
        charts.keep_drawings(project, staging / charts.CHART_CACHE)
        validation.remember()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    progress(f"built {project.rel(project.package_path)} and {project.rel(project.db_path)}")
    return descriptor


class Timer:
    def __init__(self, progress, timings=None):
        self.progress = progress
        self.timings = {} if timings is None else timings
        self.last = time.perf_counter()

    def done(self, stage, what, seconds=None):
        """Report a stage; `seconds` for one that ran in another process."""
        now = time.perf_counter()
        seconds = now - self.last if seconds is None else seconds
        self.timings[stage] = seconds
        self.progress(f"[{stage:>9}] {what} ({seconds:.2f}s)")
        self.last = now
