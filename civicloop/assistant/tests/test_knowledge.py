"""The FAQ knowledge base: import and save (services), search and reply (selectors), the command, the page.

The real embedder runs (as in the moderation tests); the keyword fallback is tested with it made to fail.
"""

import difflib
import json
import re
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from civicloop.assistant import selectors
from civicloop.assistant.faq import (
    EMBEDDING_DTYPE,
    FUZZY_CUTOFF,
    STOP_WORDS,
    KeywordIndex,
    external_id_decode,
    external_id_encode,
    language_guess,
    word_stem,
)
from civicloop.assistant.models import FaqEntry
from civicloop.assistant.selectors import (
    ANSWER_CONFIDENCE,
    MENU_CONFIDENCE,
    faq_entry_reply,
    faq_menu_pick,
    faq_reply,
    faq_search,
)
from civicloop.assistant.services.knowledge import (
    DEMO_FAQ_FILE,
    FaqInvalid,
    faq_entry_delete,
    faq_entry_save,
    faq_import,
)
from civicloop.core.sms import sms_segments
from civicloop.moderation import checks

DEMO = {entry["id"]: entry for entry in json.loads(DEMO_FAQ_FILE.read_text(encoding="utf-8"))}
# A small knowledge base from the demo city's, in both languages (without topics: none are loaded here).
SMALL = [
    "garbage-day",
    "missed-garbage",
    "recycling-schedule",
    "pothole",
    "dog-license",
    "flu-shot",
    "no-heat",
    "towed-car",
]


def demo_entries(slugs, languages=("en", "es")):
    return [
        {key: value for key, value in DEMO[f"{slug}-{language}"].items() if key != "topic"}
        for language in languages
        for slug in slugs
    ]


@pytest.fixture(autouse=True)
def _fresh_index(settings):
    settings.SITE_URL = "https://city.example.org"
    selectors.faq_index_forget()
    yield
    selectors.faq_index_forget()


@pytest.fixture
def small_faq(db):
    return faq_import(demo_entries(SMALL))


@pytest.fixture
def no_embedder(monkeypatch):
    def unavailable(texts):
        raise OSError("no model on this machine")

    monkeypatch.setattr(checks, "text_embed", unavailable)


def stored_vector(external_id):
    raw = FaqEntry.objects.get(external_id=external_id).embedding
    return np.frombuffer(bytes(raw or b""), dtype=EMBEDDING_DTYPE)


# ------------------------------------------------------------------------------------------------ import


@pytest.mark.django_db
def test_an_import_creates_entries_with_their_embedding_and_english_by_default():
    result = faq_import(
        [
            {"id": "a", "q": "When is garbage day?", "a": "Weekly."},
            {"id": 2, "q": "¿Bache?", "a": "Llame al 311.", "lang": "es"},
        ]
    )

    assert (result.created, result.updated, result.unchanged, result.not_embedded) == (2, 0, 0, 0)
    first, second = FaqEntry.objects.get(external_id="a"), FaqEntry.objects.get(external_id="2")
    assert (first.language, second.language) == ("en", "es")
    vector = stored_vector("a")
    assert vector.shape == (384,) and abs(float(np.linalg.norm(vector.astype(np.float32))) - 1) < 0.01


@pytest.mark.django_db
def test_all_new_and_changed_entries_are_embedded_in_one_call(monkeypatch):
    calls: list[list[str]] = []
    real = checks.text_embed

    def counted(texts):
        calls.append(list(texts))
        return real(texts)

    monkeypatch.setattr(checks, "text_embed", counted)

    faq_import(demo_entries(["garbage-day", "pothole", "flu-shot"], languages=("en",)))

    assert len(calls) == 1 and len(calls[0]) == 3
    # The question and its answer are embedded together.
    assert calls[0][0].startswith(DEMO["garbage-day-en"]["q"]) and DEMO["garbage-day-en"]["a"] in calls[0][0]


@pytest.mark.django_db
def test_reimporting_updates_entries_by_id_and_leaves_unchanged_ones_alone(small_faq):
    before = FaqEntry.objects.get(external_id="pothole-en")
    changed = demo_entries(SMALL)
    for entry in changed:
        if entry["id"] == "pothole-en":
            entry["a"] = "Report potholes to 311. Crews fill most within a week."

    result = faq_import([*changed, {"id": "new-one", "q": "Is City Hall open on Saturday?", "a": "No."}])

    assert (result.created, result.updated, result.unchanged) == (1, 1, len(changed) - 1)
    after = FaqEntry.objects.get(external_id="pothole-en")
    assert after.pk == before.pk and after.answer.startswith("Report potholes to 311. Crews")
    assert after.updated_at > before.updated_at and after.embedding != before.embedding
    assert FaqEntry.objects.count() == len(changed) + 1


