"""The comment gate (comments/hooks.py) through which posting follows the
thread and the consultation for its author (and e-mails them its receipt
if they asked for one), and a comment everyone can see reaches the people
who follow its thread."""

from comments.hooks import CommentGate
from notifications import activity, follows, receipts


class Follows(CommentGate):
    def posted(self, comment, held, now):
        follows.auto_follow(comment, now)
        receipts.email_if_chosen(comment, now)
        if not held:
            activity.comment_published(comment, now)
