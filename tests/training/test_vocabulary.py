"""The Topic table and the plain-Python vocabulary that rule packs check against agree."""

from muster.compliance.vocabulary import TOPICS
from muster.training.models import Topic


def test_the_migrated_topics_are_exactly_the_shared_vocabulary(db):
    in_table = set(Topic.objects.values_list("code", "name"))
    assert in_table == {(code, name) for code, name, _ in TOPICS}