@pytest.mark.django_db
def test_bad_entries_are_all_reported_by_index_and_nothing_is_written(small_faq):
    count, pothole = FaqEntry.objects.count(), FaqEntry.objects.get(external_id="pothole-en").answer
    entries = [
        {"id": "pothole-en", "q": "Pothole?", "a": "A changed answer that must not be saved."},
        {"id": "x1", "a": "No question."},
        {"id": "x2", "q": "No answer?", "a": "   "},
        {"id": "x3", "q": "Bonjour?", "a": "Oui.", "lang": "fr"},
        {"q": "No id?", "a": "None."},
        {"id": True, "q": "A boolean id?", "a": "No."},
        {"id": "x1", "q": "Twice?", "a": "Yes."},
        {"id": "x4", "question": "Typo in a field name?", "q": "Q", "a": "A"},
        "not an object",
    ]

    with pytest.raises(FaqInvalid) as raised:
        faq_import(entries)

    assert sorted({problem.index for problem in raised.value.problems}) == [1, 2, 3, 4, 5, 6, 7, 8]
    messages = {problem.index: problem.message for problem in raised.value.problems}
    assert '"q"' in messages[1] and '"a"' in messages[2] and '"lang"' in messages[3] and "fr" in messages[3]
    assert "entry 1" in messages[6] and "question" in messages[7]
    assert FaqEntry.objects.count() == count
    assert FaqEntry.objects.get(external_id="pothole-en").answer == pothole


@pytest.mark.django_db
def test_without_the_embedder_entries_are_saved_and_counted_as_not_embedded(no_embedder):
    result = faq_import(demo_entries(["pothole"]))

    assert (result.created, result.not_embedded) == (2, 2)
    assert FaqEntry.objects.filter(embedding__isnull=True).count() == 2


@pytest.mark.django_db
def test_saving_one_entry_recomputes_its_embedding_and_refreshes_the_search(small_faq):
    entry = FaqEntry.objects.get(external_id="dog-license-en")
    before = stored_vector("dog-license-en")

    faq_entry_save(
        entry=entry,
        external_id="dog-license-en",
        question="Where can I get my cat vaccinated against rabies?",
        answer="Free rabies shots for cats are given at the city's animal care center.",
        language="en",
    )

    assert not np.array_equal(stored_vector("dog-license-en"), before)
    assert faq_search("rabies shot for my cat", language="en")[0].external_id == "dog-license-en"


@pytest.mark.django_db
def test_saving_refuses_an_unknown_language_and_an_id_another_entry_has(small_faq):
    entry = FaqEntry.objects.get(external_id="flu-shot-en")

    with pytest.raises(FaqInvalid, match="lang"):
        faq_entry_save(external_id="z", question="Q?", answer="A.", language="de")
    with pytest.raises(FaqInvalid, match="already has the id"):
        faq_entry_save(entry=entry, external_id="pothole-en", question="Q?", answer="A.")

    assert FaqEntry.objects.get(pk=entry.pk).external_id == "flu-shot-en"


@pytest.mark.django_db
def test_a_deleted_entry_is_no_longer_offered(small_faq):
    faq_search("pothole", language="en")
    faq_entry_delete(entry=FaqEntry.objects.get(external_id="pothole-en"))

    assert "pothole-en" not in [match.external_id for match in faq_search("pothole", language="en")]


@given(st.one_of(st.integers(), st.text(min_size=1, max_size=60).filter(str.strip)))
def test_an_imported_id_reads_back_as_the_same_json_value(value):
    assert external_id_decode(external_id_encode(value)) == value
    assert type(external_id_decode(external_id_encode(value))) is type(value)


def test_ids_of_other_json_types_are_refused():
    values: list[object] = [True, None, 1.5, [], ""]
    for value in values:
        with pytest.raises(ValueError):
            external_id_encode(value)


# ------------------------------------------------------------------------------------------------ search


@pytest.mark.django_db
def test_search_ranks_the_right_entry_first_with_a_confidence_between_0_and_1(small_faq):
    matches = faq_search("there is a big pot hole on my street", language="en")

    assert matches[0].external_id == "pothole-en"
    assert all(0.0 <= match.confidence <= 1.0 for match in matches)
    assert matches[0].confidence > matches[1].confidence


