"""The sign-up form allauth shows (ACCOUNT_FORMS; the extra fields are
accounts.forms.SignupForm, which allauth's form is built on)."""

from allauth.account.forms import SignupForm
from django.contrib.auth.hashers import make_password


class SameWorkSignupForm(SignupForm):
    """A taken address gets the answer a new one gets (allauth's prevent
    enumeration) and now the same work too: allauth skips the password hash
    there, most of a sign-up's time, so the time told which addresses have
    accounts (issue 14). The e-mail of both is queued (accounts/mail.py)."""

    def try_save(self, request):
        if self.account_already_exists:
            make_password(self.cleaned_data["password1"])
        return super().try_save(request)
