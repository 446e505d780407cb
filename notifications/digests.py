"""Digests: one e-mail a day (or a week) per person, gathering the notices
they chose to hear about that way (`Notice.delivery` daily or weekly,
decided when each notice was left), grouped by consultation, each with the
start of its comment and its link, in the person's language. Built by
`manage.py send_digests --frequency daily|weekly`, which the scheduler runs
(docs/operations.md).

The pending notices are read in batches of people, in the order of their
ids (the partial index notice_digest_idx holds only the rows still
waiting), so memory stays bounded whatever their number. Each batch is one
transaction: the outbox rows (core.mail) and the notices marked e-mailed
commit together, and a run that stops half way leaves the rest for the
next, sending nobody anything twice. Each person gets at most one e-mail
per run; a run with nothing pending sends nothing.

Nothing is e-mailed about a reply or a thread comment no longer shown
(hidden, removed, held, deleted): its notice is marked e-mailed all the
same, so it does not wait for ever. Neither is anything e-mailed to a
person whose account is deleted or deactivated or has no address."""

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext

from consultations.models import ConsultationPage
from core import mail
from notifications import notify, unsubscribe
from notifications.models import TOPIC_OF_KIND, Delivery, Notice, Topic
from notifications.templatetags.notification_tags import notice_path

logger = logging.getLogger(__name__)

FREQUENCIES = (Delivery.DAILY, Delivery.WEEKLY)
# People per batch (one transaction, one INSERT into the outbox).
PEOPLE = 500
# Notice rows fetched from the database at a time within a batch.
CHUNK = 2000
# Items one e-mail lists; the rest are counted and wait on the site.
MAX_ITEMS = 50
# Characters of each comment quoted.
QUOTE = 200
NOTICE_TEXT = "notifications/notice_text.txt"
# What every e-mail links to, the same for everyone (notify.email_context).
LINKS = ("site_url", "notifications_url", "preferences_url")
# Where the token goes in the unsubscribe link's address (no token has it).
PLACEHOLDER = "~token~"
# Notices whose wording a run keeps, to say alike what many people are told alike.
SAID = 20_000
# Notices marked e-mailed per UPDATE.
MARK = 1000
# The notice's fields the e-mail reads (nothing else is loaded).
FIELDS = (
    "user__email",
    "user__language",
    "user__is_active",
    "user__erased_at",
    "kind",
    "consultation",
    "count",
    "reason",
    "hold_reason",
    "note",
    "created",
    "comment__body",
    "comment__status",
    "comment__consultation",
    "comment__author__display_name",
    "comment__author__erased_at",
)


@dataclass
class Outcome:
    people: int = 0
    emails: int = 0
    notices: int = 0
    skipped: int = 0

    def add(self, other):
        self.people += other.people
        self.emails += other.emails
        self.notices += other.notices
        self.skipped += other.skipped


@dataclass
class Digest:
    """One person's pending notices: those to list (at most MAX_ITEMS),
    how many more there are, and every id to mark e-mailed."""

    person: Any  # the user, with the fields the e-mail reads
    items: list = field(default_factory=list)
    more: int = 0
    skipped: int = 0
    ids: list = field(default_factory=list)


def pending(frequency, now):
    """The notices waiting for the `frequency` digest. The condition of
    notice_digest_idx is repeated, so that SQLite uses it too (PostgreSQL
    proves it from `delivery` alone)."""
    return Notice.objects.filter(
        delivery=frequency,
        delivery__in=[Delivery.DAILY, Delivery.WEEKLY],
        emailed_at__isnull=True,
        created__lte=now,
    )


