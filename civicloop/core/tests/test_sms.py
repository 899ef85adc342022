from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from civicloop.core.sms import (
    _TRIM_TAIL,
    GSM7_BASIC_TABLE,
    GSM7_CHARS,
    GSM7_EXTENSION,
    is_gsm7,
    parse_quiet_hours,
    quiet_hours_end,
    sms_fit,
    sms_mask_number,
    sms_not_before,
    sms_segments,
)

CHICAGO = ZoneInfo("America/Chicago")


# --- segments -------------------------------------------------------------------------------------------


def test_the_basic_table_is_the_full_gsm_03_38_alphabet():
    assert len(GSM7_BASIC_TABLE) == 128
    assert len(set(GSM7_BASIC_TABLE)) == 128
    assert GSM7_BASIC_TABLE[0x1B] == "\x1b"
    assert GSM7_BASIC_TABLE[0x00] == "@" and GSM7_BASIC_TABLE[0x24] == "¤" and GSM7_BASIC_TABLE[0x7F] == "à"


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("^{}\\[~]|€", "GSM-7", 18, 1),
        ("Ça coûte £5 à Zürich", "UCS-2", 20, 1),  # û is not GSM-7
        ("Ça va, £5 à Zürich ÄÖÑÜ§¿¡", "GSM-7", 26, 1),
        ("ç", "UCS-2", 1, 1),  # only the capital Ç is in GSM 03.38
        ("你" * 70, "UCS-2", 70, 1),
        ("你" * 71, "UCS-2", 71, 2),
        ("你" * 134, "UCS-2", 134, 2),
        ("你" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" * 36, "UCS-2", 72, 2),
    ],
)
def test_segments_for_the_standard_cases(text, encoding, units, segments):
    result = sms_segments(text)
    assert (result.encoding, result.units, result.segments) == (encoding, units, segments)


def test_an_extension_pair_is_never_split_across_parts():
    # 306 septets would be 2 parts if counted naively, but the € cannot straddle the 153 boundary.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_segments(text).units == 306
    assert sms_segments(text).segments == 3
    assert sms_segments("a" * 151 + "€" + "a" * 153).segments == 2


def test_a_surrogate_pair_is_never_split_across_parts():
    text = "a" * 66 + "😀" + "a" * 66
    assert sms_segments(text).units == 134
    assert sms_segments(text).segments == 3


def test_one_non_gsm_character_makes_the_whole_message_ucs2():
    text = "a" * 100
    assert sms_segments(text).segments == 1
    assert sms_segments(text + "’").encoding == "UCS-2"
    assert sms_segments(text + "’").segments == 2


# --- fitting --------------------------------------------------------------------------------------------

LINK = "https://updates.chicago.gov/a/42"


def test_a_short_text_is_returned_whole_with_the_link():
    assert sms_fit("Water main repaired.", link=LINK, max_segments=1) == f"Water main repaired. {LINK}"
    assert sms_fit("  Water main repaired.  ", max_segments=1) == "Water main repaired."
    assert sms_fit("", link=LINK, max_segments=1) == LINK


def test_a_long_text_is_trimmed_at_a_word_boundary_keeping_the_link():
    text = "Boil water advisory for Rogers Park and Edgewater until further notice. " * 10
    result = sms_fit(text, link=LINK, max_segments=2)

    assert result.endswith(f"... {LINK}")
    assert sms_segments(result).segments <= 2
    assert sms_segments(result).encoding == "GSM-7"
    body = result.removesuffix(f"... {LINK}")
    assert text.startswith(body)
    assert text[len(body)] in " ." and body[-1] != " "
    # Maximal: one more word would not fit.
    next_space = text.index(" ", len(body) + 1)
    assert sms_segments(text[:next_space] + f"... {LINK}").segments > 2


def test_a_trim_that_removes_the_only_non_gsm_character_stays_gsm7():
    text = "Street sweeping starts Monday on all residential streets. " * 6 + "Ça coûte rien."
    result = sms_fit(text, link=LINK, max_segments=2)

    assert sms_segments(result).encoding == "GSM-7"
    assert "..." in result and "…" not in result


def test_a_trim_of_a_ucs2_text_uses_the_single_character_ellipsis():
    text = "Aviso: el agua no es potable hasta nuevo aviso — hiérvala antes de beberla. " * 5
    result = sms_fit(text, link=LINK, max_segments=2)

    assert result.endswith(f"… {LINK}")
    assert sms_segments(result).encoding == "UCS-2"
    assert sms_segments(result).segments <= 2


