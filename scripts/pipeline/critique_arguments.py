"""The critique's argument map: data/curation/critique_arguments.yml -> rows of the shared
arguments, argument_targets and argument_relations tables (document_id critique), and
argument_critique_types.

The rules are the longlist map's (scripts/pipeline/arguments.py), with the critique's answers
as sources: every evidence quote occurs exactly once, verbatim, in its answer's own words (its
bullets, never the quotation of the theory), and its span is computed. An independent reading
of the critique (data/curation/readings/critique-2026-12/reading.yml) is read by the same
function, more leniently (any id prefix, critique types optional), for the agreement figures.
"""

from scripts.core import schema, yamlio
from scripts.core.errors import BuildError
from scripts.pipeline import critique as critique_source
from scripts.pipeline.arguments import Pass, target_row
from scripts.pipeline.critique import DOCUMENT_ID
from scripts.pipeline.thread import span_of

MAIN = "critique_arguments.yml"


def load(critique, critique_tables, project, descriptor, first_position, point_ids=(), path=None):
    """The published map (a Pass whose arguments keep their critique types, for the agreement),
    and its argument_critique_types rows. `point_ids`: the list's sub-points; `path`: another
    file of the map (the frozen first map), read by the same rules."""
    path = path or project.curation_dir / MAIN
    reading = read(critique, critique_tables, project, descriptor, path, first_position, prefix="k", strict=True, point_ids=point_ids)
    types = [{"argument_id": a["id"], "critique_type": t} for a in reading.arguments for t in a["critique_types"]]
    return reading, types


def argument_rows(reading):
    """The arguments rows of a reading, in the package's shape (their types are a table of their own)."""
    return [{k: v for k, v in a.items() if k != "critique_types"} for a in reading.arguments]


