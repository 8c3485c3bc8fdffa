"""`import-ratings FILE`: a CSV export of a rating spreadsheet -> one contributed file per rater.

Three layouts are read, told apart by the header and the first column:
- wide: one row per rater, one column per theory. Theory columns are headed by the theory's
  number, its title, or both, as a person would type them ("3", "#3", "Theory 3",
  "3. Auditing", "auditing", "Eliciting Latent Knowledge", "ELK"); one column names the rater
  ("rater" or "name"), and optional "date" and "note" columns go with each row.
- transposed: one row per theory, one column per rater. The first column (headed "theory",
  "#" or nothing; a second one may hold the title) names the theory; each other column is
  headed by a rater's name; optional rows headed "date" and "note" give each rater's.
- long: one row per score, with the columns rater, theory (number or title) and score,
  and optional date and note.

Theories. A heading with a number is that theory whatever words follow it (an abbreviation,
a paraphrase, an acronym), unless the words clearly name another theory and cannot be read
as a shortening of its own title ("3. Auditing for deception" is a conflict; "4. Auditing"
is theory 4). A heading without a number must match a title: the whole title, a title
followed by more words, a title cut short by at most half, or a title's acronym.

Scores. A number from 0 to 10 ("7", "7.5"); also "7/10", and a decimal comma ("7,5") in a
file separated by semicolons or tabs, where it cannot be a separator. Anything else is an
error, never a guess; every value read other than as typed is listed in the preview.

All or nothing: every problem in the file (header and rows alike) is listed with its line,
column, value and what was expected, and nothing is written unless there is none. Before
writing, a preview says which layout was read, each rater with the number of scores, and
every value interpreted; the files are written when the user confirms (or with --yes).
"""

import csv
import datetime
import io
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scripts.core.errors import BuildError, BuildErrors
from scripts.core.schema import load_descriptor
from scripts.ratings import contributed, gate

RATER_HEADERS = {"rater", "name", "your name", "rater name", "who"}
DATE_HEADERS = {"date", "timestamp"}
NOTE_HEADERS = {"note", "notes", "comment", "comments"}
THEORY_HEADERS = {"theory", "theory number", "theory of impact"}
SCORE_HEADERS = {"score", "rating", "score out of 10"}
# The first columns of the transposed layout: what names the theory of each row.
TRANSPOSED_LABEL_HEADERS = {"", "theory", "theories", "theory of impact", "theories of impact", "toi", "number", "no", "n", "title"}
# A heading that starts with a theory's number. Every quantifier is possessive (nothing is given
# back), so a match takes time linear in the heading: the backtracking form took 65 s on a
# heading of "(" and 2,000 spaces. After the number: punctuation, or at least one space (the
# lookbehind), or the end.
NUMBERED = re.compile(r"\(?+\s*+(?:theory|toi|no\.?+|number)?+\s*+#?+\s*+(\d++)\s*+(?:[.):\-–—]++\s*+|(?<=\s)|$)(.*+)", re.IGNORECASE | re.DOTALL)
# A theory heading is a number and a title at most; a longer cell is refused before any matching.
MAX_HEADING_CHARS = 300
# Words that say nothing about which theory a heading means.
STOPWORDS = {"a", "an", "the", "of", "on", "in", "for", "to", "and", "or", "with", "by", "vs", "via"}
LAYOUTS = {
    "wide": "the wide layout (one row per rater, one column per theory)",
    "transposed": "the transposed layout (one row per theory, one column per rater)",
    "long": "the long layout (one row per score: rater, theory, score)",
}
PLAIN_NUMBER = re.compile(r"-?+(?:[0-9]++(?:\.[0-9]*+)?+|\.[0-9]++)")
DECIMAL_COMMA = re.compile(r"[0-9]++,[0-9]++")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T].*+)?+")
SCALE = re.compile(r"[0-9]++(?:[.,][0-9]++)?+")