def test_if_the_link_alone_does_not_fit_the_link_is_returned():
    long_link = "https://updates.chicago.gov/" + "x" * 200
    assert sms_fit("Anything", link=long_link, max_segments=1) == long_link


def test_a_giant_first_word_is_cut_mid_word_as_a_last_resort():
    result = sms_fit("x" * 500 + " tail", max_segments=1)
    assert result == "x" * 157 + "..."


def test_the_budget_must_be_positive():
    with pytest.raises(ValueError):
        sms_fit("hi", max_segments=0)


def _is_word_boundary_trim(original: str, stem: str) -> bool:
    """stem is original cut right before a whitespace, minus trailing spaces and punctuation."""
    if not stem or not original.startswith(stem):
        return False
    if stem[-1] in _TRIM_TAIL and stem.strip(_TRIM_TAIL):  # punctuation stays only when it is all there is
        return False
    for ch in original[len(stem) :]:
        if ch.isspace():
            return True
        if ch not in _TRIM_TAIL:
            return False
    return False


words = st.text(
    alphabet=st.sampled_from([*"abcdefghijklmnopqrstuvwxyzÄé€[]^0123456789.,:-", "ş", "😀", "你", "’"]),
    min_size=1,
    max_size=25,
)
texts = st.lists(words, max_size=80).map(" ".join)
links = st.sampled_from(
    ["", LINK, "https://chi.gov/€", "https://chi.gov/ñ", "https://x.example/" + "a" * 150]
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(text=texts, link=links, max_segments=st.integers(min_value=1, max_value=4))
@example(text="- ş", link="https://x.example/" + "a" * 150, max_segments=2)  # found by hypothesis
def test_fit_properties(text, link, max_segments):
    result = sms_fit(text, link=link, max_segments=max_segments)
    link_fits = sms_segments(link).segments <= max_segments

    if link:
        assert result.endswith(link)
    if link_fits:
        assert sms_segments(result).segments <= max_segments
    else:
        assert result == link
        return

    body = result.removesuffix(link).rstrip(" ") if link else result
    original = text.strip()
    if body == original:
        return

    def fits(candidate: str) -> bool:
        return sms_segments(candidate).segments <= max_segments

    def joined(stem: str) -> str:
        return f"{stem} {link}" if link else stem

    if body == "":
        # Nothing at all fitted beside the link, not even one character and an ellipsis.
        assert not fits(joined(original[:1] + "…")) and not fits(joined(original[:1] + "..."))
        return
    if body.endswith("…"):
        stem = body[:-1]
        assert not is_gsm7(stem + link)
    else:
        assert body.endswith("...")
        stem = body[:-3]
        assert is_gsm7(stem + link)  # a GSM-7 text is never switched to UCS-2 by the trim
    assert original.startswith(stem)
    if not _is_word_boundary_trim(original, stem):
        # A cut inside the first word happens only when that word cannot fit at all.
        first_word = original.split()[0]
        assert len(stem) < len(first_word)
        assert not fits(joined(first_word + "...")) and not fits(joined(first_word + "…"))


# --- quiet hours ----------------------------------------------------------------------------------------

NIGHT = {"start": time(21, 0), "end": time(8, 0)}


@pytest.fixture(autouse=True)
def _chicago(settings):
    settings.TIME_ZONE = "America/Chicago"


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2025, 1, 10, 22, 30), local(2025, 1, 11, 8, 0)),  # evening: ends tomorrow
        (local(2025, 1, 10, 21, 0), local(2025, 1, 11, 8, 0)),  # start is inside
        (local(2025, 1, 10, 3, 0), local(2025, 1, 10, 8, 0)),  # early morning: ends today
        (local(2025, 1, 10, 0, 0), local(2025, 1, 10, 8, 0)),
        (local(2025, 1, 10, 7, 59), local(2025, 1, 10, 8, 0)),
        (local(2025, 1, 10, 8, 0), None),  # end is outside
        (local(2025, 1, 10, 12, 0), None),
        (local(2025, 1, 10, 20, 59), None),
        (local(2024, 12, 31, 23, 0), local(2025, 1, 1, 8, 0)),  # across a year end
    ],
)
def test_quiet_window_spanning_midnight(now, expected):
    assert quiet_hours_end(now, **NIGHT) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2025, 1, 10, 13, 0), local(2025, 1, 10, 14, 0)),
        (local(2025, 1, 10, 12, 0), local(2025, 1, 10, 14, 0)),
        (local(2025, 1, 10, 14, 0), None),
        (local(2025, 1, 10, 11, 59), None),
        (local(2025, 1, 10, 23, 0), None),
    ],
)
def test_quiet_window_within_one_day(now, expected):
    assert quiet_hours_end(now, start=time(12, 0), end=time(14, 0)) == expected


