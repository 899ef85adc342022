import pytest

from civicloop.core.text import markdown_to_safe_html, plain_text, readability

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
