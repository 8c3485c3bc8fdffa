"""Agreement between two readings of the argument map, and the adjudication of their disagreements.

Five readings of the map are read under the same evidence rules (scripts/pipeline/arguments.py):
- first_pass.yml: the first annotator's map as released in 0.1.0, frozen;
- second_pass.yml: a second reading made from the raw text and ANNOTATION.md as in 0.1.0, which held
  the first pass's hard calls (so not independent of them);
- arguments.yml: the published map, corrected and adjudicated;
- map_0.2.0.yml: the published map as released in 0.2.0, frozen;
- readings/longlist-thread-2026-12/reading.yml: a pre-registered reading made from the raw text, the
  general rules and its instructions only, adjudicated against the 0.2.0 map in that folder's
  adjudication.yml (every difference: `differences`).

compare_readings gives every figure for two readings; any pair of readings of the same units (the
critique's map and its pre-registered reading too) goes through the same call.

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
reason; the build checks the log against the passes and the published map. A pre-registered
reading's log (every difference of `differences`, decided map, reading or neither) is checked by
`checked_log`, described by a ReadingLog: the longlist reading's here, the critique's in
critique_agreement.py.
"""

from dataclasses import dataclass
from fractions import Fraction

from scripts.core import yamlio
from scripts.core.errors import BuildError
from scripts.pipeline import arguments as argument_map
from scripts.pipeline import reliability

ADJUDICATION = "adjudication.yml"
READING_NAME = "longlist-thread-2026-12"
READING_ADJUDICATION = f"readings/{READING_NAME}/adjudication.yml"
MAP_AT_READING = "map_0.2.0.yml"  # the published map as released in 0.2.0, before the reading was adjudicated
GENERAL_RULES = "guidelines/GENERAL.md"
PROJECT_DECISIONS = "ANNOTATION.md"
COMPARISONS = (
    ("first-vs-second", "first_pass.yml (the 0.1.0 map, made before the second pass)", "second_pass.yml"),
    ("adjudicated-vs-second", "arguments.yml (the published, adjudicated map)", "second_pass.yml"),
)
READING_COMPARISONS = (
    (f"map-0.2.0-vs-{READING_NAME}", "map_0.2.0.yml (the published map as released in 0.2.0)", f"the reading {READING_NAME}"),
    (f"published-vs-{READING_NAME}", "arguments.yml (the published map, adjudicated against the reading)", f"the reading {READING_NAME}"),
)
DECISIONS = ("first", "second", "neither")
NGRAM = 5  # words: the length of a shared run of wording that the overlap check counts


def read_passes(raw, parsed, project, descriptor):
    """{"first", "second", "adjudicated", "map-0.2.0", "reading": Pass}: every reading of the map,
    each checked under the same evidence rules (a broken one fails the build)."""
    read = argument_map.read_pass
    return {
        "first": read(raw, parsed, project, descriptor, argument_map.FIRST_PASS, prefix="a", with_voice=False),
        "second": read(raw, parsed, project, descriptor, argument_map.SECOND_PASS, prefix="b", with_voice=True),
        "adjudicated": read(raw, parsed, project, descriptor, argument_map.MAIN, prefix="a", with_voice=True),
        "map-0.2.0": read(raw, parsed, project, descriptor, MAP_AT_READING, prefix="a", with_voice=True),
        "reading": read(raw, parsed, project, descriptor, argument_map.LONGLIST_READING, prefix="r", with_voice=True, relation_key="type"),
    }


def source_of(argument):
    """The unit an argument is in: its `source` where a reader gives one (another document's
    units), the critique's answer in the critique's map, else its comment or post section."""
    return argument.get("source") or argument.get("critique_answer_id") or argument["comment_id"] or argument["post_section_id"]


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


def measures(left, right, theories, comparison, left_name, right_name, sources=None):
    """The rows of annotation_agreement for one comparison (the measures of 0.2.0); `sources`
    defaults to those with arguments in either reading."""
    rows = []
    units = [(s, t) for s in sources for t in theories] if sources is not None else grid((left, right), theories)
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
                "category": None,
                "ci_low": None,
                "ci_high": None,
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


