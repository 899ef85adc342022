import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALES = Path(__file__).resolve().parents[2] / "locale"
# Every catalogue the project ships: Spanish, and Polish, Chinese, Hindi and Arabic (machine-drafted).
CATALOGUES = sorted(path.name for path in LOCALES.iterdir() if (path / "LC_MESSAGES" / "django.po").exists())


def _entries(language: str) -> list[str]:
    return (LOCALES / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8").split("\n\n")[1:]


def test_the_five_catalogues_are_there():
    assert CATALOGUES == ["ar", "es", "hi", "pl", "zh_Hans"]


@pytest.mark.parametrize("language", CATALOGUES)
def test_every_string_is_translated_and_none_is_fuzzy(language):
    untranslated = [
        entry
        for entry in _entries(language)
        if re.search(r'^msgstr(\[\d\])? ""\n?$', entry, re.M)
        and not re.search(r'^msgstr(\[\d\])? ""\n"', entry, re.M)
    ]
    fuzzy = [entry for entry in _entries(language) if "#, fuzzy" in entry]

    assert untranslated == []
    assert fuzzy == []


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext is not installed")
@pytest.mark.parametrize("language", CATALOGUES)
def test_the_compiled_catalogue_matches_the_sources(tmp_path, language):
    source = LOCALES / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(source / "django.po")], check=True)

    assert compiled.read_bytes() == (source / "django.mo").read_bytes(), "run `make messages` and commit"


def test_spanish_is_active_in_the_interface():
    with translation.override("es"):
        assert translation.gettext("Skip to main content") == "Saltar al contenido principal"


@pytest.mark.parametrize(
    ("language", "skip_link"),
    [("pl", "Przejdź"), ("zh-hans", "跳"), ("hi", "सामग्री"), ("ar", "المحتوى")],
)
def test_each_catalogue_is_found_by_its_language_code(language, skip_link):
    with translation.override(language):
        assert skip_link in translation.gettext("Skip to main content")