@pytest.mark.django_db
def test_search_prefers_the_conversations_language_but_finds_answers_across_languages(small_faq):
    assert faq_search("my car was towed", language="es")[0].external_id == "towed-car-es"
    assert faq_search("se llevaron mi carro con la grúa", language="en")[0].external_id == "towed-car-en"
    # The Spanish entry only exists in Spanish: a question in English finds it.
    FaqEntry.objects.filter(external_id="no-heat-en").delete()
    assert faq_search("my landlord won't turn the heat on", language="en")[0].external_id == "no-heat-es"


@pytest.mark.django_db
def test_keywords_find_entries_when_the_embedder_is_unavailable(small_faq, no_embedder):
    assert faq_search("potholle on my street", language="en")[0].external_id == "pothole-en"
    assert faq_search("no hay calefaccion en mi depto", language="es")[0].external_id == "no-heat-es"
    assert faq_search("dog licence", language="en")[0].external_id == "dog-license-en"
    reply = faq_reply("when is garbage pick up day", language="en", budget_segments=3)
    assert reply.kind in ("answer", "menu") and "garbage-day-en" in [
        reply.entry and reply.entry.external_id,
        *reply.menu_ids,
    ]


@pytest.mark.django_db
def test_entries_saved_without_the_embedder_are_embedded_in_memory_when_it_is_back(db, monkeypatch):
    def unavailable(texts):
        raise OSError("no model")

    real = checks.text_embed
    monkeypatch.setattr(checks, "text_embed", unavailable)
    faq_import(demo_entries(SMALL, languages=("en",)))
    monkeypatch.setattr(checks, "text_embed", real)

    assert faq_search("when will they empty my trash cart", language="en")[0].external_id == "garbage-day-en"
    assert FaqEntry.objects.filter(embedding__isnull=True).count() == len(SMALL)  # a read writes nothing


@pytest.mark.django_db
def test_a_search_costs_one_query_however_many_entries(small_faq, django_assert_num_queries, monkeypatch):
    # check the entries on every search
    monkeypatch.setattr("civicloop.assistant.selectors.faq_index.FAQ_INDEX_RECHECK_SECONDS", 0.0)
    faq_search("warm up", language="en")  # loads the index (and the model)
    with django_assert_num_queries(1):
        faq_search("pothole", language="en")
    faq_import([{"id": f"extra-{n}", "q": f"Question {n}?", "a": f"Answer {n}."} for n in range(20)])
    with django_assert_num_queries(2):  # the entries changed: the index is read again, once
        faq_search("pothole", language="en")
    with django_assert_num_queries(1):
        faq_search("dog license", language="en")


