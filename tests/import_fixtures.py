"""Fixture documents for `publish import`, made by the tests (python-docx for Word).

Each `make_*` writes one document and returns the sentences a reader of that document
sees, so a test can look for every one of them in the built output. The Word document
holds everything issue 15 lists: headings on three levels, a nested list, a numbered list
that starts at 3, a table, a picture with a description and one without, a hyperlink, bold
and italic text, a text box, a comment, a tracked insertion, non-ASCII text (accents, a
degree sign, a Spanish passage), and an embedded Excel sheet.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path


def png_bytes(width: int = 4, height: int = 4) -> bytes:
    """A small red PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


TEXT_BOX = "Tip: carry a snack when you walk."
COMMENT = "Check this number with the pharmacist."
ALT = "A red dot that marks where to prick"


def make_docx(path: Path) -> None:
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Inches

    d = docx.Document()
    d.core_properties.title = "Managing Blood Sugar"
    d.core_properties.language = "en-US"
    numbering = d.part.numbering_part.element

    def abstract(aid, fmt):
        levels = "".join(
            f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{"%" + str(i + 1) + "." if fmt == "decimal" else "•"}"/>'
            f'<w:pPr><w:ind w:left="{720 * (i + 1)}" w:hanging="360"/></w:pPr></w:lvl>' for i in range(3))
        numbering.insert(0, parse_xml(f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{aid}">{levels}</w:abstractNum>'))

    def num(nid, aid, start=None):
        over = f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start}"/></w:lvlOverride>' if start else ""
        numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="{nid}"><w:abstractNumId w:val="{aid}"/>{over}</w:num>'))

    abstract(90, "bullet")
    abstract(91, "decimal")
    num(90, 90)
    num(91, 91, start=3)

    def item(text, nid, level=0):
        p = d.add_paragraph(text, style="List Paragraph")
        p._p.get_or_add_pPr().append(parse_xml(
            f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/><w:numId w:val="{nid}"/></w:numPr>'))

    d.add_heading("What is blood sugar", 1)
    p = d.add_paragraph("Blood sugar is the sugar in your blood. It gives you ")
    p.add_run("energy").bold = True
    p.add_run(" for the ")
    p.add_run("whole day").italic = True
    p.add_run(".")
    d.add_heading("Checking at home", 2)
    item("Wash your hands first.", 90)
    item("Use warm water.", 90, 1)
    item("Dry them well.", 90)
    d.add_paragraph("Then follow these steps.")
    item("Prick the side of your finger.", 91)
    item("Put the drop on the strip.", 91)
    d.add_heading("Targets", 3)
    table = d.add_table(rows=3, cols=2)
    table.style = "Table Grid"
    for r, (a, b) in enumerate([("Time", "Target"), ("Before meals", "80 to 130"), ("After meals", "Below 180")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    d.add_picture(io.BytesIO(png_bytes()), width=Inches(1))
    d.inline_shapes[0]._inline.docPr.set("descr", ALT)
    d.add_picture(io.BytesIO(png_bytes(6, 6)), width=Inches(1))
    p = d.add_paragraph("Read more at ")
    rid = p.part.relate_to("https://health.example.gov/sugar", RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    t = OxmlElement("w:t")
    t.text = "the health department page"
    run.append(t)
    link.append(run)
    p._p.append(link)
    p.add_run(".")
    d.add_heading("Storing insulin", 1)
    p = d.add_paragraph("Keep insulin below 30 °C. Café con leche has sugar too.")
    d.add_comment(p.runs, text=COMMENT, author="Editor")
    d.add_paragraph("El azúcar en la sangre es importante. Pregunte a su médico.")
    p = d.add_paragraph("Store spare pens in the fridge.")
    p._p.append(parse_xml(
        f'<w:ins {nsdecls("w")} w:id="901" w:author="Editor" w:date="2026-11-01T00:00:00Z">'
        '<w:r><w:t xml:space="preserve"> Never freeze them.</w:t></w:r></w:ins>'))
    wps = ('xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
           'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"')
    box = parse_xml(
        f'<w:r {nsdecls("w", "wp", "a")} {wps}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="1" behindDoc="0" '
        'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        '<wp:extent cx="2000000" cy="500000"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        '<wp:wrapSquare wrapText="bothSides"/><wp:docPr id="50" name="Text Box 1"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2000000" cy="500000"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx><w:txbxContent>'
        f'<w:p><w:r><w:t>{TEXT_BOX}</w:t></w:r></w:p></w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>'
        '</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice></mc:AlternateContent></w:r>')
    d.add_paragraph("Ask about a snack plan.")._p.append(box)
    d.add_paragraph("Your log sheet:")._p.append(parse_xml(
        f'<w:r {nsdecls("w")} xmlns:o="urn:schemas-microsoft-com:office:office"><w:object>'
        '<o:OLEObject Type="Embed" ProgID="Excel.Sheet.12" ShapeID="_x0000_i1025" DrawAspect="Content" '
        'ObjectID="_1"/></w:object></w:r>'))
    d.save(path)


def docx_sentences(path: Path) -> list[str]:
    """Every sentence a reader of the Word file sees: body paragraphs, table cells and text
    boxes, read with python-docx and lxml (independently of the importer)."""
    import docx

    document = docx.Document(path)
    body = document.element.body
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    texts = []
    for p in body.iter("{%s}p" % ns["w"]):
        words = "".join(t.text or "" for t in p.iter("{%s}t" % ns["w"])
                        if not any(a.tag.endswith("txbxContent") for a in t.iterancestors())
                        or p.getparent().tag.endswith("txbxContent"))
        if words.strip():
            texts.append(words)
    return split_sentences(texts)


HTML = """<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8"><title>Foot Care</title>
<script>alert("not content")</script></head>
<body>
<h1>Foot Care</h1>
<p>Look at your feet <strong>every day</strong>. Use a <em>mirror</em> if you need one.</p>
<h2>Washing</h2>
<ul><li>Use warm water, not hot.<ul><li>Test it with your elbow.</li></ul></li><li>Dry between the toes.</li></ul>
<h4>Water temperature</h4>
<p>Keep the water near 37 °C.</p>
<ol start="3"><li>Put on clean socks.</li><li>Check your shoes.</li></ol>
<table><thead><tr><th>Sign</th><th>What to do</th></tr></thead>
<tbody><tr><td>A blister</td><td>Cover it.</td></tr></tbody></table>
<p><img src="images/foot.png" alt="A foot seen from above"> <img src="../outside.png" alt="A secret"></p>
<p>See the <a href="https://health.example.gov/feet">foot care guide</a>.</p>
<h2>Cuidado de los pies</h2>
<p>Revise sus pies todos los días. Llame a su médico si ve una herida.</p>
</body></html>
"""


def make_html(folder: Path) -> Path:
    (folder / "images").mkdir(parents=True, exist_ok=True)
    (folder / "images" / "foot.png").write_bytes(png_bytes())
    (folder.parent / "outside.png").write_bytes(png_bytes(2, 2))
    path = folder / "foot-care.html"
    path.write_text(HTML, "utf-8")
    return path


MARKDOWN = """---
title: Eye Checks
lang: en-US
---
Everyone with diabetes needs an eye check once a year.

# Why

High blood sugar can hurt the small vessels in your eyes.[^1] You may not notice it at first.

[^1]: This is called retinopathy.

## What happens

1. The nurse puts in drops.
2. You wait about 20 minutes.
   - Bring sunglasses.

| Step | Time |
| --- | --- |
| Drops | 20 minutes |

# Después

Sus ojos pueden estar sensibles a la luz. Eso es normal.
"""


def make_md(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "eye-checks.md"
    path.write_text(MARKDOWN, "utf-8")
    return path


def html_sentences(text: str) -> list[str]:
    from lxml import html as lxml_html

    root = lxml_html.fromstring(text)
    for bad in root.xpath("//script | //style | //title"):
        bad.drop_tree()
    blocks = root.xpath("//body//*[self::p or self::li or self::td or self::th or self::h1 or self::h2 "
                        "or self::h3 or self::h4]")
    texts = []
    for b in blocks:
        own = "".join(b.xpath("./text() | ./*[not(self::ul or self::ol)]//text()"))
        if own.strip():
            texts.append(own)
    return split_sentences(texts)


def md_sentences(text: str) -> list[str]:
    from markdown_it import MarkdownIt

    body = text.split("---\n", 2)[2]
    html = MarkdownIt("commonmark").enable("table").render(body.replace("[^1]:", "").replace("[^1]", ""))
    return html_sentences(f"<html><body>{html}</body></html>")


def split_sentences(texts: list[str]) -> list[str]:
    import re

    out = []
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
            if sentence.strip():
                out.append(sentence.strip())
    return out


def make_damaged(path: Path, good: Path) -> None:
    """A Word file cut short, as an interrupted e-mail download leaves it."""
    data = good.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def make_protected(path: Path, good: Path) -> None:
    """The Word file saved with a password (real OOXML encryption, msoffcrypto-tool)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with good.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt("secret", out)
