"""Template filters for the domain's numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template

from muster.training.vocabulary import category_label

register = template.Library()


@register.filter
def category(code: str, rule_pack: str) -> str:
    """A category code's name in the agency's rule pack, e.g. legal_studies → Legal Studies."""
    return category_label(rule_pack, code) if code else ""


@register.filter
def isodate(value: str | None) -> dt.date | None:
    """An ISO date string (as stored in compliance results) as a date, for the date filter."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


@register.filter
def number(value: float | Decimal | int | None) -> str:
    """A number without needless decimals: 24.0 → 24, 1.5 → 1.5, 1.25 → 1.25."""
    if value is None:
        return "0"
    text = f"{Decimal(str(value)):.2f}".rstrip("0").rstrip(".")
    return text or "0"


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """mapping[key] in a template, or None."""
    return (mapping or {}).get(key)
