"""A PDF page's content stream -> what is marked how, and the text of each marked-content id.

Used by the PDF/UA checks (every painting operator must be in tagged content or an
artifact) and to read the words of structure elements (heading texts). Text is decoded
through each font's ToUnicode map, the way a screen reader gets it.
"""
from __future__ import annotations

import re
import struct
from decimal import Decimal
from dataclasses import dataclass, field

import pikepdf

# Operators that put marks on the page. Clipping (`W n`) and state changes paint nothing.
TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
PATH_OPERATORS = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}
PAINT_OPERATORS = TEXT_OPERATORS | PATH_OPERATORS | {"sh", "Do", "INLINE IMAGE"}

_MARK_OPERATORS = " ".join(sorted(PAINT_OPERATORS - {"INLINE IMAGE"} | {"BDC", "BMC", "EMC", "BI", "ID", "EI"}))
# With text: the graphics state stack and the text state, so that every text run has its
# place, size and width on the page (what the large-print check measures).
_DECODE_OPERATORS = _MARK_OPERATORS + " q Q cm BT Tf Tm Td TD T* TL Tc Tw Tz Ts"
# With shapes: where each painted path and image lies (`publish check`'s page geometry).
_SHAPE_OPERATORS = _DECODE_OPERATORS + " m l c v y re h n"
PATH_BUILDERS = {"m": 2, "l": 2, "c": 6, "v": 4, "y": 4}  # operator -> how many coordinates
IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

ARTIFACT = "artifact"
TAGGED = "tagged"
OTHER = "other"


