"""Near-duplicate comments (search/duplicates.py): similar comments and
clusters of copy-paste campaigns, answered by the database alone."""

import os
import re
import subprocess
import sys
import unicodedata

import pytest

from accounts.roles import CITIZEN, MODERATOR, PLANNER
from comments import actions as comment_actions
from comments.models import Comment
from comments.rules import readable_statuses
from core.text import fold
from moderation.actions import do_decide
from search import duplicates
from search.models import NearDuplicateKey
from tests.moderation.conftest import post

CAMPAIGN = (
    "Exigimos que el ayuntamiento retire inmediatamente el proyecto de la nueva "
    "autopista urbana, porque destruirá el parque del barrio, aumentará la "
    "contaminación y el ruido para miles de vecinos, y nadie nos preguntó antes "
    "de aprobar un gasto de cuarenta millones de euros."
)
# The edits a campaign's senders make so that copies do not look identical.
CAMPAIGN_VARIANTS = [
    CAMPAIGN,
    CAMPAIGN.replace("inmediatamente", "ya"),
    CAMPAIGN.replace(",", "").replace(".", "!!"),
    unicodedata.normalize("NFKD", CAMPAIGN).encode("ascii", "ignore").decode(),
    CAMPAIGN.upper(),
]
# Each opens with the same polite phrase, then says something of its own.
COMMON_OPENING = "Buenos días, quiero decir que estoy de acuerdo con la propuesta en general"
OWN_WORDS = [
    "pero los carriles bici del centro deberían estar separados de los coches con "
    "bordillos altos y tener semáforos propios en los cruces más peligrosos",
    "aunque el calendario de obras me parece demasiado corto para un barrio con "
    "tantos comercios pequeños que dependen del paso de clientes cada mañana",
    "y pido que las nuevas plazas tengan sombra, fuentes de agua potable y bancos "
    "para las personas mayores que pasean por la tarde con sus nietos",
    "si bien faltan datos sobre el coste de mantenimiento a diez años y sobre "
    "quién pagará la limpieza de los jardines cuando termine el contrato",
]


@pytest.fixture
def page(make_consultation, no_rate_limits):
    return make_consultation(questions=["¿Qué opinas del plan de movilidad?"])


@pytest.fixture
def moderator(make_user):
    return make_user(MODERATOR)


@pytest.fixture
def citizens(make_user):
    return [make_user(CITIZEN) for _ in range(8)]


def campaign(page, citizens):
    """The campaign's five variants, each posted by another account."""
    return [post(user, page, body) for user, body in zip(citizens, CAMPAIGN_VARIANTS, strict=False)]


def refresh_all():
    duplicates.refresh(Comment.objects.all())


# Fingerprints


def test_short_comments_get_no_keys():
    assert duplicates.fingerprint_keys("De acuerdo") == []
    assert duplicates.fingerprint_keys("Totalmente de acuerdo con esta propuesta, sí") == []
    assert duplicates.fingerprint_keys("") == []
    assert duplicates.fingerprint_keys("Totalmente de acuerdo con esta propuesta, sí señor.")


def test_keys_fold_case_accents_and_punctuation_and_fit_a_bigint():
    keys = duplicates.fingerprint_keys(CAMPAIGN)
    assert keys == duplicates.fingerprint_keys(CAMPAIGN_VARIANTS[2])
    assert keys == duplicates.fingerprint_keys(CAMPAIGN_VARIANTS[3])
    assert keys == duplicates.fingerprint_keys(CAMPAIGN_VARIANTS[4])
    assert keys == duplicates.fingerprint_keys("ＥＸＩＧＩＭＯＳ" + CAMPAIGN[8:])  # full width
    assert len(keys) == duplicates.BANDS
    assert all(-(2**63) <= key < 2**63 for key in keys)


