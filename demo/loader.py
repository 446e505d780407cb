"""Loads the demo (demo/content.py) for `manage.py load_demo` (make run).
The top floor of the layout: it may use every app."""

import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import PageLogEntry

from accounts.roles import PLANNER, ROLES
from comments.actions import check_body, do_post_comment, do_react
from comments.models import Comment, ConsultationActivity, Reaction, TaggedComment, Theme
from consultations.models import (
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationQuestion,
    ConsultationSection,
    HomePage,
)
from demo.content import (
    CLOSED,
    CLOSED_DISCUSSION,
    CLOSED_REACTIONS,
    CLOSED_RESPONSE,
    CLOSED_THEMES,
    DEMO_CONSULTATIONS,
    DEMO_DISCUSSION,
    DEMO_EMAIL_DOMAIN,
    DEMO_FILTERED_WORDS,
    DEMO_FLAGS,
    DEMO_HELD,
    DEMO_REACTIONS,
    DEMO_THEMES,
    INDEX_SLUG,
    OPEN,
    RESPONDENT,
    RESPONSE_DRAFTED,
    RESPONSE_PUBLISHED,
)
from moderation.actions import do_flag
from moderation.models import FilteredWord
from notifications.models import Notice
from responses import actions as responses
from responses.models import Commitment, CommitmentUpdate, Response
from search import indexing


