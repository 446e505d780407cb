"""Filtered words are folded by core.text.fold now (the one folding of the
search analysis, the near-duplicate keys and the word filter): fold the
stored ones again so that what was listed keeps matching."""

from django.db import migrations


def refold(apps, schema_editor):
    from core.text import fold

    FilteredWord = apps.get_model("moderation", "FilteredWord")
    for word in FilteredWord.objects.all():
        normalized = fold(word.word).strip()
        if normalized != word.normalized:
            clash = FilteredWord.objects.filter(
                language=word.language, normalized=normalized
            ).exclude(pk=word.pk)
            if clash.exists():
                # Two listings now fold to one word: one is enough.
                word.delete()
            else:
                word.normalized = normalized
                word.save(update_fields=["normalized"])


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0005_notices_move_to_notifications"),
    ]

    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]
