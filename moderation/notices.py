"""Moderation's part of the notifications page (notifications/views/inbox.py,
setting PUENTE_NOTICE_EXTRAS): under the newest moderation notice of each
of the person's comments, the appeal they sent, or the form to send one
while the comment is hidden or removed. One query (their appeals), and
none when no notice on the page is about such a comment."""

from moderation import actions
from moderation.models import Appeal
from moderation.rules import is_appealable
from notifications.models import TOPIC_OF_KIND, Topic

# What a refused appeal form keeps for the page it goes back to
# (moderation/views.py `appeal`): {comment, note, errors}.
APPEAL_DRAFT_SESSION_KEY = "moderation_appeal_draft"
APPEAL_TEMPLATE = "moderation/_appeal.html"
MODERATION_KINDS = frozenset(
    kind for kind, topic in TOPIC_OF_KIND.items() if topic == Topic.MODERATION
)


def appeals(request, entries):
    """Annotate the page's `entries`: an entry gets "extra_template" and
    "appeal" {comment, sent (the Appeal or None), can_appeal, draft,
    max_note}."""
    user = request.user
    draft = request.session.pop(APPEAL_DRAFT_SESSION_KEY, None)
    newest = {}
    for entry in entries:
        notice = entry["notice"]
        comment = notice.comment
        if (
            notice.kind in MODERATION_KINDS
            and comment is not None
            and comment.author_id == user.pk
            and comment.pk not in newest
        ):
            newest[comment.pk] = entry
    if not newest:
        return
    sent = {appeal.comment_id: appeal for appeal in Appeal.objects.filter(comment_id__in=newest)}
    for comment_id, entry in newest.items():
        comment = entry["notice"].comment
        appeal = sent.get(comment_id)
        can_appeal = appeal is None and is_appealable(user, comment)
        if appeal is None and not can_appeal:
            continue
        entry["extra_template"] = APPEAL_TEMPLATE
        entry["appeal"] = {
            "comment": comment,
            "sent": appeal,
            "can_appeal": can_appeal,
            "draft": draft if draft and draft.get("comment") == comment_id else None,
            "max_note": actions.MAX_NOTE_LENGTH,
        }
