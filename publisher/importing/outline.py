"""A pandoc document tree -> the outline of a topic: sections by heading, ids, pictures.

One section per top-level heading, subsections per lower heading (at any depth); text
before the first heading becomes an "Introduction" section. What the content format cannot
hold is changed so that no words are lost, and each change is reported (`i-003`):
footnotes move to the end of their section, a table without a header row gets its first
row as header, pictures outside the document or on the web and raw HTML are left out, and
links that lead nowhere keep their words. A heading that skips a level is reported
(`i-004`) and nested under the nearest heading above it.
"""
from __future__ import annotations

import copy
import re
import unicodedata
from dataclasses import dataclass, field

from .. import limits
from ..findings import Finding, Severity, finding
from ..model import SourceRef
from .documents import ImportFailed, plain_text

ID_MAX = 48
_PICTURE_TYPES = ((b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpg"), (b"GIF87a", "gif"),
                  (b"GIF89a", "gif"))
_LINK_SCHEMES = ("https://", "http://", "mailto:", "tel:")


@dataclass
class Picture:
    """A picture to save as `images/<name>`: its bytes and the alt text the document gave."""

    name: str
    data: bytes
    alt: str


@dataclass
class OutlineSection:
    """One section of the imported topic; `blocks` are pandoc blocks of its own text."""

    id: str
    title: str
    level: int
    blocks: list[dict] = field(default_factory=list)
    children: list["OutlineSection"] = field(default_factory=list)


@dataclass
class Outline:
    title: str
    sections: list[OutlineSection]
    pictures: list[Picture]
    notes: list[Finding]


def make_id(title: str, taken: set[str]) -> str:
    """A section id from a title: lowercase ASCII letters, digits and hyphens, unique in `taken`.

    Accents are dropped ("Café" -> "cafe"); other scripts give "section". Adds the id to `taken`.
    """
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    base = ""
    for word in words:
        if len(base) + len(word) + 1 > ID_MAX:
            break
        base = f"{base}-{word}" if base else word
    base = base or (words[0][:ID_MAX] if words else "section")
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


class _Builder:
    def __init__(self, document, reserved: set[str]):
        self.document = document
        self.source = SourceRef(str(document.source))
        self.taken = set(reserved)
        self.notes: list[Finding] = []
        self.pictures: list[Picture] = []
        self.anchors: dict[str, str] = {}  # the document's heading ids -> our section ids

    def note(self, code: str, message: str, hint: str) -> None:
        self.notes.append(finding(code, message, source=self.source, hint=hint,
                                  severity=Severity.WARNING))

    # -- headings -> sections -------------------------------------------------------------
    def build(self) -> Outline:
        blocks = list(self.document.ast.get("blocks", []))
        headers = [b for b in blocks if b.get("t") == "Header"]
        title = self.document.title
        if headers and blocks[0].get("t") == "Header":
            first = blocks[0]
            text = plain_text(first["c"][2])
            if all(h["c"][0] > first["c"][0] for h in headers[1:]) and (
                    not title or text.casefold() == title.casefold()):
                # A lone top heading that is the document's title, not a section.
                title = title or text
                blocks = blocks[1:]
        title_dropped = len(blocks) < len(self.document.ast.get("blocks", []))
        if not title and headers:
            title = plain_text(headers[0]["c"][2])
        roots: list[OutlineSection] = []
        stack: list[OutlineSection] = []
        for block in blocks:
            if block.get("t") != "Header":
                if not stack:
                    intro = OutlineSection(make_id("introduction", self.taken), "Introduction", 0)
                    roots.append(intro)
                    stack.append(intro)
                    where = "after the title, before the first section heading" if title_dropped else \
                        "before the first heading"
                    self.note("i-004", f"the text {where} was put in a section titled 'Introduction'",
                              "Give that section a title of its own in its file, or move its text.")
                stack[-1].blocks.append(block)
                continue
            level, (anchor, _, _), inlines = block["c"]
            text = plain_text(inlines) or "Untitled section"
            # The Introduction (level 0) holds only the text before the first heading.
            while stack and (stack[-1].level >= level or stack[-1].level == 0):
                stack.pop()
            if len(stack) >= limits.MAX_SECTION_DEPTH:
                self.note("i-004", f"the heading '{text}' is more than {limits.MAX_SECTION_DEPTH} levels deep; "
                          f"it is imported beside its parent", "Handouts nest sections at most "
                          f"{limits.MAX_SECTION_DEPTH} deep; check the section is where it belongs.")
                stack.pop()
            if stack and stack[-1].level and level > stack[-1].level + 1:
                self.note("i-004", f"the heading '{text}' (level {level}) follows the level-"
                          f"{stack[-1].level} heading '{stack[-1].title}'; it is imported as its subsection",
                          "Headings go down one level at a time; check the section is where it belongs.")
            section = OutlineSection(make_id(text, self.taken), text, level)
            if anchor:
                self.anchors[anchor] = section.id
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
        for section in _walk(roots):
            section.blocks = self.clean_blocks(section)
        self.check_size(roots)
        return Outline(title=title, sections=roots, pictures=self.pictures, notes=self.notes)

    def check_size(self, roots: list[OutlineSection]) -> None:
        """Refuse (i-007) a document the build could not take: more sections or words than
        the content limits allow (publisher/limits.py), before anything is written."""
        sections = list(_walk(roots))
        if not sections:
            raise ImportFailed([finding("i-001", "the document has no text to import", source=self.source,
                                        hint="Check you chose the right file; an empty document or one with "
                                             "only a title makes no handout.")])
        problems = []
        if len(sections) > limits.MAX_SECTION_FILES:
            problems.append(f"{len(sections)} headings make more than {limits.MAX_SECTION_FILES} sections")
        words = {s.id: len(re.findall(r"\w+", plain_text(_inlines_of(_flat(s.blocks))))) for s in sections}
        big = [(n, i) for i, n in words.items() if n > limits.MAX_SECTION_WORDS]
        if big:
            n, section_id = max(big)
            problems.append(f"the section '{section_id}' has {n:,} words (the limit is "
                            f"{limits.MAX_SECTION_WORDS:,} per section)")
        if sum(words.values()) > limits.MAX_TOPIC_WORDS:
            problems.append(f"the document has {sum(words.values()):,} words (the limit is "
                            f"{limits.MAX_TOPIC_WORDS:,} per topic)")
        if problems:
            raise ImportFailed([finding("i-007", "; ".join(problems), source=self.source,
                                        hint="Split the document into several handouts, or give long parts "
                                             "headings of their own.")])

    # -- what Markdown cannot hold --------------------------------------------------------
    def clean_blocks(self, section: OutlineSection) -> list[dict]:
        notes: list[list[dict]] = []
        blocks = [b for b in (self.block(b, section, notes) for b in section.blocks) if b is not None]
        for n, note_blocks in enumerate(notes, 1):
            lead = [{"t": "Strong", "c": [{"t": "Str", "c": f"Note {n}:"}]}, {"t": "Space"}]
            if note_blocks and note_blocks[0].get("t") in ("Para", "Plain"):
                first = {"t": "Para", "c": lead + note_blocks[0]["c"]}
                blocks += [first] + note_blocks[1:]
            else:
                blocks += [{"t": "Para", "c": lead[:1]}] + note_blocks
            self.note("i-003", f"footnote {n} ('{_short(plain_text(_inlines_of(note_blocks)))}') in the section "
                      f"'{section.id}' was moved to the end of that section as 'Note {n}'",
                      "Handouts have no footnotes: check the note reads well there, or work it into the text.")
        return blocks

    def block(self, block: dict, section: OutlineSection, notes) -> dict | None:
        kind, content = block.get("t"), block.get("c")
        if kind in ("Para", "Plain"):
            return {"t": kind, "c": self.inlines(content, section, notes)}
        if kind == "Header":  # inside a list or quote: keep its words as a bold line
            return {"t": "Para", "c": [{"t": "Strong", "c": self.inlines(content[2], section, notes)}]}
        if kind in ("BulletList",):
            return {"t": kind, "c": [self.blocks(item, section, notes) for item in content]}
        if kind == "OrderedList":
            return {"t": kind, "c": [content[0], [self.blocks(item, section, notes) for item in content[1]]]}
        if kind == "BlockQuote":
            return {"t": kind, "c": self.blocks(content, section, notes)}
        if kind == "Div":
            return {"t": "Div", "c": [["", [], []], self.blocks(content[1], section, notes)]}
        if kind == "Figure":  # pandoc 3: [attr, caption, blocks]
            inner = self.blocks(content[2], section, notes)
            caption = self.blocks(content[1][1], section, notes)
            return {"t": "Div", "c": [["", [], []], inner + caption]}
        if kind == "Table":
            return self.table(block, section, notes)
        if kind == "LineBlock":
            return {"t": "Para", "c": [x for i, line in enumerate(content)
                                       for x in ([{"t": "LineBreak"}] if i else []) + self.inlines(line, section, notes)]}
        if kind == "DefinitionList":
            out = []
            for term, definitions in content:
                out.append({"t": "Para", "c": [{"t": "Strong", "c": self.inlines(term, section, notes)}]})
                for d in definitions:
                    out += self.blocks(d, section, notes)
            return {"t": "Div", "c": [["", [], []], out]}
        if kind == "CodeBlock":
            return block
        if kind == "HorizontalRule":
            return None
        if kind == "RawBlock":
            text = content[1]
            if text.strip():
                self.note("i-003", f"raw {content[0]} in the section '{section.id}' ('{_short(text)}') was "
                          "left out", "Write what it shows in plain text, if it matters to the reader.")
            return None
        return block

    def blocks(self, blocks: list[dict], section, notes) -> list[dict]:
        return [b for b in (self.block(x, section, notes) for x in blocks) if b is not None]

    def table(self, block: dict, section, notes) -> dict:
        table = copy.deepcopy(block)
        attr, caption, colspecs, head, bodies, foot = table["c"]
        for body in bodies:  # [attr, row_head_columns, head_rows, body_rows]
            for row in body[2] + body[3]:
                self.cells(row, section, notes)
        for row in head[1] + foot[1]:
            self.cells(row, section, notes)
        if not head[1]:
            for body in bodies:
                if body[3]:
                    head[1] = [body[3].pop(0)]
                    self.note("i-003", f"a table in the section '{section.id}' had no header row; its first "
                              "row is now the header", "Check the first row names the columns.")
                    break
        return table

    def cells(self, row, section, notes) -> None:
        for cell in row[1]:  # [attr, align, rowspan, colspan, blocks]
            if cell[2] != 1 or cell[3] != 1:
                self.note("i-003", f"a table in the section '{section.id}' has merged cells; they were split",
                          "Check the table reads right; handout tables have one value per cell.")
                cell[2] = cell[3] = 1
            cell[4] = self.blocks(cell[4], section, notes)

    def inlines(self, inlines: list[dict], section, notes) -> list[dict]:
        out: list[dict] = []
        for item in inlines:
            kind, content = item.get("t"), item.get("c")
            if kind == "Note":
                notes.append(self.blocks(content, section, []))
                continue
            if kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
                inner = self.inlines(content, section, notes)
                out.append({"t": "Emph" if kind == "Underline" else kind, "c": inner}
                           if kind not in ("Strikeout",) else {"t": "Span", "c": [["", [], []], inner]})
            elif kind == "Span":
                out += self.inlines(content[1], section, notes)
            elif kind == "Quoted":
                out += [{"t": "Str", "c": "“"}] + self.inlines(content[1], section, notes) + [{"t": "Str", "c": "”"}]
            elif kind == "Cite":
                out += self.inlines(content[1], section, notes)
            elif kind == "Link":
                out += self.link(content, section, notes)
            elif kind == "Image":
                out += self.picture(content, section)
            elif kind == "RawInline":
                if content[1].strip() and not re.fullmatch(r"\s*<br\s*/?>\s*", content[1]):
                    self.note("i-003", f"raw {content[0]} in the section '{section.id}' ('{_short(content[1])}') "
                              "was left out", "Write what it shows in plain text, if it matters to the reader.")
            else:
                out.append(item)
        return out

    def link(self, content, section, notes) -> list[dict]:
        words = self.inlines(content[1], section, notes)
        target = content[2][0]
        if target.startswith("#"):
            ours = self.anchors.get(target[1:])
            if ours:
                return [{"t": "Link", "c": [["", [], []], words, [f"#{ours}", ""]]}]
        elif target.lower().startswith(_LINK_SCHEMES):
            return [{"t": "Link", "c": [["", [], []], words, [target, ""]]}]
        self.note("i-003", f"the link '{_short(plain_text(words))}' in the section '{section.id}' leads to "
                  f"'{_short(target)}', which a handout cannot link to; its words were kept",
                  "Link to a web address (https://...) or to a section (#id), or leave the words as text.")
        return words

    def picture(self, content, section) -> list[dict]:
        alt = plain_text(content[1])
        target = content[2][0]
        data = self.document.media(target)
        kind = _picture_type(data) if data else None
        if kind is None:
            remote = "://" in target or target.startswith("//")
            outside = target.startswith(("/", "\\")) or ".." in target.replace("\\", "/").split("/")
            why = ("it is not a PNG, JPEG or GIF picture" if data else
                   "it is on the web (a handout prints only pictures it holds)" if remote else
                   "it is outside the document's folder" if outside else
                   "it is missing: no such picture in the document or beside it")
            described = f" ('{_short(alt)}')" if alt else ""
            self.note("i-003", f"the picture '{_short(target)}'{described} in the section '{section.id}' was left "
                      f"out: {why}", "Save the picture as PNG in the topic's images/ folder and add it to the "
                      "section as ![what it shows](images/name.png).")
            return []
        name = f"{section.id}-{sum(1 for p in self.pictures if p.name.startswith(section.id + '-')) + 1}.{kind}"
        self.pictures.append(Picture(name=name, data=data, alt=alt))
        return [{"t": "Image", "c": [["", [], []], content[1], [f"images/{name}", ""]]}]


def _flat(blocks: list[dict]) -> list[dict]:
    """Every Para/Plain block inside `blocks` (lists, quotes, tables, divs), for counting words."""
    out: list[dict] = []

    def visit(value):
        if isinstance(value, dict):
            if value.get("t") in ("Para", "Plain"):
                out.append(value)
                return
            visit(value.get("c"))
        elif isinstance(value, list):
            for item in value:
                visit(item)
    visit(blocks)
    return out


def _picture_type(data: bytes) -> str | None:
    for magic, kind in _PICTURE_TYPES:
        if data.startswith(magic):
            return kind
    return None


def _inlines_of(blocks: list[dict]) -> list[dict]:
    out = []
    for b in blocks:
        if b.get("t") in ("Para", "Plain"):
            out += b["c"] + [{"t": "Space"}]
    return out


def _short(text: str, size: int = 40) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _walk(sections):
    for s in sections:
        yield s
        yield from _walk(s.children)


def make_outline(document, *, reserved: set[str] = frozenset()) -> Outline:
    """A read document (`documents.Document`) -> its `Outline`. `reserved` ids are not used."""
    return _Builder(document, set(reserved)).build()


def walk(sections: list[OutlineSection]):
    """Every section of the outline, parents before their subsections."""
    return _walk(sections)


__all__ = ["Outline", "OutlineSection", "Picture", "make_outline", "make_id", "plain_text", "walk"]
