"""Findings: one type for content errors and for what the checks and validators report.

Codes are grouped by letter (b- an input over one of the limits in `limits`, c- content, d- edition definition, t- template, p- PDF,
e- EPUB, h- HTML, r- readability, s- safety, o- output, l- large print, u- summary
recipes, g- the laid-out page, n- translations (languages)) and never reused. The catalogue
below is data: each code has a title and a hint an editor can act on.
"""
from __future__ import annotations

import enum
from functools import lru_cache
from dataclasses import dataclass
from pathlib import Path


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


CATALOG: dict[str, tuple[str, str]] = {
    # bounds: an input over a documented limit (publisher/limits.py, docs/CONTENT.md "Limits")
    "b-001": ("File too large", "Split the text into several section files (or subsections); docs/CONTENT.md lists the limits."),
    "b-002": ("Nested too deeply", "Flatten the lists or fields; content needs only a few levels."),
    "b-003": ("Too many list items", "Split the list over several sections, or shorten it."),
    "b-004": ("Too many sections", "Merge small sections, or split the topic into two topics."),
    "b-005": ("Table too large", "Split the table into smaller tables, or make it a list."),
    "b-006": ("Too many words", "Shorten the text, or split it into subsections or another topic."),
    "b-007": ("Too many links", "Split the text into several sections; a handout links to a few pages, not thousands."),
    # content
    "c-001": ("YAML syntax error", "Check indentation and quoting near that line; quote text that contains ': '."),
    "c-002": ("Missing required field", "Add the field to the file."),
    "c-003": ("Unknown field", "Remove it or fix the spelling."),
    "c-004": ("Duplicate section id", "Give each section its own id."),
    "c-005": ("Unknown audience", "Use one of the known audiences."),
    "c-006": ("Image problem", "Put the image in the topic's images/ folder and describe it: ![what the picture shows](images/file.png)."),
    "c-007": ("Link to an unknown section", "Link to an existing section id, e.g. [text](#section-id); `publish list` shows the ids."),
    "c-008": ("Required safety block missing", "Every topic needs a disclaimer section (kind: disclaimer) and a crisis section (kind: crisis), each with required: [patient]."),
    "c-009": ("Not a date", "Write dates as YYYY-MM-DD, for example 2026-11-01."),
    "c-010": ("Empty section", "Write the section's text, or delete the file."),
    "c-011": ("File is not UTF-8", "Save the file as UTF-8 in your editor."),
    "c-012": ("Wrong type of value", "Use the kind of value shown."),
    "c-013": ("Unknown section kind", "Use one of the known kinds."),
    "c-014": ("Raw HTML or a heading in Markdown", "Use Markdown only; make a subsection file instead of a heading."),
    "c-015": ("Unsafe or outside reference", "Content may only use files inside the topic folder; no web addresses for images."),
    "c-016": ("Topic file missing", "Each topic folder needs topic.yaml and a sections/ folder."),
    "c-017": ("Bad id", "Ids use lowercase letters, digits and hyphens, e.g. sleep-and-mood."),
    "c-018": ("Unknown reference type", "Use one of the listed source types."),
    "c-019": ("Variant without a main section", "A variant file (name.patient.md, name.clinician.yaml, ...) needs the section file it belongs to beside it."),
    "c-020": ("Field given twice", "Keep one of the two lines; YAML would silently use the last one."),
    "c-021": ("Unprintable character in the text", "Delete it; retype the text around it if you pasted it from elsewhere."),
    "c-022": ("Character the PDF fonts cannot print", "Remove it or say it in words: emoji and rare scripts are not in the handout fonts, so the PDF would show an empty box."),
    "c-023": ("Invisible or direction-control character", "Delete it and type the words around it again: "
              "the file must say what it shows (a pasted text can carry such characters); docs/CONTENT.md says which."),
    "c-024": ("Reserved id", "Choose another section id: the layouts use this one for an element of their own (docs/CONTENT.md lists them)."),
    "c-025": ("Empty table header cell", "Write the column's heading in the first row of the table; only the top-left corner may be empty."),
    # editions
    "d-001": ("Bad edition definition", "Fix the edition in source/editions.yaml."),
    "d-002": ("Unknown edition", "`publish list` shows the editions."),
    # templates
    "t-001": ("Template error", "Fix the template at that line."),
    # PDF
    "p-001": ("PDF is not marked as tagged", "The PDF writer must set /MarkInfo /Marked true."),
    "p-002": ("PDF has no document language", "Set lang on <html>."),
    "p-003": ("PDF does not show its title", "Give the document a <title>; DisplayDocTitle must be true."),
    "p-004": ("PDF/UA identification missing", "Write with pdf_variant='pdf/ua-1'."),
    "p-005": ("No structure tree", "Write with pdf_variant='pdf/ua-1'."),
    "p-006": ("Heading levels skip", "Headings go down one level at a time: H1, H2, H3."),
    "p-007": ("Figure without alt text", "Give every image alt text, or mark it decorative."),
    "p-008": ("Table without usable header cells", "Give the table a header row (Markdown: a | --- | line under the first row); header cells need a scope."),
    "p-009": ("Link without a description", "Links need words that say where they lead."),
    "p-010": ("Font not embedded or without Unicode map", "Use the bundled fonts."),
    "p-011": ("Untagged content", "All content must be tagged or an artifact."),
    "p-012": ("Too many pages", "Shorten the selected sections or raise the edition's max_pages."),
    "p-013": ("Renderer error", "See the message; usually a template or stylesheet problem."),
    "p-014": ("List structure wrong", "Lists must be L > LI > (Lbl, LBody)."),
    "p-015": ("Annotation tab order", "Pages with links need /Tabs /S."),
    "p-016": ("Table cell headers do not resolve", "TD /Headers must name TH /IDs listed in the StructTreeRoot /IDTree (the PDF writer's pdfua step writes it)."),
    "p-017": ("Annotation not in the structure tree", "Each link must be tagged through an OBJR inside a Link element (the PDF writer's pdfua step)."),
    "p-018": ("PDF has no document identifier", "The PDF writer must pass pdf_identifier so the trailer has a stable /ID."),
    # EPUB
    "e-001": ("EPUB structure problem", "See the message."),
    "e-002": ("EPUBCheck message", "See EPUBCheck's message."),
    "e-003": ("Ace accessibility violation", "See Ace's message."),
    "e-010": ("Page break cannot be placed in the EPUB", "The printed edition named by pages_from must show the same sections as the EPUB; check both render the same templates."),
    # HTML
    "h-001": ("HTML structure problem", "See the message."),
    "h-002": ("axe accessibility violation", "See axe's message."),
    # readability
    "r-001": ("Section misses its reading-level target", "Use shorter sentences and everyday words."),
    "r-002": ("Edition misses its reading-level target", "Use shorter sentences and everyday words."),
    "r-003": ("Section not found in the rendered text", "The section's heading must appear in the output as written in its file; check the template."),
    "r-004": ("Reading level cannot be measured", "The tool has readability formulas for English and Spanish (docs/CONTENT.md, \"Reading level\"); have text in another language checked by a reader, and mark each passage with its language (lang)."),
    "r-005": ("No reading-level target for a language", "Add targets for the language under reading_level in source/editions.yaml (docs/CONTENT.md, \"Reading level\")."),
    # safety
    "s-001": ("Safety block missing from a patient output", "The disclaimer and the crisis help must be in every patient output."),
    "s-002": ("Review date passed", "Review the topic and update reviewed/next_review in topic.yaml."),
    "s-003": ("Review date close", "Plan the topic's review."),
    # output
    "o-001": ("Cannot write output", "Check the folder exists and is writable, and the disk has space."),
    "o-002": ("Two outputs would write the same file", "Give each output its own path."),
    "o-003": ("Output path outside the output folder", "Outputs stay inside the output folder: no '..', no absolute paths, no links that lead out of it."),
    "o-005": ("Output folder is the project's own", "Write outputs to handouts/ (the default) or to a folder of their own."),
    "o-004": ("Another build is writing the output folder", "Wait until the other build has finished and run yours again, or build into another folder with -o."),
    "v-001": ("Validator not available", "Install it (see .ci/run)."),
    # large print (APH guidance, measured in the PDF)
    "l-001": ("Large-print text under 18 pt", "Give the element a large-print size in layouts/styles/print.css (.large-print block)."),
    "l-002": ("Large-print lines too close", "Body text in large print needs line-height 1.5 or more (.large-print block of print.css)."),
    "l-003": ("Italic body text in large print", "Large print shows emphasis in bold, not italics (.large-print block of print.css)."),
    # the laid-out page (publisher/verify/layout.py, measured on WeasyPrint's boxes before writing)
    "g-001": ("Printed text differs from the HTML", "Text is missing or cut on the page: usually a layout rule (column-span, overflow, a fixed height) in layouts/styles/print.css; see the section named."),
    "g-002": ("List printed with other numbers", "A numbered list must print the numbers the content gives it (<ol start>, <li value>); check print.css does not reset the list counter."),
    "g-003": ("Text outside its column or the paper", "A word is wider than its column (a long web address or code): shorten it, put it on its own line as a link, or let it wrap (overflow-wrap in print.css)."),
    "g-004": ("Safety block split", "The warning signs and the crisis box must be on one page: shorten the section's signs or its local crisis lines, or the text before it."),
    "g-005": ("Box split over pages or columns", "Shorten the box's text, or move it so it fits on one page."),
    "g-006": ("Heading last on a page or column", "Keep headings with what follows (break-after: avoid in print.css); shorten the text before it if it still happens."),
    "g-007": ("Page mostly empty", "More than a third of the page is blank: let sections share pages (no forced page breaks), or shorten or reorder the text so the next block fits."),
    "g-008": ("Lines too long or too short", "Body lines should average 45-80 characters: change the text width (page margins, columns) of the edition's layout in print.css."),
    "g-009": ("Clinician text under 9 pt", "Give the element at least 9 pt in the clinician summary rules of layouts/styles/print.css."),
    "g-010": ("Lone list item or table row at the top of a page", "Keep a list's last items together (li:last-child { break-before: avoid } in print.css), or shorten the text before the list."),
    "g-011": ("Blank gap inside a column", "More than four lines of blank space between two lines of text in one column: look for a forced break, a block kept together that moved on, or a large margin in the edition's layout (print.css)."),
    "g-012": ("Text in the printer's unprintable edge", "Office printers leave 0.17-0.25 in of the paper's edge blank: keep every glyph, the running footer's too, 0.25 in from each edge (the @page margins in print.css; a footer in the bottom margin needs vertical-align: bottom and padding-bottom: 0.25in or more)."),
    # translations (docs/CONTENT.md, "Translations")
    "n-001": ("Stale translation", "The text it translates changed after it was translated: update the translation, then record the new source_fingerprint."),
    "n-002": ("Translation file problem", "A translation needs a translation: block (source, source_fingerprint, status) and every text its source has."),
    "n-003": ("Translation missing", "Translate the named sections into the language (files beside them, see docs/CONTENT.md), or choose another language."),
    "n-004": ("Translation of nothing", "Name a translation after the file it translates: <that file's name without extension>.<language>.<extension>."),
    # summary recipes
    "u-001": ("Summary recipe problem", "A recipe is a YAML file with topic:, audience: and sections:; see recipes/ for an example."),
    "u-002": ("Unknown section id", "`publish list TOPIC` shows the section ids."),
    "u-003": ("Section not written for this audience", "Leave the section out, or add the audience to the section's audience: list."),
    "u-004": ("Unknown topic", "`publish list` shows the topics (add --topic-dir DIR for a topic outside source/); check the spelling."),
    "u-005": ("Output file type publish does not write", "Name the file .pdf, .epub or .html, or leave out the extension (or --format)."),
    "u-006": ("No sections chosen", "Name the sections to include with --section ID, or leave some out with --exclude ID; `publish list TOPIC` shows the ids."),
    "u-007": ("Unknown language", "`publish list` shows each topic's languages; give a language tag such as es."),
    "u-008": ("Nothing to check", "Name a built file or folder, or a topic built into the output folder (run `publish build` first)."),
    "u-009": ("No edition to take the layout from", "Add an edition of that audience and format to source/editions.yaml (docs/CONTENT.md, editions)."),
    "v-002": ("Check skipped", "Name the file as `publish build` does (<topic>/<topic>-<edition>.<ext>) and pass --topic-dir for topics outside source/."),
    "v-003": ("File cannot be read", "Rebuild it with `publish build`; the file is damaged or is not what its extension says."),
    # publish import (a clinic's existing document -> a topic)
    "i-001": ("Document cannot be read", "Open it in the program that made it, save it again, and import the new file."),
    "i-002": ("Document is password-protected", "Remove the password in Word (File > Info > Protect Document), save, and import again."),
    "i-003": ("Not carried over as it was", "Check the imported section at that place."),
    "i-004": ("Heading structure changed", "Headings go down one level at a time; check the section is where it belongs."),
    "i-005": ("Topic already exists", "Choose another --topic id, or move the existing folder away first."),
    "i-006": ("File type not imported", "Save the document as .docx, .html or .md and import that file."),
    "i-007": ("Document over a limit", "Split the document into several handouts, or make its pictures smaller."),
    "i-008": ("Reading level of an imported section", "Within the patient handout's target."),
}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    severity: Severity = Severity.ERROR
    file: str | None = None
    line: int | None = None
    hint: str | None = None
    tool: str = "publish"

    def __post_init__(self):
        if self.code not in CATALOG:  # a programmer error: every code needs an entry
            raise ValueError(f"finding code {self.code!r} is not in the catalogue")

    @property
    def title(self) -> str:
        return CATALOG[self.code][0]

    @property
    def hint_text(self) -> str:
        return self.hint or CATALOG[self.code][1]

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def finding(code: str, message: str, *, source=None, hint: str | None = None,
            severity: Severity = Severity.ERROR, tool: str = "publish") -> Finding:
    """Build a Finding from a SourceRef-like object (anything with .file and .line)."""
    file = str(source.file) if source is not None else None
    line = source.line if source is not None else None
    return Finding(code, message, severity, file, line, hint, tool)


