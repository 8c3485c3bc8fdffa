"""Contributed rating sets: one small CSV file per set under data/contrib/ratings/.

A contributed file is `<set id>.csv`, UTF-8, with the fixed header `field,value`:

    field,value
    label,Jane Doe
    kind,individual
    date,2024-05-01
    note,Rated with python -m scripts rate
    theory 1,7
    theory 3,9.5

The file name (without .csv) is the set's id, so an id cannot disagree with its file.
`label` is required; `kind` defaults to individual; `date` (YYYY-MM-DD) and `note` are
optional. Each `theory N` row gives a score out of 10; a theory left out was not rated.
CSV rather than YAML because the build reads every file on every run: PyYAML needs about
260 µs per file even with libyaml (13 s for the 50,000 files of a million ratings); reading
and checking a CSV file here takes about 45 µs, with exact line numbers for free.

The rules (id pattern, kinds, score range) are read from datapackage.json, the one place
the schema lives; the theory numbers from the parsed snapshot.
"""

import csv
import datetime
import io
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from scripts.core.errors import BuildError, BuildErrors
from scripts.pipeline.normalize import GROUP_SET_ID

HEADER = ["field", "value"]
SET_FIELDS = ("label", "kind", "date", "note")
THEORY_KEY = re.compile(r"theory [0-9]+\Z")
NUMBER = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\Z")
DEFAULT_KIND = "individual"


@dataclass
class RatingSet:
    id: str
    label: str
    kind: str = DEFAULT_KIND
    date: str | None = None
    note: str | None = None
    scores: dict = field(default_factory=dict)  # theory number -> score out of 10


@dataclass(frozen=True)
class Rules:
    """What a valid rating set is, as datapackage.json and the snapshot define it."""

    id_pattern: re.Pattern
    kinds: tuple
    score_min: float
    score_max: float
    theory_numbers: frozenset

    @classmethod
    def from_package(cls, descriptor, theory_numbers):
        fields = {(resource["name"], f["name"]): f.get("constraints", {}) for resource in descriptor["resources"] for f in resource["schema"]["fields"]}
        score = fields[("ratings", "score")]
        return cls(
            id_pattern=re.compile(fields[("rating_sets", "id")]["pattern"]),
            kinds=tuple(fields[("rating_sets", "kind")]["enum"]),
            score_min=score["minimum"],
            score_max=score["maximum"],
            theory_numbers=frozenset(int(n) for n in theory_numbers),
        )

    def score_problem(self, text):
        """None if `text` is a valid score, else what is wrong with it."""
        if text.isdecimal() and text.isascii() and self.score_min <= int(text) <= self.score_max:
            return None  # the common case, checked without a regular expression
        if not NUMBER.match(text):
            return f"{text!r} is not a number; expected a score from {self.score_range}"
        if not self.score_min <= float(text) <= self.score_max:
            return f"{text} is out of range; expected a score from {self.score_range}"
        return None

    def id_problem(self, set_id):
        if not self.id_pattern.fullmatch(set_id):
            return f"{set_id!r} is not a valid rating set id (lower-case letters, digits and '-', starting with a letter or digit)"
        if set_id == GROUP_SET_ID:
            return f"{set_id!r} is the id of the post's discussion group; choose another"
        return None

    @property
    def score_range(self):
        return f"{format_score(self.score_min)} to {format_score(self.score_max)}"

    @property
    def theory_range(self):
        return f"{min(self.theory_numbers)}-{max(self.theory_numbers)}"


def format_score(value):
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)