@transaction.atomic
def load_demo(now=None):
    """Create the demo pages that are missing; return the titles created."""
    now = now or timezone.now()
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("No home page: run `manage.py migrate` first.")
    index = ConsultationIndexPage.objects.child_of(home).first()
    created = []
    if index is None:
        index = ConsultationIndexPage(
            title="Consultas públicas",
            slug=INDEX_SLUG,
            intro="<p>Todas las consultas del municipio, abiertas, próximas y cerradas.</p>",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
        created.append(index.title)
    for spec in DEMO_CONSULTATIONS:
        if ConsultationPage.objects.filter(slug=spec["slug"]).exists():
            continue
        page = ConsultationPage(
            title=spec["title"],
            slug=spec["slug"],
            summary=spec["summary"],
            opens_at=now + spec["opens"],
            closes_at=now + spec["closes"],
            responsible_office=spec["office"],
            contact_email=spec["email"],
            contact_phone=spec["phone"],
            sections=[
                ConsultationSection(heading=h, body=b, sort_order=i)
                for i, (h, b) in enumerate(spec["sections"])
            ],
            questions=[
                ConsultationQuestion(text=text, sort_order=i)
                for i, text in enumerate(spec["questions"])
            ],
        )
        page.tags.add(*spec["tags"])
        index.add_child(instance=page)
        page.save_revision().publish()
        created.append(page.title)
        if spec is OPEN:
            load_demo_discussion(page)
        elif spec is CLOSED:
            load_demo_report(page, now)
    return created


def demo_people(names):
    """The participants called `names`, created if missing; none can sign in."""
    User = get_user_model()
    people = {}
    for name in names:
        if name in people:
            continue
        slug = slugify(name).replace("-", "")
        user, created = User.objects.get_or_create(
            email=f"{slug}@{DEMO_EMAIL_DOMAIN}", defaults={"display_name": name}
        )
        if created:
            user.set_unusable_password()
            # Old enough accounts: the demo posts in one go, under the rate
            # limit, and had joined before the closed consultation opened.
            user.date_joined = timezone.now() - timedelta(days=365)
            user.save()
        people[name] = user
    return people


def load_demo_discussion(page):
    """A few comments, replies and reactions, by participants who cannot sign in."""

    people = demo_people(name for name, _anchor, _text in [*DEMO_DISCUSSION, DEMO_HELD])
    comments = []
    for name, (kind, position), text in DEMO_DISCUSSION:
        anchor = {
            "question": lambda i: {"question": page.ordered_questions[i].pk},
            "section": lambda i: {"section": page.ordered_sections[i].pk},
            "reply": lambda i: {"parent": comments[i].pk},
        }[kind](position)
        comments.append(do_post_comment(people[name], page, body=text, **anchor))
    for index, reactions in DEMO_REACTIONS:
        for name, stance in reactions:
            do_react(people[name], comments[index], stance)
    for index, themes in DEMO_THEMES:
        # Set directly, as the word list below is: no planner account exists here.
        comments[index].tags.set(themes)
        indexing.schedule(comments[index].pk)
    index, flags = DEMO_FLAGS
    for name, reason in flags:
        do_flag(people[name], comments[index], reason=reason)
    for word, language in DEMO_FILTERED_WORDS:
        if not FilteredWord.objects.filter(word=word, language=language).exists():
            FilteredWord(word=word, language=language).save()
    name, (kind, position), text = DEMO_HELD
    do_post_comment(people[name], page, body=text, question=page.ordered_questions[position].pk)


def load_demo_report(page, now):
    """The closed consultation as it is weeks after closing: its past
    discussion, and the response to it published, with commitments followed
    up since."""
    comments = import_past_discussion(page, CLOSED_DISCUSSION, CLOSED_REACTIONS, CLOSED_THEMES)
    publish_past_response(page, comments, CLOSED_RESPONSE, now)


def import_past_discussion(page, discussion, reactions, themes):
    """Write comments made while the consultation was open, as an import
    would (comments/actions.py refuses new ones once it closed): every field
    do_post_comment and do_react set, reaction counts matching the Reaction
    rows, and the comments queued for the search index. Returns them in
    `discussion` order."""

    people = demo_people(
        [name for name, *_rest in discussion]
        + [name for _index, given in reactions for name, _stance in given]
    )
    given = dict(reactions)
    replies = [position for _name, (kind, position), *_rest in discussion if kind == "reply"]
    comments, reaction_rows = [], []
    for index, ((name, (kind, position), (days, hours), text), seq) in enumerate(
        zip(discussion, _take_seqs(page.pk, len(discussion)), strict=True)
    ):
        comment = Comment(
            consultation=page,
            author=people[name],
            body=check_body(text),
            created=page.opens_at + timedelta(days=days, hours=hours),
            seq=seq,
            reply_count=replies.count(index),
        )
        if not page.opens_at <= comment.created < page.closes_at:
            raise ValueError(f"Demo comment {index} falls outside the consultation's dates.")
        if kind == "reply":
            parent = comments[position]
            comment.parent, comment.root_id = parent, parent.root_id
            comment.depth = parent.depth + 1
            comment.question_id, comment.section_id = parent.question_id, parent.section_id
        elif kind == "question":
            comment.question = page.ordered_questions[position]
        else:
            comment.section = page.ordered_sections[position]
        for reactor, stance in given.get(index, ()):
            if people[reactor] == comment.author:
                raise ValueError(f"{reactor} cannot react to their own demo comment {index}.")
            counter = f"{stance}_count"
            setattr(comment, counter, getattr(comment, counter) + 1)
            reaction_rows.append((comment, people[reactor], stance))
        comment.save()
        if comment.parent is None:
            comment.root_id = comment.pk
        comments.append(comment)
    Comment.objects.filter(
        pk__in=[comment.pk for comment in comments if comment.parent is None]
    ).update(root=F("pk"))
    Reaction.objects.bulk_create(
        Reaction(comment=comment, user=user, stance=stance)
        for comment, user, stance in reaction_rows
    )
    # Themes a planner gave while reading them.
    found = {}
    for name in sorted({name for _index, names in themes for name in names}):
        found[name], _created = Theme.objects.get_or_create(name=name)
    TaggedComment.objects.bulk_create(
        TaggedComment(content_object=comments[index], tag=found[name])
        for index, names in themes
        for name in names
    )
    indexing.schedule(*(comment.pk for comment in comments))
    return comments


def _take_seqs(consultation_id, count):
    """`count` consecutive change numbers of the consultation, taken at once
    under the row lock comments/actions.py takes them one by one with."""

    ConsultationActivity.objects.get_or_create(consultation_id=consultation_id)
    activity = ConsultationActivity.objects.select_for_update().get(pk=consultation_id)
    first = activity.last_seq + 1
    activity.last_seq += count
    activity.save(update_fields=["last_seq"])
    return range(first, first + count)


def demo_respondent():
    """The office that writes the demo's response: a planner who cannot sign
    in (consultations/responses.py asks for a planner or an editor)."""
    name, slug = RESPONDENT
    user, created = get_user_model().objects.get_or_create(
        email=f"{slug}@{DEMO_EMAIL_DOMAIN}", defaults={"display_name": name}
    )
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=PLANNER))
    return user


