from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.models import Group

from accounts import consent
from accounts.roles import CITIZEN


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data["display_name"]
        if commit:
            user.save()
            # Everyone who signs up is a citizen; other roles are granted by staff.
            user.groups.add(Group.objects.get_or_create(name=CITIZEN)[0])
            versions = getattr(form, "policy_versions", None)
            if versions:
                consent.record(user, versions)
        return user
