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
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from scripts.core import sizes
from scripts.core.constants import GROUP_SET_ID
from scripts.core.errors import BuildError, BuildErrors
from scripts.ratings import gate

HEADER = ["field", "value"]
SET_FIELDS = ("label", "kind", "date", "note")
MULTILINE_FIELDS = ("note",)
# Each value's own limit in bytes (scripts/core/sizes.py); the instance's (MAX_TEXT_BYTES) over all.
FIELD_LIMITS = {"label": sizes.MAX_LABEL_BYTES, "kind": sizes.MAX_LABEL_BYTES, "date": sizes.MAX_LABEL_BYTES, "note": sizes.MAX_NOTE_BYTES}
THEORY_KEY = re.compile(r"theory [0-9]+\Z")
NUMBER = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)\Z")
DEFAULT_KIND = "individual"
# The kind of the post's discussion group (scripts/pipeline/normalize.py): the reading pages take
# the set of this kind as the group's, so no contributed set may claim it.
GROUP_KIND = "group"


@dataclass
class RatingSet:
    id: str
    label: str
    kind: str = DEFAULT_KIND
    date: str | None = None
    note: str | None = None
    scores: dict = field(default_factory=dict)  # theory number -> score out of 10
    lines: dict = field(default_factory=dict, compare=False, repr=False)  # field -> its line in the file, as read


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
            return f"{gate.excerpt(text)} is not a number; expected a score from {self.score_range}"
        if not self.score_min <= float(text) <= self.score_max:
            return f"{text} is out of range; expected a score from {self.score_range}"
        return None

    def id_problem(self, set_id):
        if not self.id_pattern.fullmatch(set_id):
            return f"{gate.excerpt(set_id)} is not a valid rating set id (lower-case letters, digits and '-', starting with a letter or digit)"
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


class OverBudget(Exception):
    """The contributed files together exceed a total of scripts/core/sizes.py."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class Totals:
    """What the contributed files add up to as they are read, against the totals that keep the
    build's time and its outputs bounded (scripts/core/sizes.py)."""

    def __init__(self):
        self.bytes, self.text = 0, 0

    def add_file(self, size, name):
        self.bytes += size
        if self.bytes > sizes.MAX_CONTRIBUTED_TOTAL_BYTES:
            raise OverBudget(
                BuildError(
                    name,
                    f"the contributed files come to {self.bytes:,} bytes with this one; the limit for all of them together is "
                    f"{sizes.MAX_CONTRIBUTED_TOTAL_BYTES:,} (scripts/core/sizes.py); the files after it were not read",
                )
            )

    def add_set(self, rating_set, name):
        for key in ("label", "note"):
            self.text += len((getattr(rating_set, key) or "").encode("utf-8"))
            if self.text > sizes.MAX_CONTRIBUTED_TEXT_BYTES:
                raise OverBudget(
                    BuildError(
                        name,
                        f"the labels and notes of the contributed files come to {self.text:,} bytes with this one; the limit for all of them "
                        f"together is {sizes.MAX_CONTRIBUTED_TEXT_BYTES:,} (scripts/core/sizes.py); the files after it were not read",
                        line=rating_set.lines.get(key),
                        field=key,
                    )
                )


def read_set(path, name, rules, totals=None):
    """One contributed file -> (RatingSet or None, [BuildError, ...]); OverBudget if `totals`
    (a Totals) goes over a limit with it."""
    set_id = os.path.basename(path)[: -len(".csv")]
    problem = rules.id_problem(set_id)
    if problem:
        return None, [BuildError(name, f"{problem}; the file name is the set's id", field="file name")]
    try:
        data = gate.read_regular(path, name, gate.MAX_CONTRIBUTED_BYTES)
        if totals:
            totals.add_file(len(data), name)
        rating_set, problems = parse_set(set_id, decode_utf8(data, name), name, rules)
    except BuildError as exc:
        return None, [exc]
    if totals and rating_set:
        totals.add_set(rating_set, name)
    return rating_set, problems


def parse_set(set_id, text, name, rules):
    """A contributed file's text -> (RatingSet or None, [BuildError, ...]); a file that cannot be
    read as CSV at all raises BuildError."""
    reader = csv.reader(io.StringIO(text, newline=""))  # (a file is at most MAX_CONTRIBUTED_BYTES < MAX_CELL_CHARS)
    try:
        return read_rows(set_id, reader, name, rules)
    except csv.Error as exc:
        raise gate.csv_error(name, exc, reader.line_num) from None


