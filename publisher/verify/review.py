"""Topic review dates -> findings: a topic must be reviewed again by its next_review date.

Within `WARN_DAYS` before that date a build warns (s-003); after it, the build fails (s-002)
unless the clinic chooses to build anyway (`publish build --allow-overdue`), in which case
the finding is a warning and every output carries a visible "Review overdue" note.
"""
from __future__ import annotations

import datetime as dt

from ..findings import Finding, Severity, finding, shown_path
from ..model import SourceRef

WARN_DAYS = 60


def is_overdue(topic, today: dt.date) -> bool:
    return today > topic.next_review


def check_review(topic, *, today: dt.date, allow_overdue: bool = False) -> list[Finding]:
    """s-002 once next_review has passed (a warning with allow_overdue); s-003 within
    WARN_DAYS before it; nothing otherwise."""
    where = SourceRef(shown_path(topic.folder / "topic.yaml"))  # as the editor sees it, like every finding
    due = topic.next_review.isoformat()
    if is_overdue(topic, today):
        days = (today - topic.next_review).days
        if allow_overdue:
            return [finding("s-002", f"topic '{topic.id}' was due for review on {due} ({days} days ago); "
                                     "built anyway (--allow-overdue), and every output says 'Review overdue'",
                            source=where, severity=Severity.WARNING)]
        return [finding("s-002", f"topic '{topic.id}' was due for review on {due} ({days} days ago)",
                        source=where, hint="Review the topic and update reviewed/next_review in topic.yaml, "
                                           "or build anyway with --allow-overdue (the outputs then say 'Review overdue').")]
    left = (topic.next_review - today).days
    if left <= WARN_DAYS:
        return [finding("s-003", f"topic '{topic.id}' is due for review on {due} (in {left} days)",
                        source=where, severity=Severity.WARNING)]
    return []
