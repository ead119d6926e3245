"""An imported outline -> the files of a topic folder in the content format (docs/CONTENT.md).

`topic.yaml` gets the title and language the document gives; the fields only an editor can
fill in (publisher, review dates) are written as commented lines marked FILL IN, so that
`publish build` names each of them (`c-002`) until they are filled in. Each section becomes
`NN-<id>.md` (Markdown with front matter; subsections in a folder of the same name), each
picture `images/<section-id>-N.<ext>` with the alt text the document gave it.
"""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from .. import limits
from ..findings import Finding, Severity, finding
from ..model import SourceRef
from .documents import ImportFailed, to_markdown
from .outline import Outline, OutlineSection, walk

_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_SEPARATOR = "@@clinic-handouts-import-section-break@@"


def _yaml_value(value) -> str:
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000).strip().removesuffix("\n...")


def topic_yaml(title: str, language: str, source_name: str, today: dt.date) -> str:
    """The text of topic.yaml: known fields filled, the editor's fields marked FILL IN."""
    lines = [f"# Imported from {source_name} by `publish import` on {today.isoformat()}.",
             "# Fill in each field marked FILL IN (remove the '# ' before its name);",
             "# until then `publish build` lists it as a missing field (c-002).",
             f"title: {_yaml_value(title)}" if title else
             "# FILL IN the handout's title\n# title:"]
    if language and _LANGUAGE.match(language):
        lines.append(f"language: {language}")
    else:
        lines.append("# FILL IN the language of the text, e.g. en-US or es\n# language:")
    lines += ['version: "0.1"',
              "# FILL IN who publishes this handout, e.g. your clinic's name",
              "# publisher:",
              "# FILL IN the date a qualified person last reviewed this text (YYYY-MM-DD)",
              "# reviewed:",
              "# FILL IN when it must be reviewed again (YYYY-MM-DD), usually within a year",
              "# next_review:"]
    return "\n".join(lines) + "\n"


def section_markdown(outline: Outline, api_version: list[int]) -> dict[str, str]:
    """{section id: Markdown body}, converted by pandoc in one run for the whole outline."""
    sections = list(walk(outline.sections))
    blocks: list[dict] = []
    for n, section in enumerate(sections):
        if n:
            blocks.append({"t": "Para", "c": [{"t": "Str", "c": _SEPARATOR}]})
        blocks += section.blocks
    text = to_markdown(blocks, api_version) if blocks else ""
    parts = re.split(rf"^{re.escape(_SEPARATOR)}\s*$", text, flags=re.M)
    if len(parts) != len(sections):  # a separator inside a list or table: convert one by one
        parts = [to_markdown(s.blocks, api_version) if s.blocks else "" for s in sections]
    return {s.id: part.strip() for s, part in zip(sections, parts)}


def _front_matter(section: OutlineSection) -> str:
    # Tagged for both short editions: the document was a handout, so the two-page patient
    # handout and the clinician summary show every section until an editor takes a tag away
    # (a topic whose sections carry tags shows only the tagged ones in those editions).
    return (f"---\nid: {section.id}\ntitle: {_yaml_value(section.title)}\n"
            "audience: [patient, clinician]\ntags: [handout, summary]\n---\n")


def topic_files(document, outline: Outline, topic_id: str, *, today: dt.date | None = None
                ) -> dict[str, bytes]:
    """{path relative to the topic folder: bytes} for the whole imported topic."""
    today = today or dt.date.today()
    bodies = section_markdown(outline, document.ast.get("pandoc-api-version", [1, 23]))
    files = {"topic.yaml": topic_yaml(outline.title, document.language, document.source.name,
                                      today).encode("utf-8")}

    def place(sections: list[OutlineSection], folder: str) -> None:
        for n, section in enumerate(sections, 1):
            stem = f"{folder}/{n:02d}-{section.id}"
            body = bodies.get(section.id, "")
            data = (_front_matter(section) + body + "\n").encode("utf-8")
            if len(data) > limits.MAX_FILE_BYTES:
                raise ImportFailed([finding(
                    "i-007", f"the section '{section.id}' would be {limits.human_bytes(len(data))}; a section "
                    f"file holds at most {limits.human_bytes(limits.MAX_FILE_BYTES)}",
                    source=SourceRef(str(document.source)),
                    hint="Give long parts of the document headings of their own, or split it into several handouts.")])
            files[f"{stem}.md"] = data
            if section.children:
                place(section.children, stem)

    place(outline.sections, "sections")
    for picture in outline.pictures:
        files[f"images/{picture.name}"] = picture.data
    return files


def reading_levels(outline: Outline, folder: Path, edition, lang: str, *,
                   shown: Path | None = None) -> list[Finding]:
    """One line per section, in the topic's order: its reading level in the document's
    language against the patient handout's targets for that language (`r-001` missed,
    `i-008` met), then the whole text's (`r-002` / `i-008`). A language without formulas
    gets one `r-004` warning instead, never another language's formula.

    `edition` is the patient handout's `model.Edition` (None: levels without targets);
    measured as the build measures (headings and list items are sentences), on the section's
    own text as written in the imported file; `shown` is the folder to name in the lines.
    """
    from lxml import html as lxml_html

    from .. import markup
    from ..readingscales import MEASURES, language_of
    from ..verify.readability import score_blocks
    from ..verify.text import element_blocks

    lang = language_of(lang) or "en"
    if lang not in MEASURES:
        return [Finding("r-004", f"the reading level of text in '{lang}' cannot be measured: no readability "
                                 "formula for that language", Severity.WARNING)]
    files = {}
    for path in folder.rglob("*.md"):
        found = re.search(r"^id: (.+)$", path.read_text("utf-8"), re.M)
        if found:
            files[found.group(1).strip()] = path

    def verdict(score, scope: str) -> tuple[bool, str]:
        targets = edition.targets(lang, scope) if edition is not None else ()
        missed = [t for t in targets if t.missed_by(score.value(t.measure))]
        label = {m.key: m.label for m in MEASURES[lang]}
        wanted = "; the patient handout's target is " + " and ".join(
            f"{label[t.measure]} {'at most' if t.bound == 'max' else 'at least'} {t.value:g}"
            for t in targets) if targets else ""
        return bool(missed), wanted

    out: list[Finding] = []
    total = None
    for section in walk(outline.sections):
        path = files.get(section.id)
        if path is None:
            continue
        _, _, body = path.read_text("utf-8").partition("\n---\n")
        html = markup.to_html(body, SourceRef(str(path)), image_exists=lambda _rel: True).html
        blocks = element_blocks(lxml_html.fromstring(f"<div>{html}</div>")) if html.strip() else []
        score = score_blocks(blocks, lang)
        if not score.words:
            continue
        total = score if total is None else total + score
        over, wanted = verdict(score, "section")
        name = str((shown or folder) / path.relative_to(folder))
        out.append(Finding(
            "r-001" if over else "i-008", f"section '{section.id}' reads at {score.describe()}{wanted}",
            Severity.WARNING if over else Severity.INFO, file=name,
            hint="Use shorter sentences and everyday words, or write a plain-language "
                 f"{path.stem}.patient.md beside it." if over else "Within the target."))
    if total is not None:
        over, wanted = verdict(total, "whole")
        out.append(Finding("r-002" if over else "i-008", f"the whole text reads at {total.describe()}{wanted}",
                           Severity.WARNING if over else Severity.INFO,
                           hint=None if over else "Within the target."))
    return out