def compare_readings(left, right, sources, theories, comparison, left_name, right_name, background_texts):
    """Every row of annotation_agreement for two readings of the same text: the measures of 0.2.0
    and, beside them, Krippendorff's alpha (nominal) with a 95 % bootstrap interval, agreement on
    the pairs either reading targets, specific agreement per stance and per relation type, and the
    overlap check of the two readings' own wording.

    `left`, `right`: readings as read by arguments.read_pass (arguments with source, kind, voice,
    summary and evidence span; targets; relations). `sources`: the units annotated (comment or
    section ids, in page order); `theories`: the target numbers. `background_texts`: what both
    annotators had (the raw source, the rules): shared wording found there is not counted."""
    rows = measures(left, right, theories, comparison, left_name, right_name, sources=sources)
    units = [(s, t) for s in sources for t in theories]

    def row(level, measure, count, agreed, value, description, category=None, interval=None):
        suffix = f":{category}" if category else ""
        rows.append(
            {
                "id": f"{comparison}:{level}:{measure}{suffix}",
                "comparison": comparison,
                "level": level,
                "measure": measure,
                "units": count,
                "agreed": agreed,
                "value": rounded(value),
                "description": f"{left_name} against {right_name}: {description}",
                "category": category,
                "ci_low": rounded(interval[0]) if interval else None,
                "ci_high": rounded(interval[1]) if interval else None,
            }
        )

    def krippendorff(level, pairs, description):
        identifier = f"{comparison}:{level}:krippendorff_alpha"
        agreed = sum(1 for a, b in pairs if a == b)
        interval = reliability.alpha_interval(pairs, identifier)
        row(
            level,
            "krippendorff_alpha",
            len(pairs),
            agreed,
            reliability.alpha(pairs),
            f"Krippendorff's alpha (nominal) {description}; ci_low/ci_high: {reliability.CONFIDENCE} % percentile bootstrap "
            f"interval ({reliability.RESAMPLES} resamples of the units, seeded).",
            interval=interval,
        )

    def specific(level, left_sets, right_sets, category, description):
        left_has = [category in a for a in left_sets]
        right_has = [category in b for b in right_sets]
        value, both = reliability.specific_agreement(left_has, right_has)
        either = sum(1 for a, b in zip(left_has, right_has) if a or b)
        row(level, "specific_agreement", either, both, value, description, category=category)

    ls, rs = stance_units(left), stance_units(right)
    pairs = [(category(ls.get(u)), category(rs.get(u))) for u in units]
    krippendorff("stance", pairs, "on the stance category of every (source, theory) pair (none included)")
    targeted = [(a, b) for a, b in pairs if a != "none" and b != "none"]
    krippendorff("stance_targeted", targeted, "on the stance category over the pairs both readings target")
    either = [(a, b) for a, b in pairs if a != "none" or b != "none"]
    row(
        "stance_either_targeted",
        "percent_agreement",
        len(either),
        sum(1 for a, b in either if a == b),
        Fraction(sum(1 for a, b in either if a == b), len(either)) if either else None,
        "share of the (source, theory) pairs either reading targets given the same stance category (the pairs neither targets left out).",
    )
    row(
        "stance_either_targeted",
        "cohen_kappa",
        len(either),
        sum(1 for a, b in either if a == b),
        kappa(either)[1],
        "Cohen's kappa on the stance category over the (source, theory) pairs either reading targets (none where one does not).",
    )
    krippendorff("stance_either_targeted", either, "on the stance category over the pairs either reading targets")
    left_sets = [set(ls.get(u, ())) for u in units]
    right_sets = [set(rs.get(u, ())) for u in units]
    for stance in sorted(set().union(*left_sets, *right_sets)):
        specific(
            "stance",
            left_sets,
            right_sets,
            stance,
            f"specific agreement on '{stance}': 2 x (source, theory) pairs both give it / (pairs the first gives it + pairs the second gives it); "
            "units = pairs either gives it.",
        )
    lt, rt = set(ls), set(rs)
    krippendorff("target", [(u in lt, u in rt) for u in units], "on whether each (source, theory) pair is targeted at all")
    lr, rr = relation_units(left), relation_units(right)
    linked = sorted(set(lr) | set(rr))
    krippendorff(
        "relation_type",
        [(category(lr.get(u)), category(rr.get(u))) for u in linked],
        "on the set of relation types of each linked (source, earlier source) pair",
    )
    left_types = [set(lr.get(u, ())) for u in linked]
    right_types = [set(rr.get(u, ())) for u in linked]
    for relation in sorted(set().union(*left_types, *right_types)):
        specific(
            "relation_type",
            left_types,
            right_types,
            relation,
            f"specific agreement on '{relation}' over the linked (source, earlier source) pairs: 2 x pairs both give it / "
            "(pairs the first gives it + pairs the second gives it); units = pairs either gives it.",
        )
    aligned = align(left.arguments, right.arguments)
    krippendorff("kind", [(a["kind"], b["kind"]) for a, b in aligned], "on the kind of the aligned arguments")
    voices = [(a["voice"], b["voice"]) for a, b in aligned if a["voice"] and b["voice"]]
    if voices:
        krippendorff("voice", voices, "on the voice of the aligned arguments")
    background = set().union(*(reliability.ngrams(text, NGRAM) for text in background_texts))
    matched = {(a["id"], b["id"]) for a, b in aligned}
    others = [(a, b) for a in left.arguments for b in right.arguments if (a["id"], b["id"]) not in matched]
    # each summary's runs of words the background does not explain, once per argument (thousands of pairs)
    wording = {id(a): reliability.ngrams(a["summary"], NGRAM) - background for a in left.arguments + right.arguments}
    for measure, group, what in (
        ("shared_ngram_aligned", aligned, "aligned argument pairs (the same passage read by both)"),
        ("shared_ngram_other", others, "all other pairs of one argument of each reading"),
    ):
        sharing = sum(1 for a, b in group if not wording[id(a)].isdisjoint(wording[id(b)]))
        row(
            "summary_wording",
            measure,
            len(group),
            sharing,
            Fraction(sharing, len(group)) if group else None,
            f"independence check: share of {what} whose summaries share a run of {NGRAM} words found in neither the raw source "
            "nor the rules the annotators had (wording copied from one reading to the other would show here, not on other pairs).",
        )
    return rows


