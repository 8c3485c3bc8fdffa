"""`rate`, driven by scripted answers: what it saves, and that quitting saves nothing."""

import io
import shutil
import subprocess
import sys

import pytest

from scripts.build import build
from scripts.core.schema import load_descriptor
from scripts.ratings import contributed, rate
from tests.helpers import REPO, add_scripts, copy_inputs, quiet, read_csv

TODAY = "2001-02-03"


@pytest.fixture
def project(tmp_path):
    """A copy of the inputs plus the package CSVs that `rate` shows and compares with."""
    project = copy_inputs(tmp_path)
    for name in ("theories", "theory_points", "rating_sets", "ratings"):
        shutil.copy(REPO.data_dir / f"{name}.csv", project.data_dir / f"{name}.csv")
    return project


def session(project, *answers, stdin=None):
    out = io.StringIO()
    status = rate.run(project, stdin=stdin or io.StringIO("".join(f"{a}\n" for a in answers)), stdout=out, today=TODAY)
    return status, out.getvalue()


def saved(project):
    files = sorted(project.contrib_ratings_dir.glob("*.csv")) if project.contrib_ratings_dir.exists() else []
    return {path.name: path for path in files}


def read_back(project, path):
    rules = contributed.Rules.from_package(load_descriptor(project), range(1, 21))
    rating_set, problems = contributed.read_set(str(path), path.name, rules)
    assert not problems
    return rating_set


def test_a_full_session_saves_one_rating_set(project):
    answers = ["Test Rater", "", "7", "5", "b", "", "9", "s"] + ["6"] * 16 + ["y"]
    status, output = session(project, *answers)
    assert status == 0
    files = saved(project)
    assert list(files) == [f"test-rater-{TODAY}.csv"]
    rating_set = read_back(project, files[f"test-rater-{TODAY}.csv"])
    assert (rating_set.label, rating_set.kind, rating_set.date) == ("Test Rater", "individual", TODAY)
    # "b" went back to theory 2 and Enter kept its 5; theory 4 was skipped
    assert rating_set.scores == {1: 7, 2: 5, 3: 9, **{n: 6 for n in range(5, 21)}}
    assert "19 scored, 1 skipped." in output
    assert f"Saved data/contrib/ratings/test-rater-{TODAY}.csv" in output


def test_it_shows_each_theory_with_its_description_and_sub_points(project):
    _, output = session(project, "Test Rater", "", *["5"] * 20, "q")
    theories = read_csv(REPO, "theories")
    for theory in theories:
        assert f"Theory {theory['number']} of 20: {theory['title']}" in output
    assert " ".join(output.split()).count(" - ") >= 8  # the eight sub-points
    assert "Coordinating a slowdown" in output and "Ambitious version" in output


def test_bad_answers_are_asked_again_and_lose_nothing(project):
    answers = ["", "Test Rater", "yesterday", "2001-02-04", "11", "seven", "-1", "8"] + ["s"] * 19 + ["y"]
    status, output = session(project, *answers)
    assert status == 0
    assert output.count("a name is needed") == 1 and output.count("expected a date as YYYY-MM-DD") == 1
    assert "11 is out of range" in output and "'seven' is not a number" in output and "-1 is out of range" in output
    rating_set = read_back(project, saved(project)["test-rater-2001-02-04.csv"])
    assert rating_set.scores == {1: 8}


def test_a_name_a_spreadsheet_would_run_as_a_formula_is_asked_again_before_scoring(project):
    answers = ['=HYPERLINK("http://x")', "Test Rater", "", "8"] + ["s"] * 19 + ["y"]
    status, output = session(project, *answers)
    assert status == 0
    assert output.count("which a spreadsheet would run as a formula") == 1
    assert output.index("formula") < output.index("Theory 1 of 20")  # refused at once, not after scoring
    assert read_back(project, saved(project)["test-rater-2001-02-03.csv"]).label == "Test Rater"


def test_the_summary_lets_the_rater_change_a_theory(project):
    answers = ["Test Rater", ""] + ["4"] * 20 + ["3", "10", "21", "y"]
    status, output = session(project, *answers)
    assert status == 0 and "answer y, a theory number, or q." in output
    assert read_back(project, saved(project)[f"test-rater-{TODAY}.csv"]).scores == {**{n: 4 for n in range(1, 21)}, 3: 10}


def test_skipping_everything_saves_nothing(project):
    status, output = session(project, "Test Rater", "", *["s"] * 20, "q")
    assert status == 1 and "there is nothing to save" in output and "Nothing was saved." in output
    assert saved(project) == {}


@pytest.mark.parametrize("answers", [["Test Rater", "", "7", "q"], ["Test Rater", "", "7", "8"], ["Test Rater", ""] + ["5"] * 20 + ["q"]])
def test_quitting_or_end_of_input_saves_nothing(project, answers):
    status, output = session(project, *answers)
    assert status == 1 and output.rstrip().endswith("Nothing was saved.")
    assert saved(project) == {}


