"""Figures as the pages print them: counts below k as "fewer than k", derived figures as "—" then."""

from django.utils.formats import number_format
from django.utils.translation import gettext as _


def fewer_than(k: int) -> str:
    return _("fewer than %(k)d") % {"k": k}


def _number(value: float | int | None, k: int, decimals: int = 0) -> str:
    if value is None:
        return fewer_than(k)
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _figure(value: float | int | None, decimals: int = 1) -> str:
    """A derived figure (rate, share, index): '—' when its count is suppressed or unknown."""
    if value is None:
        return "—"
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _percent(share: float | None) -> str:
    return "—" if share is None else _figure(share * 100, 1) + "%"


def _days(days: float | None) -> str:
    if days is None:
        return "—"
    return _("%(days)s days") % {"days": _figure(days, 1)}
