"""publish: the command line of clinic-handouts. A thin layer over the `publisher` package:
parse options, call it, print its findings, exit with the error's exit code."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from publisher import __version__
from publisher.errors import ChecksFailed, PublishError
from publisher.formats import FORMAT_NAMES

ROOT = Path(__file__).resolve().parent


def _project(root):
    from publisher.build import Project
    if root and not (Path(root) / "source" / "editions.yaml").is_file():
        from publisher.errors import ContentError
        from publisher.findings import finding
        from publisher.model import SourceRef
        _fail(ContentError([finding("c-016", "this is not a project folder: it has no source/editions.yaml",
                                    source=SourceRef(Path(root)),
                                    hint="Check the path given with --root: the folder that holds source/ "
                                         "(with editions.yaml) and layouts/.")]))
    return Project(Path(root).resolve() if root else _default_root())


def _default_root() -> Path:
    """The project folder: the current folder if it has source/, else this file's folder."""
    cwd = Path.cwd()
    return cwd if (cwd / "source" / "editions.yaml").exists() else ROOT


def _fail(exc: PublishError, outcome: str = "nothing was written or changed"):
    """Print the error's findings, one line each, then a summary line, and exit with its code.
    `outcome`: what the command left undone, said when the message only repeats the finding."""
    from publisher import report
    if exc.findings:
        click.echo(report.format_text(exc.findings), err=True)
    click.echo(f"Error: {outcome if exc.said_in_findings else exc}", err=True)
    sys.exit(exc.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
def cli():
    """Publish accessible patient handouts (PDF), clinician summaries (PDF), EPUB booklets
    and web pages from the topics in source/."""
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 is shown as \udcff, never a crash
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


@cli.command()
@click.option("--topic", "topics", multiple=True, help="Topic to build (repeat for more). Default: all.")
@click.option("--edition", "editions", multiple=True, help="Edition to build (repeat for more). Default: all.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder. Default: handouts/.")
@click.option("--paper", type=click.Choice(["letter", "a4"], case_sensitive=False),
              help="Paper size of the PDFs (letter or a4, any case); file names then say it, e.g. -a4.pdf.")
@click.option("--clinic", "clinic_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Clinic profile (YAML). Default: source/clinic.yaml.")
@click.option("--topic-dir", "topic_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folder holding topics (besides source/).")
@click.option("--allow-overdue", is_flag=True,
              help="Build topics past their next-review date anyway; the outputs then say 'Review overdue'.")
@click.option("--check", "check", type=click.Choice(["fast", "full"]), default="fast", show_default=True,
              help="Checks before a file is moved into place: fast = our PDF/UA, EPUB, HTML and safety checks; "
                   "full = also EPUBCheck, Ace and axe (needs Java, Node and Chromium).")
@click.option("--lang", "langs", multiple=True, metavar="LANG",
              help="Build only in this language (repeat for more), e.g. --lang es. Default: every language "
                   "each topic fully covers for each edition (`publish list` shows them).")
@click.option("--allow-stale-translations", is_flag=True,
              help="Build patient outputs from translations whose English changed after they were translated "
                   "(n-001 becomes a warning).")
@click.option("--force", is_flag=True, help="Render every file, even those already up to date.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes to render in. Default: the machine's cores.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def build(topics, editions, out_dir, paper, clinic_file, topic_dirs, allow_overdue, check, langs,
          allow_stale_translations, force, jobs, root):
    """Build every edition of every topic into handouts/<topic>/."""
    from publisher import report
    from publisher.build import BuildOptions, build_editions
    project = _project(root)
    try:
        options = BuildOptions(topics=topics, editions=editions, out_dir=out_dir, paper=paper, clinic_file=clinic_file,
                               topic_dirs=topic_dirs, allow_overdue=allow_overdue, check=check, force=force, jobs=jobs,
                               langs=langs, allow_stale_translations=allow_stale_translations)
        result = build_editions(project, options, progress=lambda m: click.echo(m, err=True))
    except PublishError as exc:
        _fail(exc)
    for run in result.validations:
        click.echo(report.format_validation(run), err=True)
    for f in result.findings:
        click.echo(report.format_finding(f), err=True)
    width = max([58] + [len(_shown(out.path)) for out in result.outputs])
    # The reading level of each file in the scale of each language it holds (FK grade for
    # English, INFLESZ for Spanish); the full report per section follows below the table.
    levels = [report.format_levels(out.levels) for out in result.outputs]
    level_width = max([13] + [len(level) for level in levels])
    click.echo(f"{'file':{width}} {'pages':>5} {'size':>9} {'reading level':>{level_width}}")
    for out, level in zip(result.outputs, levels):
        pages = str(out.pages) if out.pages is not None else "-"
        click.echo(f"{_shown(out.path):{width}} {pages:>5} {report.human_size(out.size):>9} {level:>{level_width}}")
    for out, edition, reading in result.readings:
        click.echo("\n" + report.format_reading(_shown(out.path), reading, edition))
    click.echo(f"Built {len(result.outputs)} file(s).")


@cli.command()
@click.argument("topic", required=False)
@click.option("--audience", type=click.Choice(["patient", "clinician"]), help="Who the file is for.")
@click.option("--section", "sections", multiple=True, metavar="ID",
              help="Section to include (repeat for more); `publish list TOPIC` shows the ids.")
@click.option("--exclude", "exclude", multiple=True, metavar="ID", help="Section to leave out (repeat for more).")
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES),
              help="Output format. Default: from the -o extension, else pdf.")
