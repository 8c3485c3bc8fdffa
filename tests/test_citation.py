"""CITATION.cff is valid (cffconvert), agrees with the package, and its BibTeX and APA
strings reach the README and the Datasette index page."""

import html
import re
import subprocess

import pytest
import yaml

from scripts.build import built_status
from scripts.core.errors import BuildError
from scripts.publishing import citation
from tests.helpers import REPO

CFF = yaml.safe_load(REPO.citation_path.read_text(encoding="utf-8"))


def cffconvert_validate(path):
    tool = REPO.cffconvert
    assert tool.exists(), f"{tool} is missing: `make test` creates it; or run `make {REPO.rel(tool)}`"
    return subprocess.run([str(tool), "--validate", "--infile", str(path)], capture_output=True, text=True)


@pytest.mark.cffconvert
def test_citation_cff_is_valid_according_to_cffconvert():
    result = cffconvert_validate(REPO.citation_path)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    assert "Citation metadata are valid" in result.stdout


@pytest.mark.cffconvert
@pytest.mark.parametrize(
    "breakage", [("type: blog\n", "type: blogpost\n"), ("authors:\n  - name: Longlist dataset maintainers\n", ""), ('date-released: "', 'date-released: "20-')]
)
def test_cffconvert_rejects_an_invalid_citation_file(tmp_path, breakage):
    text = REPO.citation_path.read_text(encoding="utf-8")
    assert breakage[0] in text
    broken = tmp_path / "CITATION.cff"
    broken.write_text(text.replace(breakage[0], breakage[1], 1), encoding="utf-8")
    result = cffconvert_validate(broken)
    assert result.returncode != 0
    assert "Citation metadata are valid" not in result.stdout


def test_citation_cff_cites_this_dataset_and_its_source(descriptor):
    assert CFF["type"] == "dataset"
    assert CFF["title"] == descriptor["title"]
    assert str(CFF["version"]) == descriptor["version"]
    assert CFF["license"] == descriptor["licenses"][0]["name"]
    post = citation.source_post(CFF)
    assert post["title"] == "A Longlist of Theories of Impact for Interpretability"
    assert post["authors"] == [{"given-names": "Neel", "family-names": "Nanda"}]
    assert (post["year"], post["month"], post["publisher"]["name"]) == (2022, 3, "LessWrong")
    assert post["url"] == descriptor["sources"][0]["path"]


def test_no_doi_is_invented_and_its_place_is_marked():
    text = REPO.citation_path.read_text(encoding="utf-8")
    assert "doi" not in CFF, "a DOI may only be added once one has been issued"
    assert re.search(r"^# DOI: none has been assigned yet", text, re.MULTILINE)
    assert citation.DOI_PLACEHOLDER in (REPO.root / "README.md").read_text(encoding="utf-8")


def test_a_doi_reaches_every_citation_once_it_is_added(descriptor):
    with_doi = {**CFF, "doi": "10.5281/zenodo.0000000"}  # made-up, only to exercise the rendering
    assert "doi = {10.5281/zenodo.0000000}" in " ".join(citation.bibtex_dataset(with_doi, descriptor).split())
    assert citation.markdown(citation.apa_dataset(with_doi, "1.0.0")).endswith("[Data set]. https://doi.org/10.5281/zenodo.0000000")
    assert 'href="https://doi.org/10.5281/zenodo.0000000"' in citation.citation_html(with_doi, descriptor)


def test_citations_name_the_version_year_authors_and_source(descriptor):
    bibtex = citation.bibtex_dataset(CFF, descriptor)
    assert bibtex.count("{") == bibtex.count("}")
    assert f"version = {{{descriptor['version']}}}" in " ".join(bibtex.split())
    assert f"year = {{{str(CFF['date-released'])[:4]}}}" in " ".join(bibtex.split())
    assert "Neel Nanda" in bibtex and "LessWrong" in bibtex
    apa = citation.markdown(citation.apa_dataset(CFF, descriptor["version"]))
    assert apa.startswith(f"Longlist dataset maintainers. ({str(CFF['date-released'])[:4]}). *{descriptor['title']}*")
    assert f"(Version {descriptor['version']}) [Data set]." in apa
    post = citation.markdown(citation.apa_post(citation.source_post(CFF)))
    # the post's exact date (2022-03-11: its dateline on a public mirror, ../shared/source/README.md)
    assert post.startswith("Nanda, N. (2022, March 11). A Longlist of Theories of Impact for Interpretability. *LessWrong*.")
    post_bibtex = citation.bibtex_post(citation.source_post(CFF))
    assert post_bibtex.startswith("@misc{nanda2022longlist,") and "month        = mar" in post_bibtex
    assert "date         = {2022-03-11}" in post_bibtex


def test_readme_carries_the_generated_citations_once(descriptor):
    readme = (REPO.root / "README.md").read_text(encoding="utf-8")
    block = citation.readme_block(CFF, descriptor)
    assert readme.count(block) == 1
    assert readme.count(f"This is version **{descriptor['version']}**") == 1


def test_index_page_shows_version_and_citations(client, built, descriptor):
    page = client.get("/").text
    status = built_status(built, descriptor)  # the version as this build names it
    assert html.escape(citation.bibtex_dataset(CFF, descriptor, status)) in page
    assert html.escape(citation.bibtex_post(citation.source_post(CFF))) in page
    assert citation.as_html(citation.apa_dataset(CFF, status.label)) in page
    assert citation.as_html(citation.apa_post(citation.source_post(CFF))) in page


def test_missing_citation_markers_fail_clearly(descriptor):
    with pytest.raises(BuildError, match="README.md: the citation markers are missing"):
        citation.readme_text("# A README without the block\n", CFF, descriptor)


def test_citation_file_missing_a_field_fails_with_its_line(tmp_path):
    from tests.helpers import copy_inputs

    project = copy_inputs(tmp_path)
    text = project.citation_path.read_text(encoding="utf-8")
    project.citation_path.write_text(re.sub(r"^date-released: .*\n", "", text, flags=re.MULTILINE), encoding="utf-8")
    with pytest.raises(BuildError, match=r"^CITATION.cff:\d+: date-released: missing"):
        citation.load(project)
