"""Polis's vote log (votes.csv): imported in preference to participants-votes.csv, written by export.

The votes.csv files here are written from a real export's participants-votes.csv (15-per-hour-seattle,
tests/data), one row per vote with a time, as Polis writes them; the real logs in
../shared/data/polis/ keep exactly these votes as the latest of each voter on each comment, with the
same sign (+1 agree), which is what the first test relies on.
"""

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError

from civicloop.deliberation.models import ConversationParticipant, Statement, Vote
from civicloop.deliberation.selectors import conversation_matrix
from civicloop.deliberation.services import conversation_join, polis_import, vote_cast
from civicloop.deliberation.tests.test_conversations import (
    DATA,
    SMALL,
    command,
    import_polis,
    nothing_written,
)

HEADER = ["timestamp", "datetime", "comment-id", "voter-id", "vote"]
START_MS = 1_403_054_214_196  # the first vote of the real 15-per-hour-seattle log


def pv_votes(folder: Path) -> list[tuple[str, str, int]]:
    """(voter, comment, vote) for every cell of participants-votes.csv, in file order."""
    with (folder / "participants-votes.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return [
            (row[0], comment, int(cell))
            for row in reader
            for comment, cell in zip(header[6:], row[6:], strict=True)
            if cell.strip()
        ]