def read(critique, critique_tables, project, descriptor, path, first_position=1, prefix=None, strict=False, point_ids=()):
    """One reading of the critique's arguments, checked, as a Pass (arguments.py) whose arguments
    carry critique_answer_id and critique_types. strict: the published map (ids `prefix` + two or
    more digits; critique types must be those of the bullet holding the evidence; targets: the
    answer's theory and its sub-points among `point_ids`). An independent reading (not strict)
    may target any theory and any of the list's sub-points (`point_ids`), and may name a
    critique type by its heading as the excerpt writes it."""
    name = project.rel(path)
    text = critique.text
    kinds = schema.vocabulary(descriptor, "arguments", "kind")
    voices = schema.vocabulary(descriptor, "arguments", "voice")
    stances = schema.vocabulary(descriptor, "argument_targets", "stance")
    relations_allowed = schema.vocabulary(descriptor, "argument_relations", "relation")
    type_ids = schema.vocabulary(descriptor, "argument_critique_types", "critique_type")
    answers = {a["id"]: a for a in critique_tables["critique_answers"]}
    bullets = critique_tables["critique_bullets"]
    theories = {str(a["theory_number"]): a["theory_number"] for a in answers.values()}
    points = {a["theory_point_id"]: a["theory_number"] for a in answers.values() if a["theory_point_id"]}
    points.update({point: int(point.split(".")[0]) for point in point_ids})
    # an answer answers its theory or sub-point, and its words may match another sub-point of
    # that theory (an argument on a sub-point targets its theory too)
    targets_of = {
        a["id"]: {a["theory_point_id"] or str(a["theory_number"]), str(a["theory_number"])}
        | ({p for p, n in points.items() if n == a["theory_number"]} if not a["theory_point_id"] else set())
        for a in answers.values()
    }
    type_of_heading = {} if strict else {word: t["id"] for t in critique_source.read_types(project, descriptor, critique) for word in t["words"]}
    arguments, targets, relations, seen = [], [], [], {}

    def fail(message, line, field):
        raise BuildError(name, message, line=line, field=field)

    for entry in yamlio.records(path, "arguments", ("id", "source", "kind", "voice", "summary", "evidence_quote"), name):
        line, arg_id, source = entry[yamlio.LINE_KEY], str(entry["id"]), str(entry["source"])
        if strict and not (arg_id.startswith(prefix) and arg_id[len(prefix) :].isdigit() and len(arg_id) >= len(prefix) + 2):
            fail(f"'{arg_id}' is not an id of this file; expected {prefix} and two or more digits ({prefix}01)", line, "id")
        if arg_id in seen:
            fail(f"'{arg_id}' is used twice; ids are unique and never reused", line, "id")
        answer = answers.get(source)
        if answer is None or answer["start"] is None:
            own = ", ".join(a for a, row in answers.items() if row["start"] is not None)
            fail(f"'{source}' is not an answer with words of its own; expected one of {own}", line, "source")
        if entry["kind"] not in kinds:
            fail(f"'{entry['kind']}' is not a kind; expected one of {', '.join(kinds)}", line, "kind")
        if entry["voice"] not in voices:
            fail(f"'{entry['voice']}' is not a voice; expected one of {', '.join(voices)}", line, "voice")
        quote = str(entry["evidence_quote"])
        span = span_of(text, quote, answer["start"], answer["end"])
        if span is None or "\n" in quote:
            fail(
                f"the evidence quote must occur exactly once, verbatim and on one line, in the own words of answer {source} "
                "(its bullets, not the quoted theory)",
                line,
                "evidence_quote",
            )
        if arguments and span[0] < arguments[-1]["start"]:
            fail(f"{arg_id}'s evidence comes before that of {arguments[-1]['id']}; list the entries in page order", line, "evidence_quote")
        listed_types = entry.get("critique_types") or []
        if isinstance(listed_types, list):
            listed_types = [type_of_heading.get(t, t) for t in listed_types]
        if not isinstance(listed_types, list) or any(t not in type_ids for t in listed_types):
            fail(f"expected a list of critique types from {', '.join(type_ids)}, found {listed_types!r}", line, "critique_types")
        if strict:
            holder = next((b for b in bullets if b["start"] <= span[0] and span[1] <= b["end"]), None)
            if holder is None:
                fail("the evidence quote must lie within one bullet", line, "evidence_quote")
            given = [holder["critique_type"]] if holder["critique_type"] else []
            if sorted(set(listed_types)) != given:
                fail(f"bullet {holder['id']} carries critique type(s) {given or 'none'}, the entry lists {listed_types or 'none'}", line, "critique_types")
        seen[arg_id] = len(arguments)
        arguments.append(
            {
                "id": arg_id,
                "position": first_position + len(arguments),
                "comment_id": None,
                "post_section_id": None,
                "kind": entry["kind"],
                "voice": entry["voice"],
                "summary": entry["summary"],
                "evidence_quote": quote,
                "start": span[0],
                "end": span[1],
                "document_id": DOCUMENT_ID,
                "critique_answer_id": source,
                "critique_types": sorted(set(listed_types)),
            }
        )
        for target in entry.get("targets") or []:
            row = target_row(target, arg_id, theories, points, stances, targets, fail, "is not a theory or sub-point the critique answers")
            if strict and row["target_id"] not in targets_of[source]:
                fail(f"an argument of {source} answers {', '.join(targets_of[source])}, not '{row['target_id']}'", target[yamlio.LINE_KEY], "target")
            targets.append(row)
        for relation in entry.get("relations") or []:
            other = str(relation.get("to"))
            kind = relation.get("relation", relation.get("type"))  # a reading may write either key
            if other not in seen or other == arg_id:
                fail(f"relation to '{other}': expected an earlier argument's id", relation[yamlio.LINE_KEY], "to")
            if kind not in relations_allowed:
                fail(f"'{kind}' is not a relation; expected one of {', '.join(relations_allowed)}", relation[yamlio.LINE_KEY], "relation")
            if any(r["argument_id"] == arg_id and r["target_argument_id"] == other for r in relations):
                fail(f"{arg_id} relates to {other} twice; give each pair one relation", relation[yamlio.LINE_KEY], "to")
            relations.append({"argument_id": arg_id, "target_argument_id": other, "relation": kind})
    if strict:
        covered = {a["critique_answer_id"] for a in arguments}
        missing = [a for a, row in answers.items() if row["start"] is not None and a not in covered]
        if missing:
            raise BuildError(name, f"no argument for answer(s) {', '.join(missing)}; every answer with words of its own needs at least one", field="arguments")
        check_same_critique(name, critique_tables, arguments, relations)
    return Pass(name, arguments, targets, relations)


def check_same_critique(name, critique_tables, arguments, relations):
    """Every "Same critique as N" is a `repeats` relation from the argument that carries it to
    arguments of the answer for theory N, and every `repeats` relation is one."""
    answer_of = {a["id"]: a["critique_answer_id"] for a in arguments}
    stated = {(r["answer_id"], r["target_answer_id"]) for r in critique_tables["critique_references"] if r["kind"] == "same_critique_as"}
    recorded = {(answer_of[r["argument_id"]], answer_of[r["target_argument_id"]]) for r in relations if r["relation"] == "repeats"}
    if stated != recorded:
        missing, extra = sorted(stated - recorded), sorted(recorded - stated)
        raise BuildError(
            name,
            f"'repeats' relations must match the text's \"Same critique as N\": missing {missing or 'none'}, not in the text {extra or 'none'}",
            field="relations",
        )
