"""`rate`: the post's exercise in a plain terminal - score each theory out of 10, save one rating set.

The rater sees each theory (number, title, description, sub-points) in turn and answers
with a score from 0 to 10, `s` to skip, `b` to go back or `q` to quit. A summary follows;
only when the rater confirms is the set written, as one new file under data/contrib/ratings/
(written whole, then moved into place). Quitting, Ctrl-C, Ctrl-D or a bad answer write
nothing; a bad answer is simply asked again. After saving, it prints how the set compares
with the package's sets (scripts/ratings/compare.py): Spearman's rho with the group and with
the consensus, and the theories where they differ most, as the next build will compute them.
"""

import csv
import datetime
import sys
import textwrap

from scripts.core.schema import load_descriptor
from scripts.ratings import compare, contributed, gate

WIDTH = 78
EXERCISE = (
    'The post\'s exercise: "go through this list and quickly rate each theory of impact out of 10". '
    "Score each theory from 0 (no impact) to 10 (the most). Nothing is saved until you confirm at the end."
)
KEYS = "0-10 = score, s = skip, b = back, q = quit"


class Quit(Exception):
    """The rater left before saving."""


class Terminal:
    def __init__(self, stdin, stdout):
        self.stdin, self.stdout = stdin, stdout

    def say(self, text=""):
        print(text, file=self.stdout)

    def ask(self, prompt):
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:  # end of input (Ctrl-D)
            self.say()
            raise Quit()
        answer = line.strip()
        if answer.lower() in ("q", "quit"):
            raise Quit()
        return answer


def read_theories(project):
    """Theories in list order, each with its sub-points, from the package's CSV files."""

    def rows(name):
        with open(project.data_dir / f"{name}.csv", newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    points = rows("theory_points")
    theories = []
    for theory in rows("theories"):
        number = int(theory["number"])
        theory_points = sorted((p for p in points if int(p["theory_number"]) == number), key=lambda p: int(p["position"]))
        theories.append({"number": number, "title": theory["title"], "description": theory["description"], "points": [p["text"] for p in theory_points]})
    return theories


def show(term, theory, count):
    term.say()
    term.say(f"Theory {theory['number']} of {count}: {theory['title']}")
    term.say(textwrap.fill(theory["description"], WIDTH, initial_indent="  ", subsequent_indent="  "))
    for point in theory["points"]:
        term.say(textwrap.fill(point, WIDTH, initial_indent="    - ", subsequent_indent="      "))


def ask_score(term, theory, rules, current):
    """'back', 'skip' or a score; asks again after a bad answer."""
    keep = "" if current is None else f" [Enter keeps {'skip' if current == 'skip' else contributed.format_score(current)}]"
    while True:
        answer = term.ask(f"Score for theory {theory['number']} ({KEYS}){keep}: ")
        if answer == "" and current is not None:
            return current
        if answer.lower() in ("b", "back"):
            return "back"
        if answer.lower() in ("s", "skip"):
            return "skip"
        problem = rules.score_problem(answer) if answer else "no answer"
        if problem is None:
            return float(answer)
        term.say(f"  {problem}; answer with {KEYS}.")


def ask_label(term):
    while True:
        label = term.ask("Your name, as it should appear with your ratings: ")
        if not label:
            term.say("  a name is needed (it is published with the ratings); q quits.")
        elif problem := gate.text_problem(label, limit=contributed.FIELD_LIMITS["label"]):  # asked now, not after every theory is scored
            term.say(f"  the name {problem}.")
        else:
            return label


def ask_date(term, today):
    while True:
        answer = term.ask(f"Date of these ratings [Enter = {today}]: ") or today
        if contributed.valid_date(answer):
            return answer
        term.say("  expected a date as YYYY-MM-DD.")


def summary(term, theories, answers):
    term.say()
    term.say("Your ratings:")
    for theory in theories:
        answer = answers.get(theory["number"], "skip")
        shown = "skipped" if answer == "skip" else contributed.format_score(answer)
        term.say(f"  {theory['number']:>2}. {theory['title'][:56]:.<60} {shown}")
    scored = sum(1 for a in answers.values() if a != "skip")
    term.say(f"{scored} scored, {len(theories) - scored} skipped.")
    return scored


def rate_all(term, theories, rules, answers, start=0, single=False):
    """Ask theory by theory from `start` (just that one if `single`); 'b' steps back."""
    index = start
    while index < len(theories):
        theory = theories[index]
        show(term, theory, len(theories))
        answer = ask_score(term, theory, rules, answers.get(theory["number"]))
        if answer == "back":
            if index == 0:
                term.say("  this is the first theory.")
            index = max(0, index - 1)
            continue
        answers[theory["number"]] = answer
        if single:
            return
        index += 1


def confirm(term, theories, rules, answers, target):
    """Show the summary until the rater saves (True) or quits (raises Quit)."""
    numbers = {t["number"]: i for i, t in enumerate(theories)}
    while True:
        scored = summary(term, theories, answers)
        if scored:
            answer = term.ask(f"Save to {target}? (y = save, a theory number = change it, q = quit without saving): ")
        else:
            term.say("Every theory is skipped: there is nothing to save.")
            answer = term.ask("A theory number = change it, q = quit: ")
        if answer.lower() in ("y", "yes") and scored:
            return
        if answer.isdigit() and int(answer) in numbers:
            rate_all(term, theories, rules, answers, numbers[int(answer)], single=True)
        else:
            term.say("  answer y, a theory number, or q.")


def run(project, stdin=None, stdout=None, today=None):
    """The interactive exercise; returns 0 when a set was saved, 1 when nothing was."""
    term = Terminal(stdin or sys.stdin, stdout or sys.stdout)
    theories = read_theories(project)
    rules = contributed.Rules.from_package(load_descriptor(project), [t["number"] for t in theories])
    today = today or datetime.date.today().isoformat()
    term.say(textwrap.fill(EXERCISE, WIDTH))
    term.say(f"Keys: {KEYS}. Ctrl-C also quits without saving.")
    term.say()
    answers = {}
    try:
        label = ask_label(term)
        date = ask_date(term, today)
        rate_all(term, theories, rules, answers)
        set_id = contributed.new_set_id(label, date, contributed.existing_ids(project))
        target = project.rel(contributed.path_for(project, set_id))
        confirm(term, theories, rules, answers, target)
    except Quit:
        term.say("Nothing was saved.")
        return 1
    scores = {number: score for number, score in answers.items() if score != "skip"}
    contributed.write_sets(project, [contributed.RatingSet(set_id, label, "individual", date, "Rated with python -m scripts rate.", scores)])
    term.say(f"Saved {target}. Run `make build` to add it to the package, and propose the file in a pull request to share it.")
    term.say()
    for line in compare.compare(project, scores)[0]:
        term.say(line)
    return 0
