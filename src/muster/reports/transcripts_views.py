"""Views of the reports app: an officer's transcript (PDF) and its public verify pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from muster.compliance.models import ComplianceSnapshot
from muster.core.forms import show_service_errors
from muster.core.uploads import ACCEPT_ATTRIBUTE, check_upload
from muster.people.models import Officer
from muster.reports.models import IssuedTranscript
from muster.reports.transcripts import (
    CAREER,
    check_uploaded_pdf,
    issue_transcript_pdf,
    stored_is_authentic,
    verify_url,
)


class TranscriptForm(forms.Form):
    """Which part of the record the transcript covers."""

    period = forms.ChoiceField(label="Covering", initial=CAREER)

    def __init__(self, *args: Any, periods: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(CAREER, "The whole career (every period)")]
        choices += [(label, f"Period {label}") for label in periods]
        period = self.fields["period"]
        assert isinstance(period, forms.ChoiceField)
        period.choices = choices


class VerifyUploadForm(forms.Form):
    """A transcript PDF to check."""

    document = forms.FileField(
        label="Transcript PDF",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text="The PDF exactly as Muster issued it.",
    )


def _readable_officer(request: HttpRequest, pk: int) -> Officer:
    # Another agency's or another unit's officer answers 404, as if there were none.
    return get_object_or_404(
        Officer.objects.visible_to(request.user).select_related("agency"), pk=pk
    )


def _period_labels(request: HttpRequest, officer: Officer) -> list[str]:
    return list(
        ComplianceSnapshot.objects.visible_to(request.user)
        .filter(officer=officer, pack_id=officer.agency.rule_pack)
        .order_by("-period_start")
        .values_list("period_label", flat=True)
    )


def _transcript_page(
    request: HttpRequest, officer: Officer, form: TranscriptForm, status: int = 200
) -> HttpResponse:
    issued = (
        IssuedTranscript.objects.visible_to(request.user)
        .filter(officer=officer)
        .select_related("issued_by")[:20]
    )
    return render(
        request,
        "reports/transcript.html",
        {"officer": officer, "form": form, "issued": issued},
        status=status,
    )


@never_cache
@login_required
def transcript(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a period (or the whole career) and download the officer's transcript."""
    officer = _readable_officer(request, pk)
    form = TranscriptForm(periods=_period_labels(request, officer))
    return _transcript_page(request, officer, form)


@never_cache
@require_POST
@login_required
def transcript_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a signed transcript and send it as a PDF download.

    POST with the CSRF token: issuing creates a public verify code and an audit row, which
    another site must not be able to trigger with a link or an image.
    """
    officer = _readable_officer(request, pk)
    form = TranscriptForm(
        {"period": request.POST.get("period", CAREER)}, periods=_period_labels(request, officer)
    )
    if not form.is_valid():
        return _transcript_page(request, officer, form, status=400)
    period = form.cleaned_data["period"]
    try:
        issued, pdf = issue_transcript_pdf(
            acting_user=request.user,
            officer=officer,
            period_label=None if period == CAREER else period,
            base_url=request.build_absolute_uri("/"),
        )
    except PermissionDenied as exc:
        raise Http404("No such officer.") from exc
    except ValidationError as exc:
        show_service_errors(form, exc)
        return _transcript_page(request, officer, form, status=400)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"transcript-{officer.serial_number}-{issued.scope}-{issued.code}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _unknown(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/verify_unknown.html", status=404)


@never_cache
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: whether a transcript is authentic, and only what the transcript itself showed."""
    transcript = IssuedTranscript.objects.filter(code=code.strip().upper()).first()
    if transcript is None:
        return _unknown(request)
    response = render(
        request,
        "reports/verify.html",
        {
            "transcript": transcript,
            "authentic": stored_is_authentic(transcript),
            "c": transcript.content,
            "verify_url": verify_url(transcript, request.build_absolute_uri("/")),
            "form": VerifyUploadForm(),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@never_cache
def verify_upload(request: HttpRequest) -> HttpResponse:
    """Public: check an uploaded transcript PDF against the transcript it claims to be."""
    verdict = None
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        try:
            if check_upload(upload, field="document") != "pdf":
                raise ValidationError({"document": "Upload the transcript PDF, not an image."})
            verdict = check_uploaded_pdf(upload.read(), field="document")
        except ValidationError as exc:
            for message in exc.message_dict.get("document", exc.messages):
                form.add_error("document", message)
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    transcript = verdict.transcript if verdict else None
    response = render(
        request,
        "reports/verify_upload.html",
        {
            "form": form,
            "verdict": verdict,
            # The stored content is shown only while it still holds its signature.
            "c": transcript.content if transcript and stored_is_authentic(transcript) else None,
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex"
    return response


urlpatterns: list[URLPattern] = [
    path("officers/<int:pk>/transcript/", transcript, name="transcript"),
    path("officers/<int:pk>/transcript.pdf", transcript_pdf, name="transcript-pdf"),
    path("verify/", verify_upload, name="verify-upload"),
    path("verify/<str:code>/", verify, name="verify"),
]