def test_short_texts_get_keys_of_both_shingle_sizes():
    """A 12-word text uses 2-shingles, and 3-shingles as well, so that a copy
    of it with a few words more still shares keys with it."""
    short = "el parque del barrio necesita más árboles y bancos para los vecinos"
    longer = short + " del centro que pasean cada tarde con sus perros y sus nietos"
    short_keys = duplicates.fingerprint_keys(short)
    assert len(short_keys) == 2 * duplicates.BANDS
    assert len(duplicates.fingerprint_keys(longer)) == duplicates.BANDS


def test_words_fast_path_equals_the_definition():
    """words() splits before folding for speed; the result must be exactly
    \\w+ over the whole text folded by core.text.fold."""

    def definition(text):
        return re.findall(r"\w+", fold(text))

    samples = [
        "Participación CIUDADANA: ¡sí, señor!",
        "q\u0301ue ﬁesta ＡＢＣ İstanbul Straße ẞ",
        "كَتَبَ الوَلَدُ नमस्ते दुनिया",
        "ŉ ǅ ½ ℃ ① 😀 héllo 𝐀𝐁𝐂 \u0301\u0301 a\u0301",
        "naïve café déjà vu — coöperate",
    ]
    for text in samples:
        assert duplicates.words(text) == definition(text), text