def differences(left, right, theories):
    """{(level, source, object): (left reading, right reading)} for everything two readings can
    differ on: stance and relation units (as `disagreements`), sub-point targets, the kind and
    voice of aligned arguments (object "left id/right id", aligned either way), and arguments
    whose evidence overlaps nothing of the other reading (object the argument's id)."""
    found = disagreements(left, right, theories)
    lp, rp = sub_point_units(left), sub_point_units(right)
    for unit in sorted(set(lp) | set(rp)):
        a, b = category(lp.get(unit)), category(rp.get(unit))
        if a != b:
            found[("target_point", *unit)] = (a, b)
    pairs = {(a["id"], b["id"]): (a, b) for a, b in align(left.arguments, right.arguments)}
    pairs.update({(a["id"], b["id"]): (a, b) for b, a in align(right.arguments, left.arguments)})
    for (left_id, right_id), (a, b) in sorted(pairs.items()):
        for level in ("kind", "voice"):
            if a[level] and b[level] and a[level] != b[level]:
                found[(level, source_of(a), f"{left_id}/{right_id}")] = (a[level], b[level])
    for this, other, present in ((left, right, ("present", "absent")), (right, left, ("absent", "present"))):
        for a in this.arguments:
            if counterpart(a, other.arguments) is None:
                found[("unmatched", source_of(a), a["id"])] = present
    return found


def sub_point_units(reading):
    """{(source, sub-point id): set of stances}: targets at the level of sub-points only."""
    units = {}
    source = {a["id"]: source_of(a) for a in reading.arguments}
    for t in reading.targets:
        if t["theory_point_id"]:
            units.setdefault((source[t["argument_id"]], t["theory_point_id"]), set()).add(t["stance"])
    return units


def counterpart(argument, others):
    """The first argument of `others` in the same source whose evidence overlaps this one's, or None."""
    for other in others:
        if source_of(other) == source_of(argument) and min(argument["end"], other["end"]) > max(argument["start"], other["start"]):
            return other
    return None


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
                    "comparison": "first-vs-second",
                    "map_changed": now != first,
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


READING_DECISIONS = {"map": "first", "reading": "second", "neither": "neither"}


def published_readings(published, theories):
    """{(level, source, object): reading} of the published map, for the units `differences` names."""
    out = readings(published, theories)
    out.update({("target_point", s, p): category(v) for (s, p), v in sub_point_units(published).items()})
    return out


