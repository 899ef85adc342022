import re

import phonenumbers
import pytest
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from civicloop.core.text import (
    contact_details_mask,
    markdown_to_safe_html,
    plain_text,
    readability,
    web_address,
)

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '"><script>alert(document.cookie)</script>',
    "<p onclick=alert(1)>hi</p>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_markdown_rendering_makes_script_inert(payload):
    html = markdown_to_safe_html(f"Hello\n\n{payload}")

    lowered = html.lower()
    assert "<script" not in lowered
    assert "javascript:" not in lowered
    assert "onerror" not in lowered and "onload" not in lowered and "onclick" not in lowered
    assert "<iframe" not in lowered and "<style" not in lowered and "<svg" not in lowered


def test_markdown_keeps_the_formatting_staff_need():
    html = markdown_to_safe_html("**Bold** and [a link](https://chicago.gov)\n\n- one\n- two")

    assert "<strong>Bold</strong>" in html
    assert 'href="https://chicago.gov"' in html
    assert "<li>one</li>" in html


def test_plain_text_strips_markup():
    assert plain_text("**Apply** <b>now</b>") == "Apply now"


def test_readability_grades_plain_english_as_plain():
    simple = readability("The park is open. Come and play. It is free.", "en")
    dense = readability(
        "Notwithstanding the aforementioned jurisdictional considerations, municipal administrative "
        "apparatus necessitates comprehensive intergovernmental coordination mechanisms.",
        "en",
    )

    assert simple.plain
    assert not dense.plain
    assert dense.score > simple.score


def test_readability_scores_spanish_on_its_own_scale():
    simple = readability("El parque está abierto. Venga a jugar. Es gratis.", "es")
    dense = readability(
        "No obstante las consideraciones jurisdiccionales anteriormente mencionadas, la administración "
        "municipal necesita mecanismos intergubernamentales de coordinación extraordinariamente exhaustivos.",
        "es",
    )

    assert simple.score > dense.score
    assert simple.plain and not dense.plain


# Masking contact details -------------------------------------------------------------------------

PHONE_TEXT = st.text(alphabet=st.sampled_from(list("0123456789 +-().x＋３ abc@.")), max_size=24)


def _masked_by_matcher_alone(text: str) -> str:
    """The reference: libphonenumber's matcher on every text, with no digit-count shortcut."""
    matches = [
        match
        for match in phonenumbers.PhoneNumberMatcher(text, "US", leniency=phonenumbers.Leniency.POSSIBLE)
        if not re.fullmatch(r"\d{2}-\d{8}", match.raw_string)  # a 311 request's number
    ]
    for match in reversed(matches):
        text = text[: match.start] + "[phone removed]" + text[match.end :]
    return text


@hypothesis_settings(max_examples=400, deadline=None)
@given(PHONE_TEXT)
def test_the_digit_count_shortcut_never_lets_a_phone_number_through(text):
    assume("@" not in text)  # emails are masked first, by their own rule
    assert contact_details_mask(text) == _masked_by_matcher_alone(text)


def test_an_x_among_digits_counts_as_the_keypad_digit_libphonenumber_reads_it_as():
    # Found by the property above: "xxx" is "999" to the matcher, so "00xxx00" is a possible number.
    assert contact_details_mask("00xxx00") == "[phone removed]"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call 744-5000 today", "call [phone removed] today"),
        ("call +49 22 now", "call [phone removed] now"),
        ("call ＋49 22 now", "call [phone removed] now"),
        ("near the 1800 block since 11/20", "near the 1800 block since 11/20"),
        ("write to ana@example.org", "write to [email removed]"),
        ("your 311 request 26-00000045 is done", "your 311 request 26-00000045 is done"),
        ("text 312-555-0123 about 26-00000045", "text [phone removed] about 26-00000045"),
    ],
)
def test_contact_details_are_masked(text, masked):
    assert contact_details_mask(text) == masked


@pytest.mark.parametrize(
    "url",
    ["https://photos.example.org/hole.jpg", "http://example.org", "HTTPS://EXAMPLE.ORG/A?b=c#d"],
)
def test_web_address_keeps_http_and_https_addresses(url):
    assert web_address(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "file:///etc/passwd",
        "ftp://example.org/a.jpg",
        "https:javascript:alert(1)",  # a web scheme but no host
        "https:///path-only",
        "//example.org/a.jpg",
        "http://[::1",
    ],
)
def test_web_address_refuses_every_other_link(url):
    assert web_address(url) == ""
