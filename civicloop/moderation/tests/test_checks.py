"""The civility check with the real model (no mocks): it loads once per test module."""

import numpy as np
import pytest

from civicloop.moderation.checks import (
    REASON_PERSONAL_DATA,
    REASON_THREAT,
    REASON_UNCIVIL,
    CivilityVerdict,
    EmbeddingCivilityCheck,
    civility_check,
    has_personal_data,
    text_chunks,
    text_embed,
)
from civicloop.moderation.evaluate import HELDOUT_SET, evaluate, read_labelled
from civicloop.moderation.examples import CIVIL, THREATS, UNCIVIL


@pytest.fixture(scope="module")
def check():
    return civility_check()


def test_the_configured_check_is_the_embedding_one_and_built_once(check):
    assert isinstance(check, EmbeddingCivilityCheck)
    assert civility_check() is check


def test_a_dotted_path_setting_swaps_the_implementation(settings):
    settings.MODERATION_CHECK = "civicloop.moderation.tests.test_checks.HoldEverything"
    assert civility_check().check_many(["hello"]) == [
        CivilityVerdict(held=True, reasons=["uncivil"], score=1.0)
    ]


class HoldEverything:
    def check_many(self, texts):
        return [CivilityVerdict(held=True, reasons=["uncivil"], score=1.0) for _text in texts]


def test_uncivil_posts_are_held_in_english_and_spanish(check):
    texts = ["You absolute moron, nobody wants your stupid opinion.", "Cállate ya, imbécil, das vergüenza."]
    for verdict in check.check_many(texts):
        assert verdict.held and REASON_UNCIVIL in verdict.reasons and verdict.score >= 0.5


def test_civil_posts_and_harsh_criticism_are_not_held(check):
    texts = [
        "Thanks for the new bike lane on Halsted!",
        "This budget is a disaster for renters and the council should reject it.",
        "¿A qué hora abre el centro de vacunación el sábado?",
        "El plan de tráfico es un error y perjudica a los comercios.",
    ]
    for text, verdict in zip(texts, check.check_many(texts), strict=True):
        assert not verdict.held, (text, verdict)
        assert verdict.score < 0.5


def test_veiled_threats_are_held_as_urgent_threats(check):
    texts = [
        "Nice house you have, it'd be a shame if something happened to it.",
        "Sé dónde vives, ten cuidado.",
    ]
    for verdict in check.check_many(texts):
        assert verdict.held and REASON_THREAT in verdict.reasons and verdict.urgent


@pytest.mark.parametrize(
    "text",
    [
        "Call me on (773) 555-0199 to carpool.",
        "Mándame un correo a ana.lopez@example.com",
        "She lives at 1520 N Damen Ave, go knock on her door.",
        "Vivo en la calle Fullerton 2210, piso 3.",
    ],
)
def test_personal_data_is_held(check, text):
    [verdict] = check.check_many([text])
    assert verdict.held and REASON_PERSONAL_DATA in verdict.reasons


@pytest.mark.parametrize(
    "text",
    [
        "The pothole in front of 2400 N Lincoln Ave is getting bigger.",
        "The plan costs 1.250.000 dólares y afecta a 2700000 residentes.",
        "Meeting on 05/14/2025 at 6:30 pm, room 201.",
    ],
)
def test_street_locations_dates_and_amounts_are_not_personal_data(text):
    assert not has_personal_data(text)


def test_empty_text_is_not_held_and_order_is_kept(check):
    verdicts = check.check_many(["", "you are an idiot", "   ", "thanks for the new park"])
    assert [verdict.held for verdict in verdicts] == [False, True, False, False]
    assert verdicts[0] == CivilityVerdict(held=False, reasons=[], score=0.0)


def test_one_insult_in_a_long_civil_post_is_still_held(check):
    civil_paragraph = (
        "The new bus schedule has helped my commute and I appreciate the extra evening service. " * 30
    )
    [verdict] = check.check_many([civil_paragraph + " And the planner who wrote it is a worthless idiot."])
    assert verdict.held and REASON_UNCIVIL in verdict.reasons
    [long_civil] = check.check_many([civil_paragraph])
    assert not long_civil.held
    assert all(len(chunk) <= 200 for chunk in text_chunks(civil_paragraph + "x" * 1000))


def test_the_examples_themselves_are_classified_as_labelled(check):
    verdicts = check.check_many([*CIVIL, *UNCIVIL, *THREATS])
    civil, uncivil = verdicts[: len(CIVIL)], verdicts[len(CIVIL) :]
    assert not any(REASON_UNCIVIL in verdict.reasons or verdict.urgent for verdict in civil)
    assert all(verdict.held for verdict in uncivil)


def test_text_embed_is_normalised_and_multilingual():
    vectors = text_embed(
        ["The library opens at nine.", "La biblioteca abre a las nueve.", "I hate potholes."]
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert text_embed([]).shape == (0, 384)


def test_heldout_figures_stay_above_floors(check):
    # Measured: recall 1.0 uncivil, 0.95 threat, 1.0 personal data, 1.7% civil false positives (140 posts).
    report = evaluate(check, read_labelled(HELDOUT_SET))
    assert report["recall_uncivil"] >= 0.9
    assert report["recall_threat"] >= 0.85
    assert report["recall_personal_data"] >= 0.9
    assert report["civil_false_positive_rate"] <= 0.08
    assert report["threat_false_alarm_rate"] <= 0.05
    assert report["posts_per_second"] > 0 and report["p99_ms"] > 0


def test_fixed_texts_are_embedded_once_and_kept_for_the_next_process(settings, tmp_path, monkeypatch):
    from civicloop.moderation import checks

    settings.VAR_DIR = tmp_path
    embedded: list[str] = []
    real_embed = checks.text_embed

    def counting_embed(texts):
        embedded.extend(texts)
        return real_embed(texts)

    monkeypatch.setattr(checks, "text_embed", counting_embed)
    groups = (["The park is lovely", "Thanks for fixing it"], ["You are an idiot"])

    first = checks.texts_embedded_cached(*groups)
    assert embedded == [*groups[0], *groups[1]]
    again = checks.texts_embedded_cached(*groups)  # as a new worker would: from the file
    assert embedded == [*groups[0], *groups[1]]
    assert all((a == b).all() for a, b in zip(first, again, strict=True))
    assert [a.shape for a in again] == [(2, 384), (1, 384)]

    checks.texts_embedded_cached(["Other texts"])  # other texts: their own entry, embedded
    assert embedded[-1] == "Other texts"


def test_an_unreadable_cache_file_is_embedded_afresh(settings, tmp_path):
    from civicloop.moderation import checks

    settings.VAR_DIR = tmp_path
    (first,) = checks.texts_embedded_cached(["Potholes on Halsted"])
    for path in (tmp_path / "cache").iterdir():
        path.write_bytes(b"not an npz file")
    (again,) = checks.texts_embedded_cached(["Potholes on Halsted"])
    assert (first == again).all()
