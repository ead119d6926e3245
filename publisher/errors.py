"""The error hierarchy. Exit codes live on the classes; nothing here imports click.

`publish.py` is the only place that turns these into messages and exit codes.
"""
from __future__ import annotations


class PublishError(Exception):
    """Base class: something the user can fix. `exit_code` is what the CLI returns.

    `findings` (coded, with file and line where known) say what is wrong; the message
    (str) is a one-line summary of the whole failure.
    """

    exit_code = 1

    def __init__(self, message: str = "", findings=(), *, code: str | None = None, hint: str | None = None,
                 source=None):
        """`code` (with `hint` and `source`, a SourceRef-like object naming the file): the
        error is that one coded finding, with `message` as its message, when no `findings`
        are given."""
        findings = list(findings)
        if code is not None and not findings:
            from .findings import finding
            findings = [finding(code, message, source=source, hint=hint)]
        self.findings = findings
        super().__init__(message or f"{len(self.findings)} problem(s)")

    @property
    def said_in_findings(self) -> bool:
        """Whether the message only repeats the one finding (a coded error): a summary line
        after the findings then says what happened instead."""
        return len(self.findings) == 1 and self.findings[0].message == str(self)


class ContentError(PublishError):
    """One or more problems in the content files (each is a `Finding`)."""

    exit_code = 3

    def __init__(self, findings):
        findings = list(findings)
        super().__init__(f"{len(findings)} problem(s) in the content; no output was written or replaced",
                         findings)


class EditionError(PublishError):
    """An unknown edition, topic or section id asked for on the command line."""

    exit_code = 4


class TemplateError(PublishError):
    """A layout template failed to render."""

    exit_code = 5


class OutputError(PublishError, OSError):
    """An output could not be written (folder missing or read-only, disk full, a path
    outside the output folder, two outputs with one path)."""

    exit_code = 6

    def __init__(self, message: str = "", findings=()):
        PublishError.__init__(self, message, findings)


class ChecksFailed(PublishError):
    """A built output failed a check; nothing was written in its place."""

    exit_code = 7

    def __init__(self, findings):
        findings = list(findings)
        super().__init__(f"{sum(1 for f in findings if f.is_error)} check(s) failed; "
                         "no output was written or replaced", findings)