@click.option("--title", help="Title of the file. Default: the topic and the sections it contains.")
@click.option("--clinic", "clinic_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Clinic profile (YAML). Default: source/clinic.yaml.")
@click.option("--large-print/--no-large-print", "large_print", default=None,
              help="Large print: 18 pt text, line height 1.5, one column.")
@click.option("--paper", type=click.Choice(["letter", "a4"], case_sensitive=False), help="Paper size of a PDF.")
@click.option("--lang", help="Language of the file, e.g. es (default: the topic's own); every section it "
                             "shows, the safety sections too, must be translated.")
@click.option("--allow-stale-translations", is_flag=True,
              help="Use translations whose English changed after they were translated (n-001 becomes a warning).")
@click.option("-o", "--output", type=click.Path(path_type=str),
              help="File to write (a name ending in / is a folder: the file goes in it). "
                   "Default: a file in handouts/<topic>/custom/.")
@click.option("--recipe", type=click.Path(dir_okay=False, path_type=Path),
              help="A saved selection (YAML); options given here override it.")
@click.option("--topic-dir", "topic_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folder holding topics (besides source/).")
@click.option("--batch", "batch_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Build the file of every recipe (*.yaml) in this folder, in one pool of workers; "
                   "-o is then the output folder (default: handouts/).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="With --batch: local worker processes. Default: the machine's cores.")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="With --batch: run the jobs on this Dask distributed scheduler's workers.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def summary(topic, audience, sections, exclude, fmt, title, clinic_file, large_print, paper, lang,
            allow_stale_translations, output, recipe, topic_dirs, batch_dir, jobs, scheduler, root):
    """Write ONE custom file with the sections you name. Patients always get the disclaimer
    and the crisis help. For example:

    \b
    publish summary neuroplasticity --audience patient \\
        --section depression --section exercise-and-neuroplasticity -o mood.pdf
    """
    from publisher import report
    from publisher.summary import SummaryRequest, build_summary, override, read_recipe
    project = _project(root)
    if batch_dir:
        if topic or recipe or sections or exclude or audience:
            raise click.UsageError("--batch takes its selections from the recipes; leave out TOPIC, "
                                   "--recipe, --audience, --section and --exclude")
        return _batch(project, batch_dir, Path(output) if output else None, topic_dirs, jobs, scheduler)
    if scheduler:
        raise click.UsageError("--scheduler is for --batch")
    # "-o letters/": a folder (made when the file is written); the file gets its default name in it
    folder = bool(output) and output.endswith(("/", os.sep)) or None
    output = Path(output) if output else None
    options = dict(topic=topic, audience=audience, sections=sections, exclude=exclude, format=fmt, title=title,
                   clinic=clinic_file, large_print=large_print, paper=paper, output=output, lang=lang,
                   output_is_folder=folder)
    try:
        if recipe:
            request = override(read_recipe(recipe), **options)
        elif not topic or not audience:
            raise click.UsageError("name a TOPIC and an --audience (or give a --recipe)")
        else:
            request = override(SummaryRequest(topic=topic, audience=audience), **options)
        result = build_summary(project, request, topic_dirs=topic_dirs,
                               allow_stale_translations=allow_stale_translations,
                               progress=lambda m: click.echo(m, err=True))
    except PublishError as exc:
        _fail(exc)
    for f in result.findings:
        click.echo(report.format_finding(f), err=True)
    if result.required_titles:
        kept = [s.body.title for s in result.document.all_sections()
                if s.id in set(request.exclude) & set(result.document.added_required)]
        if kept:  # asked to leave out, and kept: say so, not only "added"
            click.echo(f"Not left out (--exclude): {request.audience}s always get {', '.join(kept)}.")
        if result.added_titles:
            click.echo(f"Added the required safety sections for {request.audience}s: {', '.join(result.added_titles)}.")
        else:
            click.echo(f"The required safety sections for {request.audience}s are included: "
                       f"{', '.join(result.required_titles)}.")
    out = result.output
    pages = f"{out.pages} page(s), " if out.pages is not None else ""
    click.echo(f"Wrote {out.path} ({pages}{report.human_size(out.size)}): {result.document.title}")


def _batch(project, batch_dir, out_dir, topic_dirs, jobs, scheduler):
    from publisher import report
    from publisher.batch import build_batch
    try:
        result = build_batch(project, batch_dir, out_dir=out_dir, topic_dirs=topic_dirs, jobs=jobs,
                             scheduler=scheduler, progress=lambda m: click.echo(m, err=True))
    except PublishError as exc:
        _fail(exc)
    for f in result.findings:
        click.echo(report.format_finding(f), err=True)
    total = sum(o.size for o in result.outputs)
    click.echo(f"Wrote {len(result.outputs)} file(s) ({report.human_size(total)}).")


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


@cli.command()
@click.argument("targets", nargs=-1)
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of built files (for topic names and the default). Default: handouts/.")
@click.option("--topic-dir", "topic_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folder holding topics (besides source/), for the safety check.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one finding per line; json: for machines.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def check(targets, out_dir, topic_dirs, fmt, root):
    """Check built files: TARGETS are files, folders or topic names (default: all of handouts/).

    Runs our PDF/UA, EPUB, HTML and safety checks, then EPUBCheck, Ace and axe where Java, Node
    and Chromium are installed (and says which were skipped and why). PDFs also get the page
    checks their pages alone allow (g-003 off the paper, g-004 signs apart from the crisis box,
    g-006, g-007, g-008, g-010, g-011, g-012 text in the unprintable edge; the others need the source HTML and run when the file
    is built). Exit 0 only when no
    finding is an error."""
    from publisher import report
    from publisher.build import check_built
    try:
        result = check_built(_project(root), targets, out_dir=out_dir, topic_dirs=topic_dirs)
    except PublishError as exc:
        _fail(exc, "nothing was checked")
    if fmt == "json":
        click.echo(report.format_check_json(result))
    else:
        click.echo(f"Checked {len(result.files)} file(s).")
        click.echo("Our checks (PDF/UA conditions, EPUB and HTML structure, safety, and the page checks of "
                   "PDFs) ran on every file; PDFs have no external validator here (veraPDF cannot be installed).")
        for run in result.validations:
            click.echo(report.format_validation(run))
        for f in result.findings:
            click.echo(report.format_finding(f))
        warnings = len(result.findings) - result.errors
        click.echo(f"{result.errors} error(s), {warnings} other finding(s)." if result.findings
                   else "No problems found.")
    if result.errors:
        sys.exit(ChecksFailed.exit_code)


@cli.command("review-sheet")
@click.argument("targets", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("review"), show_default=True, help="Folder for the PNG sheets.")
@click.option("--dpi", type=click.IntRange(min=20, max=300), default=60, show_default=True,
              help="Resolution of each page.")
@click.option("--columns", type=click.IntRange(min=1), default=4, show_default=True,
              help="Pages side by side in one row.")
def review_sheet(targets, out_dir, dpi, columns):
    """Draw every page of every PDF in TARGETS (files or folders; default handouts/) side by
    side, one PNG contact sheet per PDF, for a person to look at every page at once."""
    from publisher.reviewsheet import review_sheets
    try:
        sheets = review_sheets(list(targets) or [Path("handouts")], out_dir, dpi=dpi, columns=columns)
    except PublishError as exc:
        _fail(exc, "no sheet was written")
    for sheet in sheets:
        click.echo(f"{sheet.png}  ({sheet.pages} page(s) of {sheet.pdf})")
    click.echo(f"Wrote {len(sheets)} sheet(s) to {out_dir}.")


@cli.command("import")
@click.argument("document", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--topic", "topic_id", required=True, help="Id of the new topic (its folder name), e.g. blood-sugar.")
@click.option("--into", "into", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to create the topic in. Default: source/.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def import_(document, topic_id, into, root):
    """Import a Word (.docx), HTML or Markdown handout as a new topic folder, then list
    what an editor still has to do (one line each, with the codes `publish build` uses)."""
    from publisher import report
    from publisher.importing import import_document
    from publisher.project import load_editions
    project = _project(root)
    try:
        edition = load_editions(project).get("patient-handout")
    except PublishError:
        edition = None  # the report then gives levels without a target
    try:
        result = import_document(document, topic_id, into or project.source_dir, patient_edition=edition)
    except PublishError as exc:
        _fail(exc)
    click.echo(f"Imported {_shown(document)} as {_shown(result.folder)}/ ({len(result.files)} files).")
    if result.findings:
        click.echo("What to do next, one line each:")
        click.echo(report.format_text(result.findings))
    errors = len(result.errors)
    click.echo(f"{errors} thing(s) to fix before `publish build --topic-dir {_shown(result.folder.parent)} "
               f"--topic {topic_id}` can work." if errors else
               f"Ready to build: publish build --topic-dir {_shown(result.folder.parent)} --topic {topic_id}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback (127.0.0.1, ::1, localhost) makes every "
                   "request need the access token printed at start (or PUBLISH_SERVE_TOKEN).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--topic-dir", "topic_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folder holding topics (besides source/).")
@click.option("--no-watch", "no_watch", is_flag=True, help="Do not rebuild when a file is saved.")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def serve(host, port, topic_dirs, no_watch, root):
    """Start the local web application: a live preview for editors (rebuilds on save) and
    the custom handout form for staff (POST /summary for other systems). Ctrl-C stops it."""
    from publisher.web.server import serve as run
    run(_project(root), host=host, port=port, topic_dirs=topic_dirs, watch=not no_watch, echo=click.echo)


@cli.command("list")
@click.argument("topics", nargs=-1)
@click.option("--topic-dir", "topic_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folder holding topics (besides source/).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def list_(topics, topic_dirs, root):
    """Show topics, editions and section ids with their audiences."""
    from publisher import report
    from publisher import translations
    from publisher.build import load_editions, load_topics, measure_built
    from publisher.verify import readability
    project = _project(root)
    try:
        editions = load_editions(project)
        loaded = load_topics(project, topics, topic_dirs)
    except PublishError as exc:
        _fail(exc, "nothing was listed")
    click.echo("Editions:")
    width = max((len(e.id) for e in editions.values()), default=0)  # the columns line up
    for e in editions.values():
        click.echo(f"  {e.id:{width}} {e.format:5} audience: {e.audience or 'all':10} {e.description}")
    for topic in loaded.values():
        click.echo(f"\nTopic {topic.id}: {topic.full_title}")
        click.echo(f"  reviewed {topic.reviewed}, next review {topic.next_review}, version {topic.version}")
        # Every patient file the build makes with a reading target, in each of its languages
        # (a bilingual file: both, each in its own scale).
        docs, _ = translations.plan(topic, [e for e in editions.values()
                                            if e.audience == "patient" and readability.has_targets(e)])
        for doc in docs:
            path, reading = measure_built(project, doc)
            lang = doc.topic.language if doc.topic.source_language else ""
            click.echo("  " + report.format_built_level(doc.edition, _shown(path), reading, lang))
        _list_languages(topic, editions)
        click.echo("  Sections (id, audience, required for, tags of the short editions, variants):")
        for section in topic.sections:
            for s in section.walk():
                depth = _depth(section, s)
                required = f"  required: {', '.join(sorted(s.required_for))}" if s.required_for else ""
                variants = f"  variants: {', '.join(sorted(s.variants))}" if s.variants else ""
                tags = f"  tags: {', '.join(sorted(s.tags))}" if s.tags else ""
                click.echo(f"    {'  ' * depth}{s.id:{40 - 2 * depth}} {', '.join(sorted(s.audiences)):18}"
                           f"{required}{tags}{variants}")


def _list_languages(topic, editions) -> None:
    """Per language: the editions it fully covers (built by `publish build`) and, for the
    others, the sections that have no translation yet."""
    from publisher import translations
    click.echo("  Languages (editions built in each; for the others, what is not translated):")
    for lang in translations.languages(topic):
        docs, skipped = translations.plan(topic, editions.values(), langs=[lang])
        complete = [d.edition.id for d in docs if d.topic.language == lang or d.parallel is not None]
        own = " (the topic's own)" if lang == topic.language else ""
        click.echo(f"    {lang}{own}: complete: {', '.join(complete) or 'none'}")
        for edition, missing_lang, missing in skipped:
            if missing_lang == lang or not own:
                click.echo(f"      {edition.id}: missing {', '.join(missing)}")
        stale = [t for t in _translations_of(topic, lang) if t.stale]
        for t in stale:
            click.echo(f"      stale: {t.file} (its source {t.source} changed)")


def _translations_of(topic, lang):
    found = [topic.translations[lang].translation] if lang in topic.translations else []
    for section in topic.all_sections():
        found += [body.translation for body in section.translations.get(lang, {}).values() if body.translation]
    return found


@cli.command()
@click.argument("topics", nargs=-1)
@click.option("--lang", "langs", multiple=True, metavar="LANG", help="Only this language (repeat for more).")
@click.option("--topic-dir", "topic_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folder holding topics (besides source/).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def translations(topics, langs, topic_dirs, root):
    """Every text of a topic and its translation into each language: draft, reviewed, stale
    or missing, with the fingerprint of the source text now (what a translation records in
    translation: source_fingerprint: once it matches that text)."""
    from publisher import translations as tr
    from publisher.build import load_topics
    try:
        loaded = load_topics(_project(root), topics, topic_dirs)
    except PublishError as exc:
        _fail(exc)
    for topic in loaded.values():
        for lang in tr.languages(topic)[1:]:
            if langs and not any(tr.same_language(lang, x) for x in langs):
                continue
            click.echo(f"Topic {topic.id}, {lang}:")
            for what, source, fingerprint, state in tr.status_rows(topic, lang):
                click.echo(f"  {what:45} {state:28} {fingerprint}  {source}")


def _depth(top, target, level=0):
    if top is target:
        return level
    for child in top.children:
        found = _depth(child, target, level + 1)
        if found is not None:
            return found
    return None


if __name__ == "__main__":
    cli()
