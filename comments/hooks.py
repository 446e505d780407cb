"""Where the apps above comments plug into its writes.

Comments sit below moderation and search (DESIGN.md: dependencies run one
way), yet a new comment may have to wait for a moderator and every change
must reach the search index. So comments owns two extension points, named
in settings as lists of import strings, the way Django names password
validators and authentication backends:

- PUENTE_COMMENT_GATES: classes with the methods of `CommentGate`, asked by
  the comment actions inside their transaction. moderation.holds.Holds is
  the site's (holds by policy and word lists, edits sent for review, the
  queue item of a withdrawn comment); notifications.hooks.Follows follows
  the thread for its author and tells its followers.
- PUENTE_COMMENT_CHANGE_LISTENERS: callables taking comment ids, told inside
  the writer's transaction that those comments' stored data changed (text,
  status, reactions, replies, flags, themes). search.indexing.schedule is
  the site's: it marks them for the index and sends them once it commits.

tests/comments/test_hooks.py checks that every settings module wires both."""

from django.conf import settings
from django.utils.module_loading import import_string


class CommentGate:
    """What a gate may answer or be told; the defaults do nothing."""

    def hold_new(self, comment, now):
        """(reason, detail) when `comment`, about to be saved, must wait for
        a moderator before anyone else sees it; else None."""
        return None

    def held(self, comment, hold, now):
        """`comment` was saved as held because this gate answered `hold`."""

    def posted(self, comment, held, now):
        """`comment` was saved, `held` or visible to everyone (its id and
        thread are set)."""

    def edited(self, comment, now):
        """Its author changed the text of a published `comment`. True when
        this gate sent the edit to the moderators for review (the comment
        stays shown until they decide), so that its author is told."""
        return False

    def withdrawn(self, comment):
        """Its author deleted `comment` (a held one is deleted right after)."""

    def withdrawn_all(self, comments):
        """Their author deleted all of `comments` at once (deleting their
        account); gates that can should answer in bulk."""
        for comment in comments:
            self.withdrawn(comment)


def gates():
    return [import_string(path)() for path in settings.PUENTE_COMMENT_GATES]


def changed(*comment_ids):
    """Tell every listener that these comments changed."""
    for path in settings.PUENTE_COMMENT_CHANGE_LISTENERS:
        import_string(path)(*comment_ids)
