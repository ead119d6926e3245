"""publish: the command line of clinic-handouts. A thin layer over the `publisher` package:
parse options, call it, print its findings, exit with the error's exit code."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from publisher import __version__
from publisher.errors import ChecksFailed, ContentError, PublishError

ROOT = Path(__file__).resolve().parent


def _project(root):
    from publisher.build import Project
    return Project(Path(root).resolve() if root else _default_root())


def _default_root() -> Path:
    """The project folder: the current folder if it has source/, else this file's folder."""
    cwd = Path.cwd()
    return cwd if (cwd / "source" / "editions.yaml").exists() else ROOT


def _fail(exc: PublishError):
    from publisher import report
    findings = getattr(exc, "findings", None)
    if findings:  # every problem of the build, one line each, then what happened
        click.echo(report.format_text(findings), err=True)
    click.echo(f"Error: {exc}", err=True)
    sys.exit(exc.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="publish")
def cli():
    """Publish accessible patient handouts (PDF), clinician summaries (PDF), EPUB booklets
    and web pages from the topics in source/."""


@cli.command()
@click.option("--topic", "topics", multiple=True, help="Topic to build (repeat for more). Default: all.")
@click.option("--edition", "editions", multiple=True, help="Edition to build (repeat for more). Default: all.")
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder. Default: handouts/.")
@click.option("--paper", type=click.Choice(["letter", "a4"]), help="Paper size of the PDFs.")
@click.option("--clinic", "clinic_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Clinic profile (YAML). Default: source/clinic.yaml.")
@click.option("--topic-dir", "topic_dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Extra folder holding topics (besides source/).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def build(topics, editions, out_dir, paper, clinic_file, topic_dirs, root):
    """Build every edition of every topic into handouts/<topic>/."""
    from publisher import report
    from publisher.build import build_editions
    project = _project(root)
    try:
        result = build_editions(project, topics=topics, editions=editions, out_dir=out_dir, paper=paper,
                                clinic_file=clinic_file, topic_dirs=topic_dirs,
                                progress=lambda m: click.echo(m, err=True))
    except PublishError as exc:
        _fail(exc)
    for f in result.findings:
        click.echo(report.format_finding(f), err=True)
    click.echo(f"{'file':58} {'pages':>5} {'size':>9}")
    for out in result.outputs:
        pages = str(out.pages) if out.pages is not None else "-"
        click.echo(f"{str(out.path.relative_to(Path.cwd()) if out.path.is_relative_to(Path.cwd()) else out.path):58} "
                   f"{pages:>5} {report.human_size(out.size):>9}")
    click.echo(f"Built {len(result.outputs)} file(s).")


@cli.command("list")
@click.argument("topics", nargs=-1)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), help="Project folder.")
def list_(topics, root):
    """Show topics, editions and section ids with their audiences."""
    from publisher.build import load_editions, load_topics
    project = _project(root)
    try:
        editions = load_editions(project)
        loaded = load_topics(project, topics)
    except PublishError as exc:
        _fail(exc)
    click.echo("Editions:")
    for e in editions.values():
        click.echo(f"  {e.id:22} {e.format:5} audience: {e.audience or 'all':10} {e.description}")
    for topic in loaded.values():
        click.echo(f"\nTopic {topic.id}: {topic.full_title}")
        click.echo(f"  reviewed {topic.reviewed}, next review {topic.next_review}, version {topic.version}")
        click.echo("  Sections (id, audience, required for):")
        for section in topic.sections:
            for s in section.walk():
                depth = _depth(section, s)
                required = f"  required: {', '.join(sorted(s.required_for))}" if s.required_for else ""
                variants = f"  variants: {', '.join(sorted(s.variants))}" if s.variants else ""
                click.echo(f"    {'  ' * depth}{s.id:{40 - 2 * depth}} {', '.join(sorted(s.audiences)):18}{required}{variants}")


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
