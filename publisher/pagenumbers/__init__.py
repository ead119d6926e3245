"""Page numbers shared by a printed PDF and the EPUB that carries them ("see page 7" means
the same text in both). One feature, three steps:

- `maps`: which printed editions EPUBs take their page numbers from (`pages_from` in
  editions.yaml), and the plain `model.PageMap` each gives (pure; no rendering);
- `starts`: where each page of a laid-out WeasyPrint document starts (`model.PageStart`s),
  called by the PDF writer on the layout it makes anyway;
- `markers`: stable ids on every text block, the EPUB's page-break markers at the exact
  character where each page starts, and the navigation document's page-list.

The build lays out the printed editions first (an explicit phase), then passes each EPUB
its page map as a value. The submodules are imported where used: `maps` and `markers` load
no layout engine, `starts` reads WeasyPrint's boxes.
"""
