"""Who may import: the agency's administrators (roster) and Training Unit (records)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import rules

from muster.accounts.rules import is_agency_admin, is_training_writer

add_perm: Callable[[str, Any], None] = rules.add_perm

# Opening the import pages of an agency; each kind then needs the permission of the change it
# makes (people.manage_officers for a roster, training.record_training for records, ...).
add_perm("imports.use", is_agency_admin | is_training_writer)