def test_keys_are_the_same_in_another_process():
    """Keys are stored: a process with another string-hash seed must compute
    the same ones (Python's hash() would not)."""
    code = (
        "import django; django.setup(); from search.duplicates import fingerprint_keys; "
        f"print(fingerprint_keys({CAMPAIGN!r}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    output = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == str(duplicates.fingerprint_keys(CAMPAIGN))


def test_similarity_is_jaccard_of_shingles():
    assert duplicates.similarity(CAMPAIGN, CAMPAIGN_VARIANTS[4]) == 1.0
    assert 0.8 < duplicates.similarity(CAMPAIGN, CAMPAIGN_VARIANTS[1]) < 1.0
    assert duplicates.similarity(CAMPAIGN, OWN_WORDS[0]) == 0.0
    assert duplicates.similarity("", CAMPAIGN) == 0.0


# Keys in the database


def test_refresh_replaces_keys_and_skips_deleted(page, citizens):
    comment = post(citizens[0], page, CAMPAIGN)
    other = post(citizens[1], page, OWN_WORDS[0])
    short = post(citizens[2], page, "De acuerdo")
    duplicates.refresh([comment, other, short])
    stored = set(NearDuplicateKey.objects.filter(comment=comment).values_list("key", flat=True))
    assert stored == set(duplicates.fingerprint_keys(CAMPAIGN))
    assert not NearDuplicateKey.objects.filter(comment=short).exists()

    duplicates.refresh([comment])
    assert NearDuplicateKey.objects.filter(comment=comment).count() == len(stored)

    comment_actions.do_delete_comment(citizens[0], comment)
    duplicates.refresh(Comment.objects.filter(pk=comment.pk))
    assert not NearDuplicateKey.objects.filter(comment=comment).exists()
    assert NearDuplicateKey.objects.filter(comment=other).exists()


def test_refresh_runs_a_fixed_number_of_queries(page, citizens, django_assert_max_num_queries):
    comments = campaign(page, citizens) + [
        post(user, page, f"{COMMON_OPENING} {words}")
        for user, words in zip(citizens, OWN_WORDS, strict=False)
    ]
    # The query, a savepoint, the delete, the insert, its release.
    with django_assert_max_num_queries(5):
        duplicates.refresh(Comment.objects.filter(pk__in=[c.pk for c in comments]))
    assert NearDuplicateKey.objects.count() == duplicates.BANDS * len(comments)


def test_rebuild_all_visits_every_comment_in_batches(page, citizens):
    comments = campaign(page, citizens)
    stale = post(citizens[5], page, OWN_WORDS[1])
    duplicates.refresh([stale])
    comment_actions.do_delete_comment(citizens[5], stale)  # its keys are now stale
    seen = []

    visited = duplicates.rebuild_all(2, progress=seen.append)

    assert visited == len(comments) + 1
    assert seen == [2, 2, 2]
    assert NearDuplicateKey.objects.count() == duplicates.BANDS * len(comments)
    assert not NearDuplicateKey.objects.filter(comment=stale).exists()


# Clusters


def test_campaign_by_five_accounts_is_one_cluster(page, citizens, moderator):
    sent = campaign(page, citizens)
    for user, words in zip(citizens[3:], OWN_WORDS, strict=False):
        post(user, page, f"{COMMON_OPENING} {words}")
    refresh_all()

    found = duplicates.clusters(readable_statuses(moderator))

    assert len(found) == 1
    cluster = found[0]
    assert [c.pk for c in cluster.comments] == [c.pk for c in sent]
    assert cluster.accounts == 5
    assert cluster.size == 5
    assert cluster.first == sent[0].created
    assert cluster.last == sent[-1].created


def test_one_account_repeating_itself_is_not_a_campaign(page, citizens, moderator):
    for _ in range(3):
        post(citizens[0], page, CAMPAIGN)
    refresh_all()
    statuses = readable_statuses(moderator)

    assert duplicates.clusters(statuses) == []
    alone = duplicates.clusters(statuses, min_accounts=1)
    assert [(cluster.accounts, cluster.size) for cluster in alone] == [(1, 3)]


def test_shared_common_phrases_do_not_group_comments(page, citizens, moderator):
    comments = [
        post(user, page, f"{COMMON_OPENING} {words}")
        for user, words in zip(citizens, OWN_WORDS, strict=False)
    ]
    refresh_all()

    assert duplicates.clusters(readable_statuses(moderator)) == []
    assert duplicates.similar_to(comments[0], readable_statuses(moderator)) == []


def test_clusters_sorted_by_accounts_then_size(page, citizens, moderator):
    campaign(page, citizens)  # five accounts
    second = OWN_WORDS[0] + " " + OWN_WORDS[1]
    for user in citizens[5:8]:
        post(user, page, second)
    post(citizens[5], page, second)  # three accounts, four comments
    third = OWN_WORDS[2] + " " + OWN_WORDS[3]
    for user in citizens[6:8]:
        post(user, page, third)  # two accounts
    refresh_all()

    found = duplicates.clusters(readable_statuses(moderator))

    assert [(c.accounts, c.size) for c in found] == [(5, 5), (3, 4), (2, 2)]
    assert [
        (c.accounts, c.size) for c in duplicates.clusters(readable_statuses(moderator), limit=2)
    ] == [(5, 5), (3, 4)]
    assert duplicates.clusters(readable_statuses(moderator), min_accounts=4)[0].accounts == 5
    assert len(duplicates.clusters(readable_statuses(moderator), min_accounts=4)) == 1


def test_clusters_within_one_consultation(make_consultation, page, citizens, moderator):
    other_page = make_consultation(questions=["¿Y aquí?"])
    campaign(page, citizens[:3])
    for user in citizens[3:5]:
        post(user, other_page, CAMPAIGN)
    refresh_all()
    statuses = readable_statuses(moderator)

    assert [c.accounts for c in duplicates.clusters(statuses)] == [5]
    here = duplicates.clusters(statuses, consultation=page)
    assert [c.accounts for c in here] == [3]
    assert {c.consultation_id for c in here[0].comments} == {page.pk}
    there = duplicates.clusters(statuses, consultation=other_page.pk)
    assert [c.accounts for c in there] == [2]


def test_hidden_comments_only_in_a_moderators_clusters(make_user, page, citizens, moderator):
    sent = campaign(page, citizens)
    do_decide(moderator, sent[1], action="hide", reason="spam")
    refresh_all()

    assert duplicates.clusters(readable_statuses(moderator))[0].size == 5
    planner = make_user(PLANNER)
    published_only = duplicates.clusters(readable_statuses(planner))
    assert [c.pk for c in published_only[0].comments] == [sent[0].pk, *[c.pk for c in sent[2:]]]
    assert published_only[0].accounts == 4
    assert duplicates.clusters(readable_statuses(citizens[0])) == []


def test_an_edit_moves_a_comment_out_of_its_cluster(page, citizens, moderator):
    sent = campaign(page, citizens)
    refresh_all()
    assert duplicates.clusters(readable_statuses(moderator))[0].size == 5

    edited = comment_actions.do_edit_comment(citizens[2], sent[2], body=OWN_WORDS[3])
    duplicates.refresh([edited])

    cluster = duplicates.clusters(readable_statuses(moderator))[0]
    assert edited.pk not in {c.pk for c in cluster.comments}
    assert (cluster.size, cluster.accounts) == (4, 4)


def test_clusters_load_everything_in_three_queries(
    page, citizens, moderator, django_assert_max_num_queries
):
    campaign(page, citizens)
    for user in citizens[5:8]:
        post(user, page, OWN_WORDS[0] + " " + OWN_WORDS[1])
    for user, words in zip(citizens, OWN_WORDS, strict=False):
        post(user, page, f"{COMMON_OPENING} {words}")
    refresh_all()
    statuses = readable_statuses(moderator)

    # The repeated keys, their comments' ids, the comments.
    with django_assert_max_num_queries(3):
        found = duplicates.clusters(statuses)
        shown = [
            (c.author.display_name, c.consultation.title, c.body)
            for cluster in found
            for c in cluster.comments
        ]
    assert len(found) == 2
    assert len(shown) == 8


# Similar comments


def test_similar_to_ranks_near_copies_first_and_excludes_itself(page, citizens, moderator):
    sent = campaign(page, citizens)
    # The campaign reworded: about half of its 3-shingles are still there.
    reworded = (
        CAMPAIGN.replace("retire inmediatamente", "paralice")
        .replace("aumentará la contaminación", "empeorará el aire")
        .replace("cuarenta millones", "muchos millones")
    )
    loose = post(citizens[5], page, reworded)
    unrelated = post(citizens[6], page, OWN_WORDS[1])
    refresh_all()

    found = duplicates.similar_to(sent[0], readable_statuses(moderator))

    ids = [comment.pk for comment, _ in found]
    assert sent[0].pk not in ids
    assert unrelated.pk not in ids
    assert ids[-1] == loose.pk
    assert set(ids[:-1]) == {c.pk for c in sent[1:]}
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)
    assert scores[-1] < 0.7 <= scores[-2]
    assert all(score >= duplicates.SIMILAR_THRESHOLD for score in scores)
    assert len(duplicates.similar_to(sent[0], readable_statuses(moderator), limit=2)) == 2