class TextRun:
    """One text-showing operator: where it is on the page, its size, font and text.

    `baseline`, `x0` and `x1` are in the page's default user space (points, y upwards, as
    pdfminer.six gives them); `size` is the font size as printed (the Tf size scaled by the
    text and transformation matrices). The text and the run's width are worked out when
    first asked for: most checks need only some of them."""

    __slots__ = ("mcid", "artifact", "baseline", "x0", "size", "font", "_operand", "_scale", "_spacing",
                 "_raw", "_adjustment", "_text", "_x1")

    def __init__(self, mcid: int | None, artifact: tuple[str, str] | None, baseline: float, x0: float,
                 size: float, font: "ToUnicode", operand, scale: float, spacing: tuple):
        self.mcid = mcid  # the marked-content id it is in; None in an artifact or unmarked
        self.artifact = artifact  # (/Type, /Subtype) of the /Artifact it is in
        self.baseline = baseline
        self.x0 = x0
        self.size = size
        self.font = font
        self._operand = operand  # the string, or the TJ array of strings and adjustments
        self._scale = scale  # the horizontal scale from text space to the page
        self._spacing = spacing  # (Tf size, Tc, Tw, Tz/100) when the run was shown
        self._raw: bytes | None = None
        self._adjustment: float | None = None  # the TJ position adjustments, added up (1/1000 of the size)
        self._text: str | None = None
        self._x1: float | None = None

    @property
    def raw(self) -> bytes:
        """The shown bytes (the strings of a TJ array, concatenated)."""
        if self._raw is None:
            self._raw = _shown(self._operand)
        return self._raw

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.font.decode(self.raw)
        return self._text

    @property
    def italic(self) -> bool:
        name = self.font.name.lower()
        return "italic" in name or "oblique" in name

    def advance(self) -> float:
        """The run's width in text space: how far the text matrix moves."""
        if self._adjustment is None:
            self._adjustment = _adjustments(self._operand)
        size, char_spacing, word_spacing, horizontal = self._spacing
        raw, font = self.raw, self.font
        spaces = raw.count(b" ") if font.width == 1 else 0
        return (font.advance(raw) / 1000 * size + char_spacing * (len(raw) // font.width)
                + word_spacing * spaces - self._adjustment / 1000 * size) * horizontal

    @property
    def x1(self) -> float:
        if self._x1 is None:
            self._x1 = self.x0 + self.advance() * self._scale
        return self._x1


# -- PDF tokens (ISO 32000-1, 7.2-7.3), for the operands read below and the fast reader ----
# Every expression here is possessive, or bounded by what precedes it: no input makes it
# backtrack, so its time stays linear in the length of the bytes.

# PDF white space but NUL: a stream with NUL goes to qpdf (see _fast_instructions).
_WHITE = b"\t\n\x0c\r "  # the bytes themselves (also taken as they are in the expressions below)
_END = rb"(?=[\s/\[\]<>(){}%]|\Z)"  # where a number or an operator ends: "1-2" is neither
# A real has any number of digits; an integer at most 18 (qpdf reads one past 64 bits as null):
# a longer one sends the stream to qpdf.
_NUM = rb"[+-]?+(?:\d++\.\d*+|\.\d++|\d{1,18}+(?![\d.]))" + _END
# Hex strings: white space inside is ignored, an odd last digit is followed by 0 (7.3.4.3).
_HEX_DIGITS = rb"[0-9A-Fa-f" + _WHITE + rb"]*+"
_HEX_STRING = rb"<" + _HEX_DIGITS + rb">"
_HEX = re.compile(rb"<(" + _HEX_DIGITS + rb")>")
_HEX_PAIRS = re.compile(rb"<((?:[0-9A-Fa-f]{2})*+)>")  # as WeasyPrint writes them: digit pairs only
_NUMBER = re.compile(rb"(?<![\w.+\-/#])" + _NUM)  # a number among other tokens (a TJ array's)


def _hex_strings(unparsed: bytes) -> bytes:
    """The bytes of every hex string in `unparsed`, one after the other."""
    pairs = _HEX_PAIRS.findall(unparsed)
    if len(pairs) == unparsed.count(b"<"):  # every string was digit pairs: one pass
        return bytes.fromhex(b"".join(pairs).decode())
    digits = [d.translate(None, _WHITE) for d in _HEX.findall(unparsed)]
    return bytes.fromhex(b"".join(d + b"0" if len(d) % 2 else d for d in digits).decode())


def _shown(operand) -> bytes:
    """The shown bytes of a Tj string or a TJ array (a pikepdf object, or its source bytes
    from the fast reader). WeasyPrint writes hex strings: those are read from the operand's
    unparsed form in one regular-expression pass (much faster than one Python object per
    glyph); anything else item by item. An operand that is no string (a name, a number)
    shows nothing."""
    if isinstance(operand, bytes):
        unparsed = operand
    elif isinstance(operand, pikepdf.Object):
        unparsed = operand.unparse()
    else:
        return b""
    if b"(" not in unparsed:
        return _hex_strings(unparsed)
    items = list(operand) if isinstance(operand, pikepdf.Array) else [operand]
    return b"".join(bytes(i) for i in items if isinstance(i, pikepdf.String))


def _adjustments(operand) -> float:
    """The position adjustments of a TJ array, added up (0 for a Tj string)."""
    if isinstance(operand, bytes):  # the fast reader's source bytes (hex strings and numbers)
        if not operand.startswith(b"["):
            return 0.0
        return sum(float(n) for n in _NUMBER.findall(_HEX.sub(b" ", operand)))
    if not isinstance(operand, pikepdf.Array):
        return 0.0
    unparsed = operand.unparse()
    if b"(" not in unparsed:
        return sum(float(n) for n in _NUMBER.findall(_HEX.sub(b" ", unparsed)))
    return sum(float(i) for i in operand if isinstance(i, (int, float, Decimal)))  # numbers only


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
    runs: list[TextRun] = field(default_factory=list)  # every text run, in stream order (decode=True)
    shown: dict[int, list[TextRun]] = field(default_factory=dict)  # the runs of each marked-content id
    # (x0, y0, x1, y1) in default user space of every painted path and image (shapes=True)
    shapes: list[tuple[float, float, float, float]] = field(default_factory=list)

    def artifact_texts(self) -> list[tuple[str, str, str]]:
        """(type, subtype, text) of each text operator inside an /Artifact, e.g. the
        running footer as ('/Pagination', '/Footer', 'Page 1 of 2')."""
        return [(*run.artifact, run.text) for run in self.runs if run.artifact is not None]

    def texts(self, mcid: int) -> list[tuple[float, str]]:
        """(baseline, text) of each text operator in one marked-content id."""
        return [(run.baseline, run.text) for run in self.shown.get(mcid, [])]


def _mark_kind(operands, operator: str, properties) -> tuple[str, int | None, object]:
    """(kind, MCID, property list) of a BMC/BDC. Operands as pikepdf gives them, or as the
    fast reader does (a name as str, an inline property list as a dict)."""
    props = operands[1] if operator == "BDC" else None
    if isinstance(props, (pikepdf.Name, str)) and properties is not None:
        props = properties.get(props)
    if operands[0] == pikepdf.Name.Artifact or operands[0] == "/Artifact":
        return ARTIFACT, None, props
    if isinstance(props, (pikepdf.Dictionary, dict)) and "/MCID" in props:
        return TAGGED, int(props["/MCID"]), props
    return OTHER, None, props


# A bfrange line: <lo> <hi> and a destination string or an array of them. Possessive, and
# an array ends at its first item that is no hex string: linear in the CMap's length.
_BFRANGE = re.compile(rb"<([0-9A-Fa-f]++)>\s*+<([0-9A-Fa-f]++)>\s*+"
                      rb"(\[(?:\s*+<[0-9A-Fa-f]*+>)*+\s*+\]|<[0-9A-Fa-f]++>)")


def _sections(data: bytes, begin: bytes, end: bytes) -> list[bytes]:
    """The bytes between each `begin` and the next `end` (a CMap's bfchar or bfrange blocks);
    a `begin` without an `end` ends the search (str.find: linear, whatever the bytes)."""
    out, position = [], 0
    while True:
        start = data.find(begin, position)
        if start < 0:
            return out
        stop = data.find(end, start + len(begin))
        if stop < 0:
            return out
        out.append(data[start + len(begin):stop])
        position = stop + len(end)


class ToUnicode:
    """A font's ToUnicode CMap (bfchar and bfrange), for decoding shown strings, with its
    name and glyph widths (for where a shown string ends on the page)."""

    _HEX = re.compile(rb"<([0-9A-Fa-f]*)>")

    def __init__(self, font):
        self.width = 2 if font.get("/Subtype") == pikepdf.Name.Type0 else 1
        self.name = str(font.get("/BaseFont", ""))
        self.map: dict[int, str] = {}
        self.widths, self.default_width = _widths(font)
        cmap = font.get("/ToUnicode")
        if cmap is None:
            return
        data = cmap.read_bytes()
        for block in _sections(data, b"beginbfchar", b"endbfchar"):
            pairs = self._HEX.findall(block)
            for src, dst in zip(pairs[::2], pairs[1::2]):
                self.map[int(src, 16)] = _utf16(dst)
        for block in _sections(data, b"beginbfrange", b"endbfrange"):
            for line in _BFRANGE.finditer(block):
                lo, hi, dst = int(line[1], 16), int(line[2], 16), line[3]
                if dst.startswith(b"["):
                    for offset, item in enumerate(self._HEX.findall(dst)):
                        self.map[lo + offset] = _utf16(item)
                else:
                    start = int(dst[1:-1], 16)
                    # At most 65,536 codes a range (a real one has at most 256), none past U+10FFFF.
                    for offset in range(min(hi - lo, 0xFFFF, 0x10FFFF - start) + 1):
                        self.map[lo + offset] = chr(start + offset)

    def codes(self, raw: bytes) -> tuple[int, ...]:
        """The character codes of a shown string (two bytes each in a Type0 font)."""
        if self.width == 2:
            return struct.unpack(f">{len(raw) // 2}H", raw[:len(raw) // 2 * 2])
        return tuple(raw)

    def decode(self, raw: bytes) -> str:
        get = self.map.get
        return "".join([get(code, "\ufffd") for code in self.codes(raw)])

    def advance(self, raw: bytes) -> float:
        """The width of a shown string in thousandths of the font size."""
        get, default = self.widths.get, self.default_width
        return sum([get(code, default) for code in self.codes(raw)])


def _widths(font) -> tuple[dict[int, float], float]:
    """({code: width}, default width) in glyph space (1/1000 of the font size)."""
    widths: dict[int, float] = {}
    descendants = font.get("/DescendantFonts")
    if descendants is not None:  # a CID font: /W is [first [w w ...]] or [first last w]
        cid_font = descendants[0]
        spec = list(cid_font.get("/W") or [])
        i = 0
        while i < len(spec):
            first = int(spec[i])
            if isinstance(spec[i + 1], pikepdf.Array):
                widths.update({first + k: float(w) for k, w in enumerate(spec[i + 1])})
                i += 2
            else:  # a range of at most 65,536 codes (CIDs are two bytes): a bigger one is no font's
                last = min(int(spec[i + 1]), first + 0xFFFF)
                widths.update({code: float(spec[i + 2]) for code in range(first, last + 1)})
                i += 3
        return widths, float(cid_font.get("/DW", 1000))
    first = int(font.get("/FirstChar", 0))
    widths = {first + k: float(w) for k, w in enumerate(font.get("/Widths") or [])}
    descriptor = font.get("/FontDescriptor")
    return widths, float(descriptor.get("/MissingWidth", 0)) if descriptor is not None else 0.0


def _utf16(hexdigits: bytes) -> str:
    return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", "replace")


def _multiply(m, n) -> tuple:
    """The product m × n of two PDF matrices (a, b, c, d, e, f)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


class _TextState:
    """The text and graphics state the scan needs to place a run on the page."""

    def __init__(self):
        self.ctm = IDENTITY
        self.saved: list[tuple] = []
        self.tm = self.line_matrix = IDENTITY
        self.font: ToUnicode | None = None
        self.size = 0.0
        self.leading = self.char_spacing = self.word_spacing = self.rise = 0.0
        self.scale = 1.0
        self.last: TextRun | None = None  # the run shown since the text matrix was last set

    def move(self, tx: float, ty: float) -> None:
        self.tm = self.line_matrix = _multiply((1, 0, 0, 1, tx, ty), self.line_matrix)
        self.last = None

    def show(self, operand, mcid, artifact) -> TextRun:
        """The run of a shown string or TJ array. The text matrix moves on by its width;
        that width is worked out only if another string is shown in the same text object
        before it is positioned again (WeasyPrint positions every run with Tm)."""
        if self.last is not None:
            self.tm = _multiply((1, 0, 0, 1, self.last.advance(), 0), self.tm)
        matrix = _multiply(_multiply((1, 0, 0, 1, 0, self.rise), self.tm), self.ctm)
        printed = abs(self.size) * (matrix[2] ** 2 + matrix[3] ** 2) ** 0.5
        run = TextRun(mcid, artifact, round(matrix[5], 2), matrix[4], round(printed, 2), self.font, operand,
                      matrix[0], (self.size, self.char_spacing, self.word_spacing, self.scale))
        self.last = run
        return run


# -- reading a content stream --------------------------------------------------------------
#
# qpdf (pikepdf.parse_content_stream) makes one Python object per operand: WeasyPrint shows
# each glyph of a line as its own hex string in a TJ array, so a 16-page booklet became
# 50,000 objects and most of the time the checks took. The fast reader below tokenizes the
# stream's bytes with one regular expression and keeps a TJ array or a string as its
# source bytes (the text and width are read from them when asked for, see `_shown`). It
# takes the syntax WeasyPrint and our repair write: numbers, names, hex strings (with white
# space or an odd digit, as ISO 32000-1 allows them), arrays of numbers and hex strings,
# property lists of names and integers. A page with anything else (a literal string, an
# inline image, a comment, a nested array or dictionary, a name with a # escape or a byte
# outside ASCII, NUL, true, false or null, an integer of more than 18 digits, a token that is
# no number, name or operator) is read by qpdf instead, whole, so both read a page alike:
# tests compare the two readers.

# White space is `\s` below: the stream has been checked for NUL and \v (see _fast_instructions),
# so it is PDF white space exactly.
_NAME_CHARS = rb"[^\s/\[\]()<>{}%#]"
_OPERAND = (rb"(?:" + _NUM +  # a number
            rb"|/" + _NAME_CHARS + rb"*+"  # a name
            rb"|" + _HEX_STRING +  # a hex string
            rb"|\[\s*+(?:(?:" + _HEX_STRING + rb"|" + _NUM + rb")\s*+)*+\]"  # an array of those two
            rb"|<<[^<>()\[\]%]*+>>)")  # a property list of names and numbers (see _property_list)
# One instruction: its operands, then its operator. Possessive quantifiers: no backtracking,
# so the time is linear in the stream's length whatever the bytes.
_INSTRUCTION = re.compile(rb"\s*+((?:" + _OPERAND + rb"\s*+)*+)([A-Za-z'\"][A-Za-z0-9'\"*]*+)" + _END)
_OPERANDS = re.compile(_OPERAND)
# A marked-content id of at most nine digits: a larger one (no PDF has a billion marks on a
# page) is left to qpdf, which reads numbers past 64 bits its own way.
_MCID = rb"(\d{1,9})(?!\d)"
_MARKED = re.compile(rb"\s*+(/" + _NAME_CHARS + rb"++)\s*+<<\s*+/MCID\s++" + _MCID + rb"\s*+>>\s*+")
_DICT_ITEM = re.compile(rb"\s*+(/" + _NAME_CHARS + rb"++)\s*+(?:(/" + _NAME_CHARS + rb"*+)|([+-]?" + _MCID + rb"))")


class _Unreadable(Exception):
    """The fast reader met syntax it does not take: qpdf reads the page."""


def _property_list(source: bytes) -> dict:
    """An inline property list (`<</MCID 3>>`, `<< /Type /Pagination >>`) as {name: value}:
    a name as str, an integer as int; anything else is left to qpdf."""
    body, found, position = source[2:-2], {}, 0
    while True:  # one item after another, stopping at the first that is not one: linear
        match = _DICT_ITEM.match(body, position)
        if match is None:
            break
        found[match[1].decode("latin-1")] = match[2].decode("latin-1") if match[2] is not None else int(match[3])
        position = match.end()
    if body[position:].strip():
        raise _Unreadable
    return found


def _operand(token: bytes):
    if token[:1] == b"/":
        return token.decode("latin-1")
    if token[:2] == b"<<":
        return _property_list(token)
    return token  # a number, string or array, as written (float() reads a number's bytes)


# An inline image (binary data follows) and the keywords that are operands, not operators.
_NOT_OPERATORS = (b"BI", b"ID", b"EI", b"true", b"false", b"null")


def _fast_instructions(data: bytes, wanted: dict[bytes, str]) -> list[tuple[str, list]]:
    """(operator, operands) of the operators in `wanted` ({operator as bytes: as str}), in
    stream order; operands as bytes (numbers, strings and arrays as written), names as str,
    property lists as dicts. Raises _Unreadable for syntax it does not take."""
    # Bytes outside ASCII (a name's raw byte, binary data), NUL (PDF white space that `\s`
    # is not) and \v (`\s` that PDF white space is not): qpdf reads such a stream.
    if not data.isascii() or b"\x00" in data or b"\x0b" in data:
        raise _Unreadable
    out: list[tuple[str, list]] = []
    match, position, end = _INSTRUCTION.match, 0, len(data)  # one match after another: no gap
    while position < end:
        found = match(data, position)
        if found is None:
            if data[position:].strip():
                raise _Unreadable
            break
        position = found.end()
        operator, text = found[2], found[1]
        op = wanted.get(operator)
        if op is None:
            if operator in _NOT_OPERATORS:
                raise _Unreadable
            continue
        if not text:
            out.append((op, []))
        elif b"<" in text or b"[" in text:
            marked = _MARKED.fullmatch(text)  # the common `/Span <</MCID 3>> BDC`, read at once
            if marked is not None:
                out.append((op, [marked[1].decode("latin-1"), {"/MCID": int(marked[2])}]))
            else:
                out.append((op, [_operand(t) for t in _OPERANDS.findall(text)]))
        else:  # names and numbers, each ended by white space or the next name's "/" (_END)
            parts = text.split()
            if text.count(b"/") != sum(part[:1] == b"/" for part in parts):
                parts = _OPERANDS.findall(text)  # "/A/B": two names not parted by white space
            out.append((op, [part.decode("latin-1") if part[:1] == b"/" else part for part in parts]))
    return out


_WANTED: dict[str, dict[bytes, str]] = {}


def instructions(page: pikepdf.Page, wanted: str) -> list[tuple[str, list]]:
    """(operator, operands) of the operators named in `wanted` (space-separated) in a page's
    content stream: by the fast reader, or by qpdf when the page has syntax it does not take
    (the operands then are pikepdf objects; `scan_page` reads both)."""
    if wanted not in _WANTED:
        _WANTED[wanted] = {op.encode("latin-1"): op for op in wanted.split() if op not in ("BI", "ID", "EI")}
    contents = page.obj.get("/Contents")
    if contents is None:
        return []
    try:
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        if not all(isinstance(stream, pikepdf.Stream) for stream in streams):
            raise _Unreadable  # not a stream: qpdf says what it makes of it
        # Separate streams of one page are one stream, split anywhere between tokens.
        return _fast_instructions(b"\n".join(stream.read_bytes() for stream in streams), _WANTED[wanted])
    except (_Unreadable, pikepdf.PdfError):  # and a stream that cannot be inflated: qpdf's own error
        return [(str(i.operator), i.operands) for i in pikepdf.parse_content_stream(page, wanted)]


def scan_page(page: pikepdf.Page, *, decode: bool = False, cmaps: dict | None = None,
              shapes: bool = False) -> PageMarks:
    """Walk one page's content stream (not into form XObjects: a `Do` inside marked
    content counts as marked). With `decode`, every text run is read too: its text, font,
    size and place on the page; with `shapes` (implies `decode`), the box of every painted
    path and image too (`PageMarks.shapes`)."""
    marks = PageMarks()
    resources = page.obj.get("/Resources") or pikepdf.Dictionary()
    properties = resources.get("/Properties")
    fonts = resources.get("/Font") or pikepdf.Dictionary()
    cmaps = {} if cmaps is None else cmaps
    stack: list[tuple[str, int | None, object]] = []
    inners: list = []  # per open mark: the innermost artifact or tagged mark at that depth (or None)
    open_kinds = {ARTIFACT: 0, TAGGED: 0, OTHER: 0}
    state = _TextState()
    # Only the operators that matter are handed back by qpdf (half the stream is state);
    # "BI ID EI" together bring inline images back as "INLINE IMAGE".
    decode = decode or shapes
    wanted = _SHAPE_OPERATORS if shapes else _DECODE_OPERATORS if decode else _MARK_OPERATORS
    xobjects = resources.get("/XObject") if shapes else None
    path: list[tuple[float, float]] = []  # the current path's points on the page
    for op, operands in instructions(page, wanted):
        try:
            if shapes and (op in PATH_BUILDERS or op == "re"):
                _add_points(path, op, operands, state.ctm)
                continue
            if shapes and op in ("h", "n"):
                if op == "n":  # a clipping path or none: nothing painted
                    path = []
                continue
            if shapes and op in PAINT_OPERATORS and op not in TEXT_OPERATORS:
                if op == "Do":
                    box = _xobject_box(xobjects, operands[0], state.ctm)
                    if box is not None:
                        marks.shapes.append(box)
                elif path:
                    marks.shapes.extend(_painted(path, even_odd=op.endswith("*")))
                    path = []
            if op in ("BDC", "BMC"):
                kind, mcid, props = _mark_kind(operands, op, properties)
                if kind == ARTIFACT and open_kinds[TAGGED]:
                    marks.artifact_in_tagged += 1
                if kind == TAGGED and open_kinds[ARTIFACT]:
                    marks.tagged_in_artifact += 1
                if mcid is not None:
                    marks.mcids.append(mcid)
                entry = (kind, mcid, props)
                stack.append(entry)
                open_kinds[kind] += 1
                inners.append(entry if kind != OTHER else (inners[-1] if inners else None))
            elif op == "EMC":
                if stack:
                    open_kinds[stack.pop()[0]] -= 1
                    inners.pop()
            elif op in PAINT_OPERATORS:
                inner = inners[-1] if inners else None
                if inner is None:
                    marks.unmarked[op] = marks.unmarked.get(op, 0) + 1
                if op not in TEXT_OPERATORS:
                    where = inner[0] if inner is not None else "none"
                    marks.graphics[where] = marks.graphics.get(where, 0) + 1
                elif decode and state.font is not None:
                    _show(marks, state, inner, op, operands)
            elif not decode:
                continue
            elif op == "Tf":
                ref = fonts.get(operands[0])
                if ref is not None:
                    if ref.objgen not in cmaps:
                        cmaps[ref.objgen] = ToUnicode(ref)
                    state.font = cmaps[ref.objgen]
                state.size = float(operands[1])
            elif op == "Tm":
                state.tm = state.line_matrix = tuple(float(x) for x in operands)
                state.last = None
            elif op in ("Td", "TD"):
                tx, ty = (float(x) for x in operands)
                if op == "TD":
                    state.leading = -ty
                state.move(tx, ty)
            elif op == "T*":
                state.move(0, -state.leading)
            elif op == "BT":
                state.tm = state.line_matrix = IDENTITY
                state.last = None
            elif op == "cm":
                state.ctm = _multiply(tuple(float(x) for x in operands), state.ctm)
            elif op == "q":
                state.saved.append((state.ctm, state.font, state.size, state.leading, state.char_spacing,
                                    state.word_spacing, state.scale, state.rise))
            elif op == "Q":
                if state.saved:
                    (state.ctm, state.font, state.size, state.leading, state.char_spacing,
                     state.word_spacing, state.scale, state.rise) = state.saved.pop()
            elif op == "TL":
                state.leading = float(operands[0])
            elif op == "Tc":
                state.char_spacing = float(operands[0])
            elif op == "Tw":
                state.word_spacing = float(operands[0])
            elif op == "Tz":
                state.scale = float(operands[0]) / 100
            elif op == "Ts":
                state.rise = float(operands[0])
        except (ValueError, TypeError, IndexError):
            continue  # an instruction with operands it cannot take is left out, as viewers do
    return marks


def _add_points(path: list, op: str, operands, ctm) -> None:
    """Add a path operator's points (a rectangle's four corners) on the page to `path`."""
    values = [float(v) for v in operands]
    if op == "re":
        x, y, w, h = values
        values = [x, y, x + w, y, x, y + h, x + w, y + h]
    a, b, c, d, e, f = ctm
    for i in range(0, len(values) - 1, 2):
        x, y = values[i], values[i + 1]
        path.append((a * x + c * y + e, b * x + d * y + f))


def _painted(path: list, *, even_odd: bool) -> list[tuple[float, float, float, float]]:
    """The boxes a filled or stroked path covers: its bounding box, or, for a border drawn
    as one rectangle inside another filled even-odd (how WeasyPrint draws borders), the
    strips between the two."""
    whole = _bounds(path)
    if not even_odd or len(path) != 8:
        return [whole]
    first, second = path[:4], path[4:]
    outer, inner = ((first, second) if _area(first) >= _area(second) else (second, first))
    ox0, oy0, ox1, oy1 = _bounds(outer)
    ix0, iy0, ix1, iy1 = _bounds(inner)
    if not (ox0 <= ix0 and oy0 <= iy0 and ix1 <= ox1 and iy1 <= oy1):
        return [whole]
    strips = [(ox0, oy0, ox1, iy0), (ox0, iy1, ox1, oy1), (ox0, iy0, ix0, iy1), (ix1, iy0, ox1, iy1)]
    return [b for b in strips if b[2] - b[0] > 0.01 and b[3] - b[1] > 0.01]


def _bounds(points) -> tuple[float, float, float, float]:
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return min(xs), min(ys), max(xs), max(ys)


def _area(points) -> float:
    x0, y0, x1, y1 = _bounds(points)
    return (x1 - x0) * (y1 - y0)


def _xobject_box(xobjects, name, ctm) -> tuple[float, float, float, float] | None:
    """The box on the page of a drawn XObject: an image fills the unit square of the CTM, a
    form its /BBox (through its /Matrix)."""
    xobject = xobjects.get(name) if xobjects is not None else None
    if xobject is None:
        return None
    if xobject.get("/Subtype") == pikepdf.Name.Form:
        x0, y0, x1, y1 = (float(v) for v in xobject.get("/BBox", [0, 0, 0, 0]))
        matrix = _multiply(tuple(float(v) for v in xobject.get("/Matrix", IDENTITY)), ctm)
    else:
        x0, y0, x1, y1, matrix = 0.0, 0.0, 1.0, 1.0, ctm
    points: list = []
    _add_points(points, "re", [x0, y0, x1 - x0, y1 - y0], matrix)
    return _bounds(points)


def _show(marks: PageMarks, state: _TextState, inner, op: str, operands) -> None:
    """Record one text-showing operator as a TextRun."""
    if op in ("'", '"'):
        if op == '"':
            state.word_spacing, state.char_spacing = float(operands[0]), float(operands[1])
        state.move(0, -state.leading)
    mcid = inner[1] if inner is not None and inner[0] == TAGGED else None
    artifact = None
    if inner is not None and inner[0] == ARTIFACT:
        props = inner[2] if isinstance(inner[2], (pikepdf.Dictionary, dict)) else {}
        artifact = (str(props.get("/Type", "")), str(props.get("/Subtype", "")))
    run = state.show(operands[0] if op == "TJ" else operands[-1], mcid, artifact)
    marks.runs.append(run)
    if mcid is not None:
        marks.shown.setdefault(mcid, []).append(run)
