"""The rules page: the state rule an agency follows, readable by its people, and its overlay."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from muster.agencies.models import Agency
from muster.compliance.models import AgencyOverlay
from muster.compliance.rulepack import load_pack
from muster.compliance.services import evaluator_for, set_agency_overlay


@never_cache
@login_required
def rules_index(request: HttpRequest) -> HttpResponse:
    """Go to the rules of the user's (first) agency."""
    agency = Agency.objects.visible_to(request.user).order_by("name").first()
    if agency is None:
        raise Http404("You belong to no agency.")
    return redirect("agency-rules", pk=agency.pk)


@never_cache
@login_required
def agency_rules(request: HttpRequest, pk: int) -> HttpResponse:
    """The pack version in force, every value with its source, and the agency's overlay."""
    agency = get_object_or_404(Agency.objects.visible_to(request.user), pk=pk)
    may_edit = request.user.has_perm("compliance.manage_overlay", agency)
    overlay = AgencyOverlay.objects.filter(agency=agency).first()
    text = overlay.text if overlay else ""
    error = ""
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied("Only the agency administrator changes the agency's rules.")
        text = request.POST.get("text", "")
        try:
            set_agency_overlay(acting_user=request.user, agency=agency, text=text)
        except ValidationError as exc:
            error = " ".join(exc.message_dict.get("text", exc.messages))
        else:
            messages.success(request, "The agency's rules were saved and every officer re-checked.")
            return redirect("agency-rules", pk=agency.pk)
    pack = load_pack(agency.rule_pack)
    today = agency.today()
    evaluator, _ = evaluator_for(agency)
    compiled = evaluator.compiled_for(agency.training_year(today)[0])
    context: dict[str, Any] = {
        "agency": agency,
        "pack": pack,
        "version": compiled.version,
        "sources": pack.sources,
        "overlay_text": text,
        "overlay": evaluator.overlay,
        "error": error,
        "may_edit": may_edit,
        "local_ids": {r.spec.id for r in compiled.requirements if r.local},
        "requirements": [r.spec for r in compiled.requirements],
    }
    return render(request, "compliance/rules.html", context, status=400 if error else 200)