def send(frequency, *, now=None, people=PEOPLE):
    """Write the `frequency` digest of everyone with pending notices to the
    outbox. Returns an Outcome (people seen, e-mails written, notices
    marked, notices not e-mailed because their comment is no longer shown)."""
    if frequency not in FREQUENCIES:
        raise ValueError(f"no digest is sent {frequency!r}")
    now = now or timezone.now()
    outcome = Outcome()
    pages: dict = {}
    said = Said()
    after = 0
    while True:
        batch = list(
            pending(frequency, now)
            .filter(user_id__gt=after)
            .order_by("user_id")
            .values_list("user_id", flat=True)
            .distinct()[:people]
        )
        if not batch:
            break
        outcome.add(_send_batch(frequency, batch, now, pages, said))
        after = batch[-1]
    logger.info(
        "%s digest: %s people, %s e-mails, %s notices (%s no longer shown)",
        frequency,
        outcome.people,
        outcome.emails,
        outcome.notices,
        outcome.skipped,
    )
    return outcome


@transaction.atomic
def _send_batch(frequency, user_ids, now, pages, said):
    # Locked until the batch commits: a second run at the same time skips
    # these people's notices rather than e-mailing them twice, and a new
    # comment raising a thread's notice waits, then makes it pending again.
    digests = _collect(
        pending(frequency, now)
        .filter(user_id__in=user_ids)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("user", "comment__author")
        .only(*FIELDS)
        .order_by("user_id", "created", "pk")
        .iterator(chunk_size=CHUNK)
    )
    _attach_consultations([notice for digest in digests for notice in digest.items], pages)
    rows = []
    outcome = Outcome(people=len(digests))
    for digest in digests:
        outcome.notices += len(digest.ids)
        outcome.skipped += digest.skipped
        if digest.items and _reachable(digest.person):
            rows.append(_message(digest, frequency, now, said))
    mail.queue_all(rows)
    outcome.emails = len(rows)
    ids = [pk for digest in digests for pk in digest.ids]
    for start in range(0, len(ids), MARK):
        # As read: the rows are locked (on PostgreSQL). Where nothing is
        # locked (SQLite), a thread's notice raised since by a newer comment
        # stays pending.
        Notice.objects.filter(
            pk__in=ids[start : start + MARK], emailed_at__isnull=True, created__lte=now
        ).update(emailed_at=now)
    return outcome


def _collect(notices):
    """Digests from notices ordered by person: the ones to list, in order."""
    digests: list[Digest] = []
    digest = None
    for notice in notices:
        if digest is None or digest.person.pk != notice.user_id:
            digest = Digest(person=notice.user)
            digests.append(digest)
        digest.ids.append(notice.pk)
        if _hidden(notice):
            digest.skipped += 1
        elif len(digest.items) < MAX_ITEMS:
            digest.items.append(notice)
        else:
            digest.more += 1
    return digests


def _hidden(notice):
    """A reply or thread comment nobody may read any more: nothing of it is
    e-mailed, not its text, not its author."""
    return notice.kind in (Notice.Kind.REPLY, Notice.Kind.THREAD) and not notice.shows_comment


def _reachable(person):
    return person.is_active and person.erased_at is None and bool(person.email)


def _attach_consultations(notices, pages):
    """Give each notice (and its comment) its consultation from `pages`,
    loading those not seen yet in one query: one instance per page for the
    whole run, so its address is worked out once (Wagtail keeps the site's
    root paths on the instance)."""
    wanted = {
        notice.consultation_id or (notice.comment.consultation_id if notice.comment else None)
        for notice in notices
    }
    missing = {pk for pk in wanted if pk and pk not in pages}
    if missing:
        pages.update(dict.fromkeys(missing))
        pages.update(
            (page.pk, page) for page in ConsultationPage.objects.filter(pk__in=sorted(missing))
        )
    for notice in notices:
        if pages.get(notice.consultation_id) is not None:
            notice.consultation = pages[notice.consultation_id]
        if notice.comment_id and pages.get(notice.comment.consultation_id) is not None:
            notice.comment.consultation = pages[notice.comment.consultation_id]


