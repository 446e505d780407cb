"""The generation every rendering kept in the cache carries in its key
(comments/thread_cache.py, summaries/summary_cache.py).

Those keys hold the consultation's cursor, which only ever grows while the
database lives; a restore takes it back, and a kept entry from after the
backup would be read again once the cursor comes back to its value, showing
comments the restore took away. An upgrade may change what a rendering
looks like. `manage.py forget_kept` starts a new generation, so nothing kept
before is read again; `deploy/entrypoint.sh release` runs it after
`migrate`, which is the step of both an upgrade and a restore."""

import uuid

from django.core.cache import cache

KEY = "kept:generation"


def generation():
    return token(KEY)


def forget_all():
    renew(KEY)


def token(key):
    """The token kept under `key`, made the first time it is asked for."""
    found = cache.get(key)
    if found is None:
        cache.add(key, uuid.uuid4().hex, None)
        found = cache.get(key)
    return found


def renew(key):
    """A new token under `key`: keys made with the old one are not read again."""
    cache.set(key, uuid.uuid4().hex, None)