def test_now_in_utc_is_judged_in_the_city_time_zone():
    now = datetime(2025, 1, 11, 3, 30, tzinfo=UTC)  # 21:30 on Jan 10 in Chicago (UTC-6)
    end = quiet_hours_end(now, **NIGHT)
    assert end == datetime(2025, 1, 11, 14, 0, tzinfo=UTC)
    assert end is not None and end.tzinfo is not None
    assert quiet_hours_end(datetime(2025, 1, 10, 18, 0, tzinfo=UTC), **NIGHT) is None  # noon in Chicago


def test_the_same_instant_is_quiet_in_one_city_and_not_in_another(settings):
    now = datetime(2025, 1, 10, 22, 0, tzinfo=UTC)  # 16:00 Chicago, 23:00 Paris
    assert quiet_hours_end(now, **NIGHT) is None
    settings.TIME_ZONE = "Europe/Paris"
    assert quiet_hours_end(now, **NIGHT) == datetime(2025, 1, 11, 7, 0, tzinfo=UTC)


def test_a_night_that_crosses_the_spring_dst_change_ends_at_local_eight():
    end = quiet_hours_end(local(2025, 3, 8, 22, 0), **NIGHT)
    assert end == datetime(2025, 3, 9, 13, 0, tzinfo=UTC)  # 08:00 CDT (UTC-5)


def test_an_end_time_inside_the_dst_gap_is_a_real_instant():
    end = quiet_hours_end(local(2025, 3, 9, 1, 30), start=time(1, 0), end=time(2, 30))
    assert end == datetime(2025, 3, 9, 8, 30, tzinfo=UTC)


def test_equal_start_and_end_means_no_quiet_hours():
    assert quiet_hours_end(local(2025, 1, 10, 3, 0), start=time(8, 0), end=time(8, 0)) is None


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        quiet_hours_end(datetime(2025, 1, 10, 22, 0), **NIGHT)


def test_parse_quiet_hours():
    assert parse_quiet_hours("21:00-08:00") == (time(21, 0), time(8, 0))
    assert parse_quiet_hours(" 22:30 - 07:15 ") == (time(22, 30), time(7, 15))
    assert parse_quiet_hours("") is None
    for bad in ["21:00", "9pm-8am", "25:00-08:00"]:
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


def test_urgent_alerts_ignore_quiet_hours(settings):
    settings.SMS_QUIET_HOURS = "21:00-08:00"
    night = local(2025, 1, 10, 23, 0)
    assert sms_not_before(night, urgent=False) == local(2025, 1, 11, 8, 0)
    assert sms_not_before(night, urgent=True) is None
    assert sms_not_before(local(2025, 1, 10, 12, 0), urgent=False) is None
    settings.SMS_QUIET_HOURS = ""
    assert sms_not_before(night, urgent=False) is None


def test_mask_number_keeps_only_area_code_and_last_two_digits():
    assert sms_mask_number("+13125550167") == "+1312*****67"
    assert sms_mask_number("+1234") == "*****"


def _segments_by_each_character(text: str) -> tuple[str, int, int]:
    """The reference: every character's width, parts filled one character at a time."""
    gsm7 = all(char in GSM7_CHARS for char in text)
    if gsm7:
        widths, single, part = [2 if char in GSM7_EXTENSION else 1 for char in text], 160, 153
    else:
        widths, single, part = [2 if ord(char) > 0xFFFF else 1 for char in text], 70, 67
    units = sum(widths)
    segments, used = (0 if units == 0 else 1), 0
    if units > single:
        for width in widths:
            if used + width > part:
                segments, used = segments + 1, 0
            used += width
    return ("GSM-7" if gsm7 else "UCS-2"), units, segments


@hypothesis_settings(max_examples=400, deadline=None)
@given(text=texts)
def test_the_segment_count_equals_counting_each_character(text):
    counted = sms_segments(text)
    assert (counted.encoding, counted.units, counted.segments) == _segments_by_each_character(text)
