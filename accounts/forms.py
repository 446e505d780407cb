from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth adds e-mail and password."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        help_text=_("Shown next to your comments. Do not use your e-mail address."),
    )

    def clean_display_name(self):
        name = self.cleaned_data["display_name"].strip()
        if "@" in name:
            raise forms.ValidationError(_("A display name cannot contain an e-mail address."))
        if len(name) < 2:
            raise forms.ValidationError(_("Use at least two characters."))
        return name

    def signup(self, request, user):
        # The adapter already saved the name; allauth requires this hook.
        pass
