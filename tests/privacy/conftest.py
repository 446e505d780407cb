"""Fixtures for the ARCO and consent tests: legal pages published as an
editor would (so that the versions come from the real publish path), and
people with interleaved activity."""

import pytest
from wagtail.models import Site

from accounts.roles import CITIZEN, MODERATOR
from comments import actions as comments
from comments.models import Stance
from moderation import actions as moderation
from moderation.models import FlagReason
from pages.models import ContentPage, LegalPages


def publish_policy(home, key, *, title, requires_acceptance=True, slug=None):
    """Create (or re-publish) the terms or privacy page and link it in the settings."""
    legal = LegalPages.for_site(Site.objects.get(is_default_site=True))
    page = getattr(legal, f"{key}_page")
    if page is None:
        page = ContentPage(
            title=title,
            slug=slug or key,
            body=[{"type": "paragraph", "value": f"<p>{title}</p>"}],
        )
        home.add_child(instance=page)
        setattr(legal, f"{key}_page", page)
        legal.save()
    page = ContentPage.objects.get(pk=page.pk)
    page.title, page.requires_acceptance = title, requires_acceptance
    page.save_revision().publish()
    return page


@pytest.fixture
def policies(home):
    """Terms and privacy notice, version 1 of each, both requiring acceptance."""
    publish_policy(home, "terms", title="Términos de uso")
    publish_policy(home, "privacy", title="Aviso de privacidad")
    return home


@pytest.fixture
def people(make_consultation, make_user, no_rate_limits):
    """Two people, Ana and Beto, who comment, reply, react to and report each
    other's comments in one consultation; a moderator decides on one."""
    consultation = make_consultation(questions=["¿Qué opinas?"])
    question = consultation.ordered_questions[0].pk
    ana = make_user(CITIZEN, display_name="Ana Quetzal", email="ana.quetzal@example.com")
    beto = make_user(CITIZEN, display_name="Beto Jacarandá", email="beto.jacaranda@example.com")
    moderator = make_user(MODERATOR)
    a1 = comments.do_post_comment(
        ana, consultation, body="Ana propone ciclovías seguras.", question=question
    )
    b1 = comments.do_post_comment(
        beto, consultation, body="Beto prefiere más autobuses.", question=question
    )
    a2 = comments.do_post_comment(
        ana, consultation, body="Ana responde sobre autobuses.", parent=b1.pk
    )
    b2 = comments.do_post_comment(beto, consultation, body="Beto contesta a Ana.", parent=a1.pk)
    b3 = comments.do_post_comment(
        beto, consultation, body="Beto apoya la idea de Ana.", parent=a1.pk
    )
    comments.do_edit_comment(ana, a1, body="Ana propone ciclovías seguras y arboladas.")
    comments.do_react(ana, b1, Stance.AGREE)
    comments.do_react(beto, a1, Stance.DISAGREE)
    comments.do_react(beto, a2, Stance.AGREE)
    moderation.do_flag(ana, b2, reason=FlagReason.OTHER, note="Nota de Ana para moderación")
    moderation.do_flag(beto, a2, reason=FlagReason.SPAM)
    moderation.do_decide(moderator, b2, action="hide", reason=FlagReason.OFF_TOPIC)
    return {
        "consultation": consultation,
        "ana": ana,
        "beto": beto,
        "moderator": moderator,
        "comments": {"a1": a1, "a2": a2, "b1": b1, "b2": b2, "b3": b3},
    }
