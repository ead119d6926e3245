"""Same input, same bytes: two builds of the same content (even from two different
folders) give byte-identical PDFs, EPUBs and HTML; dates come from the topic's review date,
or from SOURCE_DATE_EPOCH when it is set, never from the clock."""
from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from conftest import ROOT, SLEEP_TOPIC, make_project, snapshot
from publisher.build import BuildOptions, Project, build_editions, load_editions
from publisher.errors import ContentError

TOPICS = ("neuroplasticity", "sleep-hygiene")
EPOCH = 1767225600  # 2026-01-01T00:00:00Z


def build_copy(where: Path, out: Path) -> dict[str, bytes]:
    """Build every edition of both topics from a fresh copy of the project at `where`."""
    root = where
    for name in ("source", "layouts"):  # all of it: translations, the clinic's and editions' too
        shutil.copytree(ROOT / name, root / name)
    shutil.copytree(SLEEP_TOPIC, root / "source" / "sleep-hygiene")
    build_editions(Project(root), BuildOptions(out_dir=out))
    return snapshot(out)


def pdf_dates(data: bytes) -> tuple[str, str, str, str]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        return (str(pdf.docinfo["/CreationDate"]), str(pdf.docinfo["/ModDate"]),
                re.search(r"<xmp:CreateDate>(.*?)<", xmp)[1], re.search(r"<xmp:ModifyDate>(.*?)<", xmp)[1])


def epub_modified(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
    return opf.xpath("string(//*[@property='dcterms:modified'])")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory, built):
    """The session's build from this checkout (the test topic read from its fixture folder),
    and a build of a copy elsewhere (the test topic copied into source/)."""
    base = tmp_path_factory.mktemp("repro")
    first = snapshot(built[0])
    second = build_copy(base / "somewhere-else" / "project", base / "somewhere-else" / "out")
    return first, second


@pytest.mark.slow  # two more builds of the whole bundled topic
def test_two_builds_are_byte_identical(two_builds, built):
    first, second = two_builds
    assert sorted(first) == sorted(second)
    editions = load_editions(Project(ROOT))
    # every edition of every topic (a bilingual edition only for a topic translated into its
    # second language), and the index
    per_topic = [sum(1 for e in editions.values() if not e.bilingual), len(editions)]  # sleep-hygiene, neuroplasticity
    assert len(first) == len(built[1].outputs) + 1 >= sum(per_topic) + 1
    different = [name for name in first if first[name] != second[name]]
    assert different == []


@pytest.mark.slow  # two more builds of the whole bundled topic
def test_pdf_identifiers_and_dates_come_from_the_content(two_builds):
    first, _ = two_builds
    reviewed = {"neuroplasticity": "20261101", "sleep-hygiene": "20261001"}
    ids = set()
    for name, data in first.items():
        if not name.endswith(".pdf"):
            continue
        day = reviewed[name.split("/")[0]]
        assert pdf_dates(data) == (f"D:{day}000000Z", f"D:{day}000000Z",
                                   f"{day[:4]}-{day[4:6]}-{day[6:]}T00:00:00Z", f"{day[:4]}-{day[4:6]}-{day[6:]}T00:00:00Z")
        with pikepdf.open(io.BytesIO(data)) as pdf:
            ids.add(bytes(pdf.trailer.ID[0]))
    pdfs = [name for name in first if name.endswith(".pdf")]
    assert len(ids) == len(pdfs)  # one /ID per document, all different, none random


@pytest.mark.slow  # two more builds of the whole bundled topic
def test_epub_dates_and_zip_order(two_builds):
    first, _ = two_builds
    assert epub_modified(first["neuroplasticity/neuroplasticity-booklet.epub"]) == "2026-11-01T00:00:00Z"
    assert epub_modified(first["sleep-hygiene/sleep-hygiene-booklet.epub"]) == "2026-10-01T00:00:00Z"
    with zipfile.ZipFile(io.BytesIO(first["sleep-hygiene/sleep-hygiene-booklet.epub"])) as z:
        infos = z.infolist()
        assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"
        names = [i.filename for i in infos[1:]]
        assert names == sorted(names)
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_source_date_epoch_sets_every_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    root = make_project(tmp_path / "project")
    build_editions(Project(root), BuildOptions(out_dir=tmp_path / "one"))
    build_editions(Project(root), BuildOptions(out_dir=tmp_path / "two"))
    one, two = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert one == two
    assert epub_modified(one["tiny/tiny-booklet.epub"]) == "2026-01-01T00:00:00Z"
    assert pdf_dates(one["tiny/tiny-clinician-summary.pdf"]) == (
        "D:20260101000000Z", "D:20260101000000Z", "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z")
    # Another epoch: the dates follow it, and only date-bearing outputs change.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH + 86400 * 31 + 3600 * 13 + 7))
    build_editions(Project(root), BuildOptions(out_dir=tmp_path / "three"))
    three = snapshot(tmp_path / "three")
    assert epub_modified(three["tiny/tiny-booklet.epub"]) == "2026-02-01T13:00:07Z"
    assert pdf_dates(three["tiny/tiny-patient-handout.pdf"])[:3] == (
        "D:20260201130007Z", "D:20260201130007Z", "2026-02-01T13:00:07Z")
    assert three["tiny/tiny-web.html"] == one["tiny/tiny-web.html"]  # no date of its own
    assert three["tiny/tiny-patient-handout.pdf"] != one["tiny/tiny-patient-handout.pdf"]


def test_a_bad_source_date_epoch_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ContentError) as caught:
        build_editions(Project(make_project(tmp_path / "project")), BuildOptions(out_dir=tmp_path / "out"))
    assert [f.code for f in caught.value.findings] == ["c-009"]
    assert "SOURCE_DATE_EPOCH='yesterday' is not a date" in caught.value.findings[0].message
    assert not (tmp_path / "out").exists()  # stopped before the output folder was touched
