"""Loads the demo (demo/content.py) for `manage.py load_demo` (make run).
The top floor of the layout: it may use every app."""

import random
import secrets
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts import consent
from accounts.roles import CITIZEN, PLANNER, ROLES
from comments.actions import do_post_comment, do_react, do_set_tags
from comments.models import Comment
from consultations.models import (
    ConsultationIndexPage,
    ConsultationPage,
    ConsultationQuestion,
    ConsultationSection,
    HomePage,
)
from demo.content import (
    CAMP_FIRST_NAMES,
    CAMP_INITIALS,
    CLOSED,
    CLOSED_CAMP_DEPARTURE,
    CLOSED_CAMP_SEED,
    CLOSED_CAMPS,
    CLOSED_DISCUSSION,
    CLOSED_REACTIONS,
    CLOSED_RESPONSE,
    CLOSED_THEMES,
    DEMO_CONSULTATIONS,
    DEMO_DISCUSSION,
    DEMO_EMAIL_DOMAIN,
    DEMO_FILTERED_WORDS,
    DEMO_FLAGS,
    DEMO_FOLLOWER,
    DEMO_HELD,
    DEMO_REACTIONS,
    DEMO_THEMES,
    INDEX_SLUG,
    OPEN,
    RESPONDENT,
    RESPONSE_DRAFTED,
    RESPONSE_PUBLISHED,
)
from demo.legal import PAGES as LEGAL_PAGES
from moderation.actions import do_flag
from moderation.models import FilteredWord
from notifications.follows import do_follow
from pages.models import ContentPage, LegalPages
from responses import actions as responses
from summaries import opinions


@transaction.atomic
def load_demo(now=None):
    """Create the demo pages that are missing; return the titles created."""
    now = now or timezone.now()
    home = HomePage.objects.first()
    if home is None:
        raise RuntimeError("No home page: run `manage.py migrate` first.")
    index = ConsultationIndexPage.objects.child_of(home).first()
    created = load_legal_pages(home)
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
        accept_current_policies(user)
        people[name] = user
    return people


def accept_current_policies(user):
    """Demo people have accepted the demo's terms and privacy notice."""
    if consent.is_pending(user):
        consent.record(user, consent.current_versions())


def _english_links(value):
    """The English text links the English pages (under /en/)."""
    if isinstance(value, str):
        return value.replace('href="/', 'href="/en/').replace('href="/en/en/', 'href="/en/')
    if isinstance(value, list):
        return [_english_links(item) for item in value]
    if isinstance(value, dict):
        return {key: _english_links(item) for key, item in value.items()}
    return value


def load_legal_pages(home):
    """The privacy notice, terms, accessibility statement and FAQ
    (demo/legal.py), linked from the site settings: publishing the terms and
    the notice makes their first versions, which people accept at sign-up."""
    from wagtail.models import Site

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    legal = LegalPages.for_site(site)
    created = []
    for spec in LEGAL_PAGES:
        page = ContentPage.objects.filter(slug=spec["slug"]).first()
        if page is not None:
            continue
        page = ContentPage(
            title=spec["title"]["es"],
            slug=spec["slug"],
            intro=spec["intro"]["es"],
            body=spec["body"]["es"],
            title_en=spec["title"]["en"],
            intro_en=spec["intro"]["en"],
            body_en=_english_links(spec["body"]["en"]),
            requires_acceptance=spec["key"] in ("terms", "privacy"),
            show_in_menus=False,
        )
        home.add_child(instance=page)
        setattr(legal, f"{spec['key']}_page", page)
        legal.save()
        page.save_revision().publish()
        created.append(page.title)
    return created


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
    planner = demo_respondent()
    for index, themes in DEMO_THEMES:
        do_set_tags(planner, comments[index], themes)
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
    react_in_camps(page, comments, CLOSED_CAMPS)
    publish_past_response(page, comments, CLOSED_RESPONSE, now)
    # Computed now rather than on the first view: the demo shows its groups
    # at once, whatever task backend runs.
    opinions.refresh(page.pk)


def import_past_discussion(page, discussion, reactions, themes):
    """The comments made while the consultation was open, posted and reacted
    to through comments/actions.py at the times they were made (each action
    applies the rules of that moment), and the themes a planner gave them.
    Returns them in `discussion` order."""

    people = demo_people(
        [name for name, *_rest in discussion]
        + [name for _index, given in reactions for name, _stance in given]
    )
    comments = []
    for index, (name, (kind, position), (days, hours), text) in enumerate(discussion):
        created = page.opens_at + timedelta(days=days, hours=hours)
        if not page.opens_at <= created < page.closes_at:
            raise ValueError(f"Demo comment {index} falls outside the consultation's dates.")
        anchor = {
            "question": lambda i: {"question": page.ordered_questions[i].pk},
            "section": lambda i: {"section": page.ordered_sections[i].pk},
            "reply": lambda i: {"parent": comments[i].pk},
        }[kind](position)
        comments.append(do_post_comment(people[name], page, body=text, now=created, **anchor))
    for index, given in reactions:
        comment = comments[index]
        # Within the hour after the comment, and before the consultation closed.
        when = min(comment.created + timedelta(hours=1), page.closes_at - timedelta(minutes=1))
        for reactor, stance in given:
            do_react(people[reactor], comment, stance, now=when)
    planner = demo_respondent()
    for index, names in themes:
        do_set_tags(planner, comments[index], names)
    for comment in comments:
        comment.refresh_from_db()
    return comments


