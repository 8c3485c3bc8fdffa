"""Agreement between two readings of the argument map, and the adjudication of their disagreements.

Three passes of the map are read under the same evidence rules (scripts/pipeline/arguments.py):
- first_pass.yml: the first annotator's map as released in 0.1.0, frozen;
- second_pass.yml: an independent second reading made from the raw text and ANNOTATION.md (as in 0.1.0) alone;
- arguments.yml: the published map, corrected and adjudicated.

The two passes cut the text into arguments differently (72 against 66), so agreement is measured
on units that do not depend on the cut:

- stance: every (source, theory) pair, where a source is a comment or the post's disagreement
  paragraph and a sub-point counts towards its theory. Its category is the set of stances the
  source's arguments take on the theory, written "opposes+qualifies" when there are several,
  and "none" when no argument of the source targets the theory. Cohen's kappa over all pairs
  (`stance`), and over the pairs both passes give a stance (`stance_targeted`).
- target: which (source, theory) pairs have any target at all: Jaccard (shared / either) and
  Cohen's kappa on presence over all pairs; `target_point` is the Jaccard at the level of
  sub-points ((source, "6.2") apart from (source, "6")).
- relation: for every pair (source, earlier source) that either pass links by at least one
  relation between their arguments (a source may be linked to itself), the set of relation
  types: Jaccard of the linked pairs (`relation_link`), Cohen's kappa of the type sets over
  the linked pairs with "none" where a pass has no link (`relation_type`), and the Jaccard of
  the (source, earlier source, type) triples.
- kind and voice: each argument of the first-named pass is aligned with the argument of the
  other pass in the same source whose evidence overlaps its own the most (unaligned if none
  overlaps); Cohen's kappa on kind (and on voice where both passes have it).

Every stance and relation unit on which the first and second pass disagree must be in
data/curation/adjudication.yml, with both readings as computed here, the decision and its
reason; the build checks the log against the passes and the published map.
"""

from fractions import Fraction

from scripts.core import yamlio
from scripts.core.errors import BuildError
from scripts.pipeline import arguments as argument_map

ADJUDICATION = "adjudication.yml"
COMPARISONS = (
    ("first-vs-second", "first_pass.yml (the 0.1.0 map, made before the second pass)", "second_pass.yml"),
    ("adjudicated-vs-second", "arguments.yml (the published, adjudicated map)", "second_pass.yml"),
)
DECISIONS = ("first", "second", "neither")


def read_passes(raw, parsed, project, descriptor):
    """{"first": Pass, "second": Pass, "adjudicated": Pass}."""
    return {
        "first": argument_map.read_pass(raw, parsed, project, descriptor, argument_map.FIRST_PASS, prefix="a", with_voice=False),
        "second": argument_map.read_pass(raw, parsed, project, descriptor, argument_map.SECOND_PASS, prefix="b", with_voice=True),
        "adjudicated": argument_map.read_pass(raw, parsed, project, descriptor, argument_map.MAIN, prefix="a", with_voice=True),
    }


def source_of(argument):
    """The source of an argument: a comment, a post section, or (the critique's map) an answer."""
    return argument.get("critique_answer_id") or argument["comment_id"] or argument["post_section_id"]


def category(values):
    return "+".join(sorted(values)) if values else "none"


def stance_units(reading):
    units = {}
    source = {a["id"]: source_of(a) for a in reading.arguments}
    for t in reading.targets:
        units.setdefault((source[t["argument_id"]], t["theory_number"]), set()).add(t["stance"])
    return units


def point_units(reading):
    source = {a["id"]: source_of(a) for a in reading.arguments}
    return {(source[t["argument_id"]], t["target_id"]) for t in reading.targets}


def relation_units(reading):
    units = {}
    source = {a["id"]: source_of(a) for a in reading.arguments}
    for r in reading.relations:
        units.setdefault((source[r["argument_id"]], source[r["target_argument_id"]]), set()).add(r["relation"])
    return units


def kappa(pairs):
    """(observed agreement, Cohen's kappa) of a list of (category, category); kappa is None
    when chance agreement is total (one category only)."""
    n = len(pairs)
    if not n:
        return None, None
    observed = Fraction(sum(1 for a, b in pairs if a == b), n)
    left, right = {}, {}
    for a, b in pairs:
        left[a] = left.get(a, 0) + 1
        right[b] = right.get(b, 0) + 1
    expected = sum(Fraction(left[c], n) * Fraction(right.get(c, 0), n) for c in left)
    return observed, (None if expected == 1 else (observed - expected) / (1 - expected))


def rounded(value):
    return None if value is None else round(float(value), 3)


def align(left, right):
    """[(left argument, right argument)]: each left argument with the right argument of the same
    source whose evidence span overlaps it most (ties: the earlier one); unaligned ones are left out."""
    pairs = []
    for a in left:
        best, overlap = None, 0
        for b in right:
            if source_of(b) != source_of(a):
                continue
            shared = min(a["end"], b["end"]) - max(a["start"], b["start"])
            if shared > overlap:
                best, overlap = b, shared
        if best is not None:
            pairs.append((a, best))
    return pairs


