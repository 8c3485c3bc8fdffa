"""The parser refuses a damaged snapshot with a message naming the file, line and field."""

import pytest

from scripts.core.errors import BuildError
from scripts.pipeline.curation import load_boundaries
from scripts.pipeline.parse import parse
from tests.helpers import REPO

EXPECTED = {"theories": 20, "theory_points": 8}


def parse_text(text):
    return parse(text, "raw.txt", load_boundaries(REPO), EXPECTED)


def test_the_real_snapshot_parses(raw):
    assert len(parse_text(raw).comments) == 18


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("  4. Auditing for deception", "  3. Auditing for deception", r"raw.txt:11: theory number: theory numbered 3, expected 4"),
        ("  20. Eliciting", "  21. Eliciting", r"raw.txt:34: theory number: theory numbered 21, expected 20"),
        ("18 comments, sorted by", "17 comments, sorted by", r"raw.txt:46: comments: the header says 17 comments but .* find 18"),
        ("18 comments, sorted by", "comments, sorted by", r"raw.txt: comment header: expected exactly one comment header line"),
        ("The rated order was 1, 4, 3,", "The rated order was 1, 4, 4,", r"raw.txt:36: rank order: rank order names theory 4 twice"),
        ("The rated order was 1, 4, 3,", "The rated order was 1, 44, 3,", r"raw.txt:36: rank order: rank order names theory 44, expected one of 1-20"),
        ("    2. Less ambitious", "    3. Less ambitious", r"raw.txt:22: sub-point number: sub-point numbered 3 under theory 9, expected 2"),
    ],
)
def test_damaged_snapshot_fails_with_a_clear_message(raw, old, new, message):
    assert old in raw
    with pytest.raises(BuildError, match=message):
        parse_text(raw.replace(old, new, 1))


def test_missing_theory_is_counted(raw):
    lines = raw.split("\n")
    without_last = "\n".join(line for line in lines if not line.startswith("  20. "))
    with pytest.raises(BuildError, match=r"theories: expected 20 theories .* found 19"):
        parse_text(without_last)


def test_snapshot_truncated_in_the_post_fails(raw):
    with pytest.raises(BuildError, match="comment header"):
        parse_text(raw[: len(raw) // 3])


def test_snapshot_truncated_in_the_thread_fails_on_a_curated_boundary(raw):
    with pytest.raises(BuildError, match=r"comment_boundaries.yml:\d+: starts: .* must open exactly one paragraph .* opens 0"):
        parse_text(raw[: raw.index("Curated.")])