def test_searches_close_together_check_the_entries_once_and_see_a_change_made_here_at_once(
    small_faq, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr("civicloop.assistant.selectors.faq_index.FAQ_INDEX_RECHECK_SECONDS", 3600.0)
    faq_search("warm up", language="en")
    with django_assert_num_queries(0):
        faq_search("pothole", language="en")
        faq_search("dog license", language="en")
    faq_import([{"id": "pothole-extra", "q": "Where do I report a pothole on an expressway?", "a": "IDOT."}])
    with django_assert_num_queries(2):  # this process changed the entries: read at once
        faq_search("pothole expressway", language="en")


def test_the_keyword_index_folds_accents_and_tolerates_misspellings():
    index = KeywordIndex.build(
        [("¿Cuándo recogen la basura?", "Una vez por semana."), ("Recycling?", "Blue cart.")]
    )

    assert index.scores("cuando recojen la basura")[0] > 0.5
    assert index.scores("recyling")[1] > 0.5 and index.scores("recyling")[0] == 0
    assert index.scores("bitcoin price").max() == 0


_FUZZY_INDEX = KeywordIndex.build(
    [
        ("When is my recycling picked up?", "Blue carts are emptied every other week."),
        ("How do I get a parking permit sticker?", "Residential parking permits are sold online."),
        ("Report a mattress dumped in the alley", "Request a bulk pickup; a ticket number follows."),
        ("¿Dónde está la biblioteca más cercana?", "Busque su biblioteca en el mapa."),
    ]
)


@given(st.text(alphabet="abcdeilmnoprstuyk", min_size=4, max_size=12))
def test_a_misspelt_word_finds_the_word_difflib_alone_would_find(word):
    """The shortlist only saves time: the closest word is difflib's over every word the entries use."""
    if word_stem(word) in _FUZZY_INDEX.postings:
        return
    close = difflib.get_close_matches(word, _FUZZY_INDEX.words, n=1, cutoff=FUZZY_CUTOFF)
    expected = (
        (_FUZZY_INDEX.words[close[0]], difflib.SequenceMatcher(None, word, close[0]).ratio())
        if close
        else None
    )
    _FUZZY_INDEX.fuzzy_memo.clear()
    assert _FUZZY_INDEX._stem_of(word) == expected


@pytest.mark.parametrize(
    ("word", "found"), [("recyling", "recyc"), ("matress", "mattr"), ("stiker", "stick")]
)
def test_common_misspellings_find_their_word(word, found):
    stem = _FUZZY_INDEX._stem_of(word)
    assert stem is not None and stem[0] == found


def test_the_language_of_a_message_is_guessed_from_its_words():
    assert language_guess("cuando pasa la basura") == "es"
    assert language_guess("when is trash day") == "en"
    assert language_guess("311") is None


# ------------------------------------------------------------------------------------------------ replies


@pytest.mark.django_db
def test_a_confident_match_is_answered_with_a_link_to_the_whole_entry(small_faq):
    reply = faq_reply("my dog needs a license, how do I get one", language="en", budget_segments=3)

    assert reply.kind == "answer" and reply.answer_id == "dog-license-en"
    assert reply.confidence >= ANSWER_CONFIDENCE
    assert reply.text.endswith(" https://city.example.org/assistant/faq/dog-license-en/")
    assert reply.text.startswith(DEMO["dog-license-en"]["a"][:40])


@pytest.mark.django_db
def test_a_less_confident_match_offers_a_numbered_menu_that_a_number_answers(small_faq):
    reply = faq_reply("my garbage", language="en", budget_segments=3)

    assert reply.kind == "menu" and reply.answer_id is None
    assert reply.confidence >= MENU_CONFIDENCE
    assert 2 <= len(reply.menu_ids) <= 3 and "garbage-day-en" in reply.menu_ids
    lines = reply.text.splitlines()
    assert lines[1].startswith("1 ") and lines[-1] in ("Reply 1, 2 or 3.", "Reply 1 or 2.")
    assert all(FaqEntry.objects.get(external_id=id_).language == "en" for id_ in reply.menu_ids)
    chosen = faq_menu_pick(reply.menu_ids, "2")
    assert chosen == faq_entry_reply(external_id=reply.menu_ids[1], budget_segments=3).text
    assert faq_menu_pick(reply.menu_ids, "7") is None and faq_menu_pick(reply.menu_ids, "²") is None


@pytest.mark.django_db
def test_the_menu_is_in_the_conversations_language(small_faq):
    reply = faq_reply("recogida", language="es", budget_segments=3)

    assert reply.kind == "menu"
    assert all(id_.endswith("-es") for id_ in reply.menu_ids)
    assert reply.text.splitlines()[-1] in (
        "Responda 1, 2 o 3.",
        "Responda 1 o 2.",
        "Reply 1, 2 or 3.",
        "Reply 1 or 2.",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["what's the weather tomorrow", "hola", "best pizza place?"])
def test_no_match_hands_the_resident_over_to_311(small_faq, text):
    reply = faq_reply(text, language="en", budget_segments=3)

    assert reply.kind == "none" and reply.answer_id is None and reply.menu_ids == []
    assert (
        reply.text
        == "I don't have an answer to that. Call 311 or visit https://city.example.org/requests/new/"
    )


@pytest.mark.django_db
def test_an_empty_knowledge_base_hands_over_to_311(db):
    assert faq_reply("pothole", language="en", budget_segments=1).kind == "none"


@pytest.mark.django_db
@pytest.mark.parametrize("budget", [1, 2, 3])
def test_every_reply_fits_the_sms_budget(small_faq, budget):
    long_answer = "Pay online, by mail or in person. " * 30
    faq_entry_save(external_id="water-bill", question="How do I pay my water bill?", answer=long_answer)
    texts = ["how do i pay my water bill", "¿Cómo pago la factura del agua?", "garbage", "basura", "hola"]

    for text in texts:
        for language in ("en", "es"):
            reply = faq_reply(text, language=language, budget_segments=budget)
            assert sms_segments(reply.text).segments <= budget, (text, language, reply)
    answer = faq_reply("how do i pay my water bill", language="en", budget_segments=budget)
    assert (
        answer.kind == "answer"
        and answer.text.endswith("/assistant/faq/water-bill/")
        and "..." in answer.text
    )


# ------------------------------------------------------------------------------------------------ command


@pytest.mark.django_db
def test_import_faq_prints_what_it_created_and_updated(tmp_path):
    path = tmp_path / "faq.json"
    path.write_text(json.dumps(demo_entries(["pothole", "flu-shot"])), encoding="utf-8")
    out = StringIO()

    call_command("assistant", "import-faq", str(path), stdout=out)
    call_command("assistant", "import-faq", str(path), stdout=out)

    first, second = out.getvalue().splitlines()
    assert "4 created, 0 updated" in first and "0 created, 0 updated, 4 unchanged" in second


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"id": 1, "q": "Q?", "a": "A."}, {"id": 2, "q": "Q2?"}]', 'entry 1: "a"'),
        ('[{"id": 1, "q": "Q?", "a": "A.", "lang": "xx"}]', 'entry 0: "lang"'),
        ('{"id": 1, "q": "Q?", "a": "A."}', "JSON list"),
        ('[{"id": 1, "q": "Q?",', "not valid JSON"),
    ],
)
def test_import_faq_refuses_bad_input_clearly_and_writes_nothing(tmp_path, content, message):
    path = tmp_path / "faq.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("assistant", "import-faq", str(path), stdout=StringIO())

    assert FaqEntry.objects.count() == 0


