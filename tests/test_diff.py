"""The diff between two versions: schema changes and rows added, removed and changed by
primary key, from folders or zips, as a CHANGELOG draft or JSON."""

import contextlib
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts.cli import main
from scripts.core import sizes
from scripts.core.errors import BuildError
from scripts.core.paths import Project
from scripts.make_release import recorded_manifests
from scripts.release import diff, package_reader
from scripts.release.bundle import write_zip
from tests.helpers import REPO, committed, edited, row, write_package


def compare(old, new):
    return diff.compare(old, new)


def levels(result):
    return {c["change"]: c["level"] for c in result["changes"]}


def test_identical_versions_have_no_changes():
    result = compare(committed(), committed())
    assert result["changes"] == [] and result["bump"] == "none" and result["resources"] == {}
    assert "No changes" in diff.markdown(result)


def test_a_corrected_value_is_a_patch_keyed_by_primary_key():
    old = committed()
    new = edited(old)
    theory = row(new, "theories", number="9")
    theory["title"] = theory["title"] + " (corrected)"
    result = compare(old, new)
    assert result["bump"] == "patch"
    assert result["resources"] == {
        "theories": {"added": [], "removed": [], "changed": [{"key": ["9"], "fields": {"title": [row(old, "theories", number="9")["title"], theory["title"]]}}]}
    }
    draft = diff.markdown(result)
    major, minor, patch = (int(part) for part in old.version.split("."))
    assert draft.startswith(f"## {major}.{minor}.{patch + 1} — YYYY-MM-DD")
    assert "- changed `9`: title" in draft


def test_new_rating_set_is_a_minor_change_listing_the_new_keys():
    old = committed()
    new = edited(old)
    new.rows["rating_sets"].append({"id": "someone", "kind": "individual", "label": "Someone", "source": "data/contrib/ratings/someone.yml", "note": ""})
    for number in (1, 2, 3):
        new.rows["ratings"].append(
            {"rating_set_id": "someone", "theory_number": str(number), "rank": "", "score": str(10 - number), "remark": "", "start": "", "end": ""}
        )
    result = compare(old, new)
    assert result["bump"] == "minor"
    assert result["resources"]["ratings"]["added"] == [["someone", "1"], ["someone", "2"], ["someone", "3"]]
    assert result["resources"]["rating_sets"]["added"] == [["someone"]]
    assert levels(result)["`ratings`: 3 rows added"] == "minor"
    assert "| `ratings` | 3 | 0 | 0 |" in diff.markdown(result)


def test_removed_rows_fields_and_resources_and_changed_types_are_major():
    old = committed()
    new = edited(old)
    new.rows["post_sections"] = [r for r in new.rows["post_sections"] if r["id"] != "closing"]
    points = new.resource("theory_points")
    points["schema"]["fields"] = [f for f in points["schema"]["fields"] if f["name"] != "title"]
    for r in new.rows["theory_points"]:
        del r["title"]
    next(f for f in new.resource("theories")["schema"]["fields"] if f["name"] == "credit")["type"] = "integer"
    new.descriptor["resources"] = [r for r in new.descriptor["resources"] if r["name"] != "ratings"]
    del new.rows["ratings"]
    result = compare(old, new)
    assert result["bump"] == "major"
    found = levels(result)
    assert found["`post_sections`: 1 id removed"] == "major"
    assert found["`theory_points`: field `title` removed"] == "major"
    assert found["`theories`: field `credit` type string → integer"] == "major"
    assert found[f"resource `ratings` removed ({len(old.rows['ratings'])} rows)"] == "major"
    assert result["resources"]["post_sections"]["removed"] == [["closing"]]
    assert "theory_points" not in result["resources"], "a removed field is a schema change, not a change of every row"


