"""A clinic's existing document (.docx, .html, .md) -> a pandoc document tree (JSON AST).

Reading is done by maintained tools, never by hand: pandoc (the `pypandoc-binary` wheel,
run with `--sandbox`, so it reads nothing but the file it is given and nothing from the
network) turns each format into one tree; python-docx opens a Word file first to carry over
what pandoc would drop without a word (text boxes) and to list what cannot be carried over
(comments, tracked changes, embedded objects) with where it was.

Errors: `ImportFailed` with one coded finding (`i-001` damaged or not what its name says,
`i-002` password-protected, `i-006` a file type we do not read, `i-007` over a limit).
"""
from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lxml import etree

from .. import limits
from ..errors import PublishError
from ..findings import Finding, Severity, finding
from ..model import SourceRef

# Generous for a handout (a long Word handout with pictures is 1-5 MB), small enough that a
# hostile file cannot make pandoc or python-docx take minutes or gigabytes.
MAX_FILE_BYTES = 25 * 1024 * 1024        # a Word file, pictures included
MAX_TEXT_BYTES = 4 * limits.MAX_TOPIC_BYTES  # an HTML or Markdown file: 4 MB (markup included)
MAX_DOCUMENT_XML_BYTES = 16 * 1024 * 1024  # a Word file's text and its markup, unpacked
MAX_UNPACKED_BYTES = 100 * 1024 * 1024   # a .docx is a zip: its members, inflated, together
MAX_ZIP_MEMBERS = 2000
PANDOC_SECONDS = 120

SUFFIXES = {".docx": "docx", ".html": "html", ".htm": "html", ".md": "commonmark_x",
            ".markdown": "commonmark_x"}

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": _W,
       "o": "urn:schemas-microsoft-com:office:office",
       "v": "urn:schemas-microsoft-com:vml"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # a Compound File: encrypted OOXML or old .doc


class ImportFailed(PublishError):
    """The document cannot be imported at all. `findings` holds the coded reason."""

    exit_code = 3

    def __init__(self, findings: list[Finding]):
        super().__init__("the document cannot be imported; nothing was written", findings)


@dataclass
class Document:
    """What the importer needs of a source document.

    `ast` is pandoc's JSON tree (`{"pandoc-api-version", "meta", "blocks"}`); `media(path)`
    returns the bytes of a picture the tree names, or None when it is not in the document
    (or, for HTML and Markdown, outside the document's folder); `notes` are the warnings
    (`i-003`) about what was not carried over as it was.
    """

    source: Path
    format: str
    ast: dict
    title: str = ""
    language: str = ""
    notes: list[Finding] = field(default_factory=list)
    _zip_media: dict[str, bytes] = field(default_factory=dict)

    def media(self, target: str) -> bytes | None:
        if self.format == "docx":
            return self._zip_media.get(str(PurePosixPath("word") / target))
        return _local_file(self.source.parent, target)


def _xpath(element, path: str):
    """XPath with our prefixes, on python-docx elements and plain lxml ones alike."""
    return etree._Element.xpath(element, path, namespaces=_NS)


def _fail(code: str, source: Path, message: str, hint: str | None = None) -> ImportFailed:
    return ImportFailed([finding(code, message, source=SourceRef(str(source)), hint=hint)])


def _local_file(folder: Path, target: str) -> bytes | None:
    """A picture named by an HTML or Markdown file: only a relative path inside its folder."""
    if not target or "://" in target or target.startswith(("/", "data:", "\\")):
        return None
    root = folder.resolve()
    path = (folder / target).resolve()
    if root not in path.parents or not path.is_file():
        return None
    if path.stat().st_size > MAX_FILE_BYTES:
        return None
    return path.read_bytes()


def read_document(source: Path) -> Document:
    """Open `source` and return its tree. Raises ImportFailed (coded) when it cannot be read."""
    source = Path(source)
    fmt = SUFFIXES.get(source.suffix.lower())
    if fmt is None:
        raise _fail("i-006", source, f"'{source.suffix or source.name}' files cannot be imported",
                    hint="Save the document as .docx (Word), .html or .md and import that file.")
    try:
        size = source.stat().st_size
        if not source.is_file():
            raise _fail("i-001", source, "is not a file", hint="Name a .docx, .html or .md file.")
        limit = MAX_FILE_BYTES if fmt == "docx" else MAX_TEXT_BYTES
        if size > limit:
            raise _fail("i-007", source, f"the file is {limits.human_bytes(size)}; the limit for "
                        f"{source.suffix} files is {limits.human_bytes(limit)}",
                        hint="Split the document into several handouts, or make its pictures smaller.")
        data = source.read_bytes()
    except OSError as exc:
        raise _fail("i-001", source, f"cannot be read ({exc.strerror or exc})",
                    hint="Check the file name and that you may read it.") from None
    if fmt == "docx":
        return _read_docx(source, data)
    if data.startswith((b"PK\x03\x04", _OLE_MAGIC)):
        raise _fail("i-001", source, f"is a Word (or other Office) file, not {source.suffix} text",
                    hint="Rename it to .docx if it is a Word document, or save it from Word as .docx.")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail("i-001", source, f"is not UTF-8 text (byte {exc.start})",
                    hint="Save the file as UTF-8 in your editor.") from None
    ast = _pandoc(data, fmt, source)
    meta = ast.get("meta", {})
    return Document(source=source, format=fmt, ast=ast, title=_meta_text(meta.get("title")),
                    language=_meta_text(meta.get("lang")))