def published_reading(unit, published, values, other_arguments):
    """How the published map reads one unit of `differences` now."""
    level, _, obj = unit
    if level in ("kind", "voice"):
        argument = next((a for a in published.arguments if a["id"] == obj.split("/")[0]), None)
        return argument[level] if argument else "none"
    if level == "unmatched":
        if any(a["id"] == obj for a in published.arguments):
            return "present"
        argument = other_arguments.get(obj)
        return "present" if argument and counterpart(argument, published.arguments) else "absent"
    return values.get(unit, "none")


@dataclass(frozen=True)
class ReadingLog:
    """A pre-registered reading's adjudication log: where it is and what its rows and messages
    call things."""

    path: str  # relative to data/curation
    name: str  # the reading's name, the prefix of its rows' ids
    comparison: str  # the comparison the log settles: the frozen map against the reading
    published: str  # the published map's file
    frozen: str  # the frozen map, as messages name it


LONGLIST_LOG = ReadingLog(READING_ADJUDICATION, READING_NAME, READING_COMPARISONS[0][0], argument_map.MAIN, "the 0.2.0 map")


def reading_adjudications(project, passes, theories):
    """The checked log of every difference between the map as released in 0.2.0 and the
    pre-registered reading, as rows of the adjudications resource."""
    published = passes["adjudicated"]
    values = published_readings(published, theories)
    reading_arguments = {a["id"]: a for a in passes["reading"].arguments}
    found = differences(passes["map-0.2.0"], passes["reading"], theories)
    return checked_log(project, LONGLIST_LOG, found, lambda unit: published_reading(unit, published, values, reading_arguments))


def checked_log(project, log, found, reads_now):
    """The rows of a reading's adjudication log, checked: it lists every unit of `found`
    ({(level, source, object): (frozen map's reading, the reading's)}) once, with both readings
    as computed, and the published map reads each unit as its decision and map_changed say
    (`reads_now(unit)`: the published map's reading of the unit)."""
    path = project.curation_dir / log.path
    name = project.rel(path)
    rows, listed = [], {}
    for entry in yamlio.records(path, "differences", ("level", "source", "object", "map", "reading", "decision", "map_changed", "reason"), name):
        line = entry[yamlio.LINE_KEY]
        unit = (str(entry["level"]), str(entry["source"]), str(entry["object"]))
        where = f"{unit[0]} {unit[1]} / {unit[2]}"
        if unit in listed:
            raise BuildError(name, f"{where} is adjudicated twice (also line {listed[unit]})", line=line, field="object")
        listed[unit] = line
        if unit not in found:
            raise BuildError(name, f"{where}: the map and the reading do not differ there; remove the entry", line=line, field="object")
        for field, computed in zip(("map", "reading"), found[unit]):
            if str(entry[field]) != computed:
                raise BuildError(name, f"{where}: the {field} reads '{computed}', not '{entry[field]}'", line=line, field=field)
        if entry["decision"] not in READING_DECISIONS:
            raise BuildError(name, f"'{entry['decision']}' is not a decision; expected one of {', '.join(READING_DECISIONS)}", line=line, field="decision")
        before, after = found[unit]
        now = reads_now(unit)
        expected = {"map": now == before, "reading": now == after, "neither": now not in (before, after)}[entry["decision"]]
        if not expected:
            raise BuildError(
                name,
                f"{where}: decision '{entry['decision']}', but {log.published} now reads '{now}' (map '{before}', reading '{after}')",
                line=line,
                field="decision",
            )
        if entry["map_changed"] is not (now != before):
            changed = str(now != before).lower()
            raise BuildError(
                name, f"{where}: map_changed is {changed} ({log.published} reads '{now}', {log.frozen} '{before}')", line=line, field="map_changed"
            )
        rows.append(
            {
                "id": f"{log.name}:{unit[0]}:{unit[1]}:{unit[2]}",
                "level": unit[0],
                "source": unit[1],
                "object": unit[2],
                "first_reading": before,
                "second_reading": after,
                "adjudicated_reading": now,
                "decision": READING_DECISIONS[entry["decision"]],
                "reason": entry["reason"],
                "comparison": log.comparison,
                "map_changed": now != before,
            }
        )
    missing = [u for u in found if u not in listed]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        level, source, obj = missing[0]
        before, after = found[missing[0]]
        raise BuildError(
            name,
            f"{level} {source} / {obj}: the map and the reading differ (map '{before}', reading '{after}') but the log has no entry{more}",
            line=yamlio.key_line(path, "differences"),
            field="differences",
        )
    return rows


