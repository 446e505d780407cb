from django import forms
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import consent
from accounts.models import PolicyKind
from accounts.names import MAX_LENGTH, clean_display_name


class DisplayNameField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Display name"))
        kwargs.setdefault(
            "help_text", _("Shown next to your comments. Do not use your e-mail address.")
        )
        super().__init__(max_length=MAX_LENGTH, strip=False, **kwargs)

    def clean(self, value):
        return clean_display_name(super().clean(value))


def _policy_link(version):
    url = translate_url(version.url, get_language()) if version.url else "#"
    return format_html('<a href="{}" target="_blank">{}</a>', url, version.title)


class ConsentFields:
    """The consent a form asks for: accept the current terms, acknowledge
    the current privacy notice (each only once a version is published), and
    which versions the page showed, so that one published meanwhile is
    never accepted unseen."""

    def add_consent_fields(self):
        self.policy_versions = consent.current_versions()
        terms = self.policy_versions.get(PolicyKind.TERMS)
        privacy = self.policy_versions.get(PolicyKind.PRIVACY)
        if terms:
            self.fields["accept_terms"] = forms.BooleanField(
                label=format_html(
                    "{} {} ({})",
                    _("I accept the"),
                    _policy_link(terms),
                    _("version %(number)s") % {"number": terms.number},
                ),
                error_messages={"required": _("Accept the terms of use to continue.")},
            )
        if privacy:
            self.fields["acknowledge_privacy"] = forms.BooleanField(
                label=format_html(
                    "{} {} ({})",
                    _("I have read the"),
                    _policy_link(privacy),
                    _("version %(number)s") % {"number": privacy.number},
                ),
                error_messages={"required": _("Confirm that you read the privacy notice.")},
            )
        if self.policy_versions:
            self.fields["policies"] = forms.CharField(
                widget=forms.HiddenInput,
                initial=str(consent.generation_of(self.policy_versions)),
            )

    def clean_policies(self):
        seen = self.cleaned_data.get("policies", "")
        if seen != str(consent.generation_of(self.policy_versions)):
            raise forms.ValidationError(
                _(
                    "The terms of use or the privacy notice changed while this page was open. "
                    "Read the current version and accept it again."
                ),
                code="stale",
            )
        return seen


class SignupForm(ConsentFields, forms.Form):
    """Extra sign-up fields; allauth adds e-mail and password."""

    display_name = DisplayNameField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_consent_fields()

    def signup(self, request, user):
        # The adapter already saved the name and the consent; allauth requires this hook.
        pass


class AcceptPoliciesForm(ConsentFields, forms.Form):
    """A signed-in person accepts a new version of the terms or the notice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_consent_fields()


class DisplayNameForm(forms.Form):
    display_name = DisplayNameField()
