"""Forms of the outside training pages; the services do the checking, the forms the typing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from muster.compliance.rulepack import load_pack
from muster.core.uploads import ACCEPT_ATTRIBUTE
from muster.outside.models import OutsideTrainingSubmission, SubmissionKind
from muster.outside.services import TrainingDetails, out_of_state_note
from muster.people.models import Officer
from muster.training.models import Course, CourseStatus, Topic
from muster.training.vocabulary import Delivery

_DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _when(label: str, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[_DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=_DATETIME_FORMAT),
    )


def _category_choices(rule_pack: str) -> list[tuple[str, str]]:
    return [("", "— not given —")] + [(c.code, c.title) for c in load_pack(rule_pack).categories]


class SubmissionForm(forms.Form):
    """The member's outside or college training and its certificate."""

    officer = forms.ModelChoiceField(
        queryset=Officer.objects.none(),
        label="Member",
        help_text="Training staff entering a paper certificate choose the member here.",
    )
    kind = forms.ChoiceField(
        label="Kind of training",
        choices=SubmissionKind.choices,
        initial=SubmissionKind.OUTSIDE,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label="Course title", max_length=200, required=False)
    provider = forms.CharField(
        label="Presented by", max_length=200, required=False, help_text="Or the college's name."
    )
    location = forms.CharField(
        max_length=200, required=False, help_text="City and venue, or 'online'."
    )
    state = forms.CharField(
        label="State where it was held",
        max_length=2,
        required=False,
        help_text="Two-letter code, e.g. MO.",
    )
    starts_at = _when("Started")
    ends_at = _when("Ended", "The record is dated on this day.")
    credit_hours = forms.DecimalField(
        label="Total instructional hours",
        required=False,
        max_digits=6,
        decimal_places=2,
        help_text="As shown on the certificate (seminars and courses).",
    )
    semester_hours = forms.DecimalField(
        required=False, max_digits=4, decimal_places=1, help_text="College courses only."
    )
    instructor_name = forms.CharField(label="Instructor's name", max_length=200, required=False)
    synopsis = forms.CharField(
        label="Course synopsis or description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    delivery = forms.ChoiceField(choices=Delivery.choices, initial=Delivery.IN_PERSON)
    category = forms.ChoiceField(label="State category / core area", required=False, choices=[])
    topics = forms.MultipleChoiceField(
        required=False, choices=[], widget=forms.CheckboxSelectMultiple
    )
    post_certified_by_presenter = forms.BooleanField(
        label="The presenter had this training POST-certified", required=False
    )
    presenter_post_number = forms.CharField(
        label="Presenter's POST certification number", max_length=40, required=False
    )
    requests_post_credit = forms.BooleanField(
        label="I request POST credit for this training", required=False
    )
    certificate = forms.FileField(
        label="Completion certificate (PDF, PNG or JPEG)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    def __init__(
        self,
        *args: Any,
        officers: QuerySet[Officer] | None,
        rule_pack: str,
        replacing_certificate: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if officers is None:
            del self.fields["officer"]
        else:
            field = self.fields["officer"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = officers
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = _category_choices(rule_pack)
        topics = self.fields["topics"]
        assert isinstance(topics, forms.MultipleChoiceField)
        topics.choices = list(Topic.objects.order_by("name").values_list("code", "name"))
        if replacing_certificate:
            self.fields["certificate"].help_text = "Leave empty to keep the certificate you sent."

    def details(self) -> TrainingDetails:
        """The cleaned values, as the services take them."""
        data = self.cleaned_data
        return TrainingDetails(
            kind=data["kind"],
            title=data["title"],
            provider=data["provider"],
            location=data["location"],
            state=data["state"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            credit_hours=data["credit_hours"],
            semester_hours=data["semester_hours"],
            instructor_name=data["instructor_name"],
            synopsis=data["synopsis"],
            delivery=data["delivery"],
            category=data["category"],
            topics=tuple(data["topics"]),
            post_certified_by_presenter=data["post_certified_by_presenter"],
            presenter_post_number=data["presenter_post_number"],
            requests_post_credit=data["requests_post_credit"],
        )


def initial_of(submission: OutsideTrainingSubmission) -> dict[str, Any]:
    """A stored submission as form values, to change it."""
    details = TrainingDetails.of(submission)
    return {name: getattr(details, name) for name in details.__dataclass_fields__} | {
        "topics": list(details.topics),
        "officer": submission.officer_id,
    }


class Decision:
    """The reviewer's choices."""

    APPROVE = "approve"
    RETURN = "return"
    DENY = "deny"
    CHOICES = [
        (APPROVE, "Approve: assign a Course ID and enter the training record"),
        (RETURN, "Return to the member for changes"),
        (DENY, "Deny"),
    ]


class ReviewForm(forms.Form):
    """The Training Unit's decision on one submission."""

    decision = forms.ChoiceField(choices=Decision.CHOICES, widget=forms.RadioSelect)
    post_certified = forms.BooleanField(
        label="Grant POST credit", required=False, help_text="Leave unticked for non-POST credit."
    )
    course = forms.ModelChoiceField(
        label="Course ID",
        queryset=Course.objects.none(),
        required=False,
        empty_label="Assign a new Course ID from this submission",
    )
    category = forms.ChoiceField(label="State category / core area", required=False, choices=[])
    reason = forms.CharField(
        label="Reason or note to the member",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required when returning or denying; the member sees it.",
    )

    def __init__(
        self,
        *args: Any,
        submission: OutsideTrainingSubmission,
        courses: QuerySet[Course],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        agency = submission.officer.agency
        course = self.fields["course"]
        assert isinstance(course, forms.ModelChoiceField)
        course.queryset = courses.filter(agency=agency, status=CourseStatus.ACTIVE).order_by(
            "course_id"
        )
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = _category_choices(agency.rule_pack)
        self.fields["category"].initial = submission.category
        self.fields["post_certified"].initial = submission.seeks_post_credit and not (
            out_of_state_note(submission.officer, submission.state)
        )
