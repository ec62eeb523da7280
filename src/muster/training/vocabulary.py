"""How training reached the officer, and the names of a pack's categories, for the app."""

from __future__ import annotations

from django.db import models

# The topic codes are listed in muster.compliance.vocabulary (plain Python, so `muster check`
# needs no database) and loaded into the Topic table by migrations. Categories are each rule
# pack's own (its `categories:` list).


class Delivery(models.TextChoices):
    """How training reached the officer; caps and source rules depend on it."""

    IN_PERSON = "in_person", "In person, instructor present"
    LIVE_VIRTUAL = "live_virtual", "Live virtual, instructor answering questions"
    ONLINE = "online", "Online, self-paced (includes recorded virtual sessions)"
    RECORDED_MEDIA = "recorded_media", "Recorded programme viewed (media)"


def category_label(rule_pack: str, code: str) -> str:
    """The human name of a category code in a pack, or the code itself when unknown."""
    from muster.compliance.rulepack import load_pack

    titles = {c.code: c.title for c in load_pack(rule_pack).categories}
    return titles.get(code, code)
