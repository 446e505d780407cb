"""Every write of "My data" (CONVENTIONS: check_* validates and authorises,
do_* writes in one transaction): accepting the terms, correcting one's name,
opting out of open data, exporting and deleting one's account. Each ARCO
request leaves an ArcoRequest without personal data."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts import consent
from accounts.models import ProfileChange
from accounts.people import fresh_participant
from comments import hooks
from comments.models import Comment
from core import mail
from core.errors import Invalid, NotAllowed, NotFound, RateLimited
from core.parse import as_id
from notifications import notify
from notifications.models import Notice
from privacy import erasure
from privacy.export import build_zip
from privacy.models import ArcoKind, ArcoRequest, DataExport

logger = logging.getLogger(__name__)

EXPORT_LINK_SALT = "puente.privacy.export"


def _require_person(user):
    if not user.is_authenticated or not user.is_active or user.erased_at is not None:
        raise NotAllowed(_("Sign in to manage your data."))


def _audit(kind, *, detail="", now, completed_at=None, completed=True):
    """The request's audit row: completed at `completed_at`, else `now`
    (or not yet, with completed=False)."""
    return ArcoRequest.objects.create(
        kind=kind,
        detail=detail,
        requested_at=now,
        completed_at=(completed_at or now) if completed else None,
    )


# Consent --------------------------------------------------------------------


@transaction.atomic
def do_accept_policies(user, form):
    """`form`: a valid AcceptPoliciesForm (its versions are the ones shown)."""
    _require_person(user)
    consent.record(user, form.policy_versions)


# Rectification --------------------------------------------------------------


@transaction.atomic
def do_change_display_name(user, name):
    """`name`: already cleaned (accounts.names.clean_display_name)."""
    _require_person(user)
    user = fresh_participant(user)
    if name == user.display_name:
        return user
    now = timezone.now()
    # Each change re-indexes every comment of the person: a few a day.
    limit = settings.PUENTE_DISPLAY_NAME_CHANGES_PER_DAY
    recent = ProfileChange.objects.filter(
        user=user, field="display_name", changed_at__gt=now - timedelta(days=1)
    ).count()
    if recent >= limit:
        raise RateLimited(60 * 60)
    ProfileChange.objects.create(
        user=user, field="display_name", old_value=user.display_name, new_value=name, changed_at=now
    )
    user.display_name = name
    user.save(update_fields=["display_name"])
    _audit(ArcoKind.RECTIFICATION, detail="display_name", now=now)
    # Their comments' documents carry the name.
    hooks.changed(*Comment.objects.filter(author=user).values_list("pk", flat=True))
    return user


def record_email_change(user, old, new):
    """allauth changed the primary address (after verifying the new one)."""
    now = timezone.now()
    ProfileChange.objects.create(
        user=user, field="email", old_value=old or "", new_value=new or "", changed_at=now
    )
    _audit(ArcoKind.RECTIFICATION, detail="email", now=now)


# Opposition -----------------------------------------------------------------


@transaction.atomic
def do_set_open_data_opt_out(user, opt_out):
    _require_person(user)
    user = fresh_participant(user)
    if user.open_data_opt_out == opt_out:
        return user
    user.open_data_opt_out = opt_out
    user.save(update_fields=["open_data_opt_out"])
    _audit(ArcoKind.OPPOSITION, detail="out" if opt_out else "in", now=timezone.now())
    return user


# Access and portability -----------------------------------------------------


def export_lifetime():
    return timedelta(hours=settings.PUENTE_DATA_EXPORT_HOURS)


def do_request_export(user):
    """Start preparing the person's file, or return the one being prepared
    or made in the last few minutes (a second request reuses it). The file
    is built by `build_export`, queued once the request commits."""
    _require_person(user)
    now = timezone.now()
    recent = (
        DataExport.objects.filter(
            user=user,
            status=DataExport.Status.READY,
            finished__gt=now - timedelta(minutes=settings.PUENTE_DATA_EXPORT_REUSE_MINUTES),
            expires_at__gt=now,
        )
        .defer("content")
        .first()
    )
    if recent is not None:
        # A file made minutes ago: hand it out again rather than rebuild.
        return recent, False
    try:
        with transaction.atomic():
            audit = _audit(ArcoKind.ACCESS, now=now, completed=False)
            export = DataExport.objects.create(user=user, request=audit, created=now)
    except IntegrityError:
        # The partial unique constraint: one is being prepared already.
        return DataExport.objects.get(user=user, status=DataExport.Status.PENDING), False
    transaction.on_commit(lambda: build_export.enqueue(export.pk), robust=True)
    return export, True


@task()
def build_export(export_id):
    run_export(export_id)


def run_export(export_id):
    """Build the file of a pending export; tell its owner it is ready."""
    export = (
        DataExport.objects.select_related("user")
        .filter(pk=export_id, status=DataExport.Status.PENDING)
        .first()
    )
    if export is None:
        return None
    try:
        content = build_zip(export.user)
    except Exception:
        logger.exception("could not build data export %s", export_id)
        DataExport.objects.filter(pk=export.pk).update(
            status=DataExport.Status.FAILED, finished=timezone.now()
        )
        return None
    now = timezone.now()
    with transaction.atomic():
        export.content, export.size = content, len(content)
        export.status, export.finished = DataExport.Status.READY, now
        export.expires_at = now + export_lifetime()
        export.save(update_fields=["content", "size", "status", "finished", "expires_at"])
        if export.request_id is not None:
            ArcoRequest.objects.filter(pk=export.request_id).update(completed_at=now)
        notify.tell(export.user, Notice.Kind.EXPORT_READY, now=now, email=False)
        _email_export(export, now)
    return export


def _email_export(export, now):
    """The link to the file, in its owner's language, through the outbox."""
    context = {
        "export": export,
        "url": settings.WAGTAILADMIN_BASE_URL
        + reverse("privacy-export", args=[export_token(export)]),
        "my_data_url": settings.WAGTAILADMIN_BASE_URL + reverse("privacy-my-data"),
    }
    person = export.user
    subject, body = mail.render("privacy/email/export_ready", context, language=person.language)
    mail.queue(person.email, subject, body, user=person, about="data export", now=now)


