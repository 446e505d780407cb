"""Near-identical comments: "similar comments" for one comment, and clusters
of the same text posted by different accounts (copy-paste campaigns).

It lives in the database, not in the search index, so that it answers the
same on PostgreSQL and SQLite whichever search backend runs. Each comment's
text becomes a set of word shingles; a MinHash of that set, cut into bands,
gives a few keys (NearDuplicateKey rows). Two comments whose shingle sets
overlap by about half or more probably share a key (and above 0.7 almost
surely), so candidates are found with an indexed equality lookup, and the
exact overlap (Jaccard) is then computed in Python for those few only.

Hashes must be the same in every process and every release that wrote keys
still in the table: blake2b and fixed masks, never Python's hash(). Changing
any constant below changes the keys; run `manage.py search_rebuild` after."""

import hashlib
import re
import struct
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.db import transaction
from django.db.models import Count, Subquery

from comments.models import Comment, CommentStatus
from core.text import fold
from search.models import NearDuplicateKey

# Shorter comments get no keys: "De acuerdo" or "Totalmente en contra" said
# by many people is agreement, not a campaign.
MIN_WORDS = 8
# Below this many words one changed word breaks too many 3-shingles, so such
# texts use 2-shingles. They get 3-shingle keys as well: a 19-word copy of a
# 20-word text must still share keys with it.
SHORT_WORDS = 20
BANDS = 6
ROWS = 3
# P(two comments share a key) = 1 - (1 - J^ROWS)^BANDS for shingle overlap J:
# 0.55 at J=0.5, 0.92 at 0.7, 0.98 at 0.8, 0.15 at 0.3.
SIMILAR_THRESHOLD = 0.5
CLUSTER_THRESHOLD = 0.7
MAX_CANDIDATES = 500
# clusters() looks at the keys shared by the most accounts, and at most this
# many of their comments: a moderator's page stays quick however much repeats.
CLUSTER_KEYS = 500
CLUSTER_COMMENTS = 5000
# Clusters an unplaced comment is compared with, per key, before the key's own seed.
HOMES = 3

# One fixed 64-bit mask per MinHash row (xor with the shingle's hash, then
# the minimum: a cheap family of permutations). Derived, not random, so every
# process and release agrees.
_MASKS = tuple(
    int.from_bytes(hashlib.blake2b(f"puente-minhash-{i}".encode(), digest_size=8).digest())
    for i in range(BANDS * ROWS)
)
_MINHASHERS = tuple(mask.__xor__ for mask in _MASKS)
_WORD = re.compile(r"\w+")
_BAND = struct.Struct(f">BB{ROWS}Q")


def words(body):
    """The text's words, folded as core.text.fold folds them: \\w+ runs."""
    text = body or ""
    if text.isascii():
        return _WORD.findall(text.lower())
    found = []
    # Folded a token at a time: comments reuse their words, and whole-text
    # folding costs more than a cache hit per token.
    for part in text.split():
        found.extend(_folded_words(part))
    return found


@lru_cache(maxsize=50_000)
def _folded_words(token):
    return tuple(_WORD.findall(fold(token)))


def _hash(text):
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())


