"""Agreement between the critique's published map (data/curation/critique_arguments.yml) and an
independent second reading of the critique, by the units and statistics of the longlist's map
(scripts/pipeline/agreement.py), with the critique's answers (ca01..ca20, ca06.1, ca06.2) as
the sources: (answer, theory) stance pairs, which answers target which theories and sub-points,
relation types between the arguments of (answer, earlier answer) pairs, kind and voice of
aligned arguments; and, for the critique only, the critique types each answer's arguments give.

The reading is data/curation/readings/critique-2026-12/reading.yml, pre-registered (its
INSTRUCTIONS.md beside it): a top-level `arguments:` list whose entries have the fields of
second_pass.yml (id, source, kind, voice, summary, evidence_quote, targets [{target, stance}],
relations [{to, relation or type}]) plus optional `critique_types` (type ids, or the excerpt's
bold headings as written) and `section_reference`; `source` is an answer id. It is checked under the same
evidence rules as the map (scripts/pipeline/critique_arguments.py). With no reading there are
no critique rows.
"""

from fractions import Fraction

from scripts.pipeline import agreement, critique_arguments

READING_NAME = "critique-2026-12"
READING = f"readings/{READING_NAME}/reading.yml"
FIRST_MAP = "critique_map_first.yml"  # the map as it stood before the reading was adjudicated
COMPARISON = "critique-first-vs-second"  # the frozen first map against the reading
PUBLISHED_COMPARISON = "critique-published-vs-reading"  # the published map, after adjudication, against the reading
LOG = agreement.ReadingLog(f"readings/{READING_NAME}/adjudication.yml", READING_NAME, COMPARISON, critique_arguments.MAIN, f"the first map ({FIRST_MAP})")


def reading_path(project):
    return project.curation_dir / READING


def readings(critique, critique_tables, project, descriptor, point_ids=()):
    """(the frozen first map, the reading), or None when no reading exists."""
    path = reading_path(project)
    if not path.exists():
        return None
    first, _ = critique_arguments.load(critique, critique_tables, project, descriptor, 1, point_ids, project.curation_dir / FIRST_MAP)
    second = critique_arguments.read(critique, critique_tables, project, descriptor, path, point_ids=point_ids)
    return first, second


def theories_of(critique_tables):
    return sorted({a["theory_number"] for a in critique_tables["critique_answers"]})


def rows(critique, critique_tables, published, project, descriptor, point_ids=()):
    """annotation_agreement rows of the critique's comparisons: the frozen first map against the
    reading, and the published map against it; [] when no reading exists. `point_ids`: the
    list's sub-points, which the reading may target."""
    read = readings(critique, critique_tables, project, descriptor, point_ids)
    if read is None:
        return []
    first, second = read
    theories = theories_of(critique_tables)
    sources = [a["id"] for a in critique_tables["critique_answers"] if a["start"] is not None]  # page order
    right_name = f"{READING} (an independent reading of the critique)"
    background = [critique.text, (project.curation_dir / agreement.GENERAL_RULES).read_text(encoding="utf-8")]
    found = []
    for comparison, left, left_name in (
        (COMPARISON, first, f"{FIRST_MAP} (the critique's map before the reading was adjudicated)"),
        (PUBLISHED_COMPARISON, published, f"{critique_arguments.MAIN} (the critique's published map, adjudicated against the reading)"),
    ):
        found += agreement.compare_readings(left, second, sources, theories, comparison, left_name, right_name, background)
        found += type_measures(left, second, critique_tables, comparison, left_name, right_name)
    return found


def tables(critique, critique_tables, published, project, descriptor, point_ids=()):
    """{"annotation_agreement", "adjudications"}: the critique's rows of both resources (none
    when no reading exists)."""
    return {
        "annotation_agreement": rows(critique, critique_tables, published, project, descriptor, point_ids),
        "adjudications": adjudications(critique, critique_tables, published, project, descriptor, point_ids),
    }


def type_differences(left, right):
    """{("critique_type", answer, type): (left, right)} for the (answer, critique type) pairs
    one reading gives and the other does not (present or absent); none where the right reading
    gives no critique types at all (it was not asked to)."""
    if not any(a.get("critique_types") for a in right.arguments):
        return {}
    lt, rt = answer_types(left), answer_types(right)
    return {("critique_type", *pair): ("present" if pair in lt else "absent", "present" if pair in rt else "absent") for pair in sorted(lt ^ rt)}


