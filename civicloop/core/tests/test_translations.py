import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "es" / "LC_MESSAGES"


def _entries() -> list[str]:
    return (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n")[1:]


def test_every_spanish_string_is_translated_and_none_is_fuzzy():
    untranslated = [
        entry
        for entry in _entries()
        if re.search(r'^msgstr(\[\d\])? ""\n?$', entry, re.M)
        and not re.search(r'^msgstr(\[\d\])? ""\n"', entry, re.M)
    ]
    fuzzy = [entry for entry in _entries() if "#, fuzzy" in entry]

    assert untranslated == []
    assert fuzzy == []


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="gettext is not installed")
def test_the_compiled_catalogue_matches_the_sources(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(LOCALE / "django.po")], check=True)

    assert compiled.read_bytes() == (LOCALE / "django.mo").read_bytes(), "run `make messages` and commit"


def test_spanish_is_active_in_the_interface():
    with translation.override("es"):
        assert translation.gettext("Skip to main content") == "Saltar al contenido principal"
