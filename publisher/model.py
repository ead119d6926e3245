"""The content model: small frozen dataclasses, no I/O.

`read` turns files into a `Topic`; `editions` turns editions.yaml into `Edition`s;
`select` turns (Topic, Edition) into a `SelectedDocument`; `render` turns that into a
`RenderedEdition`; the writers turn that into bytes.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path

AUDIENCES = ("patient", "clinician")

def N_(message: str) -> str:
    """Marks a message for the catalogs (pybabel extract knows N_); templates translate it."""
    return message


#: Human labels for the reference source types the content may use: catalog messages, which
#: the templates put into the output's language (`_(ref.type_label)`).
SOURCE_TYPES = {
    "peer_reviewed_research": N_("Peer-reviewed research"),
    "peer_reviewed_review": N_("Peer-reviewed review"),
    "clinical_guideline": N_("Clinical guideline"),
    "expert_consensus": N_("Expert consensus"),
    "government_source": N_("Government source"),
    "professional_organization": N_("Professional organization"),
    "textbook": N_("Textbook"),
    "other": N_("Other source"),
}

#: Ids the layouts and writers give their own elements (the document title, the landmarks,
#: the EPUB navigation, the reference list, the colophon). A section's id becomes the id of
#: its heading in the same pages, so a section may not take one of these (read refuses it,
#: c-024); tests/test_ids.py holds that every literal id in layouts/ and the writers is here.
RESERVED_IDS = frozenset({
    "title", "main", "contents-title", "references", "colophon", "cover-title",
    "toc", "toc-title", "landmarks", "landmarks-title", "page-list", "page-list-title",
})
#: ... and the page-break markers `page-<n>` the EPUB carries for a printed edition's pages.
RESERVED_ID_PATTERN = r"page-\d+"

#: Section kinds: "text" is Markdown prose; the others are structured YAML blocks.
SECTION_KINDS = ("text", "faq", "disclaimer", "crisis")


@dataclass(frozen=True)
class SourceRef:
    """Where a thing came from, so an error can point an editor at it."""

    file: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else str(self.file)


@dataclass(frozen=True)
class Question:
    question: str
    answer_html: str


@dataclass(frozen=True)
class Image:
    """An image a section uses: the path inside the topic folder and its alt text."""

    path: Path
    alt: str
    data: bytes = field(default=b"", repr=False, compare=False)  # read (and checked) by `read`


@dataclass(frozen=True)
class Translation:
    """Where a translated text comes from (see docs/CONTENT.md, "Translations").

    `source` is the file it translates; `recorded` the fingerprint of that file's text the
    translator worked from (`translation: source_fingerprint:`), `current` the fingerprint of
    the text now: they differ when the source changed after it was translated (stale)."""

    language: str
    file: Path  # the translation file, as an editor sees it
    source: Path  # the file it translates, as an editor sees it
    recorded: str
    current: str
    status: str = "draft"  # draft | reviewed
    reviewer: str = ""
    reviewed: _dt.date | None = None

    @property
    def stale(self) -> bool:
        return self.recorded != self.current

    @property
    def draft(self) -> bool:
        return self.status != "reviewed"


@dataclass(frozen=True)
class Body:
    """One version of a section's content (the full text or an audience variant)."""

    title: str
    html: str = ""  # prose, already converted from Markdown
    questions: tuple[Question, ...] = ()  # kind faq
    intro_html: str = ""  # kind crisis
    signs: tuple[str, ...] = ()  # kind crisis
    crisis_title: str = ""
    crisis_html: str = ""
    outro_html: str = ""
    images: tuple[Image, ...] = ()
    source: SourceRef | None = None
    fingerprint: str = ""  # of the text as written (what a translation records it translates)
    language: str = ""  # "" in the topic's own language; the translation's language otherwise
    translation: Translation | None = None  # set on a translated body
    # (section id, where) of every #id link in the text, checked once the whole topic is read
    links: tuple[tuple[str, SourceRef], ...] = field(default=(), repr=False, compare=False)
    words: int = field(default=0, repr=False, compare=False)  # in its source file (limits.MAX_TOPIC_WORDS)


@dataclass(frozen=True)
class Section:
    id: str
    kind: str
    audiences: frozenset[str]
    body: Body
    required_for: frozenset[str] = frozenset()
    variants: dict[str, Body] = field(default_factory=dict, hash=False, compare=False)
    children: tuple[Section, ...] = ()
    source: SourceRef | None = None
    tags: frozenset[str] = frozenset()  # short editions that show it (an edition's `tag:`); not inherited
    # Translations: {language: {variant name or "": translated body}} ("" is the main text).
    translations: dict[str, dict[str, Body]] = field(default_factory=dict, hash=False, compare=False)

    def walk(self):
        """Yield this section and every descendant, in document order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class Reference:
    title: str
    type: str
    lang: str = ""  # the language its title is written in, in an output in another language (titles are not translated)

    @property
    def type_label(self) -> str:
        return SOURCE_TYPES[self.type]


@dataclass(frozen=True)
class TopicText:
    """topic.yaml's texts in another language (topic.<lang>.yaml)."""

    title: str
    subtitle: str
    summary: str
    translation: Translation


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    subtitle: str
    summary: str
    language: str
    publisher: str
    version: str
    reviewed: _dt.date
    next_review: _dt.date
    sections: tuple[Section, ...]
    references: tuple[Reference, ...]
    folder: Path
    # topic.<lang>.yaml: {language: TopicText} (the title, subtitle and summary translated)
    translations: dict[str, TopicText] = field(default_factory=dict, hash=False, compare=False)
    source_language: str = ""  # set on a topic put into another language: the language it came from
    # Translations an output of this topic uses (a topic put into another language), in order
    used_translations: tuple[Translation, ...] = ()

    @property
    def full_title(self) -> str:
        return f"{self.title}: {self.subtitle}" if self.subtitle else self.title

    def all_sections(self):
        for section in self.sections:
            yield from section.walk()


