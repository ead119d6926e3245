"""The reading-level measures of each language: their names, scales and which way is easier.

Data only (the formulas are in verify/readability.py), so that reading editions.yaml can
check a target's name without loading anything else. A language is named by its primary
subtag ("en" for "en-US"); a language with no entry here has no formula, and its text is
reported as not measurable, never measured with another language's formula.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    """One readability measure: its key in editions.yaml, how it is shown, and its scale."""

    key: str  #: the name targets use: `<key>_max`, `section_<key>_min`, ...
    label: str  #: how reports and metadata name it ("Flesch-Kincaid grade")
    low: float  #: the lowest value a target may have
    high: float  #: the highest value a target may have
    higher_is_easier: bool  #: INFLESZ: higher is easier; grades: lower is easier


#: {language: (its measures, the first one being the one shown first and written into metadata)}
MEASURES: dict[str, tuple[Measure, ...]] = {
    "en": (Measure("fk_grade", "Flesch-Kincaid grade", 1, 20, False),
           Measure("smog", "SMOG grade", 1, 20, False)),
    "es": (Measure("inflesz", "INFLESZ", 0, 100, True),
           Measure("fernandez_huerta", "Fernández-Huerta", 0, 100, True)),
}


def language_of(tag: str | None) -> str:
    """The primary language subtag of a BCP 47 tag, lower case: 'es-MX' -> 'es'; '' if none."""
    return (tag or "").replace("_", "-").split("-")[0].strip().lower()


def measure(lang: str, key: str) -> Measure | None:
    """The measure `key` of language `lang`, or None if that language has no such measure."""
    return next((m for m in MEASURES.get(language_of(lang), ()) if m.key == key), None)


def target_keys(lang: str) -> list[str]:
    """The target names editions.yaml accepts for a language, e.g. fk_grade_max."""
    keys = []
    for m in MEASURES.get(language_of(lang), ()):
        bound = "min" if m.higher_is_easier else "max"
        keys += [f"{m.key}_{bound}", f"section_{m.key}_{bound}"]
    return keys
