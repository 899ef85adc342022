from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from civicloop.integrations.social.text import (
    ELLIPSIS,
    bluesky_length,
    grapheme_count,
    mastodon_length,
    social_post_text,
)

LINK = "https://www.chicago.gov/announcements/free-trees-for-every-block/"


def squash(text: str) -> str:
    return " ".join(text.split())


def test_grapheme_count_counts_what_a_reader_sees() -> None:
    assert grapheme_count("🌳") == 1
    assert grapheme_count("e\u0301") == 1  # e + combining acute
    assert grapheme_count("👩\u200d👩\u200d👧") == 1  # a family joined with ZWJ
    assert grapheme_count("🇲🇽") == 1
    assert grapheme_count("Árboles gratis 🌳") == 16


def test_mastodon_counts_a_link_to_a_domain_as_23_whatever_its_length() -> None:
    long_link = "https://www.chicago.gov/" + "a" * 200
    assert mastodon_length(long_link) == 23
    assert mastodon_length(f"Apply now: {long_link}") == len("Apply now: ") + 23
    assert mastodon_length("https://x.gov/") == 23


def test_mastodon_counts_punctuation_after_a_link_as_text() -> None:
    assert mastodon_length("See https://www.chicago.gov/trees.") == len("See ") + 23 + 1


def test_mastodon_counts_links_it_would_not_shorten_at_full_length_but_at_least_23() -> None:
    local = "http://127.0.0.1:8000/announcements/free-trees-for-every-block/"
    assert mastodon_length(local) == len(local)
    assert mastodon_length("http://1.2.3.4/") == 23
    assert mastodon_length("http://localhost/x") == 23


def test_mastodon_does_not_shorten_a_link_glued_to_a_word() -> None:
    glued = "seehttps://www.chicago.gov/" + "a" * 50
    assert mastodon_length(glued) == len(glued)


def test_bluesky_counts_graphemes_and_keeps_under_3000_bytes() -> None:
    assert bluesky_length("Árboles gratis 🌳") == 16
    # 100 graphemes of 41 bytes each: 4100 bytes is over Bluesky's 3000-byte cap.
    heavy = ("a" + "\u0301" * 20) * 100
    assert grapheme_count(heavy) == 100
    assert bluesky_length(heavy) == 410


def test_everything_fits_title_summary_then_link() -> None:
    text = social_post_text(
        title="Free trees", summary="Ask for a tree  for your\nblock.", link=LINK, limit=500, count=len
    )
    assert text == f"Free trees\n\nAsk for a tree for your block.\n\n{LINK}"


def test_a_long_summary_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    summary = "Ask for a tree for your block, and we will plant it this spring."
    limit = len(f"Free trees\n\nAsk for a tree for your block…\n\n{LINK}")
    text = social_post_text(title="Free trees", summary=summary, link=LINK, limit=limit, count=len)
    assert text == f"Free trees\n\nAsk for a tree for your block{ELLIPSIS}\n\n{LINK}"


def test_a_summary_with_no_word_that_fits_is_left_out() -> None:
    limit = len(f"Free trees\n\n{LINK}") + 3
    text = social_post_text(title="Free trees", summary="Ask for a tree.", link=LINK, limit=limit, count=len)
    assert text == f"Free trees\n\n{LINK}"


def test_a_title_too_long_for_the_link_is_cut_and_the_summary_dropped() -> None:
    limit = len(f"Free trees for…\n\n{LINK}")
    text = social_post_text(
        title="Free trees for every block", summary="Ask now.", link=LINK, limit=limit, count=len
    )
    assert text == f"Free trees for{ELLIPSIS}\n\n{LINK}"


def test_a_single_long_word_title_is_cut_mid_word_rather_than_lost() -> None:
    limit = len(f"Supercal…\n\n{LINK}")
    text = social_post_text(title="Supercalifragilistic", summary="", link=LINK, limit=limit, count=len)
    assert text == f"Supercal{ELLIPSIS}\n\n{LINK}"


def test_the_link_is_never_cut() -> None:
    with pytest.raises(ValueError):
        social_post_text(title="Free trees", summary="", link=LINK, limit=len(LINK) - 1, count=len)
    assert social_post_text(title="Free trees", summary="", link=LINK, limit=len(LINK), count=len) == LINK


def test_without_a_title_the_summary_leads() -> None:
    text = social_post_text(title="  ", summary="Ask for a tree.", link=LINK, limit=500, count=len)
    assert text == f"Ask for a tree.\n\n{LINK}"


def test_mastodon_counting_lets_a_long_link_leave_room_for_the_summary() -> None:
    long_link = "https://www.chicago.gov/announcements/" + "x" * 300 + "/"
    summary = "word " * 80
    text = social_post_text(
        title="Free trees", summary=summary, link=long_link, limit=500, count=mastodon_length
    )
    assert text == f"Free trees\n\n{squash(summary)}\n\n{long_link}"
    assert len(text) > 500 >= mastodon_length(text)


LINKS = st.sampled_from(
    [
        LINK,
        "https://www.chicago.gov/announcements/arboles-gratis/",
        "http://127.0.0.1:8000/announcements/a/",
        "https://example.org/" + "ñ" * 40,
    ]
)
COUNTERS = st.sampled_from([len, grapheme_count, mastodon_length, bluesky_length])
WORDS = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    | st.sampled_from(" 🌳\u0301\u200d"),
    max_size=400,
)


@given(
    title=WORDS, summary=WORDS, link=LINKS, limit=st.integers(min_value=100, max_value=600), count=COUNTERS
)
@example(title="Árboles gratis 🌳 " * 30, summary="🌳" * 400, link=LINK, limit=300, count=bluesky_length)
@example(title="Free trees", summary="a" * 1000, link=LINK, limit=500, count=mastodon_length)
def test_the_post_always_fits_and_ends_with_the_whole_link(
    title: str, summary: str, link: str, limit: int, count: Callable[[str], int]
) -> None:
    text = social_post_text(title=title, summary=summary, link=link, limit=limit, count=count)
    assert text.endswith(link)
    assert count(text) <= limit


@given(
    title=WORDS, summary=WORDS, link=LINKS, limit=st.integers(min_value=100, max_value=600), count=COUNTERS
)
def test_the_post_is_whole_when_it_fits_and_otherwise_starts_with_the_title(
    title: str, summary: str, link: str, limit: int, count: Callable[[str], int]
) -> None:
    text = social_post_text(title=title, summary=summary, link=link, limit=limit, count=count)
    lead, rest = squash(title), squash(summary)
    if not lead:
        lead, rest = rest, ""
    whole = "\n\n".join(part for part in (lead, rest, link) if part)
    if count(whole) <= limit:
        assert text == whole
    elif text != link:
        head = text.split("\n\n", 1)[0]
        assert head == lead or (head.endswith(ELLIPSIS) and lead.startswith(head[: -len(ELLIPSIS)]))