def grid(passes, theories):
    """Every (source, theory) unit: the sources with arguments in any pass, times every theory."""
    sources = []
    for reading in passes:
        for a in reading.arguments:
            if source_of(a) not in sources:
                sources.append(source_of(a))
    return [(s, t) for s in sources for t in theories]


def measures(left, right, theories, comparison, left_name, right_name):
    """The rows of annotation_agreement for one comparison."""
    rows = []
    units = grid((left, right), theories)
    ls, rs = stance_units(left), stance_units(right)

    def row(level, measure, count, agreed, value, description):
        rows.append(
            {
                "id": f"{comparison}:{level}:{measure}",
                "comparison": comparison,
                "level": level,
                "measure": measure,
                "units": count,
                "agreed": agreed,
                "value": rounded(value),
                "description": f"{left_name} against {right_name}: {description}",
            }
        )

    def jaccard(level, left_units, right_units, description):
        """Jaccard's index of two sets of units: those both give / those either gives."""
        either, both = set(left_units) | set(right_units), set(left_units) & set(right_units)
        row(level, "jaccard", len(either), len(both), Fraction(len(both), len(either)) if either else None, description)

    def cohen(level, pairs, description):
        """Cohen's kappa of paired readings, and how many pairs agree."""
        row(level, "cohen_kappa", len(pairs), sum(1 for a, b in pairs if a == b), kappa(pairs)[1], description)

    pairs = [(category(ls.get(u)), category(rs.get(u))) for u in units]
    observed, k = kappa(pairs)
    agreed = sum(1 for a, b in pairs if a == b)
    sources = len({s for s, _ in units})
    row(
        "stance",
        "cohen_kappa",
        len(pairs),
        agreed,
        k,
        f"Cohen's kappa on the stance of every (source, theory) pair ({sources} sources x {len(theories)} theories; "
        "category = the set of stances the source's arguments take on the theory or its sub-points, or none).",
    )
    row("stance", "percent_agreement", len(pairs), agreed, observed, "share of the same (source, theory) pairs given the same stance category (none included).")
    both = [(a, b) for a, b in pairs if a != "none" and b != "none"]
    cohen("stance_targeted", both, "Cohen's kappa on the stance category over the (source, theory) pairs both passes target.")
    lt, rt = {u for u in ls}, {u for u in rs}
    jaccard("target", lt, rt, "which sources target which theories: pairs both give / pairs either gives.")
    presence = [(u in lt, u in rt) for u in units]
    cohen("target", presence, "Cohen's kappa on whether each (source, theory) pair is targeted at all.")
    lp, rp = point_units(left), point_units(right)
    jaccard(
        "target_point",
        lp,
        rp,
        "which sources target which theories or sub-points (a sub-point apart from its theory): pairs both give / pairs either gives.",
    )
    lr, rr = relation_units(left), relation_units(right)
    linked = sorted(set(lr) | set(rr))
    jaccard(
        "relation_link",
        lr,
        rr,
        "which (source, earlier source) pairs are linked by any relation between their arguments: pairs both link / pairs either links.",
    )
    typed = [(category(lr.get(u)), category(rr.get(u))) for u in linked]
    cohen(
        "relation_type",
        typed,
        "Cohen's kappa on the set of relation types between the arguments of each linked (source, earlier source) pair (none where a pass has no link).",
    )
    lx = {(*u, t) for u, types in lr.items() for t in types}
    rx = {(*u, t) for u, types in rr.items() for t in types}
    jaccard("relation_type", lx, rx, "(source, earlier source, relation type) triples both give / triples either gives.")
    aligned = align(left.arguments, right.arguments)
    kinds = [(a["kind"], b["kind"]) for a, b in aligned]
    cohen(
        "kind",
        kinds,
        f"Cohen's kappa on the kind of each of the {len(left.arguments)} arguments of the first-named pass, "
        f"aligned with the other pass's argument whose evidence overlaps it most ({len(kinds)} aligned).",
    )
    voices = [(a["voice"], b["voice"]) for a, b in aligned if a["voice"] and b["voice"]]
    if voices:
        cohen("voice", voices, "Cohen's kappa on the voice (own, reported, quoted) of the aligned arguments.")
    return rows


def disagreements(left, right, theories):
    """{(level, source, object): (left reading, right reading)} for every unit the two readings differ on."""
    found = {}
    ls, rs = stance_units(left), stance_units(right)
    for source, theory in grid((left, right), theories):
        a, b = category(ls.get((source, theory))), category(rs.get((source, theory)))
        if a != b:
            found[("stance", source, str(theory))] = (a, b)
    lr, rr = relation_units(left), relation_units(right)
    for source, other in sorted(set(lr) | set(rr)):
        a, b = category(lr.get((source, other))), category(rr.get((source, other)))
        if a != b:
            found[("relation", source, other)] = (a, b)
    return found


def readings(reading, theories):
    """{(level, source, object): reading} of one pass, for every unit (none included)."""
    ls, lr = stance_units(reading), relation_units(reading)
    out = {("stance", s, str(t)): category(v) for (s, t), v in ls.items()}
    out.update({("relation", s, o): category(v) for (s, o), v in lr.items()})
    return out


