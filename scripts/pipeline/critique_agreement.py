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

READING = "readings/critique-2026-12/reading.yml"
COMPARISON = "critique-first-vs-second"


def reading_path(project):
    return project.curation_dir / READING


def rows(critique, critique_tables, published, project, descriptor, point_ids=()):
    """annotation_agreement rows of the critique's comparison; [] when no reading exists.
    `point_ids`: the list's sub-points, which the reading may target."""
    path = reading_path(project)
    if not path.exists():
        return []
    second = critique_arguments.read(critique, critique_tables, project, descriptor, path, point_ids=point_ids)
    theories = sorted({a["theory_number"] for a in critique_tables["critique_answers"]})
    sources = [a["id"] for a in critique_tables["critique_answers"] if a["start"] is not None]  # page order
    left_name = f"{critique_arguments.MAIN} (the critique's published map)"
    right_name = f"{READING} (an independent reading of the critique)"
    background = [critique.text, (project.curation_dir / agreement.GENERAL_RULES).read_text(encoding="utf-8")]
    found = agreement.compare_readings(published, second, sources, theories, COMPARISON, left_name, right_name, background)
    return found + type_measures(published, second, critique_tables, left_name, right_name)


def answer_types(reading):
    """{(answer, critique type)} the reading's arguments give."""
    return {(a["critique_answer_id"], t) for a in reading.arguments for t in a.get("critique_types") or []}


def type_measures(left, right, critique_tables, left_name, right_name):
    """Jaccard of the (answer, critique type) pairs, and Cohen's kappa on their presence over every
    answer with words of its own times every type. Only where the reading gives critique types."""
    if not any(a.get("critique_types") for a in right.arguments):
        return []
    lt, rt = answer_types(left), answer_types(right)
    types = sorted({t["id"] for t in critique_tables["critique_types"]})
    answers = [a["id"] for a in critique_tables["critique_answers"] if a["start"] is not None]
    either, both = lt | rt, lt & rt
    presence = [((a, t) in lt, (a, t) in rt) for a in answers for t in types]
    common = {"comparison": COMPARISON, "level": "critique_type", "category": None, "ci_low": None, "ci_high": None}
    return [
        {
            **common,
            "id": f"{COMPARISON}:critique_type:jaccard",
            "measure": "jaccard",
            "units": len(either),
            "agreed": len(both),
            "value": agreement.rounded(Fraction(len(both), len(either)) if either else None),
            "description": f"{left_name} against {right_name}: which answers carry which critique types: pairs both give / pairs either gives.",
        },
        {
            **common,
            "id": f"{COMPARISON}:critique_type:cohen_kappa",
            "measure": "cohen_kappa",
            "units": len(presence),
            "agreed": sum(1 for a, b in presence if a == b),
            "value": agreement.rounded(agreement.kappa(presence)[1]),
            "description": f"{left_name} against {right_name}: Cohen's kappa on whether each (answer, critique type) pair is given "
            f"({len(answers)} answers x {len(types)} types).",
        },
    ]


def headline(found):
    """One line for the build's progress."""
    if not found:
        return f"no independent reading of the critique yet ({READING})"
    by_id = {r["id"]: r["value"] for r in found}
    return f"critique map vs reading: stance kappa {by_id[f'{COMPARISON}:stance:cohen_kappa']}, targets Jaccard {by_id[f'{COMPARISON}:target:jaccard']}"


def run(project):
    """`longlist agreement`, the critique's part: its figures, or where its reading goes."""
    from scripts.core import schema
    from scripts.pipeline import critique as critique_source
    from scripts.pipeline import curation, parse, source

    meta = source.load_source_meta(project)
    raw = source.read_raw(project, meta)
    descriptor = schema.load_descriptor(project)
    parsed = parse.parse(raw, project.rel(project.raw_path), curation.load_boundaries(project), meta["expected"])
    document = critique_source.read(project)
    tables = critique_source.tables(project, descriptor, document, parsed)
    published, _ = critique_arguments.load(document, tables, project, descriptor, 1)
    found = rows(document, tables, published, project, descriptor, [p["id"] for p in parsed.theory_points])
    if not found:
        return f"The critique: {headline(found)}."
    return f"The critique ({critique_arguments.MAIN} against {READING}):\n{agreement.report(found)}"
