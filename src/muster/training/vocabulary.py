"""The shared words training is described with: topics, categories and delivery methods.

Topic codes are one vocabulary across every rule pack, so a course tagged `firearms` counts
toward Missouri's firearms area, Kansas's firearms cap and Colorado's perishable skills
alike. Categories are a state's own (Missouri's four core areas); a rule pack names the
categories it knows.
"""

from __future__ import annotations

from django.db import models

# The topic codes are listed in muster.compliance.vocabulary (plain Python, so `muster check`
# needs no database) and loaded into the Topic table by migrations.

# Categories each rule pack knows. Missouri's core areas (11 CSR 75-15.020); Kansas and
# Colorado sort training by topic and delivery rather than by category.
PACK_CATEGORIES: dict[str, tuple[tuple[str, str], ...]] = {
    "us-mo-clee": (
        ("legal_studies", "Legal Studies"),
        ("technical_studies", "Technical Studies"),
        ("interpersonal_perspectives", "Interpersonal Perspectives"),
        ("skill_development", "Skill Development"),
    ),
    "us-ks-cpost": (),
    "us-co-rule28": (),
}


class Delivery(models.TextChoices):
    """How training reached the officer; caps and source rules depend on it."""

    IN_PERSON = "in_person", "In person, instructor present"
    LIVE_VIRTUAL = "live_virtual", "Live virtual, instructor answering questions"
    ONLINE = "online", "Online, self-paced (includes recorded virtual sessions)"
    RECORDED_MEDIA = "recorded_media", "Recorded programme viewed (media)"


def category_label(rule_pack: str, code: str) -> str:
    """The human name of a category code in a pack, or the code itself when unknown."""
    return dict(PACK_CATEGORIES.get(rule_pack, ())).get(code, code)
