"""The whole pipeline, top to bottom. Everything is built in a staging folder under build/
and moved into place only when every stage has passed, so a failed build leaves the
previous CSVs, datapackage.json, metadata.yml and database untouched; the move itself is
journalled (commit.py), so even a killed build leaves the old or the new set, never a mix."""

import shutil
import tempfile
import time
from pathlib import Path

from scripts.core import schema
from scripts.core.commit import commit, exclusive
from scripts.pipeline import (
    aggregates,
    agreement,
    arguments,
    critique,
    critique_agreement,
    critique_arguments,
    curation,
    load,
    normalize,
    package,
    parse,
    post_links,
    source,
    thread,
)
from scripts.publishing import aif, charts, metadata, queries, rating_page
from scripts.publishing import argument_map as argument_picture
from scripts.ratings import contributed
from scripts.release import bundle
from scripts.release import status as release_status
from scripts.serve import instance, reload


def stage_outputs(project, staging, progress, timings=None):
    timer = Timer(progress, timings)
    validators = package.Validators(1)  # imports frictionless in another process meanwhile
    meta = source.load_source_meta(project)
    raw = source.read_raw(project, meta)
    descriptor = package.with_snapshot_hash(schema.load_descriptor(project), meta, project.rel(project.raw_path))
    timer.done("source", f"{project.rel(project.raw_path)} matches its SHA-256")

    parsed = parse.parse(raw, project.rel(project.raw_path), curation.load_boundaries(project), meta["expected"])
    point_kinds = curation.load_point_kinds(project, parsed.theory_points, descriptor)
    timer.done("parse", f"{len(parsed.theories)} theories, {len(parsed.theory_points)} sub-points, {len(parsed.comments)} comments")

    critique_doc = critique.read(project)
    descriptor = package.with_critique_snapshot(descriptor, critique_doc.meta, project.rel(project.critique_raw_path))
    critique_tables = critique.tables(project, descriptor, critique_doc, parsed)
    timer.done(
        "critique",
        f"{project.rel(project.critique_raw_path)} matches its SHA-256; {len(critique_tables['critique_answers'])} answers, "
        f"{len(critique_tables['critique_bullets'])} bullets, {len(critique_tables['critique_references'])} cross-references",
    )

    comment_thread = thread.thread(raw, parsed, project, schema.vocabulary(descriptor, "comments", "attribution_grade"))
    argument_map = arguments.load(raw, parsed, project, descriptor)
    critique_map, critique_types = critique_arguments.load(
        critique_doc, critique_tables, project, descriptor, len(argument_map["arguments"]) + 1, [p["id"] for p in parsed.theory_points]
    )
    argument_map["arguments"] += critique_arguments.argument_rows(critique_map)
    argument_map["argument_targets"] += critique_map.targets
    argument_map["argument_relations"] += critique_map.relations
    argument_map["argument_critique_types"] = critique_types
    links = post_links.tables(raw, parsed, project, descriptor, (critique_doc.text, critique_tables))
    timer.done(
        "curate",
        f"reply tree, {sum(1 for a in comment_thread.attributions.values() if a['participant_id'])} attributions, {len(argument_map['arguments'])} arguments, "
        f"{len(links['theory_relations'])} theory relations, {len(links['mention_occurrences'])} mentions",
    )

    agreed = agreement.tables(raw, parsed, project, descriptor)
    critique_agreed = critique_agreement.tables(critique_doc, critique_tables, critique_map, project, descriptor, [p["id"] for p in parsed.theory_points])
    agreed = {name: found + critique_agreed[name] for name, found in agreed.items()}
    timer.done(
        "agreement",
        f"{agreement.headline(agreed['annotation_agreement'])}; {len(agreed['adjudications'])} differences adjudicated; "
        f"{critique_agreement.headline(critique_agreed)}",
    )

    contributed_sets = contributed.load_contributed(project, contributed.Rules.from_package(descriptor, [t["number"] for t in parsed.theories]))
    timer.done("ratings", f"{len(contributed_sets)} contributed rating sets in {project.rel(project.contrib_ratings_dir)}/")

    tables = contributed.add_to_tables(normalize.tables(parsed, point_kinds, comment_thread, {**argument_map, **links, **agreed}), contributed_sets, project)
    tables.update(critique_tables)
    tables["documents"] = critique.documents(project, meta, critique_doc)
    critique.tag_longlist(tables)
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
    (staging / inspect_file(project)).write_bytes(instance.inspect_bytes(staging, project.rel(project.db_path)))
    timer.done("load", f"{sum(counts.values())} rows into {project.rel(project.db_path)}, its counts into {inspect_file(project)}")

    live_charts = {}
    charted, empty_charts = charts.write_charts(project, staged_db, staging / charts.CHART_DIR, staging / charts.CHART_CACHE, live_charts)
    map_svg = argument_picture.write(staged_db, [staging / ARGUMENT_MAP_DOC])
    timer.done("charts", f"{len(charted)} charts checked against their queries, SVGs into {charts.CHART_DIR}/; {ARGUMENT_MAP_DOC}")

    (staging / AIF_EXPORT).parent.mkdir(parents=True, exist_ok=True)
    (staging / AIF_EXPORT).write_bytes(aif.aif_bytes(tables, theory_titles(tables)))
    reference = staging / rating_reference(project)
    reference.parent.mkdir(parents=True)
    reference.write_bytes(rating_page.reference_bytes(tables, descriptor, project.rel(project.contrib_ratings_dir)))

    # the zip first: whether this build is its version's release (scripts/release/status.py)
    # shows wherever the version does, metadata.yml included
    downloads = staging / download_dir(project)
    downloads.mkdir(parents=True)
    packed = bundle.write(staging, project, descriptor, downloads, staging / "build" / project.db_path.name)
    # the thread page shows the argument map from here (site/plugins/reading.py)
    (downloads / argument_picture.SERVED_NAME).write_text(map_svg, encoding="utf-8")
    timer.done("bundle", f"{download_dir(project)}/{packed.name} sha256 {packed.sha256[:12]}... ({packed.status.label})")

    (staging / "metadata.yml").write_bytes(metadata.metadata_bytes(project, descriptor, packed.name, packed.status, empty_charts, live_charts))
    timer.done("site", f"metadata.yml, {AIF_EXPORT}, {rating_reference(project)}")

    seconds = validation.result()
    how = "ran alongside load, charts, site and bundle" if validation.running else "the same bytes as the last valid build"
    timer.done("validate", f"frictionless: package valid ({how})", seconds=seconds)
    return descriptor, packed, validation