def log_row(ms: int, comment: str, voter: str, vote: int) -> list[str]:
    when = datetime.fromtimestamp(ms // 1000, tz=UTC).strftime("%a %b %d %H:%M:%S UTC %Y")
    return [str(ms), when, comment, voter, str(vote)]


def write_log(folder: Path, rows: list[list[str]], header: list[str] = HEADER) -> None:
    with (folder / "votes.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def with_log(tmp_path: Path) -> tuple[Path, list[tuple[str, str, int]]]:
    """The real export plus a votes.csv of its votes, a second apart, sorted by comment as Polis's."""
    folder = tmp_path / SMALL
    shutil.copytree(DATA / SMALL, folder)
    votes = sorted(pv_votes(folder), key=lambda v: (int(v[1]), int(v[0])))
    write_log(folder, [log_row(START_MS + 1000 * i, c, p, v) for i, (p, c, v) in enumerate(votes)])
    return folder, votes


def by_number(conversation) -> dict[tuple[str, str], int]:
    return {
        (p, s): v
        for p, s, v in Vote.objects.filter(conversation=conversation).values_list(
            "participant__external_id", "statement__external_id", "value"
        )
    }


# ------------------------------------------------------------------------------------------- import


@pytest.mark.django_db
def test_the_vote_log_gives_the_same_votes_and_sign_as_the_table_and_each_vote_its_time(with_log):
    folder, votes = with_log

    from_log = import_polis(folder)
    from_table = polis_import(DATA / SMALL)

    a, b = conversation_matrix(from_log), conversation_matrix(from_table)
    assert a.participant_numbers == b.participant_numbers  # the table's order, when it is there
    assert (a.matrix != b.matrix).nnz == 0 and a.matrix.nnz == b.matrix.nnz == len(votes)
    assert by_number(from_log) == by_number(from_table) == {(p, c): v for p, c, v in votes}  # no sign flip
    kept = {
        (p, s): t
        for p, s, t in Vote.objects.filter(conversation=from_log).values_list(
            "participant__external_id", "statement__external_id", "created_at"
        )
    }
    for i, (voter, comment, _vote) in enumerate(votes[:50]):
        assert kept[voter, comment] == datetime.fromtimestamp(START_MS // 1000, tz=UTC) + timedelta(
            milliseconds=START_MS % 1000 + 1000 * i
        )
    # A participant joined with their first vote.
    first = ConversationParticipant.objects.get(conversation=from_log, external_id=votes[0][0])
    assert first.created_at == min(t for (p, _s), t in kept.items() if p == votes[0][0])


@pytest.mark.django_db
def test_the_vote_log_is_preferred_and_a_later_vote_replaces_an_earlier_one(with_log):
    folder, votes = with_log
    voter, comment, value = votes[10]
    changed = 1 if value != 1 else -1
    rows = [log_row(START_MS + 1000 * i, c, p, v) for i, (p, c, v) in enumerate(votes)]
    # Changed mind a day later (the row written before the original, as order in the file is not time).
    rows.insert(0, log_row(START_MS + 86_400_000, comment, voter, changed))
    write_log(folder, rows)

    conversation = import_polis(folder)

    assert by_number(conversation)[voter, comment] == changed
    assert Vote.objects.filter(conversation=conversation).count() == len(votes)


@pytest.mark.django_db
def test_without_participants_votes_csv_the_log_alone_is_enough(with_log):
    folder, votes = with_log
    (folder / "participants-votes.csv").unlink()

    conversation = import_polis(folder)

    assert by_number(conversation) == {(p, c): v for p, c, v in votes}
    numbers = list(conversation.participants.order_by("id").values_list("external_id", flat=True))
    assert numbers == sorted({p for p, _c, _v in votes}, key=int)


@pytest.mark.django_db
def test_a_row_repeated_exactly_counts_once(with_log):
    # vTaiwan's real log has one such row (voter 4585, comment 20, a pass, twice at the same millisecond).
    folder, votes = with_log
    rows = [log_row(START_MS + 1000 * i, c, p, v) for i, (p, c, v) in enumerate(votes)]
    write_log(folder, [*rows, rows[7]])

    conversation = import_polis(folder)

    assert Vote.objects.filter(conversation=conversation).count() == len(votes)


# ----------------------------------------------------------------------------------------- bad input


def _rows(votes):
    return [log_row(START_MS + 1000 * i, c, p, v) for i, (p, c, v) in enumerate(votes)]


LOG_BREAKAGES = {
    "vote column renamed": (
        lambda rows: (rows, ["timestamp", "datetime", "comment-id", "voter-id", "value"]),
        "votes.csv lacks column(s) vote",
    ),
    "vote for an unknown comment": (
        lambda rows: ([*rows, log_row(START_MS, "9999", "0", 1)], HEADER),
        "vote for unknown comment '9999'",
    ),
    "two different votes at the same moment": (
        lambda rows: ([*rows, [*rows[3][:4], str(-int(rows[3][4]) or 1)]], HEADER),
        "duplicated vote of voter",
    ),
    "vote out of range": (
        lambda rows: ([*rows[:5], [*rows[5][:4], "2"], *rows[6:]], HEADER),
        "line 7: a vote is not -1, 0 or 1",
    ),
    "timestamp not a number": (
        lambda rows: ([["yesterday", *rows[0][1:]], *rows[1:]], HEADER),
        "line 2: timestamp or vote is not a whole number",
    ),
    "a short row": (lambda rows: ([*rows[:2], rows[2][:4], *rows[3:]], HEADER), "line 4 has 4 fields"),
    "empty voter": (
        lambda rows: ([*rows[:1], [*rows[1][:3], "", rows[1][4]], *rows[2:]], HEADER),
        "line 3: empty or over-long voter-id",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("breakage", sorted(LOG_BREAKAGES))
def test_a_broken_vote_log_exits_2_naming_the_problem_and_writes_nothing(with_log, breakage):
    folder, votes = with_log
    change, message = LOG_BREAKAGES[breakage]
    rows, header = change(_rows(votes))
    write_log(folder, rows, header)

    with pytest.raises(CommandError) as caught:
        command("import-polis", str(folder))

    assert caught.value.returncode == 2
    assert message in str(caught.value)
    assert nothing_written()


@pytest.mark.django_db
def test_an_empty_vote_log_or_none_at_all_exits_2(with_log):
    folder, _votes = with_log
    (folder / "votes.csv").write_text("", encoding="utf-8")
    with pytest.raises(CommandError, match=r"votes\.csv is empty") as empty:
        command("import-polis", str(folder))
    (folder / "votes.csv").unlink()
    (folder / "participants-votes.csv").unlink()
    with pytest.raises(CommandError, match=r"missing file participants-votes.csv \(or votes.csv\)") as none:
        command("import-polis", str(folder))

    assert empty.value.returncode == none.value.returncode == 2
    assert nothing_written()


@pytest.mark.django_db
def test_a_broken_table_next_to_a_good_log_is_still_refused(with_log):
    folder, _votes = with_log
    with (folder / "participants-votes.csv").open("a", encoding="utf-8") as fh:
        fh.write("0,,0,0,0,0\n")  # a duplicated participant, too few fields

    with pytest.raises(CommandError) as caught:
        command("import-polis", str(folder))

    assert caught.value.returncode == 2 and "participants-votes.csv line" in str(caught.value)
    assert nothing_written()


# ------------------------------------------------------------------------------------------- export


@pytest.mark.django_db
def test_export_writes_the_vote_log_and_it_reads_back_the_same_matrix_and_times(with_log, tmp_path):
    folder, votes = with_log
    original = import_polis(folder)

    out, _err = command("export", str(original.pk), str(tmp_path / "out"))
    copy = import_polis(tmp_path / "out")

    assert "votes.csv" in out
    with (tmp_path / "out" / "votes.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        assert next(reader) == HEADER
        written = list(reader)
    assert len(written) == len(votes)
    a, b = conversation_matrix(original), conversation_matrix(copy)
    assert a.participant_numbers == b.participant_numbers
    assert a.statement_numbers == b.statement_numbers
    assert (a.matrix != b.matrix).nnz == 0 and a.matrix.nnz == b.matrix.nnz
    times = "participant__external_id", "statement__external_id", "value", "created_at"
    assert set(Vote.objects.filter(conversation=original).values_list(*times)) == set(
        Vote.objects.filter(conversation=copy).values_list(*times)
    )
    # The written log on its own reads back the same votes too.
    (tmp_path / "out" / "participants-votes.csv").unlink()
    alone = import_polis(tmp_path / "out")
    assert by_number(alone) == by_number(original)


@pytest.mark.django_db
def test_export_of_residents_votes_round_trips_with_their_numbers_only(tmp_path):
    conversation = polis_import(DATA / SMALL)
    conversation.status = "open"
    conversation.save(update_fields=["status"])
    from civicloop.engage.tests.conftest import make_resident

    resident = make_resident("lena@example.org", name="Lena")
    person = conversation_join(conversation, resident)
    statement = conversation.statements.filter(moderation=Statement.Moderation.ACCEPTED).first()
    assert statement is not None
    moment = datetime(2026, 5, 4, 10, 37, 12, 345_000, tzinfo=UTC)
    vote_cast(person, statement, -1, now=moment)

    command("export", str(conversation.pk), str(tmp_path))
    log = (tmp_path / "votes.csv").read_text(encoding="utf-8")
    copy = import_polis(tmp_path)

    assert "lena" not in log.lower() and "example.org" not in log
    line = f"1777891032345,Mon May 04 10:37:12 UTC 2026,{statement.external_id},{person.external_id},-1"
    assert line in log.splitlines()
    kept = Vote.objects.get(
        conversation=copy,
        participant__external_id=person.external_id,
        statement__external_id=statement.external_id,
    )
    assert kept.value == -1 and kept.created_at == moment
    assert by_number(copy) == by_number(conversation)
    a, b = conversation_matrix(conversation), conversation_matrix(copy)
    assert a.participant_numbers == b.participant_numbers and (a.matrix != b.matrix).nnz == 0