def test_ctrl_c_saves_nothing(project):
    class Interrupting(io.StringIO):
        def readline(self, *args):
            line = super().readline(*args)
            if not line:
                raise KeyboardInterrupt
            return line

    with pytest.raises(KeyboardInterrupt):
        session(project, stdin=Interrupting("Test Rater\n\n7\n8\n"))
    assert saved(project) == {}


def test_a_second_set_by_the_same_rater_on_the_same_day_gets_its_own_file(project):
    answers = ["Test Rater", "", "7"] + ["s"] * 19 + ["y"]
    session(project, *answers)
    session(project, *answers)
    assert sorted(saved(project)) == [f"test-rater-{TODAY}-2.csv", f"test-rater-{TODAY}.csv"]


@pytest.mark.slow
def test_a_saved_set_goes_into_the_build(project, remembered_charts):
    session(project, "Test Rater", "", *["7"] * 20, "y")
    build(project, progress=quiet)
    ratings_rows = [r for r in read_csv(project, "ratings") if r["rating_set_id"] == f"test-rater-{TODAY}"]
    assert len(ratings_rows) == 20 and {r["score"] for r in ratings_rows} == {"7"}


@pytest.mark.slow
def test_the_command_works_in_a_plain_terminal_process(project):
    """`python -m scripts rate` with its answers on standard input."""
    add_scripts(project.root)
    answers = "Test Rater\n2001-02-03\n" + "6\n" * 20 + "y\n"
    result = subprocess.run([sys.executable, "-m", "scripts", "rate"], cwd=project.root, input=answers, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Saved data/contrib/ratings/test-rater-2001-02-03.csv" in result.stdout
    quitting = subprocess.run(
        [sys.executable, "-m", "scripts", "rate"], cwd=project.root, input="Someone Else\n\n5\n", capture_output=True, text=True, timeout=60
    )
    assert quitting.returncode == 1 and "Nothing was saved." in quitting.stdout
    assert sorted(saved(project)) == ["test-rater-2001-02-03.csv"]


FIXTURE_SETS = REPO.root / "tests" / "fixtures" / "ratings"


def test_after_saving_it_prints_what_the_next_build_will_publish_for_the_set(tmp_path):
    """rho with the group and with the consensus, and where the set differs most: the figures
    the rebuilt package gives the new set in rating_agreement."""
    project = copy_inputs(tmp_path)
    for fixture in FIXTURE_SETS.glob("fixture-rater-*.csv"):
        shutil.copy(fixture, project.contrib_ratings_dir / fixture.name)
    build(project, progress=quiet)
    scores = {1: 9, 2: 2, 3: 4, 5: 6, 6: 3, 7: 10, 8: 8, 16: 1, 18: 7, 20: 5}
    status, output = session(project, "Test Rater", "", *[scores.get(n, "s") for n in range(1, 21)], "y")
    assert status == 0
    build(project, progress=quiet)
    agreement = {r["rating_set_id"]: r for r in read_csv(project, "rating_agreement")}[f"test-rater-{TODAY}"]
    others = len(read_csv(project, "rating_sets")) - 1
    assert (
        f"with The post's discussion group (its rank order): rho = {float(agreement['rho_with_group']):.4f} over the {agreement['shared_with_group']} theories"
        in output
    )
    assert (
        f"with the consensus of the {others} other rating sets (mean place): rho = {float(agreement['rho_with_consensus']):.4f} "
        f"over the {agreement['shared_with_consensus']} theories" in output
    )
    # Of the 9 theories both rated (20 is unranked), the group ranks 1, 3, 6, 8, 18, 2, 7, 16, 5 in
    # this order and the set 7, 1, 8, 18, 5, 3, 6, 2, 16: theory 7 moves 6 places, 3 and 5 four.
    assert "  Where you differ most from the group (rank among the 9 theories you both rated, 1 = highest):" in output.splitlines()
    lines = output.splitlines()
    start = lines.index("  Where you differ most from the group (rank among the 9 theories you both rated, 1 = highest):")
    assert lines[start + 1 : start + 4] == [
        "     7. Improving human feedback: you 1st, the group 7th",
        "     3. Auditing: you 6th, the group 2nd",
        "     5. Enabling coordination/cooperation: you 5th, the group 9th",
    ]


@pytest.mark.parametrize("name, why", [("Jane " + "x" * 400, "is 405 bytes long; the limit is 400"), ("Jane\u200bDoe", "the invisible character U+200B")])
def test_a_name_the_build_would_refuse_is_asked_again_before_scoring(project, name, why):
    """A name over the label's limit, or with an invisible character, is refused when it is
    typed, not after twenty theories are scored."""
    answers = [name, "Test Rater", "", "8"] + ["s"] * 19 + ["y"]
    status, output = session(project, *answers)
    assert status == 0 and output.count(why) == 1
    assert output.index(why) < output.index("Theory 1 of 20")
    assert read_back(project, saved(project)["test-rater-2001-02-03.csv"]).label == "Test Rater"
