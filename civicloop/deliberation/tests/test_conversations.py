"""`civicloop conversations`: Polis import / analyze --json / export, and the vote and analysis services."""

import csv
import json
import shutil
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from civicloop.core.errors import DomainError
from civicloop.deliberation import services
from civicloop.deliberation.analysis import analyse, polis_comments_read, polis_export_read
from civicloop.deliberation.models import (
    AnalysisResult,
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)
from civicloop.deliberation.selectors import analysis_latest, conversation_matrix
from civicloop.deliberation.services import conversation_analyse, conversation_join, polis_import, vote_cast

DATA = Path(__file__).parent / "data"
EXPORTS = sorted(p.name for p in DATA.iterdir() if p.is_dir())
SMALL = "15-per-hour-seattle"
CONTRACT_KEYS = {"conversation", "participants", "statements", "seconds", "groups", "consensus"}


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("conversations", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_polis(directory: Path) -> Conversation:
    out, _err = command("import-polis", str(directory))
    return Conversation.objects.get(pk=int(out.splitlines()[-1]))


def file_counts(directory: Path) -> tuple[int, int, int, dict[str, int]]:
    with (directory / "participants-votes.csv").open(newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh)][1:]
    with (directory / "comments.csv").open(newline="", encoding="utf-8") as fh:
        comments = list(csv.DictReader(fh))
    votes = sum(1 for r in rows for cell in r[6:] if cell.strip())
    moderated = {m: sum(1 for c in comments if c["moderated"] == m) for m in ("1", "0", "-1")}
    return len(rows), len(comments), votes, moderated


def nothing_written() -> bool:
    return not any(
        m.objects.exists() for m in (Conversation, ConversationParticipant, Statement, Vote, AnalysisResult)
    )


# ------------------------------------------------------------------------------------------- import


@pytest.mark.django_db
@pytest.mark.parametrize("name", EXPORTS)
def test_import_polis_keeps_every_row_of_the_export(name):
    conversation = import_polis(DATA / name)

    participants, statements, votes, moderated = file_counts(DATA / name)
    assert conversation.participants.count() == participants
    assert conversation.statements.count() == statements
    assert conversation.votes.count() == votes
    assert conversation.source == f"polis:{name}"
    by_state = {
        "1": Statement.Moderation.ACCEPTED,
        "0": Statement.Moderation.HELD,
        "-1": Statement.Moderation.REJECTED,
    }
    for polis, state in by_state.items():
        assert conversation.statements.filter(moderation=state).count() == moderated[polis]
    # The matrix read back from the database is the file's, in the same order.
    matrix, participant_ids, statement_ids, _groups = polis_export_read(DATA / name)
    stored = conversation_matrix(conversation)
    assert stored.participant_numbers == participant_ids
    assert stored.statement_numbers == statement_ids
    assert (stored.matrix != matrix).nnz == 0 and stored.matrix.nnz == matrix.nnz
    # Imported statements keep their full text, even over 140 characters.
    texts = dict(conversation.statements.values_list("external_id", "text"))
    assert all(texts[c.id] == c.text for c in polis_comments_read(DATA / name))


# ------------------------------------------------------------------------------------------ analyze


@pytest.mark.django_db
@pytest.mark.parametrize("name", [SMALL, "scoop-hivemind.biodiversity"])
def test_analyze_json_has_the_contract_shape_and_the_groups_of_the_analysis(name):
    conversation = import_polis(DATA / name)

    out, _err = command("analyze", str(conversation.pk), "--json")

    (line,) = out.splitlines()
    payload = json.loads(line)
    assert set(payload) >= CONTRACT_KEYS
    assert payload["conversation"] == conversation.pk
    assert payload["statements"] == conversation.statements.count()
    assert isinstance(payload["seconds"], float) and payload["seconds"] >= 0
    numbers = {str(n) for n in conversation.statements.values_list("external_id", flat=True)}
    for i, group in enumerate(payload["groups"]):
        assert group["id"] == i
        assert group["participants"] and all(isinstance(p, str) for p in group["participants"])
        for rep in group["representative"]:
            assert set(rep) == {"statement", "direction", "agree", "disagree"}
            assert rep["statement"] in numbers and rep["direction"] in ("agree", "disagree")
            assert 0 <= rep["agree"] <= 1 and 0 <= rep["disagree"] <= 1
    for item in payload["consensus"]:
        assert item["statement"] in numbers and item["direction"] in ("agree", "disagree")

    # The same groups as the analysis run directly on the export.
    matrix, participant_ids, statement_ids, _groups = polis_export_read(DATA / name)
    rejected = [j for j, c in enumerate(polis_comments_read(DATA / name)) if c.moderated == -1]
    direct = analyse(matrix, excluded_statements=rejected)
    assert direct.enough_data
    assert payload["participants"] == direct.participants.size
    expected = [
        [participant_ids[i] for i in direct.participants[direct.groups == g]] for g in range(direct.n_groups)
    ]
    assert [g["participants"] for g in payload["groups"]] == expected
    assert [[r["statement"] for r in g["representative"]] for g in payload["groups"]] == [
        [statement_ids[s.statement] for s in direct.representative[g]] for g in range(direct.n_groups)
    ]
    assert [c["statement"] for c in payload["consensus"]] == [
        statement_ids[c.statement] for c in direct.consensus
    ]
    # Stored, and the same again (deterministic).
    assert AnalysisResult.objects.filter(conversation=conversation).count() == 1
    again, _err = command("analyze", str(conversation.pk), "--json")
    assert json.loads(again)["groups"] == payload["groups"]
    latest = analysis_latest(conversation)
    assert latest is not None and latest.participants == payload["participants"]


