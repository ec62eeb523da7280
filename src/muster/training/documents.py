"""Documents made from sessions: the paper sign-in sheet (PDF) and calendar feeds (iCalendar)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from muster.training.models import Enrolment, EnrolmentStatus, Session, SessionStatus

# Blank lines at the foot of the sheet for members who come without being enrolled.
WALK_IN_LINES = 6


def sign_in_sheet_pdf(session: Session, *, user: Any, base_url: str) -> bytes:
    """The paper sign-in sheet for a session held without devices, with the roster `user`
    may read (the whole roster for those who run the session)."""
    from weasyprint import HTML  # imported here: it loads Pango, which only this page needs

    enrolled = (
        Enrolment.objects.visible_to(user)
        .filter(session=session, status=EnrolmentStatus.ENROLLED)
        .select_related("officer__unit")
        .order_by("officer__last_name", "officer__first_name")
    )
    html = render_to_string(
        "training/sign_in_sheet_pdf.html",
        {
            "session": session,
            "course": session.course,
            "agency": session.course.agency,
            "starts": timezone.localtime(session.starts_at, session.course.agency.zone),
            "ends": timezone.localtime(session.ends_at, session.course.agency.zone),
            "roster": [e.officer for e in enrolled],
            "walk_in_lines": range(WALK_IN_LINES),
            "instructors": list(session.instructors.all()),
            "printed_at": timezone.localtime(timezone.now(), session.course.agency.zone),
        },
    )
    return bytes(HTML(string=html, base_url=base_url).write_pdf())


def sessions_calendar(sessions: Iterable[Session], *, name: str) -> bytes:
    """An iCalendar file of sessions; cancelled ones stay in it, marked cancelled."""
    from icalendar import Calendar, Event

    calendar = Calendar()
    calendar.add("prodid", "-//Muster//Training sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now()
    for session in sessions:
        course = session.course
        event = Event()
        event.add("uid", f"session-{session.pk}@muster")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("summary", f"{course.course_id} {course.title}")
        event.add("location", session.location)
        event.add(
            "status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED"
        )
        teachers = ", ".join(t.full_name for t in session.instructors.all())
        event.add("description", f"{course.synopsis}\nInstructors: {teachers or 'to be named'}")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
