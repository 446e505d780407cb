"""Telling people something: the one way a notice is left. Each notice is
delivered as its person chose for its topic (notifications.preferences):
on the site only, by e-mail at once (written to the outbox in the same
transaction, sent by a task once it commits), or in a digest
(notifications/digests.py). Once the write commits, each person's unread
count is pushed to their own socket group.

Callers pass `now` and, where one exists, the person who caused the event:
nobody is told about what they did themselves."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import translation

from comments.models import Comment
from consultations.models import ConsultationPage
from core import live, mail
from notifications import preferences, unsubscribe
from notifications.groups import person_group
from notifications.models import TOPIC_OF_KIND, Delivery, Notice

UNREAD_EVENT = "notifications.unread"


def tell(
    user,
    kind,
    *,
    comment=None,
    consultation=None,
    reason="",
    hold_reason="",
    note="",
    now,
    email=True,
):
    """Leave `user` one notice, delivered as they chose for its topic;
    `email` False when the caller sends one e-mail for many notices (a block
    that hides all of a person's comments) or its own (a data file)."""
    return tell_many(
        [
            Notice(
                user=user,
                kind=kind,
                comment=comment,
                consultation=consultation,
                reason=reason,
                hold_reason=hold_reason,
                note=note,
                created=now,
            )
        ],
        now=now,
        email=email,
    )[0]


def tell_many(notices, *, now, email=True):
    """Leave many notices (one INSERT per thousand): each delivered as its
    person chose; the e-mails at once in bulk. A constant number of
    queries, whatever the number of people."""
    notices = list(notices)
    if not notices:
        return []
    by_topic: dict = {}
    for notice in notices:
        by_topic.setdefault(TOPIC_OF_KIND[notice.kind], set()).add(notice.user_id)
    chosen = {
        topic: preferences.deliveries(user_ids, topic)
        for topic, user_ids in by_topic.items()
        if topic is not None
    }
    for notice in notices:
        topic = TOPIC_OF_KIND[notice.kind]
        # A notice without a topic (a data file ready) is always e-mailed.
        notice.delivery = chosen[topic][notice.user_id] if topic else Delivery.NOW
        if not email:
            notice.delivery = Delivery.SITE
        if notice.delivery == Delivery.NOW:
            # Its e-mail is written to the outbox in this same transaction.
            notice.emailed_at = now
    notices = Notice.objects.bulk_create(notices, batch_size=1000)
    email_now(
        [notice for notice in notices if notice.delivery == Delivery.NOW], now=now, mark=False
    )
    push_unread_on_commit({notice.user_id for notice in notices})
    return notices


# E-mail at once -------------------------------------------------------------------


def email_now(notices, *, now, mark=True):
    """Write one e-mail per notice to the outbox, each in its person's
    language, and (`mark`) mark the notices e-mailed. At most four queries
    plus the outbox's INSERT, whatever their number."""
    if not notices:
        return
    people = {n.user_id: n.user for n in notices if Notice.user.is_cached(n)}
    wanted = {n.user_id for n in notices} - set(people)
    if wanted:
        people.update(get_user_model().objects.in_bulk(wanted))
    _load_subjects(notices)
    rows, emailed = [], []
    for notice in notices:
        person = people.get(notice.user_id)
        if person is None or not person.email or person.erased_at is not None:
            continue
        subject, body = mail.render(
            "notifications/email/notice",
            {**email_context(person, notice.topic), "notice": notice},
            language=person.language,
        )
        rows.append(
            mail.message(
                person.email,
                subject,
                body,
                user=person,
                about=f"notice {notice.kind}",
                headers=unsubscribe_headers(person, notice.topic),
                now=now,
            )
        )
        emailed.append(notice.pk)
    mail.queue_all(rows)
    if mark:
        Notice.objects.filter(pk__in=emailed).update(emailed_at=now)


def _load_subjects(notices):
    """Attach each notice's comment (with its author and consultation) and
    consultation: two queries for all, instead of some per notice."""
    comment_ids = {n.comment_id for n in notices if n.comment_id and not _loaded(n)}
    comments = Comment.objects.select_related("author", "consultation").in_bulk(comment_ids)
    consultation_ids = {
        n.consultation_id
        for n in notices
        if n.consultation_id and not Notice.consultation.is_cached(n)
    }
    consultations = {comment.consultation_id: comment.consultation for comment in comments.values()}
    missing = consultation_ids - set(consultations)
    if missing:
        consultations.update(ConsultationPage.objects.in_bulk(missing))
    for notice in notices:
        if notice.comment_id in comments:
            notice.comment = comments[notice.comment_id]
        if notice.consultation_id in consultations:
            notice.consultation = consultations[notice.consultation_id]


def _loaded(notice):
    """Whether the notice's comment, its author and consultation are loaded."""
    if not Notice.comment.is_cached(notice):
        return False
    comment = notice.comment
    return Comment.author.is_cached(comment) and Comment.consultation.is_cached(comment)


def site_url():
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def email_context(person, topic):
    """What every e-mail to `person` shows: the site, their notifications,
    their preferences and the link that stops this kind of e-mail, each
    address in the person's language (/en/... for English readers)."""
    base = site_url()
    with translation.override(person.language):
        return {
            "site_url": base,
            "notifications_url": base + reverse("notifications"),
            "preferences_url": base + reverse("notification-preferences"),
            "unsubscribe_url": unsubscribe.url(person, topic) if topic else "",
            "person": person,
        }


def unsubscribe_headers(person, topic):
    """RFC 2369 and RFC 8058 headers: mail programs show an "unsubscribe"
    button that POSTs to the link, without signing in."""
    if not topic:
        return {}
    return {
        "List-Unsubscribe": f"<{unsubscribe.url(person, topic)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# The unread count, live ------------------------------------------------------------


def unread_count(user):
    return Notice.objects.filter(user=user, read=False).count()


def push_unread_on_commit(user_ids):
    """Once the write commits, send each person their unread count, to
    their own group only (one query for all the counts)."""
    user_ids = sorted(set(user_ids))
    if user_ids:
        transaction.on_commit(lambda: push_unread(user_ids), robust=True)


def push_unread(user_ids):
    counts = dict.fromkeys(user_ids, 0)
    counts.update(
        Notice.objects.filter(user_id__in=user_ids, read=False)
        .values("user_id")
        .annotate(unread=Count("pk"))
        .values_list("user_id", "unread")
    )
    live.publish_each(
        (person_group(user_id), {"type": UNREAD_EVENT, "unread": unread})
        for user_id, unread in counts.items()
    )
