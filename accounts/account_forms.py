"""allauth's forms as Puente shows them (ACCOUNT_FORMS): a label above each
field that says what to write, no placeholder repeating it, the password
rules as the password's description, and errors in the site's words (in
Spanish, "tú": allauth's own catalog says "usted"). Sign-up is
accounts/signup.py, built on the same mixin."""

from allauth.account import forms as allauth_forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

# allauth's own messages that reach people from code Puente does not
# override; listed so that makemessages keeps them in Puente's catalog,
# which wins over allauth's.
ALLAUTH_MESSAGES = (_("You must type the same password each time."),)

EMAIL = _("E-mail address")
INVALID_EMAIL = _("Write an e-mail address such as name@example.com.")


def minimum_password_length():
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            return validator.min_length
    return 0


def password_rules():
    """What a new password must be, in the request's language."""
    count = minimum_password_length()
    return ngettext(
        "At least %(count)d character. Not only numbers, not a common password, "
        "and not like your name or e-mail address.",
        "At least %(count)d characters. Not only numbers, not a common password, "
        "and not like your name or e-mail address.",
        count,
    ) % {"count": count}


class PlainFields:
    """Labels and descriptions from `labels` and `help_texts` (a callable
    is called per form, in the request's language); placeholders off."""

    labels: dict = {}
    help_texts: dict = {}

    def plain_fields(self):
        for name, field in self.fields.items():
            field.widget.attrs.pop("placeholder", None)
            if name in self.labels:
                field.label = self.labels[name]
            if name in self.help_texts:
                help_text = self.help_texts[name]
                field.help_text = help_text() if callable(help_text) else help_text
            if name == "email" or name == "login":
                field.error_messages["invalid"] = INVALID_EMAIL


class LoginForm(PlainFields, allauth_forms.LoginForm):
    labels = {"login": EMAIL, "password": _("Password"), "remember": _("Keep me signed in")}
    # The "forgot your password?" link is on the page, not in the field's description.
    help_texts = {"password": ""}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_fields()


class ResetPasswordForm(PlainFields, allauth_forms.ResetPasswordForm):
    labels = {"email": EMAIL}
    help_texts = {"email": _("The address you signed up with.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_fields()


NEW_PASSWORD_LABELS = {"password1": _("New password"), "password2": _("Repeat the new password")}


class ResetPasswordKeyForm(PlainFields, allauth_forms.ResetPasswordKeyForm):
    labels = NEW_PASSWORD_LABELS
    help_texts = {"password1": password_rules}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_fields()


class ChangePasswordForm(PlainFields, allauth_forms.ChangePasswordForm):
    labels = {"oldpassword": _("Current password"), **NEW_PASSWORD_LABELS}
    help_texts = {"oldpassword": "", "password1": password_rules}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_fields()


class ChangeEmailForm(PlainFields, allauth_forms.AddEmailForm):
    labels = {"email": _("New e-mail address")}
    help_texts = {
        "email": _(
            "We send a link to the new address; it replaces the current one once you open it."
        )
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_fields()