def words(text):
    """Text as compared with a title: lower case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def word_matches(typed, word):
    """A typed word is a title word, its start ("coord", "mult") or a form of it ("predictions")."""
    if typed == word:
        return True
    if len(typed) >= 3 and word.startswith(typed):
        return True
    return len(os.path.commonprefix([typed, word])) >= 5


def acronyms(title_words):
    """The initials of a title, with and without its small words: 'elk', 'mai', 'itlf'."""
    every = "".join(w[0] for w in title_words)
    significant = "".join(w[0] for w in title_words if w not in STOPWORDS)
    return {every, significant}


@dataclass
class Found:
    number: int | None
    problem: str | None = None
    note: str | None = None  # how a heading that is not simply a number or a title was read
    conflict: bool = False  # a number and a title that name two theories


class TheoryNames:
    """Finds the theory a header cell (or a long layout's theory cell) names."""

    def __init__(self, theories):
        self.titles = {int(t["number"]): t["title"] for t in theories}
        self.words = {number: words(title) for number, title in self.titles.items()}
        self.acronyms = {number: acronyms(title.split()) for number, title in self.words.items() if len(title.split()) >= 2}

    @property
    def expected(self):
        return f'expected a theory\'s number ({min(self.titles)}-{max(self.titles)}), its title, or both, such as "3", "3. Auditing" or "Auditing"'

    def acronym_of(self, typed):
        """The one theory whose title's initials `typed` is (three letters at least), or None."""
        if " " in typed or len(typed) < 3 or not typed.isalpha():
            return None
        found = [n for n, initials in self.acronyms.items() if typed in initials]
        return found[0] if len(found) == 1 else None

    def by_title(self, text):
        return self.match_title(text)[:2]

    def match_title(self, text):
        """(number, why not, note) for text that should name a theory by its title."""
        typed = words(text)
        if not typed:
            return None, "is empty", None
        exact = [n for n, title in self.words.items() if typed == title]
        if exact:
            return exact[0], None, None
        # "Title: description" - the longest title the text starts with
        starts = sorted((n for n, title in self.words.items() if typed.startswith(title + " ")), key=lambda n: -len(self.words[n]))
        if starts:
            return starts[0], None, None
        # a title cut short, by at most half ("Microscope", "Eliciting Latent Knowledge")
        shortened = [n for n, title in self.words.items() if title.startswith(typed) and 2 * len(typed) >= len(title)]
        if len(shortened) == 1:
            return shortened[0], None, f"a shortened title of theory {shortened[0]} ({self.titles[shortened[0]]!r})"
        if shortened:
            return None, f"{text.strip()!r} could be theory {', '.join(map(str, shortened))}; type more of the title or the number", None
        acronym = self.acronym_of(typed)
        if acronym:
            return acronym, None, f"the initials of theory {acronym} ({self.titles[acronym]!r})"
        return None, f"{text.strip()!r} names no theory by number or title; {self.expected}", None

    def could_shorten(self, text, number):
        """Whether `text` can be read as theory `number`'s title shortened or paraphrased:
        every word in it is one of the title's words (or its start), or it is the initials."""
        typed = [w for w in words(text).split() if w not in STOPWORDS]
        title = self.words[number].split()
        if len(typed) == 1 and typed[0] in self.acronyms.get(number, ()):
            return True
        return bool(typed) and all(any(word_matches(w, t) for t in title) for w in typed)

    def match(self, text):
        """Found(number, problem, note) for a cell that names a theory by number, title or both."""
        if len(text.strip()) > MAX_HEADING_CHARS:
            return Found(None, f"{gate.excerpt(text.strip())} is too long to name a theory (at most {MAX_HEADING_CHARS} characters); {self.expected}")
        numbered = NUMBERED.fullmatch(text.strip())
        if not numbered:
            return Found(*self.match_title(text))
        number, rest = int(numbered.group(1)), numbered.group(2).strip()
        if number not in self.titles:
            return Found(None, f"there is no theory {number} ({text.strip()!r}); theories are numbered {min(self.titles)}-{max(self.titles)}")
        if not rest:
            return Found(number)
        other, _, _ = self.match_title(rest)
        if other == number:
            return Found(number)
        if other is not None and not self.could_shorten(rest, number):
            return Found(
                None,
                f"{text.strip()!r} says theory {number} ({self.titles[number]!r}) but the title is theory {other}'s ({self.titles[other]!r}); "
                "expected the number and the title of one theory",
                conflict=True,
            )
        return Found(number, note=f"theory {number} by its number; {rest!r} taken as a short form of its title {self.titles[number]!r}")

    def find(self, text):
        """(number, None) or (None, why not)."""
        found = self.match(text)
        return found.number, found.problem


def column_letter(index):
    """0 -> A, 25 -> Z, 26 -> AA: as a spreadsheet names its columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_name(index, header):
    shown = header if len(header) <= gate.EXCERPT_CHARS else header[: gate.EXCERPT_CHARS] + "…"
    return f'column {column_letter(index)} "{gate.escaped(shown)}"'


def score_out_of(typed):
    """(score, scale) of "7/10" or "7 / 10", or None. Split at the last "/" (a scale holds
    none) rather than matched by a pattern: a lazy group before a run of spaces backtracks."""
    head, slash, scale = typed.rpartition("/")
    if not slash or not SCALE.fullmatch(scale.strip()):
        return None
    return head.rstrip(), scale.strip()


def iso_date(text):
    """YYYY-MM-DD from 'YYYY-MM-DD' or an ISO date and time; None if it is not one."""
    text = text.strip()
    try:
        return datetime.date.fromisoformat(text[:10]).isoformat() if ISO_DATE.fullmatch(text) else None
    except ValueError:
        return None


@dataclass
class Interpreted:
    """A value read other than as typed, for the preview."""

    line: int
    where: str
    value: str
    meaning: str

    def __str__(self):
        return f"line {self.line}, {self.where}: {self.value!r} read as {self.meaning}"


@dataclass
class Reading:
    """What an export holds: the sets to write and how the file was read."""

    name: str
    layout: str
    sets: list
    interpreted: list = field(default_factory=list)
    spellings: dict = field(default_factory=dict)  # kind of spelling -> how many


class Export:
    """One CSV export read into rating sets, collecting every problem on the way."""

    def __init__(self, text, name, theories, rules):
        self.name, self.rules = name, rules
        self.names = TheoryNames(theories)
        self.errors = []
        self.interpreted = []
        self.spellings = {}
        self.layout = None
        self.delimiter = ","
        self.rows = list(self.records(text))

    def problem(self, message, line=None, field=None):
        self.errors.append(BuildError(self.name, message, line=line, field=field))

    def records(self, text):
        """(line, cells) for every non-empty row; line is where the row starts."""
        first_line = text.split("\n", 1)[0]
        self.delimiter = max(",;\t", key=first_line.count) if first_line else ","
        reader = gate.CsvReader(io.StringIO(text, newline=""), self.name, delimiter=self.delimiter)
        line = 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, [cell.strip() for cell in cells]
            line = reader.line_num + 1

    # Values ---------------------------------------------------------------------------

    def theory(self, text, line, where):
        """The theory a cell names, or None (the problem is recorded)."""
        found = self.names.match(text)
        if found.problem:
            self.problem(found.problem, line=line, field=where)
        elif found.note:
            self.interpreted.append(Interpreted(line, where, text, found.note))
        return found.number

    def score(self, text, line, where):
        """The score a cell holds, or None (the problem is recorded)."""
        typed, spelled = text.strip(), []
        out_of = score_out_of(typed)
        if out_of:
            typed, scale = out_of
            if scale != "10":
                self.problem(f"{text!r} is a score out of {scale}; expected a score out of 10 (such as 7 or 7/10)", line=line, field=where)
                return None
            spelled.append("a score out of 10")
        if "," in typed and DECIMAL_COMMA.fullmatch(typed):
            if self.delimiter == ",":
                self.problem(
                    f"{text!r}: a decimal comma is ambiguous in a comma-separated file; expected a decimal point ({typed.replace(',', '.')}) "
                    "or a file separated by semicolons",
                    line=line,
                    field=where,
                )
                return None
            typed = typed.replace(",", ".")
            spelled.append("a decimal comma")
        if not PLAIN_NUMBER.fullmatch(typed):
            self.problem(f"{text!r} is not a number; expected a score from {self.rules.score_range} (such as 7, 7.5 or 7/10)", line=line, field=where)
            return None
        if problem := self.rules.score_problem(typed):
            self.problem(problem if typed == text else f"{text!r}: {problem}", line=line, field=where)
            return None
        value = float(typed)
        if spelled:
            self.interpreted.append(Interpreted(line, where, text, f"{contributed.format_score(value)} ({', '.join(spelled)})"))
            for kind in spelled:
                self.spellings[kind] = self.spellings.get(kind, 0) + 1
        return value

    # Layouts --------------------------------------------------------------------------

    def read(self):
        if not self.rows:
            self.problem("the file is empty; expected a header row and one row per rater (wide), per theory (transposed) or per score (long)", line=1)
            return []
        (self.header_line, header), body = self.rows[0], self.rows[1:]
        kinds = [words(cell) for cell in header]
        if any(k in THEORY_HEADERS for k in kinds) and any(k in SCORE_HEADERS for k in kinds):
            self.layout = "long"
            sets = self.read_long(header, kinds, body)
        elif self.is_transposed(kinds, body):
            self.layout = "transposed"
            sets = self.read_transposed(header, kinds, body)
        else:
            self.layout = "wide"
            sets = self.read_wide(header, kinds, body)
        if not body and not self.errors:
            self.problem("no ratings: the file has a header but no rows", line=self.header_line + 1)
        return [rater for rater in sets if rater["label"]]

    def label_columns(self, kinds):
        """The transposed layout's first columns, which name each row's theory (one or two)."""
        count = 0
        while count < min(2, len(kinds) - 1) and kinds[count] in TRANSPOSED_LABEL_HEADERS:
            count += 1
        return list(range(count))

    def row_label(self, cells, columns):
        return ". ".join(cells[i] for i in columns if i < len(cells) and cells[i])

    def is_transposed(self, kinds, body):
        """No rater column, and the first column names theories row by row."""
        if any(k in RATER_HEADERS for k in kinds):
            return False
        columns = self.label_columns(kinds)
        if not columns:
            return False
        labels = [self.row_label(cells, columns) for _, cells in body]
        labels = [label for label in labels if words(label) not in DATE_HEADERS | NOTE_HEADERS]
        named = sum(1 for label in labels if self.names.match(label).number is not None)
        return named > 0 and 2 * named >= len(labels)

    def special_columns(self, header, kinds, required):
        columns = {}
        for role, names in (("rater", RATER_HEADERS), ("date", DATE_HEADERS), ("note", NOTE_HEADERS), ("theory", THEORY_HEADERS), ("score", SCORE_HEADERS)):
            found = [i for i, k in enumerate(kinds) if k in names]
            if len(found) > 1:
                self.problem(
                    f"{len(found)} columns could hold the {role}: {', '.join(column_name(i, header[i]) for i in found)}; keep one", line=self.header_line
                )
            if found:
                columns[role] = found[0]
            elif role in required:
                self.problem(f"no {role} column; expected one headed {' or '.join(sorted(names)[:3])}", line=self.header_line)
        return columns

    def cells_of(self, line, cells, width):
        if len(cells) > width and any(cells[width:]):
            self.problem(f"the row has {len(cells)} cells but the header only {width}; expected one cell per column", line=line)
        return cells + [""] * (width - len(cells))

    def read_wide(self, header, kinds, body):
        columns = self.special_columns(header, kinds, ("rater",))
        theory_columns = {}
        for i, cell in enumerate(header):
            if i in columns.values():
                continue
            where = column_name(i, cell)
            found = self.names.match(cell)
            if found.problem:
                also = "" if found.conflict else "; every column must be a theory, the rater, a date or a note"
                self.problem(found.problem + also, line=self.header_line, field=where)
            elif found.number in theory_columns.values():
                first = next(j for j, n in theory_columns.items() if n == found.number)
                self.problem(
                    f"{cell!r} is theory {found.number}, which has a column already ({column_name(first, header[first])}); expected one column per theory",
                    line=self.header_line,
                    field=where,
                )
            else:
                if found.note:
                    self.interpreted.append(Interpreted(self.header_line, where, cell, found.note))
                theory_columns[i] = found.number
        if "rater" not in columns:
            return []  # the rows cannot be told apart; the header's problems are listed
        raters = Raters(self)
        for line, cells in body:
            cells = self.cells_of(line, cells, len(header))
            rater = raters.get(line, cells, columns, header, one_row=True)
            filled = [i for i in theory_columns if cells[i]]
            if rater["label"] and not any(cells[i] for i in range(len(header)) if i not in columns.values()):
                self.problem(f"rater {rater['label']!r} has no scores; expected at least one score, or remove the row", line=line)
            for i in filled:
                raters.score(rater, line, theory_columns[i], cells[i], column_name(i, header[i]))
        return raters.sets()

    def read_transposed(self, header, kinds, body):
        label_columns = self.label_columns(kinds)
        raters = Raters(self)
        rater_of = {}  # column -> rater
        for i in range(len(label_columns), len(header)):
            name, where = header[i], column_name(i, header[i])
            if not name:
                if any(i < len(cells) and cells[i] for _, cells in body):
                    self.problem("the column has scores but no rater's name in its header; expected the rater's name", line=self.header_line, field=where)
                continue
            if name in raters.by_label:
                first = raters.by_label[name]["column"]
                self.problem(f"rater {name!r} is listed twice (first in column {first}); expected one column per rater", line=self.header_line, field=where)
                continue
            rater_of[i] = raters.new(name, column=column_letter(i))
        theory_lines = {}
        for line, cells in body:
            cells = self.cells_of(line, cells, len(header))
            label = self.row_label(cells, label_columns)
            where = column_name(0, header[0])
            role = "date" if words(label) in DATE_HEADERS else "note" if words(label) in NOTE_HEADERS else None
            if role:
                for i, rater in rater_of.items():
                    if cells[i]:
                        raters.set_value(rater, role, cells[i], line, column_name(i, header[i]))
                continue
            number = self.theory(label, line, where)
            if number is None:
                continue
            if number in theory_lines:
                self.problem(
                    f"{label!r} is theory {number}, which has a row already (line {theory_lines[number]}); expected one row per theory", line=line, field=where
                )
                continue
            theory_lines[number] = line
            for i, rater in rater_of.items():
                if cells[i]:
                    rater["lines"].append(line)
                    raters.score(rater, line, number, cells[i], column_name(i, header[i]))
        for rater in rater_of.values():
            if not rater["score_lines"]:
                self.problem(
                    f"rater {rater['label']!r} (column {rater['column']}) has no scores; expected at least one, or remove the column", line=self.header_line
                )
        return raters.sets()

    def read_long(self, header, kinds, body):
        columns = self.special_columns(header, kinds, ("rater", "theory", "score"))
        for i, kind in enumerate(kinds):
            if i not in columns.values():
                self.problem(
                    f"{header[i]!r} is not a column of the long layout; expected rater, theory, score and optional date and note",
                    line=self.header_line,
                    field=column_name(i, header[i]),
                )
        if not {"rater", "theory", "score"} <= columns.keys():
            return []  # the rows cannot be read; the header's problems are listed
        raters = Raters(self)
        theory_column, score_column = columns["theory"], columns["score"]
        for line, cells in body:
            cells = self.cells_of(line, cells, len(header))
            rater = raters.get(line, cells, columns, header)
            number = self.theory(cells[theory_column], line, column_name(theory_column, header[theory_column]))
            if number is None:
                continue
            if not cells[score_column]:
                self.problem(
                    "empty score; expected a score from 0 to 10, or leave the row out to skip a theory",
                    line=line,
                    field=column_name(score_column, header[score_column]),
                )
            else:
                raters.score(rater, line, number, cells[score_column], column_name(score_column, header[score_column]))
        return raters.sets()


class Raters:
    """The rating sets of an export as its rows are read, one per rater."""

    def __init__(self, export):
        self.export = export
        self.by_label = {}  # label -> {"label", "date", "note", "lines", "scores", "score_lines", "column"}

    @staticmethod
    def blank(label, column=None):
        return {"label": label, "date": None, "note": None, "lines": [], "scores": {}, "score_lines": {}, "column": column, "value_lines": {}}

    def new(self, label, column=None):
        rater = self.by_label[label] = self.blank(label, column)
        return rater

    def get(self, line, cells, columns, header, one_row=False):
        """The rater of a row; a row that cannot be kept (no name, a rater listed twice) gets
        a rater of its own that is dropped later, so its values are still checked."""
        export = self.export
        label = cells[columns["rater"]]
        where = column_name(columns["rater"], header[columns["rater"]])
        if not label:
            export.problem("empty; expected the rater's name on every row", line=line, field=where)
            rater = self.blank(None)
        elif one_row and label in self.by_label:
            first = self.by_label[label]["lines"][0]
            export.problem(f"rater {label!r} is listed twice (first on line {first}); expected one row per rater in this layout", line=line, field=where)
            rater = self.blank(None)
        else:
            rater = self.by_label.get(label) or self.new(label)
        rater["lines"].append(line)
        for role in ("date", "note"):
            if role in columns and cells[columns[role]]:
                self.set_value(rater, role, cells[columns[role]], line, column_name(columns[role], header[columns[role]]))
        return rater

    def set_value(self, rater, role, text, line, where):
        value = text
        if role == "date":
            value = iso_date(text)
            if value is None:
                self.export.problem(f"{text!r} is not a date; expected YYYY-MM-DD (an ISO date and time is also read)", line=line, field=where)
                return
            if value != text:
                self.export.interpreted.append(Interpreted(line, where, text, f"{value} (the date of a date and time)"))
        if rater[role] not in (None, value):
            self.export.problem(
                f"rater {rater['label']!r} has a different {role} on line {rater['value_lines'][role]} ({rater[role]!r}); expected one {role} per rater",
                line=line,
                field=where,
            )
            return
        rater[role] = value
        rater["value_lines"].setdefault(role, line)

    def score(self, rater, line, number, text, where):
        export = self.export
        if number in rater["score_lines"]:
            export.problem(
                f"rater {rater['label']!r} already scored theory {number} on line {rater['score_lines'][number]}; expected one score per theory",
                line=line,
                field=where,
            )
            return
        rater["score_lines"][number] = line
        value = export.score(text, line, where)
        if value is not None:
            rater["scores"][number] = value

    def sets(self):
        return list(self.by_label.values())


def provenance(file_name, rater, note):
    lines = rater["lines"]
    if rater.get("column"):
        rows = f"column {rater['column']}"
    else:
        rows = f"line {lines[0]}" if len(lines) == 1 else f"lines {min(lines)}-{max(lines)}"
    text = f"Imported with import-ratings from {file_name}, {rows}"
    return f"{text}. {note}" if note else f"{text}."


def read(path, project, note=None):
    """How the export at `path` reads (a Reading); raises BuildErrors listing every problem."""
    path = Path(path)
    name = str(path)
    if problem := contributed.folder_problem(project):  # before the preview: nothing could be written
        raise problem
    text = contributed.decode_utf8(gate.read_regular(path, name, gate.MAX_EXPORT_BYTES), name)
    theories = theory_rows(project)
    rules = contributed.Rules.from_package(load_descriptor(project), [t["number"] for t in theories])
    export = Export(text, name, theories, rules)
    raters = export.read()
    taken = contributed.existing_ids(project)
    new_ids = {}
    sets = []
    for rater in raters:
        set_id = contributed.new_set_id(rater["label"], rater["date"], set())
        first = rater["lines"][0] if rater["lines"] else export.header_line
        if set_id in taken:
            export.problem(
                f"rater {rater['label']!r}: {project.rel(contributed.path_for(project, set_id))} "
                f"already exists (imported before?); remove it or rename the rater",
                line=first,
            )
        elif set_id in new_ids:
            export.problem(
                f"raters {new_ids[set_id]['label']!r} and {rater['label']!r} would get the same id {set_id!r}; make the names differ",
                line=first,
            )
        new_ids[set_id] = rater
        own_note = " ".join(filter(None, [(note or "").strip(), rater["note"]])) or None  # a file's values are stripped when read
        sets.append(contributed.RatingSet(set_id, rater["label"], "individual", rater["date"], provenance(path.name, rater, own_note), rater["scores"]))
    if export.errors:
        raise BuildErrors(sorted(export.errors, key=where_in_file))
    refused = []
    for rating_set, rater in zip(sets, raters):  # what is written must read back as the same set
        again, problems = contributed.parse_set(rating_set.id, contributed.format_set(rating_set), rating_set.id, rules)
        # a value the gate refuses (a formula, a control character, too long: scripts/ratings/gate.py)
        first = rater["lines"][0] if rater["lines"] else export.header_line
        refused += [BuildError(name, f"rater {gate.excerpt(rating_set.label)}: {p.message}", line=first, field=p.field) for p in problems]
        if not problems and again != rating_set:  # a value the file cannot hold as it is
            differing = next(key for key in ("label", "kind", "date", "note", "scores") if getattr(again, key) != getattr(rating_set, key))
            refused.append(
                BuildError(
                    name, f"rater {gate.excerpt(rating_set.label)}: would read back from its file as another value; check it", line=first, field=differing
                )
            )
    if refused:
        raise BuildErrors(refused)
    return Reading(name, export.layout, sets, export.interpreted, export.spellings)


def where_in_file(error):
    """Errors in file order: by line, then column (A, B, ..., Z, AA, ...); a line's own first."""
    column = re.match(r'column ([A-Z]+) "', error.field or "")
    letters = column.group(1) if column else ""
    return (error.line or 0, len(letters), letters)


def read_export(path, project, note=None):
    """The rating sets in a CSV export, ready to write; raises BuildErrors listing every problem."""
    return read(path, project, note).sets


def theory_rows(project):
    with open(project.data_dir / "theories.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def preview(reading, project):
    """The lines shown before anything is written."""
    raters = "1 rater, one new file" if len(reading.sets) == 1 else f"{len(reading.sets)} raters, one new file each"
    lines = [f"Read {reading.name} as {LAYOUTS[reading.layout]}.", f"{raters}:"]
    for s in reading.sets:
        lines.append(f"  {s.label}: {len(s.scores)} scores -> {project.rel(contributed.path_for(project, s.id))}")
    if reading.spellings:
        lines.append("Scores read from other spellings: " + ", ".join(f"{count} as {kind}" for kind, count in sorted(reading.spellings.items())) + ".")
    if reading.interpreted:
        lines.append(f"Read other than as typed ({len(reading.interpreted)}):")
        lines.extend(f"  {item}" for item in reading.interpreted)
    else:
        lines.append("Every value was read as typed.")
    return lines


def run(project, path, note=None, out=None, yes=False, stdin=None):
    """Import the export at `path`: show the preview, then write once confirmed (or with
    `yes`); returns the files written (none if the user declines)."""
    out = out or sys.stdout
    reading = read(path, project, note)
    for line in preview(reading, project):
        print(line, file=out)
    if not yes:
        out.write("Write this file? [y/N] " if len(reading.sets) == 1 else f"Write these {len(reading.sets)} files? [y/N] ")
        out.flush()
        answer = (stdin or sys.stdin).readline()
        if answer.strip().lower() not in ("y", "yes"):
            print("" if answer.endswith("\n") else "\n", end="", file=out)
            print("Nothing was written." + ("" if answer else " (No answer on standard input: pass --yes to import without asking.)"), file=out)
            return []
    written = contributed.write_sets(project, reading.sets)
    for rating_set, target in zip(reading.sets, written):
        print(f"{project.rel(target)}: {rating_set.label}, {len(rating_set.scores)} scores", file=out)
    print(f"imported {len(reading.sets)} rating sets; run `make build` to add them to the package", file=out)
    return written
