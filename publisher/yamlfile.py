"""Safe YAML loading that remembers the line of every key, for error messages.

Only plain data is built (SafeLoader): no Python objects can be constructed from content.
"""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

from .findings import Finding, finding, os_error_hint
from .limits import MAX_FILE_BYTES, MAX_LIST_ITEMS, MAX_YAML_DEPTH, human_bytes
from .model import SourceRef


class LineDict(dict):
    """A dict that knows the file line of each of its keys (`lines`) and its own `line`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line: int = 1
        self.lines: dict = {}


class OverLimit(yaml.YAMLError):
    """The YAML passes one of the limits (code b-...) at `mark`: parsing stops there."""

    def __init__(self, code: str, message: str, mark):
        super().__init__(message)
        self.code, self.message, self.mark = code, message, mark


class _Limits:
    """The composer's checks, shared by both loaders below: no aliases, nesting and list
    length within the limits, and the problems found on the way (duplicate fields...)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._begin()

    def _begin(self) -> None:
        self.problems: list[tuple[str, str, int, str | None]] = []  # (code, message, line, hint)
        self.depth = 0

    def compose_node(self, parent, index):
        # Aliases (*name) can make a small file expand into a huge one ("billion laughs");
        # content has no need for them.
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases ('*name') are not allowed",
                                              self.peek_event().start_mark)
        # PyYAML composes by recursion: stop long before Python's recursion limit.
        # (Named one by one: libyaml's check_event matches the class itself, not its bases.)
        if self.depth >= MAX_YAML_DEPTH and self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            raise OverLimit("b-002", f"YAML nested too deeply (more than {MAX_YAML_DEPTH} levels)",
                            self.peek_event().start_mark)
        # Counted as the items arrive, so a long list stops at the limit, not after it is built.
        if parent is not None and len(parent.value) >= MAX_LIST_ITEMS:
            raise OverLimit("b-003", f"more than {MAX_LIST_ITEMS:,} items in one list (or fields in one block)",
                            self.peek_event().start_mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Loader(_Limits, yaml.SafeLoader):
    """PyYAML's own reader, scanner and parser, in Python: the messages of a file that is not
    YAML ("mapping values are not allowed here") say more than libyaml's."""


try:  # libyaml's scanner and parser (C, seven times faster) under the same Python composer
    from yaml.cyaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml
    _CParser = None

if _CParser is not None:
    class _FastLoader(_Limits, yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver,
                      _CParser):
        """libyaml's events, composed and constructed by the same Python code as _Loader's."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._begin()
else:  # pragma: no cover
    _FastLoader = _Loader


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            loader.problems.append(("c-012", "a field name must be a word, not a list or a block", line, None))
            continue
        if key in result:
            # PyYAML would silently keep the last value; an editor meant one of them.
            loader.problems.append(("c-020", f"'{key}' is given twice (first on line {result.lines[key]})",
                                    line, None))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


for _loader_class in {_Loader, _FastLoader}:
    _loader_class.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    # Dates stay strings: an editor's date is checked by us, with a message they can act on.
    _loader_class.yaml_implicit_resolvers = {
        ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def read_text(path: Path, shown: Path) -> tuple[str | None, list[Finding]]:
    """A content file's text, or None with a finding: unreadable (c-016), larger than
    limits.MAX_FILE_BYTES (b-001, read no further), not UTF-8 (c-011,
    with the line and the byte), or holding a character that cannot be printed (c-021)."""
    try:
        with open(path, "rb") as stream:  # at most one byte past the limit is read
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        return None, [finding("c-016", f"cannot read the file: {exc.strerror or exc}", source=SourceRef(shown),
                              hint=os_error_hint(exc))]
    if len(raw) > MAX_FILE_BYTES:
        return None, [too_large(raw, shown)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [finding(
            "c-011", f"byte 0x{raw[exc.start]:02X} (column {column}) is not UTF-8 text",
            source=SourceRef(shown, line),
            hint="Save the file as UTF-8 in your editor (often 'Save as' > Encoding > UTF-8).")]
    char = unprintable(text)
    if char is not None:
        line = text[: text.index(char)].count("\n") + 1
        return None, [finding("c-021", f"the text holds U+{ord(char):04X}, an invisible character that cannot be printed",
                              source=SourceRef(shown, line))]
    hidden = hidden_characters(text, shown)
    if hidden:
        return None, hidden
    return text, []


def read_yaml(path: Path, shown: Path, *, safety: bool = False) -> tuple[object, list[Finding]]:
    """Read one YAML file: (data, findings). Every YAML file the tool reads comes through
    here, so each gets the same checks: readable (c-016), within the size limit (b-001),
    UTF-8 (c-011), no unprintable (c-021) or hidden characters (c-023; with `safety`, the
    stricter set of safety text), valid YAML nested within the limits (c-001, b-002,
    b-003), no field given twice (c-020). `shown` is the path findings name. Data is None
    when the file cannot be used at all."""
    text, found = read_text(path, shown)
    if text is None:
        return None, found
    if safety and (found := hidden_characters(text, shown, safety=True)):
        return None, found
    return load(text, SourceRef(shown, 1))


def read_block(path: Path, shown: Path, *, code: str, what: str, safety: bool = False
               ) -> tuple[LineDict | None, list[Finding]]:
    """A YAML file that must hold one block of 'field: value' lines (a clinic profile, a
    recipe, editions.yaml, topic.yaml, a structured section): (block, findings), read
    with read_yaml. Anything else gives finding `code` saying "`what` is a list of
    'field: value' lines"; the block is then None, as it is after any other finding (so
    no guess is built on a broken file)."""
    data, found = read_yaml(path, shown, safety=safety)
    return as_block(data, found, shown, code=code, what=what)


def as_block(data, found: list[Finding], shown: Path, *, code: str, what: str) -> tuple[LineDict | None, list[Finding]]:
    """(data, findings) of `load` -> (the block, findings), as read_block says."""
    if found:
        return None, found
    if data is None:  # an empty file (or comments only): said, never "0 problems"
        return None, [finding(code, f"the file is empty: {what} is a list of 'field: value' lines",
                              source=SourceRef(shown, 1))]
    if not isinstance(data, LineDict) or not data:
        return None, [finding(code, f"{what} is a list of 'field: value' lines", source=SourceRef(shown, 1))]
    return data, []


def too_large(head: bytes, shown: Path) -> Finding:
    """b-001 for a file whose first MAX_FILE_BYTES + 1 bytes are `head`, at the line where
    it passes the limit (the file's real size is not needed, nor read)."""
    line = head.count(b"\n", 0, MAX_FILE_BYTES) + 1
    return finding("b-001", f"the file is larger than {human_bytes(MAX_FILE_BYTES)}, the limit for one file "
                            "(it passes the limit on this line)", source=SourceRef(shown, line))


def load(text: str, source: SourceRef) -> tuple[object, list[Finding]]:
    """Parse YAML text -> (data, findings); `source.line` is the file line where the text
    starts. Data is plain: LineDict (each knowing its keys' lines), list, str, int, float,
    bool, None; dates stay text. Findings: c-001 syntax (tags and aliases refused), b-002
    nested deeper than limits.MAX_YAML_DEPTH and b-003 a list or block longer than
    limits.MAX_LIST_ITEMS (parsing stops there: data None), c-020 a field given twice,
    c-021/c-023 an unprintable or hidden character written as an escape."""
    offset = (source.line or 1) - 1
    loader = None
    try:
        try:  # libyaml first; a file it refuses is read again by PyYAML, for PyYAML's messages
            loader = _FastLoader(text)
            data = loader.get_single_data()
        except yaml.YAMLError as exc:
            if isinstance(exc, OverLimit) or _FastLoader is _Loader:
                raise
            loader.dispose()
            loader = _Loader(text)
            data = loader.get_single_data()
    except OverLimit as exc:
        return None, [finding(exc.code, exc.message, source=SourceRef(source.file, exc.mark.line + 1 + offset))]
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 + offset
        return None, [finding("c-021", f"the text holds U+{exc.character:04X}, an invisible character that cannot be printed",
                              source=SourceRef(source.file, line))]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 + offset if mark else source.line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = None
        tag = re.search(r"constructor for the tag '([^']+)'", problem or "")
        if tag:
            # SafeLoader builds no objects: say so instead of blaming the indentation.
            name = tag.group(1).replace("tag:yaml.org,2002:", "!!")
            problem = f"the tag '{name}' is not allowed (content files hold only text, lists and fields)"
            hint = f"Delete '{name}' and write the value as plain text."
        return None, [finding("c-001", f"YAML syntax error: {problem}",
                              source=SourceRef(source.file, line), hint=hint)]
    finally:
        if loader is not None:
            loader.dispose()
    found = [finding(code, message, source=SourceRef(source.file, line + offset), hint=hint)
             for code, message, line, hint in loader.problems]
    if offset and isinstance(data, LineDict):
        _shift(data, offset)
    found += [finding("c-021", f"the text holds U+{ord(char):04X}, an invisible character that cannot be printed",
                      source=SourceRef(source.file, line))
              if _UNPRINTABLE.match(char) else _hidden(char, SourceRef(source.file, line))
              for char, line in _unprintable(data, source.line or 1)]
    return data, found


# YAML's own printable set (YAML 1.1 section 5.1): what may appear in text we publish.
# Escapes such as "\0" or "\ud800" in double-quoted strings get past the reader, not this.
_UNPRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def unprintable(text: str) -> str | None:
    """The first character of `text` that cannot be published, or None."""
    match = _UNPRINTABLE.search(text)
    return match.group(0) if match else None


#: Characters that change what a text says without being seen, refused in every file:
#: direction embeddings, overrides and isolates (U+202E "889" U+202C shows as "988"), and
#: zero-width characters (a zero-width space inside "988" hides it from every search).
HIDDEN = "\u200b\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
#: In safety text (disclaimer, crisis help, clinic profile) also the marks that other
#: scripts need in ordinary text: zero-width (non-)joiners, direction marks, soft hyphens.
HIDDEN_IN_SAFETY = HIDDEN + "\u00ad\u061c\u180e\u200c-\u200f"
_HIDDEN = re.compile(f"[{HIDDEN}]")
_HIDDEN_IN_SAFETY = re.compile(f"[{HIDDEN_IN_SAFETY}]")
MAX_HIDDEN_REPORTED = 10  # per file: enough to find them all with the editor's search


def hidden_characters(text: str, shown: Path, *, safety: bool = False, first_line: int = 1) -> list[Finding]:
    """c-023 for each character of HIDDEN (with `safety`: HIDDEN_IN_SAFETY) in `text`, with
    its line and column (at most MAX_HIDDEN_REPORTED); `first_line` is the file line of
    the text's first line."""
    pattern = _HIDDEN_IN_SAFETY if safety else _HIDDEN
    found = []
    for match in pattern.finditer(text):
        if len(found) == MAX_HIDDEN_REPORTED:
            break
        line = text.count("\n", 0, match.start()) + first_line
        column = match.start() - text.rfind("\n", 0, match.start())
        found.append(_hidden(match.group(), SourceRef(shown, line), column, safety=safety))
    return found


def hidden_in_values(data, shown: Path, *, safety: bool = False) -> list[Finding]:
    """c-023 for hidden characters in the values of parsed YAML, which may have been
    written as escapes ("\\u00ad") that the checks of the file's text cannot see."""
    pattern = _HIDDEN_IN_SAFETY if safety else _HIDDEN
    return [_hidden(char, SourceRef(shown, line), safety=safety)
            for char, line in _unprintable(data, 1, pattern) if pattern.match(char)][:MAX_HIDDEN_REPORTED]


def _hidden(char: str, where: SourceRef, column: int | None = None, *, safety: bool = False) -> Finding:
    name = unicodedata.name(char, "a control character")
    at = f" at column {column}" if column else ""
    what = "the safety text" if safety else "the text"
    return finding("c-023", f"{what} holds U+{ord(char):04X} ({name}){at}, an invisible character that "
                            "changes how the text reads", source=where)


def _unprintable(data, line: int, pattern: re.Pattern | None = None):
    """(character, line) of each string in `data` holding one that cannot be published or
    hides (`pattern`: which else to look for). Bounded: data is nested at most
    limits.MAX_YAML_DEPTH levels."""
    if isinstance(data, LineDict):
        for key, value in data.items():
            at = data.lines.get(key, data.line)
            for item in (key, value):
                yield from _unprintable(item, at, pattern)
    elif isinstance(data, list):
        for item in data:
            yield from _unprintable(item, line_of(item) or line, pattern)
    elif isinstance(data, str) and (match := _UNPRINTABLE.search(data) or (pattern or _HIDDEN).search(data)):
        # an escape in a quoted string ("\u202e") gets past the checks of the file's text
        yield match.group(), line


def _shift(data, offset):
    if isinstance(data, LineDict):
        data.line += offset
        data.lines = {k: v + offset for k, v in data.lines.items()}
        for value in data.values():
            _shift(value, offset)
    elif isinstance(data, list):
        for value in data:
            _shift(value, offset)


def line_of(data, key=None) -> int | None:
    """The file line of `key` in a block read here (or of the block itself); None for
    anything that is not such a block."""
    if isinstance(data, LineDict):
        return data.lines.get(key, data.line) if key is not None else data.line
    return None


FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?\n?", re.S | re.M)
#: The first line of front matter: a file that starts with it must have the closing one too.
OPENING_LINE = re.compile(r"\A---[ \t]*\r?$", re.M)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter or None, body, file line where the body starts)."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None, text, 1
    body_line = text[: match.end()].count("\n") + 1
    return match.group(1), text[match.end():], body_line