def test_similar_to_only_shows_visible_statuses(make_user, page, citizens, moderator):
    sent = campaign(page, citizens)
    do_decide(moderator, sent[1], action="hide", reason="spam")
    refresh_all()

    as_moderator = {c.pk for c, _ in duplicates.similar_to(sent[0], readable_statuses(moderator))}
    planner = make_user(PLANNER)
    as_planner = {c.pk for c, _ in duplicates.similar_to(sent[0], readable_statuses(planner))}
    assert sent[1].pk in as_moderator
    assert as_planner == as_moderator - {sent[1].pk}
    assert duplicates.similar_to(sent[0], readable_statuses(citizens[0])) == []


def test_similar_to_short_comment_is_empty(page, citizens, moderator):
    short = post(citizens[0], page, "De acuerdo")
    post(citizens[1], page, "De acuerdo")
    refresh_all()
    assert duplicates.similar_to(short, readable_statuses(moderator)) == []


def test_similar_to_runs_one_query(page, citizens, moderator, django_assert_max_num_queries):
    sent = campaign(page, citizens)
    refresh_all()
    statuses = readable_statuses(moderator)
    with django_assert_max_num_queries(1):
        found = duplicates.similar_to(sent[0], statuses)
        names = [(c.author.display_name, c.consultation.title) for c, _ in found]
    assert len(names) == 4