def decode_utf8(data, name):
    """Text of a file that must be UTF-8 (a byte order mark is accepted and dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise BuildError(
            name,
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at column {column} cannot be decoded; save the file as UTF-8 (in a spreadsheet: CSV UTF-8)",
            line=line,
        ) from None


# Reading -----------------------------------------------------------------------------


def read_set(path, name, rules):
    """One contributed file -> (RatingSet or None, [BuildError, ...])."""
    set_id = os.path.basename(path)[: -len(".csv")]
    problem = rules.id_problem(set_id)
    if problem:
        return None, [BuildError(name, f"{problem}; the file name is the set's id", field="file name")]
    try:
        with open(path, "rb") as handle:
            text = decode_utf8(handle.read(), name)
    except BuildError as exc:
        return None, [exc]
    return parse_set(set_id, text, name, rules)


def parse_set(set_id, text, name, rules):
    errors, values, lines = [], {}, {}
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header != HEADER:
        return None, [BuildError(name, f"expected the header 'field,value', found {','.join(header or []) or 'an empty file'!r}", line=1)]
    scores = {}
    for cells in reader:
        line = reader.line_num
        if len(cells) != 2:
            if any(c.strip() for c in cells):
                errors.append(BuildError(name, f"expected 2 cells (field,value), found {len(cells)}", line=line))
            continue
        key, value = cells[0].strip(), cells[1].strip()
        if key in lines:
            errors.append(BuildError(name, f"given twice (first on line {lines[key]})", line=line, field=key))
            continue
        lines[key] = line
        if THEORY_KEY.match(key):
            number = int(key[len("theory ") :])
            if number not in rules.theory_numbers:
                errors.append(BuildError(name, f"there is no theory {number}; theories are numbered {rules.theory_range}", line=line, field=key))
            elif problem := rules.score_problem(value):
                errors.append(BuildError(name, problem + " (leave the row out to skip a theory)", line=line, field=key))
            else:
                scores[number] = float(value)
        elif key in SET_FIELDS:
            values[key] = value
        else:
            errors.append(BuildError(name, f"unknown field; expected one of {', '.join(SET_FIELDS)} or 'theory N'", line=line, field=key))
    if not values.get("label"):
        errors.append(BuildError(name, "missing or empty; every rating set needs the rater's name", line=lines.get("label"), field="label"))
    kind = values.get("kind") or DEFAULT_KIND
    if kind not in rules.kinds:
        errors.append(BuildError(name, f"{kind!r} is not a kind; expected one of {', '.join(rules.kinds)}", line=lines["kind"], field="kind"))
    date = values.get("date") or None
    if date and not valid_date(date):
        errors.append(BuildError(name, f"{date!r} is not a date; expected YYYY-MM-DD", line=lines["date"], field="date"))
    if not scores and not errors:
        errors.append(BuildError(name, "no 'theory N' rows; a rating set needs at least one score", field="scores"))
    if errors:
        return None, errors
    return RatingSet(set_id, values["label"], kind, date, values.get("note") or None, scores), []


def valid_date(text):
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def contributed_files(project):
    """Paths of the contributed files, in name order (os.listdir: pathlib's glob and sort
    cost more than reading the files when there are tens of thousands)."""
    folder = project.contrib_ratings_dir
    names = sorted(n for n in os.listdir(folder) if n.endswith(".csv")) if folder.is_dir() else []
    return [os.path.join(folder, n) for n in names]


def load_contributed(project, rules):
    """Every contributed set, checked; all problems in all files are reported together."""
    sets, errors = [], []
    folder = project.rel(project.contrib_ratings_dir)
    for path in contributed_files(project):
        rating_set, problems = read_set(path, f"{folder}/{os.path.basename(path)}", rules)
        errors.extend(problems)
        if rating_set:
            sets.append(rating_set)
    if errors:
        raise BuildErrors(errors)
    return sets


def add_to_tables(tables, sets, project):
    """Add the contributed sets to the rating_sets and ratings rows of the package."""
    folder = project.rel(project.contrib_ratings_dir)
    for s in sets:
        tables["rating_sets"].append({"id": s.id, "kind": s.kind, "label": s.label, "date": s.date, "source": f"{folder}/{s.id}.csv", "note": s.note})
        tables["ratings"].extend(
            {"rating_set_id": s.id, "theory_number": n, "rank": None, "score": score, "remark": None, "start": None, "end": None}
            for n, score in s.scores.items()
        )
    return tables


# Writing -----------------------------------------------------------------------------


def format_set(rating_set):
    """The contributed file's text for a set: metadata first, then the scores by theory number."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for key in SET_FIELDS:
        value = getattr(rating_set, key)
        if value not in (None, ""):
            writer.writerow([key, value])
    for number in sorted(rating_set.scores):
        writer.writerow([f"theory {number}", format_score(rating_set.scores[number])])
    return out.getvalue()


def slug(text):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def new_set_id(label, date, taken):
    """A readable id for a new set, `<name>-<date>`, not among `taken`."""
    base = "-".join(part for part in (slug(label) or "rater", date or "") if part)
    candidate, n = base, 2
    while candidate in taken or candidate == GROUP_SET_ID:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def existing_ids(project):
    return {os.path.basename(path)[: -len(".csv")] for path in contributed_files(project)}


def path_for(project, set_id):
    return project.contrib_ratings_dir / f"{set_id}.csv"


def write_sets(project, sets):
    """Write every set as its own file, all or nothing: nothing is moved into
    data/contrib/ratings/ until every file is written, and an existing file is never replaced."""
    folder = project.contrib_ratings_dir
    folder.mkdir(parents=True, exist_ok=True)
    targets = [path_for(project, s.id) for s in sets]
    clash = [project.rel(t) for t in targets if t.exists()]
    if clash:
        raise BuildError(clash[0], "already exists; a rating set is never overwritten (remove the file first to replace it)")
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=folder))
    moved = []
    try:
        for rating_set, target in zip(sets, targets):
            (staging / target.name).write_text(format_set(rating_set), encoding="utf-8", newline="")
        for target in targets:
            os.replace(staging / target.name, target)
            moved.append(target)
    except BaseException:
        for target in moved:
            target.unlink(missing_ok=True)
        raise
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
    return targets
