"""A PDF page's content stream -> what is marked how, and the text of each marked-content id.

Used by the PDF/UA checks (every painting operator must be in tagged content or an
artifact) and to read the words of structure elements (heading texts). Text is decoded
through each font's ToUnicode map, the way a screen reader gets it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import pikepdf

# Operators that put marks on the page. Clipping (`W n`) and state changes paint nothing.
TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
PATH_OPERATORS = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
PAINT_OPERATORS = TEXT_OPERATORS | PATH_OPERATORS | {"sh", "Do", "INLINE IMAGE"}

_MARK_OPERATORS = " ".join(sorted(PAINT_OPERATORS - {"INLINE IMAGE"} | {"BDC", "BMC", "EMC", "BI", "ID", "EI"}))
_DECODE_OPERATORS = _MARK_OPERATORS + " Tf Tm Td TD"

ARTIFACT = "artifact"
TAGGED = "tagged"
OTHER = "other"


@dataclass
class PageMarks:
    """What one page's content stream says about marked content."""

    mcids: list[int] = field(default_factory=list)  # marked-content ids, in stream order
    unmarked: dict[str, int] = field(default_factory=dict)  # operator -> count outside any mark
    artifact_in_tagged: int = 0  # an /Artifact opened inside tagged content
    tagged_in_artifact: int = 0  # an MCID opened inside an /Artifact
    # non-text painting (paths, images, shadings) by the innermost mark around it:
    # "artifact", "tagged" or "none"
    graphics: dict[str, int] = field(default_factory=dict)
    shown: dict[int, list[tuple[float, "ToUnicode", object, str]]] = field(default_factory=dict)

    # (artifact /Type, /Subtype, line, font, operands, operator) of text shown in artifacts
    artifact_shown: list[tuple] = field(default_factory=list)

    def artifact_texts(self) -> list[tuple[str, str, str]]:
        """(type, subtype, text) of each text operator inside an /Artifact, e.g. the
        running footer as ('/Pagination', '/Footer', 'Page 1 of 2')."""
        return [(kind, sub, _shown(font, operands, op)) for kind, sub, _, font, operands, op in self.artifact_shown]

    def texts(self, mcid: int) -> list[tuple[float, str]]:
        """(line, text) of each text operator in one marked-content id; decoded on demand,
        since most checks need only the marks, not the words."""
        return [(line, _shown(font, operands, op)) for line, font, operands, op in self.shown.get(mcid, [])]


def _mark_kind(operands, operator: str, properties) -> tuple[str, int | None, object]:
    """(kind, MCID, property list) of a BMC/BDC."""
    props = operands[1] if operator == "BDC" else None
    if isinstance(props, pikepdf.Name) and properties is not None:
        props = properties.get(props)
    if operands[0] == pikepdf.Name.Artifact:
        return ARTIFACT, None, props
    if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
        return TAGGED, int(props.MCID), props
    return OTHER, None, props


class ToUnicode:
    """A font's ToUnicode CMap (bfchar and bfrange), for decoding shown strings."""

    _HEX = re.compile(rb"<([0-9A-Fa-f]*)>")

    def __init__(self, font):
        self.width = 2 if font.get("/Subtype") == pikepdf.Name.Type0 else 1
        self.map: dict[int, str] = {}
        cmap = font.get("/ToUnicode")
        if cmap is None:
            return
        data = cmap.read_bytes()
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
            pairs = self._HEX.findall(block)
            for src, dst in zip(pairs[::2], pairs[1::2]):
                self.map[int(src, 16)] = _utf16(dst)
        for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
            for line in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block):
                lo, hi, dst = int(line[1], 16), int(line[2], 16), line[3]
                if dst.startswith(b"["):
                    for offset, item in enumerate(self._HEX.findall(dst)):
                        self.map[lo + offset] = _utf16(item)
                else:
                    start = int(dst[1:-1], 16)
                    for offset in range(hi - lo + 1):
                        self.map[lo + offset] = chr(start + offset)

    def decode(self, raw: bytes) -> str:
        w = self.width
        return "".join(self.map.get(int.from_bytes(raw[i:i + w], "big"), "\ufffd")
                       for i in range(0, len(raw) - w + 1, w))


def _utf16(hexdigits: bytes) -> str:
    return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", "replace")


def scan_page(page: pikepdf.Page, *, decode: bool = False, cmaps: dict | None = None) -> PageMarks:
    """Walk one page's content stream (not into form XObjects: a `Do` inside marked
    content counts as marked)."""
    marks = PageMarks()
    resources = page.obj.get("/Resources") or pikepdf.Dictionary()
    properties = resources.get("/Properties")
    fonts = resources.get("/Font") or pikepdf.Dictionary()
    cmaps = {} if cmaps is None else cmaps
    stack: list[tuple[str, int | None, object]] = []
    font: ToUnicode | None = None
    line = 0.0
    # Only the operators that matter are handed back by qpdf (half the stream is state);
    # "BI ID EI" together bring inline images back as "INLINE IMAGE".
    wanted = _DECODE_OPERATORS if decode else _MARK_OPERATORS
    for instruction in pikepdf.parse_content_stream(page, wanted):
        op = str(instruction.operator)  # attribute access: tuple unpacking is 5x slower
        if op in ("BDC", "BMC"):
            kind, mcid, props = _mark_kind(instruction.operands, op, properties)
            kinds = {entry[0] for entry in stack}
            if kind == ARTIFACT and TAGGED in kinds:
                marks.artifact_in_tagged += 1
            if kind == TAGGED and ARTIFACT in kinds:
                marks.tagged_in_artifact += 1
            if mcid is not None:
                marks.mcids.append(mcid)
            stack.append((kind, mcid, props))
        elif op == "EMC":
            if stack:
                stack.pop()
        elif op in PAINT_OPERATORS:
            inner = next((e for e in reversed(stack) if e[0] != OTHER), None)
            if inner is None:
                marks.unmarked[op] = marks.unmarked.get(op, 0) + 1
            if op not in TEXT_OPERATORS:
                where = inner[0] if inner is not None else "none"
                marks.graphics[where] = marks.graphics.get(where, 0) + 1
            if decode and op in TEXT_OPERATORS and font is not None:
                if inner is not None and inner[0] == TAGGED:
                    marks.shown.setdefault(inner[1], []).append((line, font, instruction.operands, op))
                elif inner is not None:
                    props = inner[2] if isinstance(inner[2], pikepdf.Dictionary) else pikepdf.Dictionary()
                    marks.artifact_shown.append((str(props.get("/Type", "")), str(props.get("/Subtype", "")),
                                                 line, font, instruction.operands, op))
        elif decode and op == "Tf":
            ref = fonts.get(instruction.operands[0])
            if ref is not None:
                if ref.objgen not in cmaps:
                    cmaps[ref.objgen] = ToUnicode(ref)
                font = cmaps[ref.objgen]
        elif decode and op == "Tm":
            line = round(float(instruction.operands[5]), 1)
        elif decode and op in ("Td", "TD"):
            line = round(line + float(instruction.operands[1]), 1)
    return marks


def _shown(font: ToUnicode, operands, op: str) -> str:
    if op == "TJ":
        return font.decode(b"".join(bytes(item) for item in operands[0] if isinstance(item, pikepdf.String)))
    return font.decode(bytes(operands[-1]))