def test_added_field_and_resource_are_minor():
    old = committed()
    new = edited(old)
    new.resource("comments")["schema"]["fields"].append({"name": "author", "type": "string", "description": "Who wrote it."})
    for r in new.rows["comments"]:
        r["author"] = ""
    new.descriptor["resources"].append(
        {"name": "notes", "path": "data/notes.csv", "schema": {"fields": [{"name": "id", "type": "string"}], "primaryKey": ["id"]}}
    )
    new.rows["notes"] = [{"id": "n1"}, {"id": "n2"}]
    result = compare(old, new)
    assert result["bump"] == "minor"
    assert levels(result) == {"`comments`: field `author` added (string)": "minor", "resource `notes` added (2 rows)": "minor"}
    assert result["resources"]["notes"]["added"] == [["n1"], ["n2"]]


def test_renumbered_rows_are_reported_as_major():
    old = committed()
    new = edited(old)
    row(new, "comments", id="c18")["id"] = "c19"
    result = compare(old, new)
    assert result["bump"] == "major"
    assert result["renumbered"] == {"comments": [[["c18"], ["c19"]]]}
    assert "- renumbered: `c18` → `c19`" in diff.markdown(result)


def test_zips_folders_and_release_folders_read_the_same(tmp_path, built):
    from scripts.release.bundle import members, zip_name

    descriptor = json.loads(built.package_path.read_text(encoding="utf-8"))
    release_folder = tmp_path / "dist" / "release"
    release_folder.mkdir(parents=True)
    archive = release_folder / zip_name(descriptor)
    write_zip(members(built.root, built, descriptor), archive)
    nested = tmp_path / "nested.zip"  # 0.1.0's zip held the package under a <name>-<version>/ folder
    with zipfile.ZipFile(nested, "w") as old_style:
        for name, path in members(built.root, built, descriptor):
            old_style.writestr(f"{archive.stem}/{name}", path if isinstance(path, bytes) else Path(path).read_bytes())
    from_folder = package_reader.read(built.root)
    for where in (archive, nested, release_folder, built.package_path):
        other = package_reader.read(where)
        assert other.descriptor == from_folder.descriptor and other.rows == from_folder.rows, where


@pytest.mark.slow
def test_cli_prints_markdown_or_json_and_fails_clearly(tmp_path):
    old = committed()
    new = edited(old)
    row(new, "theories", number="1")["credit"] = "Someone"
    old_folder, new_folder = write_package(old, tmp_path / "old"), write_package(new, tmp_path / "new")
    markdown = subprocess.run([sys.executable, "-m", "scripts", "diff", str(old_folder), str(new_folder)], cwd=REPO.root, capture_output=True, text=True)
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("## ") and '- changed `1`: credit "" → "Someone"' in markdown.stdout
    # the other two in-process: what a real process adds (exit status, UTF-8 output) is shown above
    code, out, err = run_cli("diff", str(old_folder), str(new_folder), "--json")
    assert code == 0 and json.loads(out)["resources"]["theories"]["changed"][0]["key"] == ["1"]
    code, out, err = run_cli("diff", str(tmp_path / "nowhere"), str(new_folder))
    assert code == 1 and err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "version, bump, expected", [("0.1.0", "patch", "0.1.1"), ("0.1.3", "minor", "0.2.0"), ("1.4.2", "major", "2.0.0"), ("1.4.2", "none", "1.4.2")]
)
def test_next_version(version, bump, expected):
    assert diff.next_version(version, bump) == expected


def test_unreadable_versions_are_named_by_file_and_line(tmp_path):
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BuildError, match=r"damaged.zip: not a zip file"):
        package_reader.read(damaged)
    folder = write_package(committed(), tmp_path / "latin1")
    comments = folder / "data" / "comments.csv"
    comments.write_bytes(comments.read_bytes().replace(b"Fwiw", "Fwîw".encode("latin-1"), 1))
    with pytest.raises(BuildError, match=r"latin1/data/comments.csv:2: not UTF-8 text: byte 0xee"):
        package_reader.read(folder)
    descriptor = folder / "datapackage.json"
    descriptor.write_text('{"resources": [{"name": "theories"}]}', encoding="utf-8")
    with pytest.raises(BuildError, match=r"latin1/datapackage.json: resources: expected a list of resources, each with a name and a path"):
        package_reader.read(folder)