@dataclass(frozen=True)
class Edition:
    """An output declared in editions.yaml: which sections, which format, which layout."""

    id: str
    title: str
    format: str  # pdf | epub | html
    audience: str | None  # None: every section (the whole topic)
    layout: str
    variant: str | None = None
    paper: str = "letter"
    max_pages: int | None = None
    references: bool = True
    description: str = ""
    pages_from: str | None = None  # EPUB: the PDF edition whose page numbers it carries
    large_print: bool = False  # APH large print: body >= 18 pt, line height >= 1.5, one column

    tag: str | None = None  # only sections carrying this tag (required sections always)
    bilingual: str | None = None  # a second language shown beside the first, section by section
    reading_level: tuple[ReadingTarget, ...] = ()  # reading-level targets, per language (editions.yaml)

    def targets(self, lang: str, scope: str) -> tuple[ReadingTarget, ...]:
        """The reading-level targets for text in `lang` ('en'), of `scope` ('whole' or 'section')."""
        return tuple(t for t in self.reading_level if t.lang == lang and t.scope == scope)

    def _target(self, scope: str) -> float | None:
        return next((t.value for t in self.targets("en", scope) if t.measure == "fk_grade"), None)

    @property
    def grade_max(self) -> float | None:
        """The English Flesch-Kincaid grade target of the whole text (reading_level.en.fk_grade_max)."""
        return self._target("whole")

    @property
    def section_grade_max(self) -> float | None:
        """The English Flesch-Kincaid grade target of every section (reading_level.en.section_fk_grade_max)."""
        return self._target("section")


@dataclass(frozen=True)
class ReadingTarget:
    """One reading-level target of an edition: text in `lang`, measured with `measure`
    (a key of readingscales.MEASURES), over the whole text or every section, at most or
    at least `value`."""

    lang: str  # primary language subtag: "en", "es"
    measure: str  # "fk_grade", "smog", "inflesz", "fernandez_huerta"
    scope: str  # "whole" | "section"
    bound: str  # "max" | "min"
    value: float

    @property
    def key(self) -> str:
        """The name in editions.yaml: fk_grade_max, section_inflesz_min, ..."""
        return ("section_" if self.scope == "section" else "") + f"{self.measure}_{self.bound}"

    def missed_by(self, value: float) -> bool:
        """Whether a measured value (compared as shown, to one decimal) misses this target."""
        shown = round(value, 1)
        return shown > self.value if self.bound == "max" else shown < self.value


@dataclass(frozen=True)
class PageStart:
    """Where a printed page starts: in the element with this id, after `offset` of its
    non-space characters (0: at the element's start). Both the PDF and the EPUB render the
    same sections with the same ids, so this places the page's marker in the EPUB."""

    number: int
    element_id: str
    offset: int = 0


@dataclass(frozen=True)
class PageMap:
    """The pages of a laid-out PDF, for the EPUB that carries its page numbers."""

    source: str  # what schema:pageBreakSource says: which printed file the numbers come from
    starts: tuple[PageStart, ...]


@dataclass(frozen=True)
class SelectedSection:
    """A section as an edition shows it: the chosen body, the level, and its children."""

    id: str
    kind: str
    level: int  # 2 for top-level sections (the document title is level 1)
    body: Body
    heading_only: bool  # selected only to carry a selected subsection's heading
    children: tuple[SelectedSection, ...] = ()

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True)
class SelectedDocument:
    topic: Topic
    edition: Edition
    title: str
    sections: tuple[SelectedSection, ...]
    references: tuple[Reference, ...]
    added_required: tuple[str, ...] = ()  # safety sections the selection had to add
    paper: str = "letter"
    # A bilingual edition: the same selection in the second language, shown section by section
    parallel: SelectedDocument | None = None

    @property
    def language(self) -> str:
        return self.topic.language

    def all_sections(self):
        for section in self.sections:
            yield from section.walk()


@dataclass(frozen=True)
class Output:
    """A file the build wrote."""

    path: Path
    topic: str
    edition: str
    format: str
    size: int
    pages: int | None = None
    grade: float | None = None  # measured Flesch-Kincaid grade (editions with a target)
    language: str = ""  # the output's language
    #: the whole text's level in each language it holds, each in that language's own first
    #: scale (readingscales.MEASURES): (("fk_grade", 4.8), ("inflesz", 73.4)) for a bilingual file
    levels: tuple[tuple[str, float], ...] = ()
