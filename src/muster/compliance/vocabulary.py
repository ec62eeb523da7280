"""The shared words that rule packs and records use: topics, delivery methods, roles.

Topic codes are one vocabulary across every pack, so a course tagged `firearms` counts
toward Missouri's firearms area, the Kansas firearms cap and Colorado's perishable skills
alike. This module is plain Python so that `muster check` needs no database; the Topic table
is loaded from the same list by migrations, and a test keeps the two equal.
"""

from __future__ import annotations

# (code, name, what belongs here). Codes are stable: packs and other tools rely on them.
TOPICS: tuple[tuple[str, str, str], ...] = (
    ("racial_profiling", "Racial profiling", "Missouri's yearly hour (RSMo 590.650)."),
    ("implicit_bias", "Implicit bias", "Recognising implicit bias; Missouri from 2021."),
    ("de_escalation", "De-escalation", "De-escalation techniques; Missouri from 2021."),
    ("bias_based_policing", "Bias-based policing", "Kansas K.S.A. 22-4610 training."),
    ("anti_bias", "Anti-bias", "Colorado C.R.S. 24-31-315 anti-bias training."),
    ("firearms", "Firearms", "Firearms training (not the qualification shoot itself)."),
    ("arrest_control", "Arrest control", "Arrest control and defensive tactics."),
    ("driving", "Driving", "Police vehicle operation and driver training."),
    ("restraint_holds", "Restraint and holds", "Restraint methods, holds, positional asphyxia."),
    ("community_policing", "Community policing", "Community policing and engagement."),
    ("disabilities", "Persons with disabilities", "Interacting with persons with disabilities."),
    ("use_of_force", "Use of force / response to resistance", "Response to resistance options."),
    ("first_aid", "Medical treatment and first aid", "First aid, CPR, tactical medicine."),
    ("civil_liability", "Civil liability and risk management", "Civil liability, risk."),
    ("court_testimony", "Court proceedings and testimony", "Courtroom procedure, testimony."),
    ("civil_rights", "Civil rights laws", "Federal and state civil rights law."),
    ("legal_update", "Legal update", "Case law and statute updates."),
    ("mental_health", "Mental health awareness", "Crisis intervention, mental illness."),
    ("officer_wellness", "Officer wellness", "Officer well-being and stress management."),
    ("ethics", "Ethics", "Ethics and professional standards."),
    ("communications", "Strategic communications", "Communication and conflict management."),
    ("traffic", "Traffic enforcement", "Traffic stops and crash investigation."),
    ("investigations", "Investigations", "Criminal investigation techniques."),
    ("policy_update", "Agency policy update", "Changes to the agency's own policies."),
    ("leadership", "Leadership and supervision", "Supervision and management."),
    ("field_training", "Field training officer", "FTO programme training."),
    ("emt", "Emergency medical technician", "EMT continuing education."),
)
TOPIC_CODES: frozenset[str] = frozenset(code for code, _, _ in TOPICS)

# How training reached the officer. `college` is for college courses in `muster check`
# files; inside the application a college course is a record kind.
DELIVERY_CODES: tuple[str, ...] = (
    "in_person",
    "live_virtual",
    "online",
    "recorded_media",
    "college",
)
ROLES: tuple[str, ...] = ("attendee", "instructor")
EMPLOYMENT: tuple[str, ...] = ("full_time", "part_time", "reserve")
LEAVE_KINDS: tuple[str, ...] = ("military", "medical", "other")
WEAPON_TYPES: tuple[str, ...] = ("handgun", "rifle", "shotgun", "other")