class Shingles:
    """A text's word shingles, each hashed once to 64 bits (sets of hashes
    are compared instead of sets of strings: collisions are negligible)."""

    __slots__ = ("words", "_hashes")

    def __init__(self, body):
        self.words = words(body)
        self._hashes = {}

    @property
    def has_keys(self):
        return len(self.words) >= MIN_WORDS

    def sizes(self):
        """Shingle sizes this text gets keys for."""
        if not self.has_keys:
            return ()
        return (2, 3) if len(self.words) < SHORT_WORDS else (3,)

    def hashes(self, size):
        if size not in self._hashes:
            found = self.words
            self._hashes[size] = frozenset(
                _hash(" ".join(found[i : i + size])) for i in range(len(found) - size + 1)
            ) or frozenset([_hash(" ".join(found))])
        return self._hashes[size]

    def keys(self):
        keys = []
        for size in self.sizes():
            hashes = self.hashes(size)
            signature = [min(map(xor, hashes)) for xor in _MINHASHERS]
            for band in range(BANDS):
                row = signature[band * ROWS : (band + 1) * ROWS]
                digest = hashlib.blake2b(_BAND.pack(size, band, *row), digest_size=8).digest()
                # Signed: BigIntegerField is a signed 64-bit column everywhere.
                keys.append(int.from_bytes(digest, signed=True))
        return list(dict.fromkeys(keys))

    def similarity(self, other):
        """Jaccard overlap of the two texts' shingles, with 2-shingles when
        either text is short (as its keys are)."""
        if not self.words or not other.words:
            return 0.0
        size = 2 if min(len(self.words), len(other.words)) < SHORT_WORDS else 3
        mine, theirs = self.hashes(size), other.hashes(size)
        return len(mine & theirs) / len(mine | theirs)


def fingerprint_keys(body):
    """The near-duplicate keys of a comment's text; [] for short texts."""
    return Shingles(body).keys()


def similarity(body, other_body):
    return Shingles(body).similarity(Shingles(other_body))


def refresh(comments):
    """Replace these comments' keys (an iterable of comments, or a queryset)
    with keys of their current text. Deleted comments keep none."""
    comments = list(comments)
    if not comments:
        return
    rows = [
        NearDuplicateKey(
            comment_id=comment.pk,
            key=key,
            author_id=comment.author_id,
            consultation_id=comment.consultation_id,
            status=comment.status,
        )
        for comment in comments
        if comment.status != CommentStatus.DELETED
        for key in fingerprint_keys(comment.body)
    ]
    # One transaction: a concurrent clusters() sees the old keys or the new.
    with transaction.atomic():
        NearDuplicateKey.objects.filter(comment_id__in=[c.pk for c in comments]).delete()
        NearDuplicateKey.objects.bulk_create(rows, batch_size=5000)


def rebuild_all(batch_size, progress=None):
    """Keys for every comment, batch by batch (keyset pagination by id).
    Deleted comments are visited too, so keys they still had go. Returns the
    number of comments visited."""
    last, total = 0, 0
    while True:
        batch = list(
            Comment.objects.filter(pk__gt=last)
            .only("pk", "body", "status", "author_id", "consultation_id")
            .order_by("pk")[:batch_size]
        )
        if not batch:
            return total
        refresh(batch)
        total += len(batch)
        last = batch[-1].pk
        if progress:
            progress(len(batch))


def similar_to(comment, visible_statuses, limit=20):
    """Comments whose text overlaps `comment`'s by at least half, most
    similar first: [(comment, similarity)], the comment itself excluded."""
    mine = Shingles(comment.body)
    keys = mine.keys()
    if not keys:
        return []
    # The candidates sharing the most keys are the likeliest near-duplicates;
    # a text copied thousands of times must not load thousands of comments.
    best_ids = (
        NearDuplicateKey.objects.filter(key__in=keys)
        .exclude(comment_id=comment.pk)
        .filter(comment__status__in=list(visible_statuses))
        .values("comment_id")
        .annotate(shared=Count("pk"))
        .order_by("-shared", "-comment_id")
        .values("comment_id")[:MAX_CANDIDATES]
    )
    candidates = Comment.objects.filter(pk__in=Subquery(best_ids)).select_related(
        "author", "consultation"
    )
    scored = []
    for candidate in candidates:
        score = mine.similarity(Shingles(candidate.body))
        if score >= SIMILAR_THRESHOLD:
            scored.append((candidate, score))
    scored.sort(key=lambda pair: (-pair[1], -pair[0].created.timestamp(), -pair[0].pk))
    return scored[:limit]


