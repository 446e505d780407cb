from urllib.parse import urlencode, urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import get_next_redirect_url
from allauth.core import context as allauth_context
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from accounts import brand, consent, language, mail
from accounts.roles import CITIZEN

# What allauth says when a form or a step fails, in the site's own words
# (and, in Spanish, in its one register: "tú"). allauth's other keys are
# for features Puente does not use (usernames, phones, codes).
ERROR_MESSAGES = {
    "account_inactive": _("This account is not active."),
    "cannot_remove_primary_email": _("You cannot remove the address you sign in with."),
    "duplicate_email": _("This address is already on your account."),
    "email_password_mismatch": _("The e-mail address or the password is not right."),
    "email_taken": _("An account with this e-mail address already exists."),
    "enter_current_password": _("Write your current password."),
    "incorrect_password": _("The password is not right."),
    "invalid_login": _("The e-mail address or the password is not right."),
    "invalid_or_expired_key": _("This link expired or is not valid."),
    "invalid_password_reset": _("This link to reset your password is not valid."),
    "rate_limited": _("Too many tries in a short time. Wait a moment and try again."),
    "same_as_current": _("The new address must be different from the current one."),
    "too_many_login_attempts": _("Too many failed sign-ins. Wait a few minutes and try again."),
    "unknown_email": _("No account has this e-mail address."),
    "unverified_primary_email": _("Confirm your e-mail address first."),
}


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {**DefaultAccountAdapter.error_messages, **ERROR_MESSAGES}

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data["display_name"]
        # What they read the site in as they signed up (accounts/language.py).
        user.language = language.supported(translation.get_language()) or user.language
        if commit:
            user.save()
            # Everyone who signs up is a citizen; other roles are granted by staff.
            user.groups.add(Group.objects.get_or_create(name=CITIZEN)[0])
            versions = getattr(form, "policy_versions", None)
            if versions:
                consent.record(user, versions)
        return user

    def is_safe_url(self, url):
        """Only addresses on this site: a path, or this very host."""
        request = allauth_context.request
        if not url or request is None:
            return False
        return url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )

    def get_email_confirmation_url(self, request, emailconfirmation):
        """The link in the e-mail, on SITE_URL. When the person came from a
        page (`next` of sign-up or sign-in), the link carries it: in the
        same browser, confirming signs them in and allauth returns them
        there (ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION); in another browser it
        goes through sign-in to the same page."""
        url = reverse("account_confirm_email", args=[emailconfirmation.key])
        came_from = get_next_redirect_url(request) if request is not None else None
        if came_from:
            sign_in = reverse("account_login") + "?" + urlencode({"next": came_from})
            url += "?" + urlencode({"next": sign_in})
        return brand.absolute(url)

    def format_email_subject(self, subject):
        # The subjects name the site themselves (site/templates/account/email/).
        return force_str(subject)

    def send_mail(self, template_prefix, email, context):
        """allauth's, except that the message names the site and links to
        SITE_URL (accounts/brand.py), and goes to the task queue
        (accounts/mail.py) instead of the mail server."""
        request = allauth_context.request
        ctx = {
            "request": request,
            "email": email,
            "current_site": brand.Site(request),
            "site_name": brand.site_name(request),
            "site_url": brand.site_url(),
        }
        ctx.update(context)
        for key, value in ctx.items():
            if key.endswith("_url") and key != "site_url" and _is_link(value):
                ctx[key] = brand.absolute(value)
        mail.queue(self.render_mail(template_prefix, email, ctx))


def _is_link(value):
    return isinstance(value, str) and (value.startswith("/") or bool(urlsplit(value).netloc))