def adjudications(project, passes, theories):
    """The checked adjudication log, as rows of the adjudications resource."""
    path = project.curation_dir / ADJUDICATION
    name = project.rel(path)
    found = disagreements(passes["first"], passes["second"], theories)
    published = readings(passes["adjudicated"], theories)
    rows, listed = [], {}
    for level, key, obj_field in (("stance", "stance", "theory"), ("relation", "relations", "to_source")):
        for entry in yamlio.records(path, key, ("source", obj_field, "first", "second", "decision", "reason"), name):
            line = entry[yamlio.LINE_KEY]
            unit = (level, str(entry["source"]), str(entry[obj_field]))
            if unit in listed:
                raise BuildError(name, f"{level} {unit[1]} / {unit[2]} is adjudicated twice (also line {listed[unit]})", line=line, field=obj_field)
            listed[unit] = line
            if unit not in found:
                raise BuildError(name, f"{level} {unit[1]} / {unit[2]}: the passes do not disagree there; remove the entry", line=line, field=obj_field)
            first, second = found[unit]
            for field, computed in (("first", first), ("second", second)):
                if str(entry[field]) != computed:
                    raise BuildError(name, f"{level} {unit[1]} / {unit[2]}: the {field} pass reads '{computed}', not '{entry[field]}'", line=line, field=field)
            if entry["decision"] not in DECISIONS:
                raise BuildError(name, f"'{entry['decision']}' is not a decision; expected one of {', '.join(DECISIONS)}", line=line, field="decision")
            now = published.get(unit, "none")
            expected = {"first": now == first, "second": now == second, "neither": now not in (first, second)}[entry["decision"]]
            if not expected:
                raise BuildError(
                    name,
                    f"{level} {unit[1]} / {unit[2]}: decision '{entry['decision']}', but arguments.yml now reads '{now}' (first '{first}', second '{second}')",
                    line=line,
                    field="decision",
                )
            rows.append(
                {
                    "id": f"{level}:{unit[1]}:{unit[2]}",
                    "level": level,
                    "source": unit[1],
                    "object": unit[2],
                    "first_reading": first,
                    "second_reading": second,
                    "adjudicated_reading": now,
                    "decision": entry["decision"],
                    "reason": entry["reason"],
                }
            )
    missing = [u for u in found if u not in listed]
    if missing:
        level, source, obj = missing[0]
        first, second = found[missing[0]]
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise BuildError(
            name,
            f"{level} {source} / {obj}: the passes disagree (first '{first}', second '{second}') but the log has no entry{more}",
            line=yamlio.key_line(path, "stance" if level == "stance" else "relations"),
            field="stance" if level == "stance" else "relations",
        )
    return rows


def tables(raw, parsed, project, descriptor):
    """annotation_agreement and adjudications rows."""
    passes = read_passes(raw, parsed, project, descriptor)
    theories = [t["number"] for t in parsed.theories]
    rows = []
    for (comparison, left_name, right_name), left in zip(COMPARISONS, (passes["first"], passes["adjudicated"])):
        rows += measures(left, passes["second"], theories, comparison, left_name, right_name)
    return {"annotation_agreement": rows, "adjudications": adjudications(project, passes, theories)}


def headline(rows):
    """One line for the build's progress: the inter-annotator figures."""
    by_id = {r["id"]: r["value"] for r in rows}
    return (
        f"first vs second pass: stance kappa {by_id['first-vs-second:stance:cohen_kappa']}, "
        f"targets Jaccard {by_id['first-vs-second:target:jaccard']}, relation types kappa {by_id['first-vs-second:relation_type:cohen_kappa']}"
    )


def report(rows):
    """The agreement table as text, for `longlist agreement`."""
    lines = [f"{'comparison':<22} {'level':<16} {'measure':<18} {'units':>5} {'agreed':>6} {'value':>6}"]
    for r in rows:
        value = "-" if r["value"] is None else f"{r['value']:.3f}"
        lines.append(f"{r['comparison']:<22} {r['level']:<16} {r['measure']:<18} {r['units']:>5} {r['agreed']:>6} {value:>6}")
    return "\n".join(lines)


def run(project):
    """`longlist agreement`: read the source and the three passes, check the adjudication log,
    and return the figures as a table (the same rows the build writes to annotation_agreement)."""
    from scripts.core import schema
    from scripts.pipeline import curation, parse, source

    meta = source.load_source_meta(project)
    raw = source.read_raw(project, meta)
    descriptor = schema.load_descriptor(project)
    parsed = parse.parse(raw, project.rel(project.raw_path), curation.load_boundaries(project), meta["expected"])
    result = tables(raw, parsed, project, descriptor)
    decided = [r["decision"] for r in result["adjudications"]]
    summary = ", ".join(f"{decided.count(d)} {d}" for d in DECISIONS)
    log = project.rel(project.curation_dir / ADJUDICATION)
    return f"{report(result['annotation_agreement'])}\n\n{len(decided)} disagreements between the passes adjudicated ({summary}): {log}"