def test_a_broken_release_record_is_named(tmp_path):
    project = Project(tmp_path)
    record = tmp_path / "releases" / "0.1.0" / "manifest.json"
    record.parent.mkdir(parents=True)
    record.write_text('{"version": "0.1.0",\n  "files": }\n', encoding="utf-8")
    with pytest.raises(BuildError, match=r"^releases/0.1.0/manifest.json:2: not valid JSON"):
        recorded_manifests(project)
    record.write_text('{"files": {}}\n', encoding="utf-8")
    with pytest.raises(BuildError, match=r"^releases/0.1.0/manifest.json: version: a release record needs its version"):
        recorded_manifests(project)


# An old package is untrusted: it may come from anywhere ---------------------------------------


def malicious(tmp_path, name="old"):
    """The committed package written as a folder, to break."""
    return write_package(committed(), tmp_path / name)


def set_path(folder, resource, path):
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    next(r for r in descriptor["resources"] if r["name"] == resource)["path"] = path
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")


def refused(old, message):
    """`diff OLD .` stops with one line naming the problem, and no traceback."""
    code, out, err = run_cli("diff", str(old), str(REPO.root))
    assert code == 1 and out == "" and "Traceback" not in err, err
    assert err.count("\n") == 1 and message in err, err
    return err


@pytest.mark.parametrize("path", ["/dev/zero", "../../etc/passwd", "data/../../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini"])
def test_a_resource_path_outside_the_package_is_never_read(tmp_path, path):
    old = malicious(tmp_path)
    set_path(old, "theories", path)
    refused(old, "datapackage.json: path: resource path ")
    refused(old, "leads outside the package; expected a relative path inside it")


