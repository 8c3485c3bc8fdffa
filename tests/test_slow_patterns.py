"""Every regular expression that reads untrusted text (contributed files, imported CSVs, old
packages) runs in time linear in its input (issue 20: a heading of "(" and 2,000 spaces took
65 s). Per pattern: a fuzz case of long inputs built from the pieces that make a backtracking
pattern slow (runs of spaces, digits, separators), which a super-linear pattern would not
finish; and, for each pattern rewritten to stop backtracking, a fuzz case that it accepts and
reads exactly what the old pattern did. No timings are asserted here: bench/hostile_inputs.py
measures them."""

import re
import sys
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.core import errors
from scripts.core.schema import load_descriptor
from scripts.ratings import contributed, gate, importer
from scripts.release import versions
from tests.helpers import REPO, plugin, read_csv

# The patterns as they were: a reference for what the rewritten ones must still read.
OLD_NUMBERED = re.compile(r"\(?\s*(?:theory|toi|no\.?|number)?\s*#?\s*(\d+)\s*(?:[.):\-–—]+\s*|\s+|$)(.*)", re.IGNORECASE | re.DOTALL)
OLD_OUT_OF = re.compile(r"(.*?)\s*/\s*([0-9]+(?:[.,][0-9]+)?)")
OLD_PLAIN_NUMBER = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
OLD_DECIMAL_COMMA = re.compile(r"[0-9]+,[0-9]+")
OLD_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T].*)?")

# Pieces that make backtracking patterns slow, repeated into long inputs.
PIECES = ["(", " ", "\t", "\n", "1", "0", "/", ",", ".", "-", "#", ")", ":", "theory", "no", "x", "a", "é", "\u200b", "2024-01-01", "T", '"']
LONG = st.lists(st.tuples(st.sampled_from(PIECES), st.integers(min_value=1, max_value=4_000)), min_size=1, max_size=6).map(
    lambda parts: "".join(piece * count for piece, count in parts)
)
# Short texts over an alphabet rich in what the patterns look for, to compare old and new.
SHORT = st.text(alphabet="( )\t#.:-–—)0123456789/,theorynoumbx", max_size=14)
EXAMPLES = settings(max_examples=60, deadline=None)
SHORT_EXAMPLES = settings(max_examples=300, deadline=None)


def descriptor_pattern():
    rules = contributed.Rules.from_package(load_descriptor(REPO), [t["number"] for t in read_csv(REPO, "theories")])
    return rules


RULES = descriptor_pattern()
NAMES = importer.TheoryNames(read_csv(REPO, "theories"))


# The patterns rewritten: the same readings as before ----------------------------------------


@SHORT_EXAMPLES
@given(SHORT)
def test_the_numbered_heading_pattern_reads_as_before(text):
    old, new = OLD_NUMBERED.fullmatch(text), importer.NUMBERED.fullmatch(text)
    assert bool(old) == bool(new)
    if old:
        assert (old.group(1), old.group(2).strip()) == (new.group(1), new.group(2).strip())


@SHORT_EXAMPLES
@given(SHORT)
def test_a_score_out_of_ten_reads_as_before(text):
    old = OLD_OUT_OF.fullmatch(text.strip())
    assert importer.score_out_of(text.strip()) == ((old.group(1), old.group(2)) if old else None)


@SHORT_EXAMPLES
@given(SHORT)
def test_numbers_and_decimal_commas_read_as_before(text):
    assert bool(importer.PLAIN_NUMBER.fullmatch(text)) == bool(OLD_PLAIN_NUMBER.fullmatch(text))
    assert bool(importer.DECIMAL_COMMA.fullmatch(text)) == bool(OLD_DECIMAL_COMMA.fullmatch(text))


@SHORT_EXAMPLES
@given(st.text(alphabet="0123456789- T:x\n", max_size=24))
def test_dates_read_as_before(text):
    assert bool(importer.ISO_DATE.fullmatch(text)) == bool(OLD_ISO_DATE.fullmatch(text))


def test_the_invisible_characters_are_every_format_character_of_this_python():
    """gate.FORMAT_CHARACTERS is written out (one character class, one linear pass); it must be
    Unicode's category Cf as this Python knows it."""
    written = {chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(f"[{gate.FORMAT_CHARACTERS}]", chr(c))}
    assert written == {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}