def background(project, raw, with_decisions):
    """The texts an annotator had besides its own reading: the raw source and the general rules
    (and the project's decisions, which the second pass was given)."""
    names = (GENERAL_RULES, PROJECT_DECISIONS) if with_decisions else (GENERAL_RULES,)
    return [raw] + [(project.curation_dir / n).read_text(encoding="utf-8") for n in names]


def tables(raw, parsed, project, descriptor):
    """annotation_agreement and adjudications rows."""
    passes = read_passes(raw, parsed, project, descriptor)
    theories = [t["number"] for t in parsed.theories]
    sources = [s["id"] for s in parsed.post_sections if any(a["post_section_id"] == s["id"] for a in passes["adjudicated"].arguments)]
    sources += [c["id"] for c in parsed.comments]
    rows = []
    for (comparison, left_name, right_name), left in zip(COMPARISONS, (passes["first"], passes["adjudicated"])):
        rows += compare_readings(left, passes["second"], sources, theories, comparison, left_name, right_name, background(project, raw, True))
    for (comparison, left_name, right_name), left in zip(READING_COMPARISONS, (passes["map-0.2.0"], passes["adjudicated"])):
        rows += compare_readings(left, passes["reading"], sources, theories, comparison, left_name, right_name, background(project, raw, False))
    logged = adjudications(project, passes, theories) + reading_adjudications(project, passes, theories)
    return {"annotation_agreement": rows, "adjudications": logged}


def headline(rows):
    """One line for the build's progress: the figure to quote (the 0.2.0 map against the
    pre-registered reading) and the first-vs-second figure of 0.2.0."""
    by_id = {r["id"]: r for r in rows}
    quoted = by_id[f"{READING_COMPARISONS[0][0]}:stance:krippendorff_alpha"]
    return (
        f"0.2.0 map vs pre-registered reading: stance alpha {quoted['value']} [{quoted['ci_low']}, {quoted['ci_high']}]; "
        f"first vs second pass: stance kappa {by_id['first-vs-second:stance:cohen_kappa']['value']}"
    )


def report(rows):
    """The agreement table as text, for `longlist agreement`."""
    lines = [f"{'comparison':<38} {'level':<22} {'measure':<20} {'category':<15} {'units':>5} {'agreed':>6} {'value':>6}  95 % interval"]
    for r in rows:
        value = "-" if r["value"] is None else f"{r['value']:.3f}"
        interval = f"  [{r['ci_low']:.3f}, {r['ci_high']:.3f}]" if r["ci_low"] is not None else ""
        lines.append(
            f"{r['comparison']:<38} {r['level']:<22} {r['measure']:<20} {r['category'] or '':<15} {r['units']:>5} {r['agreed']:>6} {value:>6}{interval}"
        )
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
    lines = [report(result["annotation_agreement"]), ""]
    lines += log_summary(
        result["adjudications"], "first-vs-second", "disagreements between the passes adjudicated", project.rel(project.curation_dir / ADJUDICATION)
    )
    lines += log_summary(
        result["adjudications"],
        READING_COMPARISONS[0][0],
        f"differences between the 0.2.0 map and the reading {READING_NAME} adjudicated",
        project.rel(project.curation_dir / READING_ADJUDICATION),
    )
    return "\n".join(lines)


def log_summary(adjudicated, comparison, what, where):
    """Lines for `longlist agreement`: how one log decided, and, for a reading's log, by level."""
    logged = [r for r in adjudicated if r["comparison"] == comparison]
    decided = [r["decision"] for r in logged]
    # a reading's log names its sides as its file does: map (the frozen map) and reading
    names = dict(zip(DECISIONS, DECISIONS if comparison == "first-vs-second" else READING_DECISIONS))
    summary = ", ".join(f"{decided.count(d)} {names[d]}" for d in DECISIONS)
    changed = sum(1 for r in logged if r["map_changed"])
    lines = [f"{len(decided)} {what} ({summary}; the published map changed on {changed}): {where}"]
    if comparison != "first-vs-second":
        counts = []
        for level in sorted({r["level"] for r in logged}):
            at_level = [r for r in logged if r["level"] == level]
            counts.append(f"{level} {len(at_level)} ({sum(1 for r in at_level if r['map_changed'])} changed)")
        lines.append("  by level: " + ", ".join(counts))
    return lines