def adjudications(critique, critique_tables, published, project, descriptor, point_ids=()):
    """The checked log of every difference between the frozen first map and the reading (the
    longlist's units, and the critique types of each answer), as rows of the adjudications
    resource; [] when no reading exists, or no log yet (a reading is committed alone, before
    its log: tests/test_readings.py)."""
    read = readings(critique, critique_tables, project, descriptor, point_ids)
    if read is None or not (project.curation_dir / LOG.path).exists():
        return []
    first, second = read
    theories = theories_of(critique_tables)
    found = {**agreement.differences(first, second, theories), **type_differences(first, second)}
    values = agreement.published_readings(published, theories)
    given = answer_types(published)
    reading_arguments = {a["id"]: a for a in second.arguments}

    def reads_now(unit):
        if unit[0] == "critique_type":
            return "present" if unit[1:] in given else "absent"
        return agreement.published_reading(unit, published, values, reading_arguments)

    return agreement.checked_log(project, LOG, found, reads_now)


def answer_types(reading):
    """{(answer, critique type)} the reading's arguments give."""
    return {(a["critique_answer_id"], t) for a in reading.arguments for t in a.get("critique_types") or []}


def type_measures(left, right, critique_tables, comparison, left_name, right_name):
    """Jaccard of the (answer, critique type) pairs, and Cohen's kappa on their presence over every
    answer with words of its own times every type. Only where the reading gives critique types."""
    if not any(a.get("critique_types") for a in right.arguments):
        return []
    lt, rt = answer_types(left), answer_types(right)
    types = sorted({t["id"] for t in critique_tables["critique_types"]})
    answers = [a["id"] for a in critique_tables["critique_answers"] if a["start"] is not None]
    either, both = lt | rt, lt & rt
    presence = [((a, t) in lt, (a, t) in rt) for a in answers for t in types]
    common = {"comparison": comparison, "level": "critique_type", "category": None, "ci_low": None, "ci_high": None}
    return [
        {
            **common,
            "id": f"{comparison}:critique_type:jaccard",
            "measure": "jaccard",
            "units": len(either),
            "agreed": len(both),
            "value": agreement.rounded(Fraction(len(both), len(either)) if either else None),
            "description": f"{left_name} against {right_name}: which answers carry which critique types: pairs both give / pairs either gives.",
        },
        {
            **common,
            "id": f"{comparison}:critique_type:cohen_kappa",
            "measure": "cohen_kappa",
            "units": len(presence),
            "agreed": sum(1 for a, b in presence if a == b),
            "value": agreement.rounded(agreement.kappa(presence)[1]),
            "description": f"{left_name} against {right_name}: Cohen's kappa on whether each (answer, critique type) pair is given "
            f"({len(answers)} answers x {len(types)} types).",
        },
    ]


def headline(found):
    """One line for the build's progress, from the critique's `tables`."""
    if not found["annotation_agreement"]:
        return f"no independent reading of the critique yet ({READING})"
    by_id = {r["id"]: r["value"] for r in found["annotation_agreement"]}
    changed = sum(1 for r in found["adjudications"] if r["map_changed"])
    return (
        f"critique first map vs reading: stance kappa {by_id[f'{COMPARISON}:stance:cohen_kappa']}, "
        f"targets Jaccard {by_id[f'{COMPARISON}:target:jaccard']}; {len(found['adjudications'])} differences adjudicated, the map changed on {changed}"
    )


def run(project):
    """`longlist agreement`, the critique's part: its figures and its log's decisions, or where
    its reading goes."""
    from scripts.core import schema
    from scripts.pipeline import critique as critique_source
    from scripts.pipeline import curation, parse, source

    meta = source.load_source_meta(project)
    raw = source.read_raw(project, meta)
    descriptor = schema.load_descriptor(project)
    parsed = parse.parse(raw, project.rel(project.raw_path), curation.load_boundaries(project), meta["expected"])
    document = critique_source.read(project)
    critique_tables = critique_source.tables(project, descriptor, document, parsed)
    point_ids = [p["id"] for p in parsed.theory_points]
    published, _ = critique_arguments.load(document, critique_tables, project, descriptor, 1, point_ids)
    found = tables(document, critique_tables, published, project, descriptor, point_ids)
    if not found["annotation_agreement"]:
        return f"The critique: {headline(found)}."
    what = f"differences between {FIRST_MAP} and the reading {READING_NAME} adjudicated"
    summary = agreement.log_summary(found["adjudications"], COMPARISON, what, project.rel(project.curation_dir / LOG.path))
    return "\n".join(
        [f"The critique ({FIRST_MAP} and {critique_arguments.MAIN} against {READING}):", agreement.report(found["annotation_agreement"]), "", *summary]
    )
