"""Sessions: scheduling, enrolment, sign-in (QR, kiosk, paper), absence, closing, calendars."""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.accounts.models import TRAINING_WRITE_ROLES, User
from muster.agencies.models import Agency
from muster.core.forms import show_service_errors
from muster.core.uploads import attachment_response
from muster.core.views import signed_in_user
from muster.people.models import Officer
from muster.training import attendance
from muster.training.documents import sessions_calendar, sign_in_sheet_pdf
from muster.training.models import (
    AbsenceNotice,
    CalendarFeedToken,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionStatus,
    SignIn,
    SignInMethod,
    TrainingRecord,
)
from muster.training.services import (
    calendar_token_for,
    cancel_enrolment,
    cancel_session,
    enrol_officer,
    schedule_session,
    update_session,
)
from muster.training.session_forms import (
    EnrolForm,
    KioskForm,
    PaperScanForm,
    ReasonForm,
    ScheduleForm,
    SessionEditForm,
)

TICKETS = "sign_in_tickets"


def _errors(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _flash_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in _errors(error):
        messages.error(request, message)


def _visible_session(request: HttpRequest, pk: int) -> Session:
    """A session the user may read (a member of its agency), else 404."""
    return get_object_or_404(
        Session.objects.visible_to(request.user).select_related("course__agency"), pk=pk
    )


def _runnable_session(request: HttpRequest, pk: int) -> Session:
    """A session the user may run (its instructor or the Training Unit), else 404 or 403."""
    session = _visible_session(request, pk)
    if not request.user.has_perm("training.run_session", session):
        raise PermissionDenied("Only the session's instructors and the Training Unit run it.")
    return session


def _writable_agencies(user: User) -> list[Agency]:
    scope = user.scope
    if scope.everything:
        return list(Agency.objects.order_by("name"))
    ids = scope.agencies_with(TRAINING_WRITE_ROLES)
    return list(Agency.objects.filter(pk__in=ids).order_by("name"))


# --- Lists and scheduling -------------------------------------------------------------------


@never_cache
@login_required
def session_list(request: HttpRequest) -> HttpResponse:
    """Upcoming and recent sessions of the user's agencies, the user's own marked."""
    user = signed_in_user(request)
    show = request.GET.get("show", "upcoming")
    sessions = (
        Session.objects.visible_to(user)
        .select_related("course__agency")
        .annotate(enrolled=Count("enrolments", filter=Q(enrolments__status="enrolled")))
    )
    now = timezone.now()
    if show == "past":
        sessions = sessions.filter(starts_at__lt=now).order_by("-starts_at")
    else:
        show = "upcoming"
        sessions = sessions.filter(ends_at__gte=now).order_by("starts_at")
    rows = list(sessions[:200])
    mine: dict[int, str] = {}
    if user.officer_id:
        for e in Enrolment.objects.visible_to(user).filter(
            officer_id=user.officer_id, session__in=[s.pk for s in rows]
        ):
            mine[e.session_id] = e.get_status_display()
    return render(
        request,
        "training/session_list.html",
        {
            "rows": [(s, mine.get(s.pk)) for s in rows],
            "show": show,
            "can_schedule": bool(_writable_agencies(user)),
        },
    )


@never_cache
@login_required
def session_new(request: HttpRequest) -> HttpResponse:
    """Schedule a session of a catalog course (Training Unit)."""
    user = signed_in_user(request)
    agencies = _writable_agencies(user)
    if not agencies:
        raise PermissionDenied("Only the Training Unit schedules sessions.")
    form = ScheduleForm(
        request.POST or None, agencies=agencies, initial={"course": request.GET.get("course")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = schedule_session(
                acting_user=user,
                course=data["course"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                location=data["location"],
                capacity=data["capacity"],
                instructors=data["instructors"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, f"Scheduled {session}.")
            return redirect("session-detail", pk=session.pk)
    return render(request, "training/session_new.html", {"form": form})


@never_cache
@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A session: what, when and where; the member's own place; the roster for those who run it."""
    user = signed_in_user(request)
    session = _visible_session(request, pk)
    runs = user.has_perm("training.run_session", session)
    manages = user.has_perm("training.manage_sessions", session)
    context: dict[str, Any] = {
        "session": session,
        "course": session.course,
        "instructors": list(session.instructors.all()),
        "runs": runs,
        "manages": manages,
        "my_enrolment": None,
        "my_sign_in": None,
        "my_absence": None,
        "now": timezone.now(),
    }
    if user.officer_id:
        context["my_enrolment"] = Enrolment.objects.filter(
            session=session, officer_id=user.officer_id
        ).first()
        context["my_sign_in"] = SignIn.objects.filter(
            session=session, officer_id=user.officer_id
        ).first()
        context["my_absence"] = AbsenceNotice.objects.filter(
            session=session, officer_id=user.officer_id
        ).first()
    if runs or manages:
        enrolments = (
            Enrolment.objects.visible_to(user)
            .filter(session=session)
            .select_related("officer__unit")
            .order_by("status", "created_at")
        )
        context["enrolled"] = [e for e in enrolments if e.status == EnrolmentStatus.ENROLLED]
        context["waiting"] = [e for e in enrolments if e.status == EnrolmentStatus.WAITLISTED]
        context["others"] = [
            e
            for e in enrolments
            if e.status not in (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)
        ]
        context["sign_ins"] = list(
            SignIn.objects.visible_to(user)
            .filter(session=session)
            .select_related("officer", "recorded_by")
        )
        context["records"] = list(
            TrainingRecord.objects.visible_to(user)
            .current()
            .filter(session=session)
            .select_related("officer")
            .order_by("participation", "officer__last_name")
        )
        if manages and session.status == SessionStatus.SCHEDULED:
            context["enrol_form"] = EnrolForm(agency=session.course.agency)
    return render(request, "training/session_detail.html", context)


@never_cache
@login_required
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a scheduled session, or change its room, places or instructors."""
    session = _visible_session(request, pk)
    if not request.user.has_perm("training.manage_sessions", session):
        raise PermissionDenied("Only the Training Unit changes sessions.")
    agency = session.course.agency
    starts = timezone.localtime(session.starts_at, agency.zone)
    ends = timezone.localtime(session.ends_at, agency.zone)
    initial = {
        "day": starts.date(),
        "starts": starts.time(),
        "ends": ends.time(),
        "location": session.location,
        "capacity": session.capacity,
        "instructors": list(session.instructors.all()),
    }
    form = SessionEditForm(request.POST or None, agency=agency, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            update_session(
                acting_user=request.user,
                session=session,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                location=data["location"],
                capacity=data["capacity"],
                instructors=data["instructors"],
            )
        except ValidationError as error:
            show_service_errors(form, error)
        else:
            messages.success(request, "The session is changed.")
            return redirect("session-detail", pk=pk)
    return render(request, "training/session_edit.html", {"form": form, "session": session})


@require_POST
@login_required
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    """Enrol a member (or put them on the waiting list)."""
    session = _visible_session(request, pk)
    form = EnrolForm(request.POST, agency=session.course.agency)
    if not form.is_valid():
        messages.error(request, "Choose a member to enrol.")
        return redirect("session-detail", pk=pk)
    try:
        enrolment = enrol_officer(
            acting_user=request.user, session=session, officer=form.cleaned_data["officer"]
        )
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"{enrolment.officer}: {enrolment.get_status_display()}.")
    return redirect("session-detail", pk=pk)


@require_POST
@login_required
def enrolment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a member off a session; the first on the waiting list moves up."""
    enrolment = get_object_or_404(
        Enrolment.objects.visible_to(request.user).select_related("session__course", "officer"),
        pk=pk,
    )
    try:
        cancel_enrolment(acting_user=request.user, enrolment=enrolment)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"{enrolment.officer} is no longer enrolled.")
    return redirect("session-detail", pk=enrolment.session_id)


@require_POST
@login_required
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a scheduled session with a reason."""
    session = _visible_session(request, pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": "Say why the session is cancelled."})
        reason = form.cleaned_data["reason"]
        cancel_session(acting_user=request.user, session=session, reason=reason)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, "The session is cancelled.")
    return redirect("session-detail", pk=pk)


# --- The rotating code ----------------------------------------------------------------------


def _sign_in_url(request: HttpRequest, session: Session, code: str) -> str:
    address = reverse("session-sign-in", args=[session.pk])
    return request.build_absolute_uri(f"{address}?code={code}")


def _code_context(request: HttpRequest, session: Session) -> dict[str, Any]:
    code = attendance.current_code(session)
    url = _sign_in_url(request, session, code)
    qr = segno.make_qr(url, error="m")
    return {
        "session": session,
        "code": code,
        "qr_svg": qr.svg_inline(scale=7, title=f"Sign-in code {code}"),
        "seconds": attendance.seconds_until_next_code(),
        "signed_in": session.sign_ins.count(),
    }


@never_cache
@login_required
def session_code(request: HttpRequest, pk: int) -> HttpResponse:
    """The screen shown in the room: a QR code that changes every few seconds."""
    session = _runnable_session(request, pk)
    return render(request, "training/session_code.html", _code_context(request, session))


@never_cache
@login_required
def session_code_current(request: HttpRequest, pk: int) -> HttpResponse:
    """The code panel alone, fetched again by the screen every few seconds."""
    session = _runnable_session(request, pk)
    return render(request, "training/_session_code_panel.html", _code_context(request, session))


def _ticket_ok(request: HttpRequest, session: Session) -> bool:
    tickets = request.session.get(TICKETS, {})
    scanned = tickets.get(str(session.pk))
    if not scanned:
        return False
    age = timezone.now() - dt.datetime.fromisoformat(scanned)
    return dt.timedelta(0) <= age <= attendance.TICKET_LIFETIME


@never_cache
def session_sign_in(request: HttpRequest, pk: int) -> HttpResponse:
    """A member's own sign-in from their phone, after scanning the code on the screen.

    The scan (a URL with the current code) is checked at once and remembered for a few
    minutes, so that signing in to Muster on the phone first does not make the code expire.
    """
    code = request.GET.get("code")
    if code is not None:
        session = get_object_or_404(Session.objects.select_related("course__agency"), pk=pk)
        if not attendance.code_is_current(session, code):
            return render(
                request,
                "training/session_sign_in.html",
                {"session": None, "expired": True},
                status=400,
            )
        tickets = request.session.get(TICKETS, {})
        tickets[str(session.pk)] = timezone.now().isoformat()
        request.session[TICKETS] = tickets
        return redirect("session-sign-in", pk=pk)  # drop the code from the address bar
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={request.path}")
    user = signed_in_user(request)
    session = _visible_session(request, pk)
    context: dict[str, Any] = {"session": session, "expired": False, "officer": user.officer}
    status = 200
    if user.officer is None:
        context["problem"] = "This login belongs to no member, so it cannot sign in."
        status = 403
    elif not _ticket_ok(request, session):
        context["expired"] = True
        status = 400
    elif request.method == "POST":
        try:
            claimed = int(request.POST.get("officer", ""))
        except ValueError:
            claimed = -1
        # Looked up by id alone, so that any other id (even a made-up one) reaches the
        # refusal in sign_in and leaves an audit row; nothing about that officer is shown.
        target = Officer.objects.filter(pk=claimed).first()
        try:
            if target is None:
                attendance.refuse_unknown_officer(acting_user=user, session=session)
            row = attendance.sign_in(
                acting_user=user, session=session, officer=target, method=SignInMethod.PHONE
            )
        except PermissionDenied as refusal:
            context["problem"] = str(refusal)
            status = 403
        except ValidationError as error:
            context["problem"] = " ".join(_errors(error))
            status = 400
        else:
            request.session[TICKETS] = {
                k: v for k, v in request.session.get(TICKETS, {}).items() if k != str(pk)
            }
            context["signed_in"] = row
    else:
        context["existing"] = SignIn.objects.filter(session=session, officer=user.officer).first()
    return render(request, "training/session_sign_in.html", context, status=status)


@never_cache
@login_required
def session_kiosk(request: HttpRequest, pk: int) -> HttpResponse:
    """A shared device in the room: each member types their own username and password.

    Nobody is logged in by it; the credentials only prove who is signing in.
    """
    session = _runnable_session(request, pk)
    form = KioskForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if attendance.kiosk_locked(session, username):
            messages.error(
                request,
                "Too many wrong passwords for this username here; wait a quarter of an hour "
                "or ask the instructor.",
            )
            return render(
                request,
                "training/session_kiosk.html",
                {"session": session, "form": KioskForm(), "signed_in": session.sign_ins.count()},
                status=429,
            )
        member = authenticate(request, username=username, password=form.cleaned_data["password"])
        if not isinstance(member, User) or member.officer is None:
            attendance.refuse_kiosk_login(
                acting_user=request.user, session=session, username=username
            )
            messages.error(request, "That username and password do not match a member.")
            status = 403
        else:
            try:
                row = attendance.sign_in(
                    acting_user=member,
                    session=session,
                    officer=member.officer,
                    method=SignInMethod.KIOSK,
                )
            except ValidationError as error:
                _flash_errors(request, error)
                status = 400
            else:
                when = timezone.localtime(row.signed_in_at, session.course.agency.zone)
                messages.success(request, f"Signed in: {member.officer.full_name} at {when:%H:%M}.")
                return redirect("session-kiosk", pk=pk)
        form = KioskForm()  # never echo a password back
    return render(
        request,
        "training/session_kiosk.html",
        {"session": session, "form": form, "signed_in": session.sign_ins.count()},
        status=status,
    )


# --- Paper ------------------------------------------------------------------------------------


@never_cache
@login_required
def session_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable paper sign-in sheet with the roster (PDF)."""
    session = _runnable_session(request, pk)
    pdf = sign_in_sheet_pdf(
        session, user=signed_in_user(request), base_url=request.build_absolute_uri("/")
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    day = session.starts_at.astimezone(session.course.agency.zone).date().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="sign-in-sheet-{session.course.course_id}-{day}.pdf"'
    )
    return response


def _int(value: str | None) -> int:
    text = (value or "0").strip()
    try:
        if not text.isascii():
            raise ValueError(text)
        return int(text)
    except ValueError as exc:
        raise ValidationError({"officers": f"'{value}' is not a whole number of minutes."}) from exc


@never_cache
@login_required
def session_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Record who signed the paper sheet, with late and early minutes, and attach its scan."""
    session = _runnable_session(request, pk)
    user = signed_in_user(request)
    signed = SignIn.objects.visible_to(user).filter(session=session).values("officer_id")
    candidates = [
        e.officer
        for e in Enrolment.objects.visible_to(user)
        .filter(
            session=session,
            status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED],
        )
        .exclude(officer_id__in=signed)
        .select_related("officer")
        .order_by("officer__last_name", "officer__first_name")
    ]
    form = PaperScanForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("officer") if v.isdecimal() and v.isascii()}
        walk_in = request.POST.get("walk_in_serial", "").strip()
        try:
            lines = [
                attendance.PaperLine(
                    officer=o,
                    late_minutes=_int(request.POST.get(f"late-{o.pk}")),
                    early_minutes=_int(request.POST.get(f"early-{o.pk}")),
                )
                for o in candidates
                if o.pk in chosen
            ]
            if walk_in:
                extra = (
                    Officer.objects.visible_to(user)
                    .filter(agency_id=session.course.agency_id, serial_number=walk_in)
                    .first()
                )
                if extra is None:
                    raise ValidationError(
                        {
                            "walk_in_serial": f"No member you may record has serial number "
                            f"{walk_in}; the Training Unit records members not on the roster."
                        }
                    )
                lines.append(attendance.PaperLine(officer=extra))
            attendance.record_paper_sheet(
                acting_user=user,
                session=session,
                lines=lines,
                scan=request.FILES.get("scan"),
            )
        except ValidationError as error:
            problems = _errors(error)
            status = 400
        else:
            messages.success(request, f"Recorded {len(lines)} signatures from the paper sheet.")
            return redirect("session-detail", pk=pk)
    return render(
        request,
        "training/session_paper.html",
        {"session": session, "candidates": candidates, "form": form, "problems": problems},
        status=status,
    )


@never_cache
@login_required
def session_paper_scan(request: HttpRequest, pk: int) -> FileResponse:
    """The scan of the paper sheet, for those who run the session."""
    session = _runnable_session(request, pk)
    if not session.paper_sheet:
        raise Http404("No scan has been attached.")
    return attachment_response(session.paper_sheet)


# --- Closing ----------------------------------------------------------------------------------


@never_cache
@login_required
def session_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm late arrivals and early departures, then turn sign-ins into training records."""
    session = _runnable_session(request, pk)
    user = signed_in_user(request)
    sign_ins = list(
        SignIn.objects.visible_to(user).filter(session=session).select_related("officer")
    )
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            # A field left out keeps what the sign-in already says.
            departures = {
                row.pk: (
                    _int(request.POST.get(f"late-{row.pk}", str(row.late_minutes))),
                    _int(request.POST.get(f"early-{row.pk}", str(row.early_minutes))),
                )
                for row in sign_ins
            }
            closed = attendance.close_session(
                acting_user=user, session=session, departures=departures
            )
        except ValidationError as error:
            problems = _errors(error)
            status = 400
        else:
            missing = len(closed.no_shows)
            tail = f"; {missing} enrolled did not sign in." if missing else "."
            messages.success(
                request, f"Session closed: {len(closed.records)} training records entered{tail}"
            )
            return redirect("session-detail", pk=pk)
    rows = [
        (row, attendance.credited_minutes(session, row.late_minutes, row.early_minutes))
        for row in sign_ins
    ]
    return render(
        request,
        "training/session_close.html",
        {
            "session": session,
            "rows": rows,
            "instructors": list(session.instructors.all()),
            "problems": problems,
            "not_started": timezone.now() < session.starts_at,
        },
        status=status,
    )


# --- Absence ----------------------------------------------------------------------------------


@require_POST
@login_required
def session_absence(request: HttpRequest, pk: int) -> HttpResponse:
    """The member tells their supervisor they cannot attend."""
    session = _visible_session(request, pk)
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"reason": "Say briefly why you cannot attend."})
        attendance.notify_absence(
            acting_user=request.user, session=session, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(
            request,
            "Your supervisor has been told. Ask the Training Unit for a new date below.",
        )
    return redirect("session-detail", pk=pk)


def _notices(user: User) -> QuerySet[AbsenceNotice]:
    return AbsenceNotice.objects.visible_to(user).select_related(
        "officer__unit", "session__course", "rescheduled_to__course", "seen_by"
    )


@never_cache
@login_required
def absence_list(request: HttpRequest) -> HttpResponse:
    """Notices of absence: the member's own, a supervisor's unit, the Training Unit's queue."""
    user = signed_in_user(request)
    show = request.GET.get("show", "open")
    notices = _notices(user)
    if show != "all":
        show = "open"
        notices = notices.filter(rescheduled_to__isnull=True)
    rows = []
    for notice in notices.order_by("-notified_at")[:300]:
        offer = None
        if (
            notice.new_date_requested_at
            and notice.rescheduled_to_id is None
            and user.has_perm("training.manage_sessions", notice.session)
        ):
            offer = list(
                Session.objects.visible_to(user)
                .filter(
                    course_id=notice.session.course_id,
                    status=SessionStatus.SCHEDULED,
                    starts_at__gt=timezone.now(),
                )
                .exclude(pk=notice.session_id)
                .order_by("starts_at")[:10]
            )
        rows.append(
            {
                "notice": notice,
                "own": notice.officer_id == user.officer_id,
                "can_ack": notice.seen_at is None
                and notice.officer_id != user.officer_id
                and user.has_perm("training.acknowledge_absence", notice.officer),
                "offer": offer,
            }
        )
    return render(request, "training/absence_list.html", {"rows": rows, "show": show})


def _visible_notice(request: HttpRequest, pk: int) -> AbsenceNotice:
    return get_object_or_404(_notices(signed_in_user(request)), pk=pk)


@require_POST
@login_required
def absence_seen(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervisor marks a notice as seen."""
    notice = _visible_notice(request, pk)
    try:
        attendance.acknowledge_absence(acting_user=request.user, notice=notice)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"Marked {notice.officer.full_name}'s notice as seen.")
    # Only two places send this form; never redirect to an address taken from the request.
    return redirect("home" if request.POST.get("next") == "home" else "absence-list")


@require_POST
@login_required
def absence_new_date(request: HttpRequest, pk: int) -> HttpResponse:
    """The member asks the Training Unit for a new date."""
    notice = _visible_notice(request, pk)
    try:
        attendance.request_new_date(
            acting_user=request.user, notice=notice, note=request.POST.get("note", "")
        )
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, "The Training Unit has your request for a new date.")
    return redirect("session-detail", pk=notice.session_id)


@require_POST
@login_required
def absence_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """The Training Unit gives the member another session of the course."""
    notice = _visible_notice(request, pk)
    try:
        raw = request.POST.get("session", "")
        if not raw.isdecimal():
            raise ValidationError({"session": "Choose the session to offer."})
        new = _visible_session(request, int(raw))
        attendance.offer_new_session(acting_user=request.user, notice=notice, session=new)
    except ValidationError as error:
        _flash_errors(request, error)
    else:
        messages.success(request, f"{notice.officer.full_name} is now enrolled in {new}.")
    return redirect("absence-list")


# --- Calendars --------------------------------------------------------------------------------


@never_cache
@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The addresses of the member's calendar feeds, and a way to change them."""
    user = signed_in_user(request)
    if request.method == "POST":
        calendar_token_for(acting_user=user, renew=True)
        messages.success(request, "New calendar addresses made; the old ones no longer work.")
        return redirect("calendar")
    token = calendar_token_for(acting_user=user)
    agencies = Agency.objects.filter(pk__in=user.scope.member_agency_ids).order_by("name")
    feeds = []
    if user.officer_id:
        feeds.append(
            (
                "My sessions",
                request.build_absolute_uri(reverse("calendar-mine", args=[token.token])),
            )
        )
    for agency in agencies:
        feeds.append(
            (
                f"All sessions of {agency.name}",
                request.build_absolute_uri(
                    reverse("calendar-agency", args=[token.token, agency.pk])
                ),
            )
        )
    return render(request, "training/calendar.html", {"feeds": feeds})


def _feed_user(token: str) -> User:
    row = CalendarFeedToken.objects.select_related("user").filter(token=token).first()
    if row is None or not row.user.is_active:
        raise Http404("No such calendar.")
    return row.user


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def calendar_mine(request: HttpRequest, token: str) -> HttpResponse:
    """The sessions a member is enrolled in or teaches (a calendar app's address; no login)."""
    user = _feed_user(token)
    if not user.officer_id:
        raise Http404("This login belongs to no member.")
    sessions = (
        Session.objects.filter(
            Q(
                enrolments__officer_id=user.officer_id,
                enrolments__status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED],
            )
            | Q(instructors__pk=user.officer_id)
        )
        .filter(ends_at__gte=timezone.now() - dt.timedelta(days=90))
        .select_related("course")
        .prefetch_related("instructors")
        .distinct()
        .order_by("starts_at")
    )
    return _ics(sessions_calendar(sessions, name="My training sessions"), "my-sessions")


def calendar_agency(request: HttpRequest, token: str, agency_pk: int) -> HttpResponse:
    """Every session of one agency, for its members (a calendar app's address; no login)."""
    user = _feed_user(token)
    agency = get_object_or_404(Agency.objects.visible_to(user), pk=agency_pk)
    sessions = (
        Session.objects.visible_to(user)
        .filter(course__agency=agency, ends_at__gte=timezone.now() - dt.timedelta(days=90))
        .select_related("course")
        .prefetch_related("instructors")
        .order_by("starts_at")
    )
    return _ics(sessions_calendar(sessions, name=f"{agency.name} training"), "agency-sessions")


urlpatterns: list[URLPattern] = [
    path("sessions/", session_list, name="session-list"),
    path("sessions/new/", session_new, name="session-new"),
    path("sessions/<int:pk>/", session_detail, name="session-detail"),
    path("sessions/<int:pk>/edit/", session_edit, name="session-edit"),
    path("sessions/<int:pk>/enrol/", session_enrol, name="session-enrol"),
    path("sessions/<int:pk>/cancel/", session_cancel, name="session-cancel"),
    path("sessions/<int:pk>/code/", session_code, name="session-code"),
    path("sessions/<int:pk>/code/current/", session_code_current, name="session-code-current"),
    path("sessions/<int:pk>/sign-in/", session_sign_in, name="session-sign-in"),
    path("sessions/<int:pk>/kiosk/", session_kiosk, name="session-kiosk"),
    path("sessions/<int:pk>/sign-in-sheet.pdf", session_sheet, name="session-sheet"),
    path("sessions/<int:pk>/paper/", session_paper, name="session-paper"),
    path("sessions/<int:pk>/paper/scan/", session_paper_scan, name="session-paper-scan"),
    path("sessions/<int:pk>/close/", session_close, name="session-close"),
    path("sessions/<int:pk>/absence/", session_absence, name="session-absence"),
    path("enrolments/<int:pk>/cancel/", enrolment_cancel, name="enrolment-cancel"),
    path("absences/", absence_list, name="absence-list"),
    path("absences/<int:pk>/seen/", absence_seen, name="absence-seen"),
    path("absences/<int:pk>/new-date/", absence_new_date, name="absence-new-date"),
    path("absences/<int:pk>/reschedule/", absence_reschedule, name="absence-reschedule"),
    path("calendar/", calendar_page, name="calendar"),
    path("calendar/<str:token>/mine.ics", calendar_mine, name="calendar-mine"),
    path(
        "calendar/<str:token>/agency/<int:agency_pk>.ics",
        calendar_agency,
        name="calendar-agency",
    ),
]
