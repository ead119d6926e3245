"""Review dates: a warning 60 days before next_review, an error after it, and --allow-overdue."""
import datetime as dt
import re
import shutil
import zipfile

import pytest
from click.testing import CliRunner

import publish
from publisher.build import BuildOptions, build_editions
from publisher.errors import ChecksFailed
from publisher.findings import Severity
from publisher.read import read_topic
from publisher.verify.review import WARN_DAYS, check_review
from publisher.verify.text import html_text, pdf_text

from conftest import SLEEP_TOPIC

TODAY = dt.date.today()


def topic_with_dates(tmp_path, reviewed: dt.date, next_review: dt.date):
    """A copy of the sleep-hygiene test topic with the given review dates."""
    folder = tmp_path / "topics" / "sleep-hygiene"
    shutil.copytree(SLEEP_TOPIC, folder)
    meta = folder / "topic.yaml"
    text = meta.read_text(encoding="utf-8")
    text = re.sub(r"^reviewed: .*$", f"reviewed: {reviewed.isoformat()}", text, flags=re.M)
    text = re.sub(r"^next_review: .*$", f"next_review: {next_review.isoformat()}", text, flags=re.M)
    meta.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("days_left,codes", [(WARN_DAYS + 1, []), (WARN_DAYS, ["s-003"]), (1, ["s-003"]),
                                             (0, ["s-003"]), (-1, ["s-002"])])
def test_review_window(tmp_path, days_left, codes):
    folder = topic_with_dates(tmp_path, TODAY - dt.timedelta(days=400), TODAY + dt.timedelta(days=days_left))
    found = check_review(read_topic(folder), today=TODAY)
    assert [f.code for f in found] == codes
    if codes == ["s-003"]:
        assert found[0].severity is Severity.WARNING and f"in {days_left} days" in found[0].message
    if codes == ["s-002"]:
        assert found[0].is_error and "--allow-overdue" in found[0].hint_text
        assert found[0].file.endswith("topic.yaml")


def test_overdue_topic_stops_the_build_before_anything_is_written(project, tmp_path):
    folder = topic_with_dates(tmp_path, TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=3))
    out = tmp_path / "out"
    with pytest.raises(ChecksFailed) as info:
        build_editions(project, BuildOptions(topics=["sleep-hygiene"], topic_dirs=[folder], out_dir=out))
    assert [f.code for f in info.value.findings] == ["s-002"]
    assert "was due for review on" in info.value.findings[0].message and "(3 days ago)" in info.value.findings[0].message
    assert not out.exists()


def words(day: dt.date) -> str:
    """A date as the outputs print it for a reader: in words (CLDR, US English)."""
    from babel.dates import format_date
    return format_date(day, format="long", locale="en_US")


def test_allow_overdue_builds_with_a_visible_note_on_every_output(project, tmp_path):
    due = TODAY - dt.timedelta(days=3)
    folder = topic_with_dates(tmp_path, TODAY - dt.timedelta(days=400), due)
    result = build_editions(project, BuildOptions(topics=["sleep-hygiene"], topic_dirs=[folder], out_dir=tmp_path / "out",
                            allow_overdue=True))
    assert [(f.code, f.severity) for f in result.findings] == [("s-002", Severity.WARNING)]
    files = {o.edition: o.path for o in result.outputs}
    for edition in ("patient-handout", "clinician-summary"):
        text = " ".join(pdf_text(files[edition].read_bytes()).split())
        assert f"Next review {words(due)} · Review overdue" in text  # title block (dates in words)
        assert text.count("Review overdue") >= 2  # and the footer of every page
    with zipfile.ZipFile(files["booklet"]) as z:
        colophon = z.read(next(n for n in z.namelist() if n.endswith("colophon.xhtml"))).decode()
        title = z.read(next(n for n in z.namelist() if n.endswith("title.xhtml"))).decode()
    assert "Review overdue" in colophon and words(due) in colophon and "Review overdue" in title
    assert "Review overdue</strong> since " + words(due) in files["web"].read_text(encoding="utf-8")
    assert "Review overdue" in html_text(files["web"].read_bytes())


def test_topic_due_soon_warns_and_builds_without_the_note(project, tmp_path):
    folder = topic_with_dates(tmp_path, TODAY - dt.timedelta(days=300), TODAY + dt.timedelta(days=30))
    result = build_editions(project, BuildOptions(topics=["sleep-hygiene"], editions=["patient-handout"],
                            topic_dirs=[folder], out_dir=tmp_path / "out"))
    assert [(f.code, f.severity) for f in result.findings] == [("s-003", Severity.WARNING)]
    assert "Review overdue" not in pdf_text(result.outputs[0].path.read_bytes())


def test_cli_allow_overdue_flag(tmp_path):
    folder = topic_with_dates(tmp_path, TODAY - dt.timedelta(days=400), TODAY - dt.timedelta(days=1))
    args = ["build", "--topic-dir", str(folder), "--topic", "sleep-hygiene", "--edition", "web",
            "-o", str(tmp_path / "out")]
    refused = CliRunner().invoke(publish.cli, args, catch_exceptions=False)
    assert refused.exit_code == 7 and "s-002 [error]" in refused.output
    allowed = CliRunner().invoke(publish.cli, args + ["--allow-overdue"], catch_exceptions=False)
    assert allowed.exit_code == 0, allowed.output
    assert "s-002 [warning]" in allowed.output and "Built 1 file(s)." in allowed.output
