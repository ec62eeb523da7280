"""Forms of signing in: the second step, setting up an authenticator, turning it off."""

from __future__ import annotations

from django import forms

from muster.accounts.two_factor import looks_like_authenticator_code


class SecondFactorForm(forms.Form):
    """The code from the authenticator app, or one recovery code."""

    otp_token = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery "
        "codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "autofocus": True}
        ),
    )


class AuthenticatorCodeForm(forms.Form):
    """The first code the new authenticator shows, which proves it was set up right."""

    otp_token = forms.CharField(
        label="Code from the app",
        max_length=8,
        help_text="The 6-digit code the app shows for Muster now.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_otp_token(self) -> str:
        token: str = self.cleaned_data["otp_token"]
        if not looks_like_authenticator_code(token):
            raise forms.ValidationError("Enter the 6 digits the app shows.")
        return token.replace(" ", "")