def os_error_hint(exc: OSError) -> str | None:
    """A hint the user can follow for a file or folder that could not be read, by its cause
    (None: the finding code's own hint fits)."""
    import errno
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ("You may not read it: make it readable for your user (`ls -l` shows its permissions; "
                "`chmod u+r` on a file, `chmod u+rx` on a folder), or ask its owner.")
    if exc.errno == errno.ENOENT:
        return "Check the path: the file or folder is not there."
    if exc.errno in (errno.EISDIR, errno.ENOTDIR):
        return "Check the path: a file was expected where there is a folder, or the other way round."
    return None


def shown_path(path) -> Path:
    """A path as an editor sees it: relative to the working folder when it is inside it
    (a linked file is named by its link, not by where the link leads)."""
    path = Path(path)
    cwd = Path.cwd()
    absolute = path.absolute()
    try:
        return absolute.relative_to(cwd)
    except ValueError:
        pass
    try:  # the folder reached through links or "..": the file keeps its own name
        return (_real_folder(str(absolute.parent)) / absolute.name).relative_to(cwd)
    except ValueError:
        return path


@lru_cache(maxsize=256)
def _real_folder(folder: str) -> Path:
    """A folder with its links and ".." resolved: the files of a topic share a few folders,
    so each is resolved once (a build names hundreds of files)."""
    return Path(folder).resolve()