@pytest.mark.django_db
def test_analyze_and_export_an_unknown_conversation_exit_2(tmp_path):
    for args in (["analyze", "4040", "--json"], ["export", "4040", str(tmp_path)]):
        with pytest.raises(CommandError, match="no conversation 4040") as caught:
            command(*args)
        assert caught.value.returncode == 2


# ------------------------------------------------------------------------------------------- export


@pytest.mark.django_db
def test_export_then_import_gives_the_same_conversation(tmp_path):
    original = import_polis(DATA / SMALL)
    out, _err = command("analyze", str(original.pk), "--json")
    groups = {p: g["id"] for g in json.loads(out)["groups"] for p in g["participants"]}

    command("export", str(original.pk), str(tmp_path / "out"))
    copy = import_polis(tmp_path / "out")

    a, b = conversation_matrix(original), conversation_matrix(copy)
    assert a.participant_numbers == b.participant_numbers
    assert a.statement_numbers == b.statement_numbers
    assert (a.matrix != b.matrix).nnz == 0 and a.matrix.nnz == b.matrix.nnz
    assert np.array_equal(a.rejected, b.rejected)
    assert list(original.statements.order_by("id").values_list("text", "moderation", "created_at")) == list(
        copy.statements.order_by("id").values_list("text", "moderation", "created_at")
    )
    # group-id is the latest analysis's, blank for people outside the map; counts as Polis writes them.
    with (tmp_path / "out" / "participants-votes.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["participant"]: r["group-id"] for r in rows} == {
        p: str(groups[p]) if p in groups else "" for p in a.participant_numbers
    }
    original_rows = {
        r["participant"]: r for r in csv.DictReader((DATA / SMALL / "participants-votes.csv").open())
    }
    for row in rows:
        assert row["n-votes"] == original_rows[row["participant"]]["n-votes"]
        assert row["n-agree"] == original_rows[row["participant"]]["n-agree"]


@pytest.mark.django_db
def test_export_shows_residents_only_by_their_number(tmp_path):
    conversation = Conversation.objects.create(title="Lakefront bike lanes")
    statement = Statement.objects.create(
        conversation=conversation, external_id="0", text="Protect the lanes", moderation="accepted"
    )
    person = ConversationParticipant.objects.create(conversation=conversation, external_id="0")
    vote_cast(person, statement, 1)

    command("export", str(conversation.pk), str(tmp_path))

    header, row = (tmp_path / "participants-votes.csv").read_text(encoding="utf-8").splitlines()
    assert header == "participant,group-id,n-comments,n-votes,n-agree,n-disagree,0"
    assert row == "0,,0,1,1,0,1"


# ----------------------------------------------------------------------------------------- bad input