def publish_past_response(page, comments, spec, now):
    """Write and publish the response through consultations/responses.py,
    then date it as it happened: drafted and published days after the
    consultation closed, its commitments' updates on their own dates since."""

    planner = demo_respondent()
    responses.do_save_introduction(planner, page, introduction=spec["introduction"])
    themes = {theme.name: theme for theme in responses.consultation_themes(page)}
    items = []
    for (kind, key), said, will_do, linked, theme_names in spec["items"]:
        subject = (
            f"question-{page.ordered_questions[key].pk}"
            if kind == "question"
            else f"theme-{themes[key].pk}"
        )
        items.append(
            responses.do_save_item(
                planner,
                page,
                subject=subject,
                heading="",
                what_you_said=said,
                what_we_will_do=will_do,
                comments=" ".join(str(comments[index].pk) for index in linked),
                themes=[themes[name].pk for name in theme_names],
            )
        )
    today, zone = timezone.localdate(now), timezone.get_current_timezone()
    # Each update written on its own date, in the morning.
    written = {}
    for title, description, item_indexes, updates in spec["commitments"]:
        commitment = responses.do_save_commitment(
            planner,
            page,
            title=title,
            description=description,
            items=[items[index].pk for index in item_indexes],
        )
        for days_ago, status, progress, text in updates:
            update = responses.do_add_update(
                planner,
                commitment,
                date=today - timedelta(days=days_ago),
                text=text,
                status=status,
                progress=progress,
            )
            written[update.pk] = datetime.combine(update.date, time(10), tzinfo=zone)
    # Commitments and updates are written before publishing, so the admin's
    # history holds the one publication, dated below.
    response, _notified = responses.do_publish_response(planner, page)

    published = page.closes_at + timedelta(days=RESPONSE_PUBLISHED)
    drafted = page.closes_at + timedelta(days=RESPONSE_DRAFTED)
    for pk, created in written.items():
        CommitmentUpdate.objects.filter(pk=pk).update(created=created)
    Response.objects.filter(pk=response.pk).update(
        created=drafted, published_at=published, updated=max([published, *written.values()])
    )
    Commitment.objects.filter(response=response).update(created=drafted)
    ConsultationPage.objects.filter(pk=page.pk).update(reported_at=published)
    Notice.objects.filter(kind=Notice.Kind.RESPONDED, comment__consultation=page).update(
        created=published
    )
    PageLogEntry.objects.filter(page=page, action=responses.LOG_PUBLISH).update(timestamp=published)
    page.reported_at = published
    return response


@transaction.atomic
def create_demo_accounts(reset_passwords=False):
    """One account per role, for local demos only; return [(email, password, role)]
    for the accounts whose password was set now (so it is printed once)."""
    from allauth.account.models import EmailAddress

    if not settings.PUENTE_DEMO_MODE:
        raise RuntimeError("Demo accounts are only created when PUENTE_DEMO_MODE is on.")
    User = get_user_model()
    credentials = []
    for role in ROLES:
        email = f"{role}@{DEMO_EMAIL_DOMAIN}"
        user, created = User.objects.get_or_create(
            email=email, defaults={"display_name": f"Demo {role}"}
        )
        if created or reset_passwords:
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            credentials.append((email, password, role))
        user.groups.add(Group.objects.get(name=role))
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
    return credentials
