"""All or nothing: job results in, files in place only when every one of them passed.

`Collector` stages each good result beside its target as it arrives (so the bytes are not
kept in memory), remembers every problem of every failed one, and `commit` moves all the
staged files into place only when none failed; otherwise it raises with every problem
together and replaces nothing. Used by `build`, `summary` and `summary --batch` alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import ChecksFailed, PublishError, TemplateError
from .job import JobResult
from .model import Output, SelectedDocument
from .output import OutputWriter


@dataclass
class BuildResult:
    """What a build or batch made: the files, what the checks found, the reading levels."""

    outputs: list[Output] = field(default_factory=list)
    findings: list = field(default_factory=list)
    readings: list = field(default_factory=list)  # (Output, Edition, readability.Reading) per measured output
    validations: list = field(default_factory=list)  # verify.tools.ValidatorRun, with check="full"
    skipped: list = field(default_factory=list)  # (topic, edition, language, missing ids) not built


class Collector:
    """Collects job results for one all-or-nothing write through `writer`.

    Use as a context manager: whatever was staged and not committed is removed when the
    block ends, however it ends."""

    def __init__(self, writer: OutputWriter, *, keep_readings: bool = True):
        """`keep_readings`: list each output's reading level in the result (a batch of
        thousands does not, so its memory does not grow with the batch)."""
        self.writer = writer
        self.keep_readings = keep_readings
        self.result = BuildResult()
        self.problems: list = []  # the findings of the failed outputs, each once
        self.failed: type[PublishError] | None = None
        self._staged: dict[object, Output] = {}

    def __enter__(self) -> "Collector":
        return self

    def __exit__(self, *exc) -> None:
        self.writer.discard()

    def add(self, key: object, target: Path, doc: SelectedDocument, result: JobResult) -> Output | None:
        """Take one job's result for `target`: stage its bytes (returns its `Output`), or
        remember its problems (returns None). `key` orders the outputs in the result."""
        self.result.validations += result.validations
        if result.failure:
            self.problems += [f for f in result.findings if f not in self.problems]  # one template error, once
            self.failed = TemplateError if result.failure == "template" or self.failed is TemplateError \
                else ChecksFailed
            return None
        self.result.findings += result.findings
        self.writer.stage(target, result.data)
        output = self._staged[key] = result.output(target, doc)
        if result.reading is not None and self.keep_readings:
            self.result.readings.append((output, doc.edition, result.reading))
        return output

    def add_existing(self, key: object, output: Output) -> None:
        """List an output already in place (up to date) with the others; nothing is written."""
        self._staged[key] = output

    def commit(self) -> BuildResult:
        """Move every staged file into place and return the result (outputs in key order).
        Raises TemplateError if a template failed, else ChecksFailed if a check did; then
        nothing is moved into place."""
        if self.failed is TemplateError:
            raise TemplateError(f"{len(self.problems)} template problem(s); no output was written or replaced",
                                self.problems)
        if self.failed is ChecksFailed:
            raise ChecksFailed(self.problems)
        self.writer.commit()
        self.result.outputs = [self._staged[key] for key in sorted(self._staged)]
        return self.result
