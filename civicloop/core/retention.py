"""Personal data kept no longer than the city decided (issue 15): each app registers what it forgets
and after which setting; ``enforce_retention`` (a daily task, core/tasks.py) applies every rule.

A rule is one set-based statement (an UPDATE that blanks a column, or a DELETE) over rows older than
its setting's number of days; 0 days keeps them forever. The public record stays: rules blank what
identifies a person or what they wrote privately, never a published idea, comment or request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionRule:
    name: str
    # The setting holding the number of days (0: keep forever).
    setting: str
    # Given the cut-off moment, forget what is older; the number of rows changed.
    forget: Callable[[datetime], int]


_rules: dict[str, RetentionRule] = {}


def retention_rule(rule: RetentionRule) -> RetentionRule:
    """Register a rule (apps call this in AppConfig.ready())."""
    _rules[rule.name] = rule
    return rule


def retention_rules() -> list[RetentionRule]:
    return sorted(_rules.values(), key=lambda rule: rule.name)


def retention_enforce(*, now: datetime | None = None) -> dict[str, int]:
    """Apply every rule; rule name → rows changed (rules whose setting is 0 are skipped)."""
    moment = now or timezone.now()
    changed: dict[str, int] = {}
    for rule in retention_rules():
        days = int(getattr(settings, rule.setting))
        if days <= 0:
            continue
        with transaction.atomic():
            changed[rule.name] = rule.forget(moment - timedelta(days=days))
        if changed[rule.name]:
            logger.info("retention: %s, %d rows older than %d days", rule.name, changed[rule.name], days)
    return changed
