"""The summaries' background tasks, by the names the worker runs them under.

refresh_opinion_groups(consultation_id) recomputes a consultation's opinion
groups (summaries.opinions.refresh). It is defined beside the code that
queues it, summaries/opinions.py (as search/indexing.py keeps its tasks), so
that the two modules do not import each other."""

from summaries.opinions import refresh_opinion_groups

__all__ = ["refresh_opinion_groups"]
