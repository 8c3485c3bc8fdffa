"""`import-ratings FILE`: a CSV export of the community spreadsheet -> one contributed file per rater.

Two layouts are read, told apart by the header:
- wide: one row per rater, one column per theory. Theory columns are headed by the theory's
  number, its title, or both, as a person would type them ("3", "#3", "Theory 3",
  "3. Auditing", "auditing", "Eliciting Latent Knowledge"); one column names the rater
  ("rater" or "name"), and optional "date" and "note" columns go with each row.
- long: one row per score, with the columns rater, theory (number or title) and score,
  and optional date and note.

All or nothing: every problem in the file is listed by line and column, and nothing is
written unless there is none.
"""

import csv
import datetime
import io
import re
from pathlib import Path

from scripts.core.errors import BuildError, BuildErrors
from scripts.core.schema import load_descriptor
from scripts.ratings import contributed, gate

RATER_HEADERS = {"rater", "name", "your name", "rater name", "who"}
DATE_HEADERS = {"date", "timestamp"}
NOTE_HEADERS = {"note", "notes", "comment", "comments"}
THEORY_HEADERS = {"theory", "theory number", "theory of impact"}
SCORE_HEADERS = {"score", "rating", "score out of 10"}
NUMBERED = re.compile(r"\(?\s*(?:theory|toi|no\.?|number)?\s*#?\s*(\d+)\s*(?:[.):\-–—]+\s*|\s+|$)(.*)", re.IGNORECASE | re.DOTALL)


