"""Cancellation: a person deletes their account. Their personal data goes;
what others need to read the discussion stays, without them:

- comments: withdrawn (text and earlier versions erased; replies stay under
  a tombstone) or kept, by their choice, shown as "Deleted participant";
- reactions: the rows go, the counts on the comments stay (anonymous);
- reports they made and the moderation log keep their ids, not the person
  (report notes and appeal texts are erased);
- consents stay as an anonymous record (the version, the date);
- notices, e-mail addresses, corrections, data exports: deleted;
- the account row stays, emptied, so that every id pointing at it holds.

Everything in one transaction; the search index and the near-duplicate keys
follow through the comment change listeners once it commits."""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Q
from wagtail.users.models import UserProfile

from accounts.models import Consent, ProfileChange
from comments import hooks
from comments.actions import do_withdraw_all
from comments.models import Comment, Reaction
from core.models import OutgoingEmail
from moderation.models import Appeal, Flag
from notifications.models import Follow, Notice, Preference
from privacy.models import DataExport


def erased_email(user):
    # Unique like every address; `.invalid` can never receive mail (RFC 2606).
    return f"deleted-{user.pk}@deleted.invalid"


@transaction.atomic
def erase(user, *, withdraw_comments, now):
    """Erase `user` (locked by the caller). Returns what happened, counted."""
    comment_ids = list(Comment.objects.filter(author=user).values_list("pk", flat=True))
    withdrawn = do_withdraw_all(user) if withdraw_comments else 0
    reactions, _ = Reaction.objects.filter(user=user).delete()
    Flag.objects.filter(user=user).exclude(note="").update(note="")
    Appeal.objects.filter(comment__author=user).exclude(note="").update(note="")
    Notice.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
    Preference.objects.filter(user=user).delete()
    OutgoingEmail.objects.filter(Q(user=user) | Q(to__iexact=user.email)).delete()
    EmailAddress.objects.filter(user=user).delete()
    Consent.objects.filter(user=user).update(user=None)
    ProfileChange.objects.filter(user=user).delete()
    DataExport.objects.filter(user=user).delete()
    UserProfile.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.email = erased_email(user)
    user.display_name = ""
    user.first_name = user.last_name = ""
    # An unusable password changes the session hash: every other session of
    # the person ends at its next request.
    user.set_unusable_password()
    user.is_active = user.is_staff = user.is_superuser = False
    user.last_login = None
    user.erased_at = now
    user.save()
    if not withdraw_comments:
        # Kept comments are re-indexed without the name. Withdrawn ones were
        # told by do_withdraw_all (they leave the index and the near-duplicate
        # keys); ones deleted earlier are in neither.
        hooks.changed(*comment_ids)
    return {"comments": len(comment_ids), "withdrawn": withdrawn, "reactions": reactions}
