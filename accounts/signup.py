"""The sign-up form allauth shows (ACCOUNT_FORMS; the extra fields are
accounts.forms.SignupForm, which allauth's form is built on)."""

from allauth.account.forms import SignupForm
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from accounts.account_forms import EMAIL, PlainFields, password_rules


class SameWorkSignupForm(PlainFields, SignupForm):
    """A taken address gets the answer a new one gets (allauth's prevent
    enumeration) and now the same work too: allauth skips the password hash
    there, most of a sign-up's time, so the time told which addresses have
    accounts (issue 14). The e-mail of both is queued (accounts/mail.py).
    Labels, the password rules and errors as on every account page
    (accounts/account_forms.py)."""

    labels = {"email": EMAIL, "password1": _("Password"), "password2": _("Repeat the password")}
    help_texts = {
        "email": _("We send you a link to confirm it. Nobody else sees it."),
        "password1": password_rules,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plain_fields()

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)