AIF_EXPORT = "exports/argument_map.aif.json"
ARGUMENT_MAP_DOC = "docs/argument_map.svg"
VERDICT = "validated.sha256"  # under build/: the SHA-256 of the last package frictionless found valid


def theory_titles(tables):
    titles = {str(t["number"]): t["title"] for t in tables["theories"]}
    titles.update({p["id"]: p["title"] or p["text"] for p in tables["theory_points"]})
    return titles


def inspect_file(project):
    return project.rel(instance.inspect_path(project))


def download_dir(project):
    return str((project.build_dir / "downloads").relative_to(project.root))


def rating_reference(project):
    """The rating page's data (scripts/publishing/rating_page.py), relative to the project root."""
    return str(rating_page.reference_path(project).relative_to(project.root))


def built_zip_name(project, descriptor):
    """The package zip a build of this descriptor left in build/downloads: the release's name,
    or the name of unreleased changes (scripts/release/status.py)."""
    released = bundle.zip_name(descriptor)
    if (project.build_dir / "downloads" / released).exists():
        return released
    unreleased = bundle.zip_name(descriptor, release_status.Status(descriptor["version"], False))
    return unreleased if (project.build_dir / "downloads" / unreleased).exists() else released


def built_status(project, descriptor):
    """The release status (scripts/release/status.py) the last build found, from its zip's name."""
    released = built_zip_name(project, descriptor) == bundle.zip_name(descriptor)
    return release_status.Status(str(descriptor["version"]), released)


def outputs(project, descriptor, zip_name=None):
    """Paths of every output, relative to the project root (`zip_name`: the package zip's
    name, if known; else the one already built)."""
    zip_name = zip_name or built_zip_name(project, descriptor)
    return (
        [r["path"] for r in descriptor["resources"]]
        + [
            "datapackage.json",
            "metadata.yml",
            AIF_EXPORT,
            str(project.db_path.relative_to(project.root)),
            rating_reference(project),
            inspect_file(project),
            f"{download_dir(project)}/{zip_name}",
            f"{download_dir(project)}/{zip_name}.sha256",
            f"{download_dir(project)}/{argument_picture.SERVED_NAME}",
            ARGUMENT_MAP_DOC,
        ]
        + charts.image_paths(project)
    )


def stale_images(project, relatives):
    """Chart images no query asks for any more (removed in the same commit as the new outputs)."""
    wanted = set(relatives)
    found = (str(path.relative_to(project.root)) for path in sorted((project.root / charts.CHART_DIR).glob("*.svg")))
    return [relative for relative in found if relative not in wanted]


def build(project, progress=print, timings=None):
    """Build every output; `timings`, if given, is a dict that receives each stage's seconds."""
    with exclusive(project, progress):
        staging = Path(tempfile.mkdtemp(prefix="staging-", dir=project.build_dir))
        try:
            descriptor, packed, validation = stage_outputs(project, staging, progress, timings)
            relatives = outputs(project, descriptor, packed.name)
            commit(project, staging, relatives, removals=stale_images(project, relatives) + stale_downloads(project, packed.name))
            # what makes the next build with the same inputs quicker, kept only once this one is in place
            charts.keep_drawings(project, staging / charts.CHART_CACHE)
            validation.remember()
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    progress(f"built {project.rel(project.package_path)} and {project.rel(project.db_path)}")
    reload.reload_servers(project, say=progress)  # a running `serve` of this checkout takes the new database
    return descriptor


def stale_downloads(project, current):
    """Package zips of earlier builds (another version, or released vs unreleased) leave the
    served downloads in the same commit: the index page lists every zip there. Releases live in dist/."""
    found = sorted((project.build_dir / "downloads").glob("*.zip*"))
    return [str(path.relative_to(project.root)) for path in found if path.name not in (current, f"{current}.sha256")]


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