def export_token(export):
    return signing.dumps(export.pk, salt=EXPORT_LINK_SALT, compress=False)


def access_export(user, token):
    """The ready, unexpired export the signed `token` names, if it is
    `user`'s; NotFound otherwise (whatever the reason: nothing leaks)."""
    try:
        export_id = signing.loads(
            token, salt=EXPORT_LINK_SALT, max_age=export_lifetime().total_seconds()
        )
    except signing.BadSignature:
        raise NotFound(_("This download link is not valid or has expired.")) from None
    export_id = as_id(export_id) if isinstance(export_id, int) else None
    export = (
        DataExport.objects.filter(
            pk=export_id,
            user_id=user.pk,
            status=DataExport.Status.READY,
            expires_at__gt=timezone.now(),
        ).first()
        if user.is_authenticated and export_id is not None
        else None
    )
    if export is None:
        raise NotFound(_("This download link is not valid or has expired."))
    return export


def purge_expired_exports(now=None):
    """Delete the files past their date (called by each new request and by
    `manage.py privacy_purge`)."""
    now = now or timezone.now()
    deleted, _ = DataExport.objects.filter(expires_at__lte=now).delete()
    return deleted


# Cancellation ---------------------------------------------------------------


WITHDRAW, ANONYMISE = "withdraw", "anonymise"


def check_delete_account(user, *, password, comments):
    _require_person(user)
    errors = {}
    if comments not in (WITHDRAW, ANONYMISE):
        errors["comments"] = [_("Choose what happens to your comments.")]
    if not password:
        errors["password"] = [_("Enter your password to confirm.")]
    elif not user.check_password(password):
        errors["password"] = [_("The password is not correct.")]
    if errors:
        raise Invalid(errors)
    refused = deletion_refusal(user)
    if refused:
        raise NotAllowed(refused)


def deletion_refusal(user):
    """Why `user` may not delete their own account here, or None."""
    if user.is_superuser:
        return _("An administrator's account cannot delete itself: ask another administrator.")
    return None


@transaction.atomic
def do_delete_account(user, *, password, comments):
    """Delete the person's account for good (privacy/erasure.py says what
    stays). Nobody can undo it."""
    person = fresh_participant(user)
    check_delete_account(person, password=password, comments=comments)
    started = timezone.now()
    outcome = erasure.erase(person, withdraw_comments=comments == WITHDRAW, now=started)
    _audit(ArcoKind.CANCELLATION, detail=comments, now=started, completed_at=timezone.now())
    return outcome
