"""The city's six languages: each page in the reader's language, Arabic right to left, the picker naming
each language in itself, subscriptions in any of them, a stylesheet that mirrors."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from civicloop.core.languages import city_language
from civicloop.directory.models import DirectoryEntryText
from civicloop.directory.tests.factories import make_entry
from civicloop.subscriptions.selectors import language_supported

SITE_CSS = Path(__file__).resolve().parents[2] / "static" / "civicloop" / "site.css"


def test_the_city_speaks_six_languages():
    assert [code for code, _name in settings.LANGUAGES] == ["en", "es", "pl", "zh-hans", "hi", "ar"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "html", "skip_link"),
    [
        ("ar", '<html lang="ar" dir="rtl">', "المحتوى الرئيسي"),
        ("pl", '<html lang="pl" dir="ltr">', "Przejdź do treści głównej"),
        ("zh-CN", '<html lang="zh-hans" dir="ltr">', "跳至主要内容"),
        ("hi-IN", '<html lang="hi" dir="ltr">', "मुख्य सामग्री पर जाएँ"),
        ("en-US", '<html lang="en" dir="ltr">', "Skip to main content"),
    ],
)
def test_a_page_comes_in_the_browsers_language_and_arabic_reads_right_to_left(
    client, accept, html, skip_link
):
    page = client.get("/announcements/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()

    assert html in page
    assert skip_link in page


@pytest.mark.django_db
def test_the_picker_names_each_language_in_itself(client):
    page = client.get("/announcements/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()

    options = re.findall(r'<option value="([^"]+)" lang="[^"]+"[^>]*>([^<]+)</option>', page)
    assert options == [
        ("en", "English"),
        ("es", "Español"),
        ("pl", "Polski"),
        ("zh-hans", "简体中文"),
        ("hi", "हिंदी"),
        ("ar", "العربيّة"),
    ]


@pytest.mark.parametrize(
    ("browser", "subscription"),
    [("pl-PL", "pl"), ("zh-CN", "zh-hans"), ("zh-Hans-SG", "zh-hans"), ("zh-TW", "en"), ("zh-Hant", "en"),
     ("ar-EG", "ar"), ("hi", "hi"), ("es-MX", "es"), ("fr-FR", "en"), ("", "en")],
)  # fmt: skip
def test_a_subscription_takes_the_browsers_language_when_the_city_speaks_it(browser, subscription):
    assert language_supported(browser) == subscription


def test_the_stylesheet_uses_logical_properties_so_right_to_left_pages_mirror():
    css = re.sub(r"/\*.*?\*/", "", SITE_CSS.read_text(encoding="utf-8"), flags=re.S)

    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)|(?<![-\w])(?:left|right)\s*:"
        r"|float:\s*(?:left|right)",
        css,
    )
    assert physical == []


@pytest.mark.parametrize(
    ("code", "city"),
    [("zh-hans", "zh-hans"), ("zh-CN", "zh-hans"), ("es-MX", "es"), ("AR", "ar"), ("fr", "en"), (None, "en")],
)
def test_a_language_code_means_one_of_the_citys_languages_never_a_bare_zh(code, city):
    assert city_language(code) == city
    assert city_language("fr", default="") == ""


@pytest.mark.django_db
def test_a_chinese_reader_gets_an_entrys_chinese_text_not_the_english_fallback(client):
    entry = make_entry("library-card")
    DirectoryEntryText.objects.create(
        entry=entry, language="zh-hans", name="办理图书证", summary="借阅图书。"
    )

    page = client.get("/services/library-card/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()

    assert "办理图书证" in page
    assert "Get a library card" not in page