def read_rows(set_id, reader, name, rules):
    errors, values, lines = [], {}, {}
    header = next(reader, None)
    if header != HEADER:
        found = gate.excerpt(",".join(header)) if header else "an empty file"
        return None, [BuildError(name, f"expected the header 'field,value', found {found}", line=1)]
    scores, theory_lines = {}, {}
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
            if number in theory_lines:  # "theory 1" and "theory 01": one theory, two scores
                first_line, first_key = theory_lines[number]
                errors.append(
                    BuildError(
                        name, f"theory {number} is given twice (first on line {first_line} as {first_key!r}); keep one score per theory", line=line, field=key
                    )
                )
                continue
            theory_lines[number] = (line, key)
            if number not in rules.theory_numbers:
                errors.append(BuildError(name, f"there is no theory {number}; theories are numbered {rules.theory_range}", line=line, field=key))
            elif problem := rules.score_problem(value):
                errors.append(BuildError(name, problem + " (leave the row out to skip a theory)", line=line, field=key))
            else:
                scores[number] = float(value)
        elif key in SET_FIELDS:
            problem = gate.text_problem(value, multiline=key in MULTILINE_FIELDS, formula=key in ("label", "note"), limit=FIELD_LIMITS[key])
            if problem:
                errors.append(BuildError(name, problem, line=line, field=key))
            else:
                values[key] = value
        elif problem := gate.control_problem(key):
            errors.append(BuildError(name, f"the field name {problem}", line=line, field=gate.excerpt(key)))
        else:
            shown = key if len(key) <= gate.EXCERPT_CHARS else gate.excerpt(key)
            errors.append(BuildError(name, f"unknown field; expected one of {', '.join(SET_FIELDS)} or 'theory N'", line=line, field=shown))
    if not values.get("label") and "label" not in {e.field for e in errors}:
        errors.append(BuildError(name, "missing or empty; every rating set needs the rater's name", line=lines.get("label"), field="label"))
    kind = values.get("kind") or DEFAULT_KIND
    if kind == GROUP_KIND:
        errors.append(
            BuildError(
                name,
                f"{GROUP_KIND!r} is the kind of the post's discussion group alone (pages read a set of that kind as the post's group); "
                f"a contributed set is {', '.join(k for k in rules.kinds if k != GROUP_KIND)}",
                line=lines["kind"],
                field="kind",
            )
        )
    elif kind not in rules.kinds:
        errors.append(
            BuildError(
                name,
                f"{gate.excerpt(kind)} is not a kind; expected one of {', '.join(k for k in rules.kinds if k != GROUP_KIND)}",
                line=lines["kind"],
                field="kind",
            )
        )
    date = values.get("date") or None
    if date and not valid_date(date):
        errors.append(BuildError(name, f"{gate.excerpt(date)} is not a date; expected YYYY-MM-DD", line=lines["date"], field="date"))
    if not scores and not errors:
        errors.append(BuildError(name, "no 'theory N' rows; a rating set needs at least one score", field="scores"))
    if errors:
        return None, errors
    return RatingSet(set_id, values["label"], kind, date, values.get("note") or None, scores, lines), []


def valid_date(text):
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def scan(project):
    """(paths of the contributed files in name order, [BuildError, ...]). A name ending in .csv in
    another case (.CSV, .Csv) is an error rather than silently left out; other files (README.md)
    and hidden names (an import's staging folder) are not rating files. os.listdir: pathlib's
    glob and sort cost more than reading the files when there are tens of thousands."""
    folder = project.contrib_ratings_dir
    if not folder.is_dir():
        return [], []
    shown = project.rel(folder)
    if problem := folder_problem(project):
        return [], [problem]
    names, errors = [], []
    for name in sorted(os.listdir(folder)):
        if name.endswith(".csv"):
            names.append(name)
        elif name.lower().endswith(".csv") and not name.startswith("."):
            errors.append(BuildError(f"{shown}/{gate.escaped(name)}", f"the extension must be lower-case .csv to be read; rename it to {name[:-4]}.csv"))
    return [os.path.join(folder, n) for n in names], errors


def folder_problem(project):
    """A BuildError if data/contrib/ratings/ (or a folder above it) leads outside the repository
    through a symbolic link; None otherwise. The build refuses to read such a folder and
    import-ratings to write into it."""
    folder = project.contrib_ratings_dir
    if not gate.inside(project.root, folder):  # realpath resolves the links of the part that exists
        return BuildError(
            str(folder.relative_to(project.root)), "leads outside the repository (through a symbolic link); contributed files must live in the repository"
        )
    return None


def contributed_files(project):
    """Paths of the contributed files, in name order."""
    return scan(project)[0]


def load_contributed(project, rules):
    """Every contributed set, checked; all problems in all files are reported together."""
    sets = []
    folder = project.rel(project.contrib_ratings_dir)
    paths, errors = scan(project)
    if len(paths) > sizes.MAX_CONTRIBUTED_FILES:  # before any is read
        raise BuildErrors(
            errors + [BuildError(folder, f"holds {len(paths):,} contributed files; the limit is {sizes.MAX_CONTRIBUTED_FILES:,} (scripts/core/sizes.py)")]
        )
    totals = Totals()
    for path in paths:
        try:
            rating_set, problems = read_set(path, f"{folder}/{gate.escaped(os.path.basename(path))}", rules, totals)
        except OverBudget as over:
            raise BuildErrors(errors + [over.error]) from None
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
    data/contrib/ratings/ until every file is written, an existing file is never replaced, and
    the move is journalled (scripts/core/commit.py), so a killed import leaves none or all."""
    from scripts.core.commit import commit, exclusive

    refused = [  # what the build would refuse is not written (rate, import-ratings)
        BuildError(project.rel(path_for(project, s.id)), problem, field=key)
        for s in sets
        for key in ("label", "note")
        if getattr(s, key) and (problem := gate.text_problem(getattr(s, key), multiline=key in MULTILINE_FIELDS, limit=FIELD_LIMITS[key]))
    ]
    if refused:
        raise BuildErrors(refused)
    folder = project.contrib_ratings_dir
    if problem := folder_problem(project):  # checked before mkdir, which would follow the link
        raise problem
    folder.mkdir(parents=True, exist_ok=True)
    targets = [path_for(project, s.id) for s in sets]
    with exclusive(project, progress=lambda message: None):
        clash = [project.rel(t) for t in targets if t.exists()]
        if clash:
            raise BuildError(clash[0], "already exists; a rating set is never overwritten (remove the file first to replace it)")
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=folder))
        try:
            relatives = [str(target.relative_to(project.root)) for target in targets]
            (staging / folder.relative_to(project.root)).mkdir(parents=True)
            for rating_set, relative in zip(sets, relatives):
                (staging / relative).write_text(format_set(rating_set), encoding="utf-8", newline="")
            commit(project, staging, relatives, kind="import")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return targets
