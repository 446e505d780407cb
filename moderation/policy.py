"""When the site holds a comment for review or hides it: the site's Wagtail
setting, overridden per consultation where the page says so."""

import re
from dataclasses import dataclass
from datetime import timedelta

from wagtail.models import Site

from moderation import words
from moderation.models import HoldReason, ModerationSettings

LINK = re.compile(r"https?://", re.IGNORECASE)


@dataclass(frozen=True)
class Policy:
    premoderation: bool
    auto_hide_flags: int
    new_account_comments: int
    new_account_days: int
    max_links: int


def site_settings(consultation):
    site = (
        consultation.get_site()
        or Site.objects.filter(is_default_site=True).first()
        or Site.objects.first()
    )
    return ModerationSettings.for_site(site)


def policy_for(consultation):
    base = site_settings(consultation)
    mode = consultation.moderation_mode
    return Policy(
        premoderation=base.premoderation if not mode else mode == "pre",
        auto_hide_flags=consultation.auto_hide_flags or base.auto_hide_flags,
        new_account_comments=base.new_account_comments,
        new_account_days=base.new_account_days,
        max_links=base.max_links,
    )


def hold_for(author, consultation, body, now):
    """(HoldReason, detail) when a new comment must wait for a moderator,
    else None. Checked in order: the consultation, the words, the person,
    the links."""
    policy = policy_for(consultation)
    if policy.premoderation:
        return HoldReason.PREMODERATION, ""
    held = _word_hold(body)
    if held:
        return held
    if policy.new_account_days and now - author.date_joined < timedelta(
        days=policy.new_account_days
    ):
        return HoldReason.NEW_ACCOUNT, ""
    if policy.new_account_comments:
        from comments.models import Comment

        earlier = Comment.objects.filter(author=author)[: policy.new_account_comments].count()
        if earlier < policy.new_account_comments:
            return HoldReason.NEW_ACCOUNT, ""
    return _link_hold(body, policy.max_links)


def hold_for_edit(consultation, body):
    """The rules an edit can break (the person and the consultation were
    checked when the comment was posted)."""
    return _word_hold(body) or _link_hold(body, policy_for(consultation).max_links)


def _word_hold(body):
    listed = words.listed_words()
    matched = words.first_match(body, listed)
    if matched:
        # The word as the moderators listed it, accents and all.
        return HoldReason.WORD, listed[matched]
    return None


def _link_hold(body, max_links):
    links = len(LINK.findall(body))
    if links > max_links:
        return HoldReason.LINKS, str(links)
    return None
