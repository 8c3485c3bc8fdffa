"""Stable identifiers: the committed package keeps every id of the latest release, and the
check catches a silent renumbering while allowing new ids and corrections."""

from scripts.make_release import latest, recorded_manifests
from scripts.release import identifiers
from tests.helpers import REPO, committed, edited, row


def problems(old, new):
    return identifiers.renumberings(identifiers.ids(old), identifiers.ids(new))


def test_the_package_keeps_every_id_of_the_latest_release(descriptor):
    manifests = recorded_manifests(REPO)
    released = latest(manifests)
    assert released is not None, "no release recorded under releases/"
    found = identifiers.renumberings(released["ids"], identifiers.ids(committed()))
    if not identifiers.allowed_to_renumber(released["version"], descriptor["version"]):
        assert found == [], "\n".join(found)
    else:  # a new major version may retire or reassign ids, but its CHANGELOG section must say which
        changelog = REPO.changelog_path.read_text(encoding="utf-8")
        section = changelog.split(f"## {descriptor['version']} ", 1)[1].split("\n## ", 1)[0]
        for problem in found:
            resource, key = problem.split(" ")[0], problem.split(" ")[1].rstrip(":")
            assert key in section, f"CHANGELOG.md's {descriptor['version']} section must name {resource} {key}: {problem}"


def test_the_release_records_theories_sub_points_comments_sections_and_rating_sets():
    released = latest(recorded_manifests(REPO))
    keys = {name: {tuple(e["key"]) for e in recorded["rows"]} for name, recorded in released["ids"].items()}
    assert {(str(n),) for n in range(1, 21)} <= keys["theories"]
    assert {("9.2",), ("13.1",)} <= keys["theory_points"]
    assert {(f"c{n:02d}",) for n in range(1, 19)} <= keys["comments"]
    assert {("exercise",), ("introduction",)} <= keys["post_sections"]
    assert ("discussion-group",) in keys["rating_sets"]
    assert ("discussion-group", "3") in keys["ratings"]


def test_an_unchanged_package_has_no_renumbering():
    assert problems(committed(), committed()) == []


def test_swapping_the_words_of_two_ids_is_caught():
    old = committed()
    new = edited(old)
    third, fourth = row(new, "comments", id="c03"), row(new, "comments", id="c04")
    for field in ("quoted_text", "body"):
        third[field], fourth[field] = fourth[field], third[field]
    found = problems(old, new)
    assert any(p.startswith("`comments` c03: its words now sit under c04") for p in found), found
    assert any(p.startswith("`comments` c04: its words now sit under c03") for p in found), found


def test_shifting_an_id_is_caught_as_gone_and_moved():
    old = committed()
    new = edited(old)
    row(new, "theories", number="20")["number"] = "21"
    found = problems(old, new)
    assert any(p.startswith("`theories` 20: released id is gone") for p in found), found
    assert any(p.startswith("`theories` 20: its words now sit under 21") for p in found), found


def test_a_removed_resource_is_caught():
    old = committed()
    new = edited(old)
    new.descriptor["resources"] = [r for r in new.descriptor["resources"] if r["name"] != "rating_sets"]
    del new.rows["rating_sets"]
    assert any(p.startswith("resource `rating_sets` is gone") for p in problems(old, new))


def test_new_ids_and_corrections_are_allowed():
    old = committed()
    new = edited(old)
    fifth = row(new, "comments", id="c05")
    fifth["body"] = fifth["body"].replace("the", "teh", 1)  # a correction keeps the id
    new.rows["comments"].append({**fifth, "id": "c19", "body": "A new comment found in a later snapshot."})
    new.rows["rating_sets"].append({"id": "someone", "kind": "individual", "label": "Someone", "source": "data/contrib/ratings/someone.yml", "note": ""})
    assert problems(old, new) == []


def test_short_shared_excerpts_do_not_count_as_identity():
    released = [{"key": ["a"], "excerpt": "group", "sha256": ""}, {"key": ["b"], "excerpt": "individual", "sha256": ""}]
    current = [{"key": ["b"], "excerpt": "group", "sha256": ""}, {"key": ["c"], "excerpt": "individual", "sha256": ""}]
    assert identifiers.moved(released, current) == []


def test_only_a_new_major_version_may_renumber():
    assert identifiers.allowed_to_renumber("0.4.2", "1.0.0")
    assert not identifiers.allowed_to_renumber("0.1.0", "0.2.0")
    assert not identifiers.allowed_to_renumber("1.2.0", "1.3.0")
