from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with an e-mail address (never shown publicly)
    and is shown to others by a display name of their choice."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        help_text=_("Shown next to your comments. Do not use your e-mail address."),
    )
    # Set by moderators (moderation/actions.py): a blocked person may read but
    # not post, reply, react or flag. The decision and its reason are logged.
    blocked = models.BooleanField(_("blocked"), default=False)
    # The newest policy version requiring acceptance that this person accepted
    # (a PolicyVersion id; accounts/consent.py). Behind the current one: they
    # read and manage their data but take part again only after accepting.
    accepted_policies = models.PositiveBigIntegerField(default=0, editable=False)
    # Opposition (ARCO): their published comments stay on the site but leave
    # the open-data files.
    open_data_opt_out = models.BooleanField(_("left out of open data"), default=False)
    # When the person deleted their account: the row stays, without anything
    # personal, so that what others wrote in reply and the moderation log keep
    # their ids (privacy/erasure.py).
    erased_at = models.DateTimeField(_("account deleted"), null=True, blank=True, editable=False)
    # The language every notification and e-mail to them is written in: the
    # one they signed up in, then the last one they chose on the site.
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return str(self.public_name)

    @property
    def public_name(self):
        """What others see next to this person's words."""
        if self.erased_at is not None:
            return _("Deleted participant")
        return self.display_name or _("Participant %(id)s") % {"id": self.pk}

    def get_full_name(self):
        return self.display_name or super().get_full_name()

    def get_short_name(self):
        return self.display_name


class PolicyKind(models.TextChoices):
    TERMS = "terms", _("Terms of use")
    PRIVACY = "privacy", _("Privacy notice")


class PolicyVersion(models.Model):
    """One published version of the terms of use or the privacy notice
    (the `pages` app writes one when an editor publishes the page). A
    version that requires acceptance asks everyone to accept again."""

    kind = models.CharField(max_length=10, choices=PolicyKind.choices)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=255)
    url = models.CharField(max_length=500, blank=True)
    page_id = models.PositiveBigIntegerField(null=True, blank=True)
    revision_id = models.PositiveBigIntegerField(null=True, blank=True)
    published_at = models.DateTimeField()
    requires_acceptance = models.BooleanField(default=False)

    class Meta:
        ordering = ["kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="one_policy_version_number")
        ]
        indexes = [
            models.Index(
                fields=["-id"],
                condition=models.Q(requires_acceptance=True),
                name="policy_required_idx",
            )
        ]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")

    def __str__(self):
        return f"{self.get_kind_display()} v{self.number}"


class Consent(models.Model):
    """That someone accepted a policy version, and when. Deleting an account
    keeps the row without the person: the anonymous record the law allows."""

    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="consents"
    )
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["-given_at", "-pk"]
        indexes = [models.Index(fields=["user", "-given_at"], name="consent_user_idx")]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self):
        return f"{self.user_id} accepted {self.version_id}"


class ProfileChange(models.Model):
    """A person corrected their display name or e-mail address
    (rectification): the log they and the transparency unit can read.
    Deleted with the account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="profile_changes")
    field = models.CharField(max_length=20)
    old_value = models.CharField(max_length=254, blank=True)
    new_value = models.CharField(max_length=254, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")

    def __str__(self):
        return f"{self.user_id} {self.field}"