def _message(digest, frequency, now, said):
    person = digest.person
    topics: Counter[str] = Counter(
        str(topic) for topic in (TOPIC_OF_KIND[n.kind] for n in digest.items) if topic
    )
    # The topic the one-click header stops: thread activity, what digests
    # are for by default, else the one with the most items.
    main = (
        Topic.THREAD if Topic.THREAD in topics else max(topics, key=topics.__getitem__, default="")
    )
    with translation.override(person.language):
        stop = {topic: said.stop_url(person, topic) for topic in Topic.values if topic in topics}
        context = {
            **said.links(person),
            "person": person,
            "unsubscribe_url": stop.get(main, ""),
            "unsubscribe_links": [(Topic(topic).label, url) for topic, url in stop.items()],
            "frequency": frequency,
            "now": now,
            "groups": _groups(digest.items, said),
            "count": len(digest.items) + digest.more,
            "more": digest.more,
        }
        headers = notify.unsubscribe_headers(person, main)
    subject, body = mail.render("notifications/email/digest", context, language=person.language)
    return mail.message(
        person.email,
        subject,
        body,
        user=person,
        about=f"digest {frequency}",
        headers=headers,
        now=now,
    )


def _groups(notices, said):
    """The items grouped by consultation (the consultation with the latest
    news first), each in the order it happened."""
    groups: dict = {}
    for notice in notices:
        consultation = notice.about_consultation
        key = consultation.pk if consultation is not None else None
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "consultation": consultation,
                "url": said.page_url(consultation),
                "items": [],
            }
        group["items"].append(said.item(notice))
    return sorted(groups.values(), key=lambda g: g["items"][-1]["notice"].created, reverse=True)


class Said:
    """What one e-mail says of each notice, in the active language: its
    text (as on the site), the start of its comment on one line while it may
    be shown, the comment's author, and its address. The same event told to
    many people (a consultation closing, a thread's newest comment) is
    worked out once per language in a run, and at most SAID of them are kept."""

    def __init__(self):
        self.cache: dict = {}

    def item(self, notice):
        shown = notice.shows_comment
        key = (
            translation.get_language(),
            notice.kind,
            notice.consultation_id,
            notice.comment_id,
            shown,
            notice.count,
            notice.reason,
            notice.hold_reason,
            notice.note,
        )
        said = self.cache.get(key)
        if said is None:
            if len(self.cache) >= SAID:
                # The older half goes (a dict keeps the order of insertion).
                for stale in list(islice(self.cache, SAID // 2)):
                    del self.cache[stale]
            text = render_to_string(NOTICE_TEXT, {"notice": notice}).strip()
            quote = ""
            if shown:
                words = Truncator(" ".join(notice.comment.body.split())).chars(QUOTE)
                # Someone else's words (a reply, a thread), or the person's own.
                if notice.kind in (Notice.Kind.REPLY, Notice.Kind.THREAD):
                    by = gettext("%(name)s wrote:") % {"name": notice.comment.author.public_name}
                else:
                    by = gettext("Your comment:")
                quote = f"{by} “{words}”"
            said = self.cache[key] = {"text": text, "quote": quote, "path": notice_path(notice)}
        return {**said, "notice": notice}

    def page_url(self, consultation):
        """A consultation's address in the active language ("" once it is
        no longer published)."""
        if consultation is None:
            return ""
        key = (translation.get_language(), "page", consultation.pk)
        if key not in self.cache:
            self.cache[key] = (consultation.get_url() or "") if consultation.live else ""
        return self.cache[key]

    def stop_url(self, person, topic):
        """What unsubscribe.url(person, topic) says, with the address around
        the token worked out once per language (reversing a URL costs more
        than signing the token)."""
        key = (translation.get_language(), "stop")
        if key not in self.cache:
            self.cache[key] = notify.site_url() + reverse(
                "notification-unsubscribe", args=[PLACEHOLDER]
            )
        return self.cache[key].replace(PLACEHOLDER, unsubscribe.token(person, topic))

    def links(self, person):
        """The site's, the notifications page's and the preferences' addresses
        in the active language (notify.email_context's, without a topic)."""
        key = (translation.get_language(), "links")
        if key not in self.cache:
            links = notify.email_context(person, None)
            self.cache[key] = {name: links[name] for name in LINKS}
        return self.cache[key]


def parse_now(value):
    """An ISO 8601 date and time (the command's --now), aware."""
    moment = datetime.fromisoformat(value)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
