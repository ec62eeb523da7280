"""E-mails about sessions: a member's notice of absence to their supervisors, and a new date
to the member. Sent after the change commits; a mail server that is down never undoes it."""

from __future__ import annotations

from muster.core.mail import send_templated, supervisor_addresses
from muster.training.models import AbsenceNotice


def supervisors_of(notice: AbsenceNotice) -> list[str]:
    """E-mail addresses of the active supervisors of the member's unit or a unit above it."""
    return supervisor_addresses(notice.officer)


def absence_notified(notice: AbsenceNotice) -> None:
    """Tell the member's supervisors that the member cannot attend."""
    context = {"notice": notice, "officer": notice.officer, "session": notice.session}
    subject = f"{notice.officer.full_name} cannot attend {notice.session.course.course_id}"
    send_templated("absence_notified", context, supervisors_of(notice), subject)


def new_date_offered(notice: AbsenceNotice) -> None:
    """Tell the member the new date the Training Unit gave them."""
    user = getattr(notice.officer, "user", None)
    if user is None or not user.email or notice.rescheduled_to is None:
        return
    context = {"notice": notice, "officer": notice.officer, "session": notice.rescheduled_to}
    subject = f"New date for {notice.rescheduled_to.course.course_id}"
    send_templated("new_date_offered", context, [user.email], subject)