def camp_names(count):
    """`count` distinct voter names, the same ones on every load."""
    names = [f"{first} {initial}." for initial in CAMP_INITIALS for first in CAMP_FIRST_NAMES]
    if count > len(names):
        raise ValueError(f"The demo has names for {len(names)} camp members, not {count}.")
    return names[:count]


def react_in_camps(page, comments, camps):
    """Each camp's people react as their camp does, skipping or departing from
    it now and then (a fixed seed), within the hour after each comment."""
    chance = random.Random(CLOSED_CAMP_SEED)
    names = camp_names(sum(size for size, _stances in camps))
    people = demo_people(names)
    # One transaction: the comments are indexed once, not once per reaction.
    with transaction.atomic():
        _react_as_camps(page, comments, camps, people, names, chance)


def _react_as_camps(page, comments, camps, people, names, chance):
    stances = ("agree", "disagree", "pass")
    members = iter(names)
    for size, camp in camps:
        for _member in range(size):
            person = people[next(members)]
            for index, stance in sorted(camp.items()):
                draw = chance.random()
                if draw < CLOSED_CAMP_DEPARTURE / 2:
                    continue
                if draw < CLOSED_CAMP_DEPARTURE:
                    stance = chance.choice([other for other in stances if other != stance])
                comment = comments[index]
                when = min(
                    comment.created + timedelta(hours=1), page.closes_at - timedelta(minutes=1)
                )
                do_react(person, comment, stance, now=when)


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
    accept_current_policies(user)
    user.groups.add(Group.objects.get(name=PLANNER))
    return user


def publish_past_response(page, comments, spec, now):
    """Write and publish the response through responses/actions.py as it
    happened: drafted and published days after the consultation closed, its
    commitments' updates written on their own dates since."""

    planner = demo_respondent()
    drafted = page.closes_at + timedelta(days=RESPONSE_DRAFTED)
    published = page.closes_at + timedelta(days=RESPONSE_PUBLISHED)
    today, zone = timezone.localdate(now), timezone.get_current_timezone()
    responses.do_save_introduction(planner, page, introduction=spec["introduction"], now=drafted)
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
                now=drafted,
            )
        )
    # Commitments drafted with the response; each update written on its own
    # date, in the morning, after the publication.
    updates = []
    for title, description, item_indexes, dated in spec["commitments"]:
        commitment = responses.do_save_commitment(
            planner,
            page,
            title=title,
            description=description,
            items=[items[index].pk for index in item_indexes],
            now=drafted,
        )
        for days_ago, status, progress, text in dated:
            on = today - timedelta(days=days_ago)
            written = datetime.combine(on, time(10), tzinfo=zone)
            updates.append((written, commitment, on, status, progress, text))
    response, _notified = responses.do_publish_response(planner, page, now=published)
    for written, commitment, on, status, progress, text in sorted(updates, key=lambda u: u[0]):
        responses.do_add_update(
            planner,
            commitment,
            date=on,
            text=text,
            status=status,
            progress=progress,
            now=written,
        )
    page.reported_at = published
    response.refresh_from_db()
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
        accept_current_policies(user)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if role == CITIZEN:
            load_demo_follower(user)
    return credentials


def load_demo_follower(citizen):
    """The demo citizen's comment on the open consultation, two replies to
    it and new comments in a thread it follows: its notifications page shows
    them (through the same actions and background work as on the site)."""
    page = ConsultationPage.objects.filter(slug=OPEN["slug"]).first()
    if page is None or Comment.objects.filter(author=citizen).exists():
        return
    position, text = DEMO_FOLLOWER["comment"]
    mine = do_post_comment(citizen, page, body=text, question=page.ordered_questions[position].pk)
    thread = Comment.objects.filter(consultation=page, parent=None).order_by("pk")[
        DEMO_FOLLOWER["followed_thread"]
    ]
    do_follow(citizen, thread=thread)
    said = [*DEMO_FOLLOWER["replies"], *DEMO_FOLLOWER["thread_comments"]]
    people = demo_people(name for name, _text in said)
    for name, text in DEMO_FOLLOWER["replies"]:
        do_post_comment(people[name], page, body=text, parent=mine.pk)
    for name, text in DEMO_FOLLOWER["thread_comments"]:
        do_post_comment(people[name], page, body=text, parent=thread.pk)