@SHORT_EXAMPLES
@given(st.text(max_size=20))
def test_a_value_is_refused_exactly_when_it_holds_a_control_or_invisible_character(text):
    invisible = [c for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
    assert bool(gate.CONTROL.search(text)) == bool(invisible)
    assert bool(gate.NOTE_CONTROL.search(text)) == bool([c for c in invisible if c not in "\t\n"])


# Every pattern on untrusted text: long hostile inputs finish -----------------------------------


@EXAMPLES
@given(LONG)
def test_importer_patterns_finish_on_long_inputs(text):
    for candidate in (text, text + "x", "(" + text, "theory" + text + "1" + text):
        importer.NUMBERED.fullmatch(candidate)
        importer.score_out_of(candidate)
        importer.PLAIN_NUMBER.fullmatch(candidate)
        importer.DECIMAL_COMMA.fullmatch(candidate)
        importer.ISO_DATE.fullmatch(candidate)
        importer.SCALE.fullmatch(candidate)
        importer.words(candidate)
        importer.iso_date(candidate)
        importer.where_in_file(errors.BuildError("x.csv", "m", line=1, field=importer.column_name(0, candidate)))


@settings(max_examples=20, deadline=None)
@given(LONG)
def test_a_heading_is_read_whole_in_one_pass(text):
    """What every header cell of an export goes through (number, title, acronym)."""
    found = NAMES.match(text[: importer.MAX_HEADING_CHARS])
    assert found.number is not None or found.problem
    assert NAMES.match(text + "x" * importer.MAX_HEADING_CHARS).problem


@EXAMPLES
@given(LONG)
def test_contributed_file_patterns_finish_on_long_inputs(text):
    for candidate in (text, "theory " + text, "-" + text, text + "\x00"):
        contributed.THEORY_KEY.match(candidate)
        contributed.NUMBER.match(candidate)
        RULES.id_pattern.fullmatch(candidate)
        RULES.score_problem(candidate)
        contributed.slug(candidate)
        gate.CONTROL.search(candidate)
        gate.NOTE_CONTROL.search(candidate)
        gate.PLAIN_NUMBER.match(candidate)
        gate.text_problem(candidate, multiline=True)
        gate.escaped(candidate)
        errors.safe(candidate)


@EXAMPLES
@given(LONG)
def test_old_package_patterns_finish_on_long_inputs(text):
    """An old package's version string goes through the semantic version pattern."""
    for candidate in (text, "1." + text, "1.1." + text + "x"):
        versions.SEMVER_RE.match(candidate)


def test_the_slowest_known_inputs_finish():
    """The issue's inputs, and 300 kB versions of them."""
    for spaces in (3_000, 300_000):
        for text in ("(" + " " * spaces + "x", "(" + " " * spaces, "theory" + " " * spaces + "#" + " " * spaces + "1" * spaces + "x"):
            assert importer.NUMBERED.fullmatch(text) is None or text.rstrip() == "("
            assert importer.score_out_of("7" + " " * spaces + "x") is None
            assert NAMES.match(text).problem


# The served instance's printf reader (site/plugins/limits.py) -------------------------------

OLD_PRINTF_SPEC = re.compile(r"%[-+ 0#!,]*(\*|\d+)?(?:\.(\*|\d+))?(?:ll|l)?([a-zA-Z%])")
PRINTF_PIECES = ["%", "0", "1", "9", "-", "+", " ", "#", "!", ",", ".", "*", "l", "d", "c"]
LONG_FORMAT = st.lists(st.tuples(st.sampled_from(PRINTF_PIECES), st.integers(min_value=1, max_value=8_000)), min_size=1, max_size=6).map(
    lambda parts: "".join(piece * count for piece, count in parts)
)


PRINTF_SPEC = plugin("limits").PRINTF_SPEC


@EXAMPLES
@given(LONG_FORMAT)
def test_the_printf_pattern_reads_long_formats_in_linear_time(text):
    """8,000 zeros after a % took 8.7 s with the greedy pattern; each case here would not end."""
    for spec in PRINTF_SPEC.finditer(text):
        assert spec.group(0).startswith("%")


@SHORT_EXAMPLES
@given(st.text(alphabet="%0123456789-+ #!,.*ldcsx", max_size=16))
def test_the_printf_pattern_reads_as_before(text):
    assert [m.groups() for m in PRINTF_SPEC.finditer(text)] == [m.groups() for m in OLD_PRINTF_SPEC.finditer(text)]