def _rewrite(path: Path, change) -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows = change(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def _rename(rows, old, new):
    rows[0] = [new if c == old else c for c in rows[0]]
    return rows


def _unknown_comment(rows):
    rows[0] = [*rows[0], "9999"]
    return [rows[0], *[[*r, "1"] for r in rows[1:]]]


BREAKAGES = {
    "no votes file": ("participants-votes.csv", None, "missing file participants-votes.csv"),
    "no comments file": ("comments.csv", None, "missing file comments.csv"),
    "comment column renamed": (
        "comments.csv",
        lambda rows: _rename(rows, "comment-body", "body"),
        "lacks column(s) comment-body",
    ),
    "votes column renamed": (
        "participants-votes.csv",
        lambda rows: _rename(rows, "group-id", "group"),
        "must start with the columns",
    ),
    "vote for an unknown comment": ("participants-votes.csv", _unknown_comment, "unknown comment(s) 9999"),
    "duplicated participant row": (
        "participants-votes.csv",
        lambda rows: [*rows, rows[5]],
        "duplicated participant",
    ),
    "duplicated comment row": ("comments.csv", lambda rows: [*rows, rows[3]], "duplicated comment-id"),
    "vote out of range": (
        "participants-votes.csv",
        lambda rows: [rows[0], [*rows[1][:6], "7", *rows[1][7:]], *rows[2:]],
        "not -1, 0 or 1",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_a_broken_export_exits_2_naming_the_problem_and_writes_nothing(tmp_path, breakage):
    folder = tmp_path / "export"
    shutil.copytree(DATA / SMALL, folder)
    filename, change, message = BREAKAGES[breakage]
    if change is None:
        (folder / filename).unlink()
    else:
        _rewrite(folder / filename, change)

    with pytest.raises(CommandError) as caught:
        command("import-polis", str(folder))

    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert nothing_written()


@pytest.mark.django_db
def test_a_failure_half_way_through_the_import_writes_nothing(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.polis, "_votes_insert", broken)
    with pytest.raises(RuntimeError):
        polis_import(DATA / SMALL)
    assert nothing_written()


# --------------------------------------------------------------------------------------------- votes


@pytest.mark.django_db
def test_vote_cast_keeps_only_the_latest_and_refuses_rejected_or_closed():
    conversation = polis_import(DATA / SMALL)
    conversation.status = Conversation.Status.OPEN
    conversation.save()
    person = conversation.participants.order_by("id").last()
    assert person is not None
    statement = (
        conversation.statements.filter(moderation="accepted").exclude(votes__participant=person).first()
    )
    assert statement is not None
    before = Vote.objects.count()

    vote_cast(person, statement, 1)
    vote = vote_cast(person, statement, -1)

    assert Vote.objects.count() == before + 1
    assert list(
        Vote.objects.filter(participant=person, statement=statement).values_list("value", flat=True)
    ) == [-1]
    assert vote.value == -1
    rejected = conversation.statements.filter(moderation="rejected").first()
    assert rejected is not None
    with pytest.raises(DomainError, match="removed by moderation"):
        vote_cast(person, rejected, 1)
    with pytest.raises(DomainError, match="agree, disagree or pass"):
        vote_cast(person, statement, 2)
    conversation.status = Conversation.Status.CLOSED
    conversation.save()
    with pytest.raises(DomainError, match="closed"):
        vote_cast(person, statement, 0)
    assert Vote.objects.get(participant=person, statement=statement).value == -1


# -------------------------------------------------------------------------------------- little data


@pytest.mark.django_db
@pytest.mark.parametrize("n_people", [0, 1, 3])
def test_a_conversation_with_few_participants_says_not_enough_data(n_people):
    conversation = Conversation.objects.create(title="Bus lanes on Ashland Avenue")
    statements = [
        Statement.objects.create(conversation=conversation, external_id=str(j), text=t, moderation="accepted")
        for j, t in enumerate(["More bus lanes", "Keep parking", "Faster buses matter most"])
    ]
    for i in range(n_people):
        person = ConversationParticipant.objects.create(conversation=conversation, external_id=str(i))
        for j, statement in enumerate(statements):
            vote_cast(person, statement, 1 if (i + j) % 2 else -1)

    out, _err = command("analyze", str(conversation.pk), "--json")

    payload = json.loads(out)
    assert payload["groups"] == [] and payload["consensus"] == []
    assert payload["participants"] == n_people and payload["statements"] == 3
    assert payload["enough_data"] is False and "not enough data" in payload["reason"]
    human, _err = command("analyze", str(conversation.pk))
    assert "not enough data" in human


@pytest.mark.django_db
def test_everyone_voting_alike_is_not_enough_data():
    conversation = Conversation.objects.create(title="Snow removal on side streets")
    statements = [
        Statement.objects.create(conversation=conversation, external_id=str(j), text=f"Plough street {j}")
        for j in range(8)
    ]
    for i in range(20):
        person = ConversationParticipant.objects.create(conversation=conversation, external_id=str(i))
        for statement in statements:
            vote_cast(person, statement, 1)

    result = conversation_analyse(conversation)

    assert not result.enough_data and result.opinion_map["groups"] == []
    assert "voted alike" in result.opinion_map["reason"]


@pytest.mark.django_db
def test_a_resident_joins_with_the_next_anonymous_number_once():
    from django.utils import timezone

    from civicloop.accounts.models import User
    from civicloop.engage.models import Participant

    conversation = polis_import(DATA / SMALL)
    user = User.objects.create_user(username="resident.rogers.park", password="x")
    resident = Participant.objects.create(user=user, display_name="Rogers Park", created_at=timezone.now())
    highest = max(int(n) for n in conversation.participants.values_list("external_id", flat=True))

    first = conversation_join(conversation, resident)
    again = conversation_join(conversation, resident)

    assert first.pk == again.pk and first.external_id == str(highest + 1)
    assert first.resident_id == resident.pk
