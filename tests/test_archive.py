"""Bounded work on archives the tool did not write (issue 14 part 2, case check-epub-zip-bomb):
entry count, declared unpacked size, compression ratio and total are checked before anything
is inflated; entries inflate in chunks that stop at the declared size. The bombs are made here."""
from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import pytest

from conftest import ROOT
from publisher import limits
from publisher.archive import ArchiveRefused, open_archive
from publisher.verify import epub as epub_check

CONTAINER = (b'<?xml version="1.0"?><container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
             b'<rootfiles><rootfile full-path="a.opf"/></rootfiles></container>')


def bomb(where, megabytes: int, name: str = "META-INF/container.xml") -> None:
    """An EPUB whose one entry is a short container document and then `megabytes` MB of spaces
    (as the case's make.py writes it)."""
    with zipfile.ZipFile(where, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as f:
            f.write(CONTAINER)
            block = b" " * (1 << 20)
            for _ in range(megabytes):
                f.write(block)


def small_zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def test_an_entry_beyond_the_size_limit_is_refused_before_it_is_inflated():
    out = io.BytesIO()
    bomb(out, limits.MAX_ARCHIVE_ENTRY_BYTES // (1 << 20) + 1)
    with pytest.raises(ArchiveRefused, match=r"^the entry 'META-INF/container.xml' unpacks to 65.0 MB; "
                                             r"the limit is 64.0 MB per entry$"):
        open_archive(out.getvalue())


def test_an_entry_that_grows_too_much_is_refused():
    """2 MB of spaces: under the size limit, but stored some thousand times smaller."""
    data = small_zip({"META-INF/container.xml": CONTAINER + b" " * (2 << 20)})
    with pytest.raises(ArchiveRefused, match=r"unpacks \d+ times larger than it is stored .*the limit is 200 times"):
        open_archive(data)


def test_ordinary_text_and_small_entries_pass():
    import random
    words = "sleep helps the brain heal routines light caffeine screens mood stress body rest clinic".split()
    pick = random.Random(14).choice
    text = "\n".join("<p>" + " ".join(pick(words) for _ in range(12)) + ".</p>" for _ in range(40_000)).encode()
    with open_archive(small_zip({"a.xhtml": text, "tiny.txt": b" " * 50_000})) as z:
        assert z.read("a.xhtml") == text and z.read("tiny.txt") == b" " * 50_000


def test_too_many_entries_and_too_much_together(monkeypatch):
    with pytest.raises(ArchiveRefused, match=f"it has {limits.MAX_ARCHIVE_ENTRIES + 1} entries; the limit is"):
        open_archive(small_zip({f"{n}.txt": b"" for n in range(limits.MAX_ARCHIVE_ENTRIES + 1)}))
    monkeypatch.setattr(limits, "MAX_ARCHIVE_TOTAL_BYTES", 100_000)
    with pytest.raises(ArchiveRefused, match="its entries unpack to 117.2 KB together; the limit is 97.7 KB"):
        open_archive(small_zip({"a": b"x" * 60_000, "b": b"y" * 60_000}))


def test_an_entry_never_inflates_beyond_what_it_declares(monkeypatch):
    """The cap holds while inflating, not only on the declared size."""
    data = small_zip({"a.txt": b"z" * 10_000})
    with open_archive(data) as z:
        monkeypatch.setattr(z.getinfo("a.txt"), "file_size", 100)  # a central directory that lies
        with pytest.raises(Exception) as info:
            z.read("a.txt")
        assert isinstance(info.value, (ArchiveRefused, zipfile.BadZipFile))


def test_xml_inside_resolves_no_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-7Q")
    doc = (f'<!DOCTYPE c [<!ENTITY x SYSTEM "file://{secret}">]><c>&x;</c>').encode()
    with open_archive(small_zip({"c.xml": doc})) as z:
        assert b"SECRET-7Q" not in __import__("lxml.etree", fromlist=["tostring"]).tostring(z.xml("c.xml"))


def test_the_epub_check_reports_the_bomb_as_v003(tmp_path):
    path = tmp_path / "bomb.epub"
    bomb(path, 65)
    with pytest.raises(ArchiveRefused):
        epub_check.check(path.read_bytes(), name="bomb.epub")


def test_case_check_epub_zip_bomb(tmp_path):
    """`publish check` on an EPUB whose container.xml inflates to 400 MB: v-003 naming the
    entry, small memory, no validator run."""
    path = tmp_path / "bomb.epub"
    bomb(path, 400)
    assert path.stat().st_size < 1_000_000
    # The peak memory the check adds to a process that has already imported what it uses (the
    # interpreter and the libraries weigh 200-300 MB, more or less from one machine to another).
    script = ("import json, resource, sys; from click.testing import CliRunner; import publish; "
              "import publisher.verify.outputs, publisher.verify.epub, publisher.archive, lxml.etree, pikepdf; "
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
              "r = CliRunner().invoke(publish.cli, ['check', sys.argv[1], '--format', 'json']); "
              "print(json.dumps({'exit': r.exit_code, 'out': r.output, "
              "'added_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before}))")
    done = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["exit"] == 7, result
    assert "the entry 'META-INF/container.xml' unpacks to 400.0 MB; the limit is 64.0 MB per entry" in result["out"]
    assert "not given to the validators" in result["out"] and "e-002" not in result["out"]
    # Nothing was inflated: the check adds far less than the 400 MB the entry would take. (No
    # timed assertion: speed is the benchmark's business; the subprocess timeout guards a hang.)
    assert result["added_kb"] < 100_000, result["added_kb"]


def pdf_with_stream(payload: bytes) -> bytes:
    """A one-page PDF whose page content is `payload`, Flate-compressed."""
    packed = __import__("zlib").compress(payload, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.7\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_a_pdf_whose_stream_unpacks_beyond_the_limit_is_refused(tmp_path):
    """The same kind as the EPUB: `publish check` on a PDF from elsewhere whose content stream
    inflates to 80 MB stops with v-003 before pikepdf or pdfminer unpack it."""
    from publisher.archive import check_pdf_streams
    check_pdf_streams(pdf_with_stream(b"BT /F1 12 Tf (Hello) Tj ET\n" * 1000))  # an ordinary page passes
    bomb = pdf_with_stream(b" " * (80 << 20))
    assert len(bomb) < 200_000
    with pytest.raises(ArchiveRefused, match="a stream at byte \\d+ unpacks to more than 64.0 MB, the limit per stream"):
        check_pdf_streams(bomb)
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb)
    from click.testing import CliRunner
    import publish
    result = CliRunner().invoke(publish.cli, ["check", str(path)])
    assert result.exit_code == 7
    assert "v-003 [error]" in result.output and "cannot read it as PDF: a stream at byte" in result.output
