"""Spanish first, English second: every string exists in both."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "site" / "locale"


def catalog_entries(po_path):
    """(msgid, msgstr, fuzzy) for each entry of a .po file, header excluded."""
    import re

    entries = []
    for block in po_path.read_text().split("\n\n"):
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block, re.M)[:1])
        if "msgid" not in block or block.lstrip().startswith('msgid ""\nmsgstr ""\n"'):
            continue
        strings = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        translated = all(first or rest for first, rest in strings)
        entries.append((msgid, translated, "#, fuzzy" in block))
    return entries


@pytest.mark.parametrize("language", ["es", "en"])
def test_catalog_is_complete(language):
    entries = catalog_entries(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert len(entries) > 50
    assert [msgid for msgid, translated, _ in entries if not translated] == []
    assert [msgid for msgid, _, fuzzy in entries if fuzzy] == []


@pytest.mark.parametrize("language", ["es", "en"])
def test_compiled_catalog_is_up_to_date(language, tmp_path):
    if not shutil.which("msgfmt"):
        pytest.skip("GNU gettext is not installed (make test installs it)")
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", fresh, po], check=True)
    committed = (po.with_suffix(".mo")).read_bytes()
    assert fresh.read_bytes() == committed, "run `manage.py compilemessages` and commit the .mo"


def test_every_marked_string_is_in_the_catalog(tmp_path):
    """makemessages, run on a copy of the project, finds nothing untranslated."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext is not installed (make test installs it)")
    skip = shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "media", "__pycache__")
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=skip)
    subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "manage.py",
            "makemessages",
            "-l",
            "es",
            "--no-obsolete",
            "-v0",
            *("--ignore=" + name for name in ("tests", "bench", "tools", "docs")),
        ],
        cwd=copy,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev"},
        check=True,
        timeout=300,
    )
    entries = catalog_entries(copy / "site" / "locale" / "es" / "LC_MESSAGES" / "django.po")
    missing = [msgid for msgid, translated, fuzzy in entries if not translated or fuzzy]
    assert missing == [], "new strings need a Spanish translation"


def test_spanish_by_default_english_under_en(client, home):
    spanish = client.get("/").content.decode()
    english = client.get("/en/").content.decode()
    assert '<html lang="es-mx">' in spanish
    assert "Saltar al contenido principal" in spanish
    assert '<html lang="en">' in english
    assert "Skip to main content" in english


def switch(client, path, language):
    """Submit the switch form as it is rendered on `path`."""
    import re

    html = client.get(path).content.decode()
    next_url = re.search(r'name="next" value="([^"]*)"', html).group(1)
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    return response["Location"]


def test_language_switch_works_without_javascript(client, index):
    assert switch(client, "/", "en") == "/en/"
    assert switch(client, "/en/", "es-mx") == "/"
    assert switch(client, f"/en{index.url}", "es-mx") == index.url
    assert switch(client, index.url, "en") == f"/en{index.url}"