@pytest.mark.django_db
def test_ask_prints_one_json_object_with_the_id_as_imported(tmp_path):
    entries = [
        {"id": 41, "q": "How do I report a pothole?", "a": DEMO["pothole-en"]["a"]},
        {"id": "41", "q": "¿Cómo reporto un bache?", "a": DEMO["pothole-es"]["a"], "lang": "es"},
        {"id": "dogs", "q": "Does my dog need a license?", "a": DEMO["dog-license-en"]["a"]},
        {"id": "heat", "q": "My landlord won't turn on the heat.", "a": DEMO["no-heat-en"]["a"]},
    ]
    path = tmp_path / "faq.json"
    path.write_text(json.dumps(entries), encoding="utf-8")
    call_command("assistant", "import-faq", str(path), stdout=StringIO())

    answers = {}
    for text, extra in [
        ("big pothole on my street, who do i call", []),
        ("¿cómo reporto un bache en mi calle?", ["--lang", "es"]),
        ("what is the weather tomorrow", []),
    ]:
        out = StringIO()
        call_command("assistant", "ask", text, *extra, stdout=out)
        (line,) = out.getvalue().splitlines()
        answers[text] = json.loads(line)

    assert set(answers["big pothole on my street, who do i call"]) == {"answer_id", "confidence", "reply"}
    assert answers["big pothole on my street, who do i call"]["answer_id"] == 41
    assert answers["¿cómo reporto un bache en mi calle?"]["answer_id"] == "41"
    assert answers["¿cómo reporto un bache en mi calle?"]["reply"].endswith("/assistant/faq/%2241%22/")
    nothing = answers["what is the weather tomorrow"]
    assert nothing["answer_id"] is None and 0 <= nothing["confidence"] <= 1 and "311" in nothing["reply"]


# ------------------------------------------------------------------------------------------------ page


