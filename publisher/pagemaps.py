"""Page maps for the build: an EPUB edition's `pages_from` PDF -> `model.PageMap`.

The printed edition is laid out once per topic and build. When its PDF is built, the PDF
writer's layout is reused (`remember`); when only the EPUB was asked for, the PDF is laid
out in memory and never written (`for_epub`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from .clinic import Clinic
from .model import Edition, PageMap, PageStart, SelectedDocument, Topic
from .select import select_sections

PAPER_NAMES = {"letter": "US Letter", "a4": "A4"}


@dataclass
class PageMaps:
    """The page maps of the printed editions that EPUBs take their page numbers from."""

    editions: dict[str, Edition]
    paper: str | None  # the build's --paper: it changes the PDF's pages, so the EPUB's numbers
    clinic: Clinic
    layouts_dir: Path
    file_name: Callable[[SelectedDocument], str]  # the PDF's file name, for pageBreakSource
    maps: dict[tuple[str, str, str], PageMap] = field(default_factory=dict)

    def is_source(self, edition: Edition) -> bool:
        """Whether an EPUB takes its page numbers from this edition."""
        return any(e.pages_from == edition.id for e in self.editions.values())

    def source_doc(self, topic: Topic, edition_id: str) -> SelectedDocument:
        doc = select_sections(topic, self.editions[edition_id])
        return replace(doc, paper=self.paper) if self.paper else doc

    def remember(self, doc: SelectedDocument, starts: tuple[PageStart, ...]) -> PageMap:
        """Keep the page starts of a laid-out printed edition, named by file, title and paper."""
        topic, edition = doc.topic, doc.edition
        source = (f"{self.file_name(doc)}: {topic.full_title}. {edition.title}, version {topic.version}, "
                  f"{PAPER_NAMES[doc.paper]} paper")
        self.maps[(topic.id, topic.language, edition.id)] = PageMap(source=source, starts=tuple(starts))
        return self.maps[(topic.id, topic.language, edition.id)]

    def for_epub(self, doc: SelectedDocument) -> PageMap | None:
        """The page map an EPUB carries: none unless it shows exactly its source's sections."""
        name = doc.edition.pages_from
        if not name:
            return None
        source = self.source_doc(doc.topic, name)
        if [s.id for s in source.all_sections()] != [s.id for s in doc.all_sections()]:
            return None
        if (doc.topic.id, doc.topic.language, name) not in self.maps:  # its PDF was not asked for: lay it out in memory
            from .render import render_edition  # only now: rendering needs jinja2 and weasyprint
            from .writers.pagemap import lay_out
            rendered = render_edition(source, clinic=self.clinic, layouts_dir=self.layouts_dir, block_ids=True)
            self.remember(source, lay_out(rendered)[1])
        return self.maps[(doc.topic.id, doc.topic.language, name)]
