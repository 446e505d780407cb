from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.auth.models import Group
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from accounts import consent, language, mail
from accounts.roles import CITIZEN


class AccountAdapter(DefaultAccountAdapter):
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

    def send_mail(self, template_prefix, email, context):
        """allauth's, except that the message goes to the task queue
        (accounts/mail.py) instead of the mail server."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        mail.queue(self.render_mail(template_prefix, email, ctx))