def test_a_link_in_an_old_package_is_never_followed(tmp_path):
    old = malicious(tmp_path)
    (old / "data" / "theories.csv").unlink()
    os.symlink("/etc/passwd", old / "data" / "theories.csv")
    err = refused(old, "data/theories.csv: leads outside the package (through a symbolic link)")
    assert "root:" not in err
    (old / "data" / "theories.csv").unlink()
    os.symlink("comments.csv", old / "data" / "theories.csv")  # inside, but still a link: not followed
    refused(old, "data/theories.csv: is a symbolic link, not a regular file")
    outside = malicious(tmp_path, "outside")  # a folder of the package that is a link out of it
    shutil.rmtree(old / "data")
    os.symlink(outside / "data", old / "data")
    refused(old, ".csv: leads outside the package (through a symbolic link)")
    (old / "data").unlink()
    (old / "data").mkdir()
    for resource in committed().descriptor["resources"]:
        os.mkfifo(old / resource["path"])  # a FIFO would hang the read
    refused(old, "is a FIFO (named pipe), not a regular file")


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path):
    """A small zip whose CSV inflates past the cap (the issue's: 433 kB holding 204 MB, which
    took 5.7 GB): refused from its declared size, before a byte is inflated."""
    bomb = tmp_path / "bomb.zip"
    descriptor = dict(committed().descriptor)
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "theories"]
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor))
        with archive.open("data/theories.csv", "w") as member:
            member.write(b"number,title\n")
            for _ in range(sizes.MAX_PACKAGE_FILE_BYTES // 1_000_000 + 1):
                member.write(b"1," + b"a" * 999_998)
    assert bomb.stat().st_size < 1_000_000
    inflated = len(b"number,title\n") + (sizes.MAX_PACKAGE_FILE_BYTES // 1_000_000 + 1) * 1_000_000
    refused(bomb, f"bomb.zip/data/theories.csv: is {inflated:,} bytes uncompressed; the limit is {sizes.MAX_PACKAGE_FILE_BYTES:,}")


def test_a_zip_that_lies_about_its_sizes_is_an_error(tmp_path):
    """A member whose headers declare fewer bytes than it holds: never read past the declared
    size, and the mismatch is a one-line error."""
    liar = tmp_path / "liar.zip"
    descriptor = dict(committed().descriptor)
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "theories"]
    theories = (REPO.data_dir / "theories.csv").read_bytes()
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("datapackage.json", json.dumps(descriptor))
        archive.writestr("data/theories.csv", theories)
    data = bytearray(liar.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # uncompressed size, local and central headers
        at = data.find(signature, data.find(b"data/theories.csv") - 60 if signature == b"PK\x03\x04" else data.find(signature))
        at = data.rfind(signature, 0, data.find(b"data/theories.csv", at) + 1)
        struct.pack_into("<I", data, at + offset, 100)
    liar.write_bytes(bytes(data))
    refused(liar, "liar.zip/data/theories.csv: cannot be read from the zip")


def test_a_zip_of_many_files_is_refused_before_its_listing_is_read(tmp_path):
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        archive.writestr("datapackage.json", json.dumps(committed().descriptor))
        for i in range(sizes.MAX_PACKAGE_MEMBERS):
            archive.writestr(f"x/{i}", b"")
    refused(many, f"many.zip: holds {sizes.MAX_PACKAGE_MEMBERS + 1:,} files; a package zip holds at most {sizes.MAX_PACKAGE_MEMBERS:,}")


def test_malformed_old_packages_are_one_line_errors(tmp_path):
    old = malicious(tmp_path)
    theories = old / "data" / "theories.csv"
    original = theories.read_text(encoding="utf-8")
    theories.write_text(original + "21," + "x" * 200_000 + "\n", encoding="utf-8")  # a cell of 200,000 characters
    refused(old, "data/theories.csv:22: a cell of more than 131,072 characters")
    theories.write_text(original, encoding="utf-8")
    descriptor_path = old / "datapackage.json"
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    for change, message in [
        (lambda r: r.pop("schema"), "datapackage.json: resources.theories.schema: missing; every resource needs a schema"),
        (lambda r: r["schema"].pop("primaryKey"), "resources.theories.schema.primaryKey: expected a list of the resource's field names"),
        (lambda r: r["schema"].update(primaryKey=["nosuch"]), "resources.theories.schema.primaryKey: expected a list"),
        (lambda r: r["schema"]["fields"].append({"name": "x"}), "resources.theories.schema.fields: expected a list of fields, each with a name and a type"),
        (lambda r: r["schema"].update(foreignKeys=[{"fields": 3}]), "resources.theories.schema.foreignKeys"),
    ]:
        broken = json.loads(json.dumps(descriptor))
        change(next(r for r in broken["resources"] if r["name"] == "theories"))
        descriptor_path.write_text(json.dumps(broken), encoding="utf-8")
        refused(old, message)
    descriptor_path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    refused(old, "datapackage.json: not valid JSON: nested too deeply")
    descriptor_path.write_text("[]", encoding="utf-8")
    refused(old, "datapackage.json: expected a JSON object")
    descriptor_path.write_text(json.dumps(descriptor), encoding="utf-8")
    theories.write_text("title\nx\n", encoding="utf-8")
    refused(old, "data/theories.csv:1: the header has no column 'number', a field of the primary key")


def test_a_short_row_in_an_old_package_reads_as_empty_cells(tmp_path):
    old = malicious(tmp_path)
    theories = old / "data" / "theories.csv"
    theories.write_text(theories.read_text(encoding="utf-8") + "21\n", encoding="utf-8")
    code, out, err = run_cli("diff", str(old), str(REPO.root))
    assert code == 0 and "Traceback" not in err and "removed: `21`" in out


def test_an_old_package_of_more_lines_than_the_cap_is_refused(tmp_path, monkeypatch):
    """Each row is held in memory (a file of tiny rows costs far more than its bytes): the lines
    of the package's CSV files are capped as they are read."""
    old = malicious(tmp_path)
    monkeypatch.setattr(sizes, "MAX_PACKAGE_LINES", 100)
    refused(old, "reading it would make the package's CSV files more than 100 lines; the limit is 100")
