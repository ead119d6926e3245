"""(Topic, Edition) -> SelectedDocument: which sections an output shows, in topic order.

Pure. An edition picks sections by audience (and, for a short edition with `tag:`, only those
whose `tags:` carry that tag); a custom summary picks them by id. Either way
the sections required for the audience (the disclaimer and the crisis help for patients)
are always added, and a selected subsection brings its parent's heading so that heading
levels never skip.
"""
from __future__ import annotations

import difflib

from .errors import EditionError
from .findings import Finding, finding, shown_path
from .model import Edition, Section, SelectedDocument, SelectedSection, SourceRef, Topic


def select_sections(topic: Topic, edition: Edition, *, section_ids=None, exclude=(),
                    title: str | None = None) -> SelectedDocument:
    """Choose the sections of `topic` for `edition`.

    `section_ids`: pick these sections (with their subsections for the audience) instead
    of every section for the audience. `exclude`: leave these out. Required sections are
    never left out; `added_required` on the result names those the choice did not include.
    """
    known = {s.id for s in topic.all_sections()}
    unknown = [i for i in dict.fromkeys(list(section_ids or ()) + list(exclude)) if i not in known]
    if unknown:
        raise EditionError(f"{len(unknown)} unknown section id(s) in topic '{topic.id}'; nothing was written",
                           [_unknown(name, known, topic.id, topic.folder) for name in unknown])
    audience = edition.audience
    other = [s for s in topic.all_sections() if s.id in set(section_ids or ()) and audience is not None
             and audience not in s.audiences]
    if other:  # a section written for another audience is not put in front of this one silently
        raise EditionError(f"{len(other)} section(s) not written for {audience}s; nothing was written",
                           [_not_for(s, audience, topic.id) for s in other])
    chosen = set(section_ids) if section_ids else None
    # A topic that tags none of its sections for a short edition (a small topic) shows every
    # section for the audience there; the page budget and reading targets still hold.
    tag = edition.tag if any(edition.tag in s.tags for s in topic.all_sections()) else None
    excluded = set(exclude)

    def wanted(section: Section, under_chosen: bool) -> bool:
        if chosen is not None and not (section.id in chosen or under_chosen):
            return False
        if chosen is not None and section.id in chosen:
            return True
        if tag is not None and tag not in section.tags:
            return False  # a short edition shows only the sections tagged for it
        return audience is None or audience in section.audiences

    added: list[str] = []

    def pick(section: Section, level: int, under_chosen: bool) -> SelectedSection | None:
        required = audience is not None and audience in section.required_for
        inside = under_chosen or (chosen is not None and section.id in chosen)
        take = section.id not in excluded and wanted(section, under_chosen)
        if required and not take:
            added.append(section.id)
            take = True
        children = tuple(c for c in (pick(child, level + 1, inside and take)
                                     for child in section.children) if c is not None)
        if not take and not children:
            return None
        body = section.variants.get(edition.variant, section.body) if edition.variant else section.body
        return SelectedSection(id=section.id, kind=section.kind, level=level, body=body,
                               heading_only=not take, children=children)

    sections = tuple(s for s in (pick(top, 2, False) for top in topic.sections) if s is not None)
    shown = [s.id for top in sections for s in top.walk() if not s.heading_only]
    if not shown:
        raise EditionError(f"the selection for '{edition.id}' of topic '{topic.id}' is empty")
    if (chosen is not None or excluded) and set(shown) <= set(added):
        # Only the safety sections are left: --exclude took away all that was asked for.
        raise EditionError(f"nothing is left of the selection of topic '{topic.id}' but the required sections: "
                           f"--exclude leaves out every section chosen", code="u-006",
                           source=SourceRef(shown_path(topic.folder)),
                           hint="Leave the sections you want out of --exclude, or name others with --section ID; "
                                f"`publish list {topic.id}` shows the section ids.")
    return SelectedDocument(
        topic=topic, edition=edition, title=title or topic.full_title, sections=sections,
        references=topic.references if edition.references else (),
        added_required=tuple(added) if chosen is not None or excluded else (),
        paper=edition.paper)


def _unknown(name: str, known: set[str], topic_id: str, folder) -> Finding:
    """u-002 for one unknown id: the ids close to it, else every id (a hint for each)."""
    by_case = {k.lower(): k for k in known}  # ids are lower case: "DEPRESSION" means depression
    near = [by_case[name.lower()]] if name.lower() in by_case else \
        difflib.get_close_matches(name.lower(), sorted(known), n=3, cutoff=0.5)
    if near:
        hint = f"Did you mean {' or '.join(near)}?"
    else:
        ids = sorted(known)
        shown = ", ".join(ids[:20]) + (f" and {len(ids) - 20} more" if len(ids) > 20 else "")
        hint = f"No section id is close; the ids are: {shown}."
    return finding("u-002", f"'{name}' is not a section id of topic '{topic_id}'", source=SourceRef(shown_path(folder)),
                   hint=hint + f" `publish list {topic_id}` shows them with their audiences"
                               " (add --topic-dir DIR for a topic outside source/).")


def _not_for(section: Section, audience: str, topic_id: str) -> Finding:
    """u-003: a section chosen by id that its file does not write for `audience`."""
    written = ", ".join(sorted(section.audiences)) or "no audience"
    return finding("u-003", f"section '{section.id}' of topic '{topic_id}' is written for {written}, "
                            f"not for {audience}s", source=section.source,
                   hint=f"Leave {section.id} out of the selection (--section, or a recipe's sections:), or choose "
                        f"an audience it is written for; "
                        f"to give it to {audience}s too, add {audience} to the audience: list of its file.")