# -- Word ---------------------------------------------------------------------------------
def _read_docx(source: Path, data: bytes) -> Document:
    if data.startswith(_OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise _fail("i-002", source, "the document is protected with a password",
                        hint="Open it in Word, remove the password (File > Info > Protect "
                             "Document), save it, and import it again.")
        raise _fail("i-001", source, "is an old Word 97-2003 document, not .docx",
                    hint="Open it in Word and save it as a Word Document (.docx).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        text_part = next((m for m in members if m.filename == "word/document.xml"), None)
        if (len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNPACKED_BYTES
                or (text_part is not None and text_part.file_size > MAX_DOCUMENT_XML_BYTES)):
            raise _fail("i-007", source, "the document unpacks to more than "
                        f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB, {MAX_ZIP_MEMBERS} parts or "
                        f"{MAX_DOCUMENT_XML_BYTES // 1024 // 1024} MB of text",
                        hint="Split the document into several handouts, or make its pictures smaller.")
        if "word/document.xml" not in archive.namelist():
            raise zipfile.BadZipFile("no word/document.xml")
        media = {m.filename: archive.read(m) for m in members
                 if m.filename.startswith("word/media/") and not m.is_dir()}
    except (zipfile.BadZipFile, EOFError, KeyError, ValueError, OSError) as exc:
        raise _fail("i-001", source, f"is damaged or not a Word document ({exc})",
                    hint="Open it in Word, save it again as .docx, and import the new file.") from None
    import docx  # python-docx; imported here so the rest of the command line starts fast

    try:
        word = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many types for a bad package
        raise _fail("i-001", source, f"is damaged or not a Word document ({type(exc).__name__}: {exc})",
                    hint="Open it in Word, save it again as .docx, and import the new file.") from None
    notes = _carry_text_boxes(word, source) + _list_dropped(word, source)
    buffer = io.BytesIO()
    word.save(buffer)
    ast = _pandoc(buffer.getvalue(), "docx", source, extra=["--track-changes=accept"])
    properties = word.core_properties
    title = (properties.title or "").strip() or _meta_text(ast.get("meta", {}).get("title"))
    return Document(source=source, format="docx", ast=ast, title=title,
                    language=(properties.language or "").strip() or _docx_language(word),
                    notes=notes, _zip_media=media)


def _docx_language(word) -> str:
    """The document's default language (styles.xml docDefaults), as Word records it."""
    styles = word.styles.element
    found = _xpath(styles, "./w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val")
    return str(found[0]) if found else ""


def _excerpt(text: str, size: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _paragraph_text(p) -> str:
    return "".join(_xpath(p, ".//w:t[not(ancestor::w:txbxContent)]/text()"))


def _where(word, element) -> str:
    """'under the heading "X", in the paragraph "Y"': where an editor finds it in Word."""
    body = word.element.body
    paragraph = element
    while paragraph is not None and paragraph.getparent() is not body:
        paragraph = paragraph.getparent()
    heading = ""
    if paragraph is not None:
        for previous in paragraph.itersiblings(preceding=True):
            style = _xpath(previous, "string(./w:pPr/w:pStyle/@w:val)")
            if style.lower().startswith(("heading", "title")):
                heading = _paragraph_text(previous)
                break
    text = _paragraph_text(paragraph) if paragraph is not None else ""
    parts = []
    if heading:
        parts.append(f'under the heading "{_excerpt(heading)}"')
    parts.append(f'in the paragraph "{_excerpt(text)}"' if text.strip() else "in an empty paragraph")
    return ", ".join(parts)


def _note(source: Path, message: str, hint: str) -> Finding:
    return finding("i-003", message, source=SourceRef(str(source)), hint=hint,
                   severity=Severity.WARNING)


def _carry_text_boxes(word, source: Path) -> list[Finding]:
    """Move each text box's paragraphs into the body after the paragraph that holds it.

    Pandoc drops a floating text box (DrawingML `wps:txbx` inside `mc:AlternateContent`);
    its words must not be lost, so they become ordinary paragraphs where the box was
    anchored, and the report says so.
    """
    notes: list[Finding] = []
    body = word.element.body
    done = set()
    for content in _xpath(body, ".//w:txbxContent"):
        run = content
        # The outermost run that holds the box (its VML fallback holds a copy of the text).
        while run is not None and not (run.tag == f"{{{_W}}}r" and run.getparent().tag == f"{{{_W}}}p"):
            run = run.getparent()
        if run is None or id(run) in done:
            continue
        done.add(id(run))
        paragraph = run.getparent()
        inner = [copy.deepcopy(p) for p in _xpath(content, "./w:p")]
        text = " ".join(_paragraph_text(p) for p in inner)
        where = _where(word, paragraph)
        anchor = paragraph
        for p in inner:
            anchor.addnext(p)
            anchor = p
        paragraph.remove(run)
        if text.strip():
            notes.append(_note(source, f'text box "{_excerpt(text)}" {where}: its text now follows '
                               "that paragraph as ordinary text",
                               "Check where the text belongs; a handout has no floating boxes "
                               "(a callout can be its own short section)."))
    return notes


def _list_dropped(word, source: Path) -> list[Finding]:
    """Comments, tracked changes and embedded objects: say which and where (not carried over)."""
    notes: list[Finding] = []
    body = word.element.body
    comments = {}
    try:
        for comment in word.comments:
            comments[str(comment.comment_id)] = (comment.author or "someone", comment.text or "")
    except Exception:  # no comments part, or an older python-docx
        pass
    for reference in _xpath(body, ".//w:commentReference"):
        cid = reference.get(f"{{{_W}}}id")
        author, text = comments.get(str(cid), ("someone", ""))
        notes.append(_note(source, f'comment by {author} ("{_excerpt(text)}") {_where(word, reference)} '
                           "was not carried over",
                           "Act on the comment in the imported section, then delete this note from your list."))
    for kind, label in (("ins", "insertion"), ("del", "deletion"), ("moveTo", "move"),
                        ("moveFrom", "move")):
        for change in _xpath(body, f".//w:{kind}"):
            text = "".join(_xpath(change, ".//w:t/text() | .//w:delText/text()"))
            notes.append(_note(source, f'tracked change ({label} "{_excerpt(text)}") {_where(word, change)} '
                               "was accepted",
                               "Check the imported text reads as intended; tracked changes are imported as accepted."))
    for obj in _xpath(body, ".//w:object | .//w:drawing//*[local-name()='chart' or local-name()='relIds']"):
        prog = _xpath(obj, "string(.//o:OLEObject/@ProgID)") or (
            "chart" if obj.tag.endswith("chart") else "diagram" if obj.tag.endswith("relIds") else "object")
        notes.append(_note(source, f"embedded object ({prog}) {_where(word, obj)} was not carried over",
                           "Describe what it shows in words, or save it as a picture (PNG) with alt text "
                           "in the topic's images/ folder."))
    return notes


# -- pandoc -------------------------------------------------------------------------------
def _pandoc(data: bytes, fmt: str, source: Path, *, extra: list[str] | None = None) -> dict:
    """Bytes of one document -> pandoc's JSON tree; pandoc reads stdin only (--sandbox)."""
    import pypandoc  # ships the pandoc binary (pypandoc-binary)

    command = [pypandoc.get_pandoc_path(), "--sandbox", "-f", fmt, "-t", "json", *(extra or [])]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=PANDOC_SECONDS)
    except subprocess.TimeoutExpired:
        raise _fail("i-007", source, f"reading it took more than {PANDOC_SECONDS} s",
                    hint="Split the document into several handouts.") from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _fail("i-001", source, f"is damaged or not {fmt} ({_excerpt(reason[-1] if reason else '', 120)})",
                    hint="Open it in the program that made it, save it again, and import the new file.")
    return json.loads(done.stdout)


def to_markdown(blocks: list[dict], api_version: list[int]) -> str:
    """Pandoc blocks -> Markdown our reader takes (CommonMark with pipe tables, no raw HTML)."""
    import pypandoc

    document = json.dumps({"pandoc-api-version": api_version, "meta": {}, "blocks": blocks})
    command = [pypandoc.get_pandoc_path(), "--sandbox", "-f", "json", "-t", "gfm-raw_html",
               "--wrap=none"]
    done = subprocess.run(command, input=document.encode("utf-8"), capture_output=True,
                          timeout=PANDOC_SECONDS, check=True)
    return done.stdout.decode("utf-8")


def plain_text(inlines: list[dict]) -> str:
    """Pandoc inlines -> their words (notes left out)."""
    out: list[str] = []

    def walk(items):
        for item in items:
            kind, content = item.get("t"), item.get("c")
            if kind == "Str":
                out.append(content)
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                out.append(" ")
            elif kind == "Code":
                out.append(content[1])
            elif kind == "Math":
                out.append(content[1])
            elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript",
                          "SmallCaps"):
                walk(content)
            elif kind in ("Span", "Link", "Image"):
                walk(content[1])
            elif kind == "Quoted":
                out.append("“")
                walk(content[1])
                out.append("”")
            elif kind == "Cite":
                walk(content[1])
    walk(inlines)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def _meta_text(value) -> str:
    """A pandoc metadata value (MetaInlines / MetaString) -> plain text."""
    if not value:
        return ""
    if value.get("t") == "MetaString":
        return str(value.get("c", "")).strip()
    if value.get("t") in ("MetaInlines", "MetaBlocks"):
        return plain_text(value.get("c", [])).strip()
    return ""
