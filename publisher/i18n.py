"""The words of the page in the output's language: message catalogs and dates (Babel, CLDR).

Template words ("Page 1 of 2", "Reviewed", "Contents", the colophon, the EPUB's accessibility
summary) are gettext messages. Their catalogs are in layouts/locales/ (docs/CONTENT.md,
"Template words in other languages"):

    layouts/locales/messages.pot                      extracted by `pybabel extract`
    layouts/locales/<lang>/LC_MESSAGES/messages.po    one per language, edited by translators

A .po file is compiled at build time, in memory (no .mo is committed, so a catalog can never
be older than its .po). A language without a catalog gets the English words.

Dates a reader reads are written in words with CLDR data ("November 1, 2026",
"1 de noviembre de 2026"); machine-readable dates (metadata, <time datetime>) stay ISO 8601.
"""
from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES = "locales"  # under layouts/
DOMAIN = "messages"
DEFAULT_LOCALE = "en_US"


@lru_cache(maxsize=64)
def locale_of(lang: str) -> Locale:
    """The CLDR locale of a language tag ('es', 'en-US', 'ar'); English for an unknown tag."""
    try:
        return Locale.parse(lang.replace("_", "-"), sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(DEFAULT_LOCALE)


@lru_cache(maxsize=256)
def date_words(day: dt.date, lang: str) -> str:
    """A date as a reader reads it in `lang`: 'November 1, 2026', '1 de noviembre de 2026'."""
    return format_date(day, format="long", locale=locale_of(lang))


def list_words(items: list[str], lang: str) -> str:
    """'a, b and c' / 'a, b y c' in the language's own way (CLDR list patterns)."""
    return format_list(list(items), locale=locale_of(lang)) if items else ""


def catalog_file(layouts_dir: Path, lang: str) -> Path | None:
    """layouts/locales/<lang>/LC_MESSAGES/messages.po, else the same for the language without
    its region (es-MX -> es); None if there is none (the English words are used)."""
    base = Path(layouts_dir) / LOCALES
    tags = [lang.replace("-", "_"), lang.split("-")[0].split("_")[0]]
    for tag in dict.fromkeys(tags):
        for name in (tag, tag.lower()):
            path = base / name / "LC_MESSAGES" / f"{DOMAIN}.po"
            if path.is_file():
                return path
    return None


@lru_cache(maxsize=64)
def _compiled(path: Path, mtime_ns: int) -> _gettext.GNUTranslations:
    """A .po file compiled in memory (fuzzy entries are left out, as msgfmt does)."""
    with open(path, "rb") as f:
        catalog = read_po(f)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def translations(layouts_dir: Path, lang: str) -> _gettext.NullTranslations:
    """The message catalog of `lang` (English words where it has none)."""
    path = catalog_file(Path(layouts_dir), lang)
    if path is None:
        return _gettext.NullTranslations()
    return _compiled(path.resolve(), path.stat().st_mtime_ns)


def gettext_for(layouts_dir: Path, lang: str):
    """The gettext function of `lang`, for words written by Python code (EPUB metadata, footers)."""
    return translations(layouts_dir, lang).gettext
