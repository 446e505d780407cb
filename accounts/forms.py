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
        # Whose name it is, when someone corrects theirs (set by the form).
        self.user = None

    def clean(self, value):
        return clean_display_name(super().clean(value), user=self.user)


def _policy_link(version):
    url = translate_url(version.url, get_language()) if version.url else "#"
    # A new tab, so that what was typed in the form stays; said for screen readers.
    return format_html(
        '<a href="{}" target="_blank">{}<span class="visually-hidden"> ({})</span></a>',
        url,
        version.title,
        _("opens in a new tab"),
    )


TERMS_REQUIRED = _("Accept the terms of use to continue.")
PRIVACY_REQUIRED = _("Confirm that you read the privacy notice.")


class ConsentFields:
    """The consent a form asks for: accept the current terms, acknowledge
    the current privacy notice (each only once a version is published), and
    which versions the page showed, so that one published meanwhile is
    never accepted unseen."""

    def add_consent_fields(self):
        self.policy_versions = consent.current_versions()
        boxes = (
            ("accept_terms", PolicyKind.TERMS, _("I accept the"), TERMS_REQUIRED),
            ("acknowledge_privacy", PolicyKind.PRIVACY, _("I have read the"), PRIVACY_REQUIRED),
        )
        for name, kind, lead, required in boxes:
            version = self.policy_versions.get(kind)
            if version is None:
                continue
            self.fields[name] = forms.BooleanField(
                label=format_html(
                    "{} {} ({})",
                    lead,
                    _policy_link(version),
                    _("version %(number)s") % {"number": version.number},
                ),
                error_messages={"required": required},
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
    # allauth orders its form by this: consent last, just before the button.
    field_order = [
        "email",
        "display_name",
        "password1",
        "password2",
        "accept_terms",
        "acknowledge_privacy",
        "policies",
    ]

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

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Their current name never counts as reserved against them.
        self.fields["display_name"].user = user