def words(text):
    """Text as compared with a title: lower case, punctuation and spacing ignored."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


class TheoryNames:
    """Finds the theory a header cell (or a long layout's theory cell) names."""

    def __init__(self, theories):
        self.titles = {int(t["number"]): t["title"] for t in theories}
        self.words = {number: words(title) for number, title in self.titles.items()}

    def by_title(self, text):
        """(number, None) or (None, why not) for text that should name a theory by its title."""
        typed = words(text)
        if not typed:
            return None, "is empty"
        exact = [n for n, title in self.words.items() if typed == title]
        if exact:
            return exact[0], None
        # "Title: description" - the longest title the text starts with
        starts = sorted((n for n, title in self.words.items() if typed.startswith(title + " ")), key=lambda n: -len(self.words[n]))
        if starts:
            return starts[0], None
        # a title cut short, by at most half ("Microscope", "Eliciting Latent Knowledge")
        shortened = [n for n, title in self.words.items() if title.startswith(typed) and 2 * len(typed) >= len(title)]
        if len(shortened) == 1:
            return shortened[0], None
        if shortened:
            return None, f"could be theory {', '.join(map(str, shortened))}; type more of the title or the number"
        return None, "names no theory by number or title"

    def find(self, text):
        """(number, None) or (None, why not) for a cell that names a theory by number, title or both."""
        numbered = NUMBERED.fullmatch(text.strip())
        if not numbered:
            return self.by_title(text)
        number, rest = int(numbered.group(1)), numbered.group(2).strip()
        if number not in self.titles:
            return None, f"there is no theory {number}; theories are numbered {min(self.titles)}-{max(self.titles)}"
        if rest:
            other, _ = self.by_title(rest)
            if other != number:
                if other:
                    return None, f"says theory {number} ({self.titles[number]!r}) but the title is theory {other}'s ({self.titles[other]!r})"
                return None, f"says theory {number} ({self.titles[number]!r}) but the title does not match it"
        return number, None


def column_letter(index):
    """0 -> A, 25 -> Z, 26 -> AA: as a spreadsheet names its columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_name(index, header):
    return f'column {column_letter(index)} "{header}"'


def iso_date(text):
    """YYYY-MM-DD from 'YYYY-MM-DD' or an ISO date and time; None if it is not one."""
    text = text.strip()
    try:
        return datetime.date.fromisoformat(text[:10]).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T].*)?", text) else None
    except ValueError:
        return None


class Export:
    """One CSV export read into rating sets, collecting every problem on the way."""

    def __init__(self, text, name, theories, rules):
        self.name, self.rules = name, rules
        self.names = TheoryNames(theories)
        self.errors = []
        self.rows = list(self.records(text))

    def problem(self, message, line=None, field=None):
        self.errors.append(BuildError(self.name, message, line=line, field=field))

    def records(self, text):
        """(line, cells) for every non-empty row; line is where the row starts."""
        first_line = text.split("\n", 1)[0]
        delimiter = max(",;\t", key=first_line.count) if first_line else ","
        reader = gate.CsvReader(io.StringIO(text, newline=""), self.name, delimiter=delimiter)
        line = 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, [cell.strip() for cell in cells]
            line = reader.line_num + 1

    def read(self):
        if not self.rows:
            self.problem("the file is empty; expected a header row and one row per rater (wide) or per score (long)", line=1)
            return []
        (self.header_line, header), body = self.rows[0], self.rows[1:]
        kinds = [words(cell) for cell in header]
        if any(k in THEORY_HEADERS for k in kinds) and any(k in SCORE_HEADERS for k in kinds):
            sets = self.read_long(header, kinds, body)
        else:
            sets = self.read_wide(header, kinds, body)
        if not body and not self.errors:
            self.problem("no ratings: the file has a header but no rows", line=self.header_line + 1)
        return [rater for rater in sets if rater["label"]]

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
            self.problem(f"the row has {len(cells)} cells but the header only {width}", line=line)
        return cells + [""] * (width - len(cells))

    def read_wide(self, header, kinds, body):
        columns = self.special_columns(header, kinds, ("rater",))
        theory_columns = {}
        for i, cell in enumerate(header):
            if i in columns.values():
                continue
            number, why = self.names.find(cell)
            if why:
                self.problem(f"{why}; every column must be a theory, the rater, a date or a note", line=self.header_line, field=column_name(i, cell))
            elif number in theory_columns.values():
                first = next(j for j, n in theory_columns.items() if n == number)
                self.problem(
                    f"theory {number} has a second column (the first is {column_name(first, header[first])})", line=self.header_line, field=column_name(i, cell)
                )
            else:
                theory_columns[i] = number
        if self.errors:
            return []
        raters = Raters(self)
        for line, cells in body:
            cells = self.cells_of(line, cells, len(header))
            rater = raters.get(line, cells, columns, header)
            filled = [i for i in theory_columns if cells[i]]
            if rater["label"] and not filled:
                self.problem(f"rater {rater['label']!r} has no scores; remove the row or fill in the scores", line=line)
            for i in filled:
                raters.score(rater, line, theory_columns[i], cells[i], column_name(i, header[i]))
        return raters.sets()

    def read_long(self, header, kinds, body):
        columns = self.special_columns(header, kinds, ("rater", "theory", "score"))
        for i, kind in enumerate(kinds):
            if i not in columns.values():
                self.problem(
                    "unknown column; the long layout has rater, theory, score and optional date and note",
                    line=self.header_line,
                    field=column_name(i, header[i]),
                )
        if self.errors:
            return []
        raters = Raters(self)
        theory_column, score_column = columns["theory"], columns["score"]
        for line, cells in body:
            cells = self.cells_of(line, cells, len(header))
            rater = raters.get(line, cells, columns, header)
            number, why = self.names.find(cells[theory_column])
            if why:
                self.problem(why, line=line, field=column_name(theory_column, header[theory_column]))
            elif not cells[score_column]:
                self.problem("empty score; leave the row out to skip a theory", line=line, field=column_name(score_column, header[score_column]))
            else:
                raters.score(rater, line, number, cells[score_column], column_name(score_column, header[score_column]))
        return raters.sets()


class Raters:
    """The rating sets of an export as its rows are read, one per rater."""

    def __init__(self, export):
        self.export = export
        self.by_label = {}  # label -> {"label", "date", "note", "lines", "scores", "score_lines"}

    def get(self, line, cells, columns, header):
        export = self.export
        label = cells[columns["rater"]]
        if not label:
            export.problem("empty; every row needs the rater's name", line=line, field=column_name(columns["rater"], header[columns["rater"]]))
        rater = self.by_label.setdefault(label, {"label": label, "date": None, "note": None, "lines": [], "scores": {}, "score_lines": {}})
        rater["lines"].append(line)
        for role in ("date", "note"):
            if role not in columns or not cells[columns[role]]:
                continue
            value, where = cells[columns[role]], column_name(columns[role], header[columns[role]])
            if role == "date":
                value = iso_date(value)
                if value is None:
                    export.problem(f"{cells[columns[role]]!r} is not a date; expected YYYY-MM-DD (an ISO date and time is also read)", line=line, field=where)
                    continue
            if rater[role] not in (None, value):
                export.problem(f"rater {label!r} has a different {role} on line {rater['lines'][0]}", line=line, field=where)
            rater[role] = value
        return rater

    def score(self, rater, line, number, text, where):
        export = self.export
        if number in rater["score_lines"]:
            export.problem(f"rater {rater['label']!r} already scored theory {number} on line {rater['score_lines'][number]}", line=line, field=where)
            return
        rater["score_lines"][number] = line
        if problem := export.rules.score_problem(text):
            export.problem(problem, line=line, field=where)
        else:
            rater["scores"][number] = float(text)

    def sets(self):
        return list(self.by_label.values())


def provenance(file_name, lines, note):
    rows = f"line {lines[0]}" if len(lines) == 1 else f"lines {min(lines)}-{max(lines)}"
    text = f"Imported with import-ratings from {file_name}, {rows}"
    return f"{text}. {note}" if note else f"{text}."


def read_export(path, project, note=None):
    """The rating sets in a CSV export, ready to write; raises BuildErrors listing every problem."""
    path = Path(path)
    name = str(path)
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
        if set_id in taken:
            export.problem(
                f"rater {rater['label']!r}: {project.rel(contributed.path_for(project, set_id))} "
                f"already exists (imported before?); remove it or rename the rater",
                line=rater["lines"][0],
            )
        elif set_id in new_ids:
            export.problem(
                f"raters {new_ids[set_id]['label']!r} (line {new_ids[set_id]['lines'][0]}) and "
                f"{rater['label']!r} would get the same id {set_id!r}; make the names differ",
                line=rater["lines"][0],
            )
        new_ids[set_id] = rater
        own_note = " ".join(filter(None, [note, rater["note"]])) or None
        sets.append(
            contributed.RatingSet(set_id, rater["label"], "individual", rater["date"], provenance(path.name, rater["lines"], own_note), rater["scores"])
        )
    if export.errors:
        raise BuildErrors(sorted(export.errors, key=lambda e: e.line or 0))
    refused = []
    for rating_set, rater in zip(sets, raters):  # what is written must read back as the same set
        again, problems = contributed.parse_set(rating_set.id, contributed.format_set(rating_set), rating_set.id, rules)
        # a value the gate refuses (a formula, a control character, too long: scripts/ratings/gate.py)
        refused += [BuildError(name, f"rater {gate.excerpt(rating_set.label)}: {p.message}", line=rater["lines"][0], field=p.field) for p in problems]
        assert problems or again == rating_set, rating_set
    if refused:
        raise BuildErrors(refused)
    return sets


def theory_rows(project):
    with open(project.data_dir / "theories.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(project, path, note=None, out=None):
    """Import the export at `path`; returns the files written."""
    sets = read_export(path, project, note)
    written = contributed.write_sets(project, sets)
    for rating_set, target in zip(sets, written):
        print(f"{project.rel(target)}: {rating_set.label}, {len(rating_set.scores)} scores", file=out)
    print(f"imported {len(sets)} rating sets; run `make build` to add them to the package", file=out)
    return written