@pytest.mark.django_db
def test_the_faq_page_shows_one_entry_with_its_text_escaped(client: Client):
    faq_entry_save(
        external_id="tags",
        question="Is <b>this</b> bold?",
        answer="No: <script>alert(1)</script> is shown as text.\n\nSecond paragraph.",
    )

    response = client.get("/assistant/faq/tags/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "Is &lt;b&gt;this&lt;/b&gt; bold?" in body and "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<p>Second paragraph.</p>" in body
    assert client.get("/assistant/faq/missing/").status_code == 404


@pytest.mark.django_db
def test_the_faq_page_of_an_int_id_and_of_a_quoted_string_id(client: Client):
    faq_import(
        [
            {"id": 7, "q": "Seven?", "a": "An int id."},
            {"id": "7", "q": "Siete?", "a": "A string id.", "lang": "es"},
        ]
    )

    assert "An int id." in client.get("/assistant/faq/7/").content.decode()
    assert "A string id." in client.get('/assistant/faq/"7"/').content.decode()


# ------------------------------------------------------------------------------------------------ admin


@pytest.mark.django_db
def test_staff_edit_an_entry_in_the_admin_and_its_embedding_is_recomputed(client: Client, small_faq):
    from civicloop.accounts.models import Role
    from civicloop.accounts.services import staff_user_ensure

    admin_user = staff_user_ensure(
        username="root", email="root@example.org", role=Role.ADMIN, password="x" * 12, full_name="Ro Ot"
    )
    client.force_login(admin_user)
    entry = FaqEntry.objects.get(external_id="flu-shot-en")
    before, vector = entry.updated_at, stored_vector("flu-shot-en")
    assert client.get("/staff/admin/assistant/faqentry/?language__exact=es&q=gripe").status_code == 200

    response = client.post(
        f"/staff/admin/assistant/faqentry/{entry.pk}/change/",
        {
            "external_id": "flu-shot-en",
            "language": "en",
            "question": "Where can I get a free COVID or flu shot?",
            "answer": "City clinics give free flu and COVID shots every fall. Call 311 for places and hours.",
            "topic": "",
            "service": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry.refresh_from_db()
    assert entry.question == "Where can I get a free COVID or flu shot?" and entry.updated_at > before
    assert not np.array_equal(stored_vector("flu-shot-en"), vector)
    assert faq_search("covid shot", language="en")[0].external_id == "flu-shot-en"


# ------------------------------------------------------------------------------------------------ demo data


def test_the_demo_faq_has_every_entry_in_english_and_spanish_with_no_invented_numbers_or_links():
    english = {id_.removesuffix("-en") for id_, entry in DEMO.items() if entry.get("lang", "en") == "en"}
    spanish = {id_.removesuffix("-es") for id_, entry in DEMO.items() if entry.get("lang") == "es"}

    assert len(english) >= 40 and english == spanish
    for entry in DEMO.values():
        text = f"{entry['q']} {entry['a']}"
        # The only numbers of three digits or more: 311, 911, and facts (107 and 500 miles, homes before 1986).
        assert set(re.findall(r"\d{3,}", text)) <= {"311", "911", "107", "500", "1986"}, text
        assert not re.search(r"\d{3}[-. )]+\d{3}", text), text
        assert not re.search(r"https?:|www\.|\.(gov|org|com)\b", text), text


@pytest.mark.django_db
def test_the_faq_page_links_its_topic_and_311_service(client: Client):
    from civicloop.servicerequests.models import Service
    from civicloop.topics.services import topics_ensure

    topics_ensure()
    Service.objects.create(code="POT-1", name="Pothole in Street Complaint", department="CDOT")
    faq_import(
        [{"id": 1, "q": "Pothole?", "a": "Report it.", "topic": "streets-transportation", "service": "POT-1"}]
    )

    body = client.get("/assistant/faq/1/").content.decode()

    assert (
        'href="/requests/new/POT-1/"' in body
        and 'href="/announcements/?topic=streets-transportation"' in body
    )


@pytest.mark.parametrize(
    ("text", "essence"),
    [
        ("Hi, when is garbage day?? thanks", "when is garbage day"),
        ("hola buenas, cuando pasa la basura? gracias", "cuando pasa la basura"),
        ("quick question: how do i pay the water bill online thx", "how do i pay the water bill online"),
        ("¿Cuándo recogen la basura?", "cuándo recogen la basura"),
        ("thanks", "thanks"),  # nothing but a greeting: kept as it is
        ("Is the beach open", "is the beach open"),
    ],
)
def test_a_question_is_embedded_without_its_greetings_and_thanks(text, essence):
    assert selectors.question_essence(text) == essence


@pytest.mark.parametrize(
    "essence",
    [
        "my neighbors car has been parked on the street for two weeks without moving what can i do",
        "puedo poner botellas de vidrio en el bote azul o tengo que llevarlas a otro lado",
        "can the city trim the tree in front of my house",
    ],
)
def test_a_long_question_is_embedded_within_the_token_limit_losing_filler_words_first(essence):
    limit = 14
    assert checks.text_tokens(essence) > limit
    embedded = selectors.question_embedded_words(essence, max_tokens=limit)
    assert checks.text_tokens(embedded) <= limit
    kept = embedded.split(" ")
    # The words kept are the question's, in order; the first meaningful words are among them.
    words = iter(essence.split(" "))
    assert all(word in words for word in kept)
    words = essence.split(" ")
    meaningful = [word for word in words if word not in STOP_WORDS]
    assert meaningful[:2] == [word for word in kept if word not in STOP_WORDS][:2]


def test_a_short_question_is_embedded_whole_and_two_words_always_stay():
    assert selectors.question_embedded_words("when is garbage day") == "when is garbage day"
    assert selectors.question_embedded_words("supercalifragilistic expialidocious", max_tokens=1) == (
        "supercalifragilistic expialidocious"
    )