@dataclass
class Cluster:
    """Near-identical comments (oldest first) and how many accounts posted them."""

    comments: list
    accounts: int

    @property
    def size(self):
        return len(self.comments)

    @property
    def first(self) -> datetime:
        return self.comments[0].created

    @property
    def last(self) -> datetime:
        return self.comments[-1].created


def clusters(visible_statuses, consultation=None, min_accounts=2, limit=50):
    """Groups of near-identical comments (overlap >= 0.7) posted by at least
    `min_accounts` accounts, the most accounts first, then the largest.
    Three queries whatever the number of clusters, and bounded work however
    much text repeats: the CLUSTER_KEYS keys shared by the most accounts, and
    at most CLUSTER_COMMENTS of their comments."""
    if not visible_statuses:
        return []
    scope = NearDuplicateKey.objects.filter(status__in=list(visible_statuses))
    if consultation is not None:
        scope = scope.filter(consultation_id=getattr(consultation, "pk", consultation))
    keys = list(
        scope.values("key")
        .annotate(accounts=Count("author", distinct=True))
        .filter(accounts__gte=min_accounts)
        .order_by("-accounts", "key")
        .values_list("key", flat=True)[:CLUSTER_KEYS]
    )
    if not keys:
        return []
    members, chosen = defaultdict(list), {}
    for key, comment_id in scope.filter(key__in=keys).values_list("key", "comment_id"):
        members[key].append(comment_id)
    for key in keys:
        for comment_id in members[key]:
            if len(chosen) >= CLUSTER_COMMENTS:
                break
            chosen.setdefault(comment_id, None)
    # The database decides what is visible; the copied status may lag a moment.
    loaded = {
        comment.pk: comment
        for comment in Comment.objects.filter(
            pk__in=list(chosen), status__in=list(visible_statuses)
        ).select_related("author", "consultation")
    }
    groups = _grouped(
        [[loaded[pk] for pk in members[key] if pk in loaded] for key in keys], min_accounts
    )
    groups.sort(key=lambda cluster: (-cluster.accounts, -cluster.size, cluster.first))
    return groups[:limit]


def _place(comments, placed, found, similar):
    """One key's comments, oldest first: each unplaced one joins one of the
    first HOMES clusters the key already feeds, or the group of the key's
    oldest unplaced comment (a new cluster), when it is near-identical to
    its first comment."""
    homes = list(dict.fromkeys(placed[c.pk] for c in comments if c.pk in placed))[:HOMES]
    seed, group = None, []
    for comment in comments:
        if comment.pk in placed:
            continue
        home = next((i for i in homes if similar(found[i][0], comment)), None)
        if home is not None:
            found[home].append(comment)
            placed[comment.pk] = home
        elif seed is None:
            seed = comment
        elif similar(seed, comment):
            group.append(comment)
    if group:
        found.append([seed, *group])
        for comment in found[-1]:
            placed[comment.pk] = len(found) - 1


def _grouped(candidates, min_accounts):
    """Each key's comments, most shared key first, split into clusters with a
    bounded number of comparisons per comment and key: an unplaced comment
    joins one of the first HOMES clusters its key already feeds, or the
    group of the key's oldest unplaced comment, when it is near-identical to
    that cluster's or group's first comment. Comments a key shares only by
    chance stay out; a real campaign's copies share several keys, so another
    of its keys gathers them."""
    shingles = {}

    def similar(a, b):
        for comment in (a, b):
            if comment.pk not in shingles:
                shingles[comment.pk] = Shingles(comment.body)
        return shingles[a.pk].similarity(shingles[b.pk]) >= CLUSTER_THRESHOLD

    placed, found = {}, []  # comment id -> index in found; found: lists of comments
    for comments in candidates:
        _place(sorted(comments, key=lambda c: (c.created, c.pk)), placed, found, similar)
    clusters_found = []
    for group in found:
        group.sort(key=lambda c: (c.created, c.pk))
        accounts = len({comment.author_id for comment in group})
        if accounts >= min_accounts:
            clusters_found.append(Cluster(comments=group, accounts=accounts))
    return clusters_found
