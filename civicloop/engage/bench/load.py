"""A city's worth of ideas and comments for `civicloop bench forums`, loaded in a few statements.

The load is set-based: participants, ideas, comments, supports and status changes are each one
`INSERT … SELECT` over a generated series (a recursive CTE on SQLite, `generate_series` on
PostgreSQL), never a Python loop over rows. One public space holds QUESTIONS open questions; the
first, the "big" question, gets 2 ideas in 5, the others share the rest. Every idea and comment
is published, so the pages show them all.

Comments: 40 % go to the "hot" ideas (one idea in 100, all on the big question), each to the
smaller of two pseudo-random picks, so hot ideas have from none to twice their mean (up to about
830 at the default volume); the other 60 % go to any idea, again the smaller of two picks (a
handful each: median 6 at the default volume, about 1 idea in 10 with none). Within an idea every
third comment (rank 2, 5, 8, …) replies to one of the two comments just before it, both
top-level: two levels, as the app allows. Comments are spread in time between their idea and now.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from civicloop.core.bulkload import (
    SQL_DIALECTS,
    Columns,
    insert_select,
    sequences_past_loaded_rows,
    sql_case,
    tables_settle,
)
from civicloop.delivery.fanout import _table
from civicloop.engage.bench.sample_text import (
    BIG_QUESTION,
    COMMENT_BODIES,
    DEPARTMENT,
    FIRST_NAMES,
    IDEA_BODIES,
    IDEA_TITLES,
    INITIALS,
    OTHER_QUESTIONS,
    STATUS_REASON,
)
from civicloop.engage.models import (
    Comment,
    Idea,
    IdeaStatusChange,
    ModerationState,
    Participant,
    Question,
    Space,
    Support,
)
from civicloop.engage.services import QuestionInput, question_create, space_create
from civicloop.places.models import CommunityArea
from civicloop.places.services import community_areas_load
from civicloop.subscriptions.models import ContactPoint, Subscriber
from civicloop.topics.models import Topic
from civicloop.topics.services import topics_ensure

QUESTIONS = 20
BIG_QUESTION_SLOTS = 2  # of every 5 ideas
HOT_EVERY = 100  # one idea in 100 is "hot"
HOT_SHARE = 4  # of every 10 comments
IDEAS_PER_PARTICIPANT = 5
SUPPORTS_MAX = 8
SPAN = timedelta(days=365)  # ideas over the last year
AREA_SLOTS = 80  # idea n % 80 picks one of the 77 areas, or none for the last 3 slots


@dataclass(frozen=True)
class LoadedForums:
    space_slug: str
    big_question_slug: str
    questions: int
    participants: int
    ideas: int
    big_question_ideas: int
    comments: int
    replies: int
    supports: int
    status_changes: int
    most_comments: int
    seconds: float


# Odd multipliers (Knuth's and xxHash's primes): a different one per use keeps the picks independent.
MULTIPLIERS = [2654435761, 2246822519, 3266489917, 668265263, 374761393, 1597334677, 3812015801, 2869860233]


def _below(expression: str, salt: int, limit: int) -> str:
    """A pseudo-random integer 0 … limit - 1 from an integer expression, the same on both databases.

    Multiplicative hashing modulo 2^32, scaled to the range by its high bits (the low ones are weak).
    """
    multiplier = MULTIPLIERS[salt % len(MULTIPLIERS)]
    return f"(((({expression}) * {multiplier} + {salt}) %% 4294967296) * {int(limit)} / 4294967296)"


def _pick(expression: str, values: Sequence[int]) -> str:
    """A CASE giving the integer values[expression], NULL when the expression is past the end."""
    branches = " ".join(f"WHEN {index} THEN {int(value)}" for index, value in enumerate(values))
    return f"CASE ({expression}) {branches} END"


def _first_id(model: type[Any]) -> int:
    return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


def _space_and_questions(now: Any) -> tuple[Space, list[Question]]:
    """The public space and its open questions, through the services (a handful of rows)."""
    number = Space.objects.filter(slug__startswith="city-forums").count()
    space = space_create(
        title="City forums",
        slug=f"city-forums-{number + 1}" if number else "city-forums",
        description="Questions the city asks every resident.",
        visibility=Space.Visibility.PUBLIC,
        actor=None,
        now=now - SPAN - timedelta(days=1),
    )
    topics = list(Topic.objects.order_by("position"))
    questions = []
    for index, text in enumerate([BIG_QUESTION, *OTHER_QUESTIONS][:QUESTIONS]):
        data = QuestionInput(
            text=text,
            opens_at=now - SPAN - timedelta(days=1),
            closes_at=now + timedelta(days=60),
            department=DEPARTMENT,
            description="Tell us what you think: post an idea, support others, discuss.",
            topic=topics[index % len(topics)] if topics else None,
        )
        questions.append(question_create(space=space, data=data, actor=None, now=now - SPAN))
    return space, questions


def forums_generate(*, ideas: int, comments: int) -> LoadedForums:
    """Load one public space with QUESTIONS questions, `ideas` ideas and `comments` comments, set-based."""
    if ideas < 1 or comments < 0:
        raise ValueError("ideas must be at least 1 and comments not negative")
    started = time.perf_counter()
    topics_ensure()
    community_areas_load()
    sql = SQL_DIALECTS[connection.vendor]
    least = sql["least"]
    moment = timezone.now()
    now = int(moment.timestamp())
    span = int(SPAN.total_seconds())
    participants = max(100, ideas // IDEAS_PER_PARTICIPANT)
    hot_ideas = max(1, ideas // HOT_EVERY)
    area_ids = list(CommunityArea.objects.order_by("id").values_list("id", flat=True))[:AREA_SLOTS]

    def at(seconds: str) -> str:
        return sql["moment"].format(seconds=seconds)

    def series(count: int, name: str = "seq") -> str:
        return sql["series"].format(count=int(count)).replace("seq", name)

    def idea_time(number: str) -> str:
        """When idea number `number` (0-based) was posted: evenly over the last SPAN."""
        return f"({now - span} + ({number}) * {span} / {int(ideas)})"

    with transaction.atomic():
        space, questions = _space_and_questions(moment)
        question_ids = [question.pk for question in questions]
        subscriber_0, point_0, participant_0 = (
            _first_id(Subscriber),
            _first_id(ContactPoint),
            _first_id(Participant),
        )
        idea_0, comment_0 = _first_id(Idea), _first_id(Comment)

        # Participants: each a confirmed email address (a pending subscriber, as sign-in makes one).
        # Only table names from model metadata and int() values are interpolated: no user input.
        people = f"WITH RECURSIVE {series(participants)}"
        from_people = "FROM seq"
        insert_select(
            Subscriber,
            [
                ("id", f"{subscriber_0 - 1} + n", []),
                ("created_at", at(str(now - span - 86400)), []),
                ("updated_at", at(str(now - span - 86400)), []),
            ],
            from_people,
            [],
            with_clause=people,
        )
        insert_select(
            ContactPoint,
            [
                ("id", f"{point_0 - 1} + n", []),
                ("subscriber_id", f"{subscriber_0 - 1} + n", []),
                ("kind", "'email'", []),
                ("value", f"'forums-' || ({point_0 - 1} + n) || '@bench.example.org'", []),
                ("confirmed_at", at(str(now - span)), []),
                ("created_at", at(str(now - span - 86400)), []),
                ("updated_at", at(str(now - span)), []),
            ],
            from_people,
            [],
            with_clause=people,
        )
        insert_select(
            Participant,
            [
                ("id", f"{participant_0 - 1} + n", []),
                ("contact_point_id", f"{point_0 - 1} + n", []),
                (
                    "display_name",
                    f"{sql_case('n', FIRST_NAMES)} || ' ' || {sql_case('n / 10', INITIALS)}",
                    [],
                ),
                ("language", sql_case("n", ["en", "en", "es"]), []),
                ("confirmed_at", at(str(now - span)), []),
                ("created_at", at(str(now - span - 86400)), []),
            ],
            from_people,
            [],
            with_clause=people,
        )

        # Comments first (the foreign keys are checked at commit), so each idea is written once, with
        # its count. They are numbered by idea then by rank within the idea: a reply's parent is the
        # comment 1 or 2 before it.
        hot = f"{HOT_EVERY} * {least}({_below('n', 2, hot_ideas)}, {_below('n', 3, hot_ideas)})"
        anywhere = f"{least}({_below('n', 4, ideas)}, {_below('n', 5, ideas)})"
        spread = (
            f"WITH RECURSIVE {series(comments)}, "  # noqa: S608
            f"assigned AS (SELECT n, CASE WHEN {_below('n', 6, 10)} < {HOT_SHARE} THEN {hot} "
            f"ELSE {anywhere} END AS no FROM seq), "
            "ranked AS (SELECT n, no, ROW_NUMBER() OVER (ORDER BY no, n) AS pos, "
            "ROW_NUMBER() OVER (PARTITION BY no ORDER BY n) - 1 AS r, "
            "COUNT(*) OVER (PARTITION BY no) AS total FROM assigned)"
        )
        posted = idea_time("c.no")
        comment_columns: Columns = [
            ("id", f"{comment_0 - 1} + c.pos", []),
            ("idea_id", f"{idea_0} + c.no", []),
            ("parent_id", f"CASE WHEN c.r %% 3 = 2 THEN {comment_0 - 2} + c.pos - c.n %% 2 END", []),
            ("author_id", f"{participant_0} + {_below('c.n', 7, participants)}", []),
            ("body", sql_case(_below("c.n", 8, 1000), COMMENT_BODIES), []),
            ("created_at", at(f"{posted} + ({now} - {posted}) * (c.r + 1) / (c.total + 1)"), []),
            ("moderation_state", "%s", [ModerationState.PUBLISHED.value]),
            ("civility_score", "0.02", []),
        ]
        loaded_comments = 0
        if comments:
            loaded_comments = insert_select(
                Comment, comment_columns, "FROM ranked AS c", [], with_clause=spread
            )
        # Ideas: number i (0-based) is on the big question when i % 5 < 2, else on question 1 + i % 19.
        others = len(question_ids) - 1
        question_of = (
            f"CASE WHEN i.no %% 5 < {BIG_QUESTION_SLOTS} THEN {question_ids[0]} "
            f"ELSE {_pick(f'i.no %% {others}', question_ids[1:])} END"
            if others
            else str(question_ids[0])
        )
        status = (
            "CASE i.no %% 50 WHEN 1 THEN 'accepted' WHEN 2 THEN 'in_progress' WHEN 3 THEN 'implemented' "
            "WHEN 4 THEN 'not_planned' ELSE 'under_consideration' END"
        )
        n = int(ideas)
        idea_columns: Columns = [
            ("id", f"{idea_0} + i.no", []),
            ("question_id", question_of, []),
            ("author_id", f"{participant_0} + {_below('i.no', 1, participants)}", []),
            ("title", sql_case("i.no", IDEA_TITLES), []),
            ("body", sql_case(f"i.no * 7 + {len(IDEA_TITLES) // 2}", IDEA_BODIES), []),
            ("community_area_id", _pick(f"i.no %% {AREA_SLOTS}", area_ids), []),
            ("status", status, []),
            ("status_reason", "CASE WHEN i.no %% 50 = 4 THEN %s ELSE '' END", [STATUS_REASON]),
            ("is_staff_pick", "(i.no %% 200 = 7)", []),
            ("supports_count", f"(i.no * 13) %% {SUPPORTS_MAX + 1}", []),
            # Every comment is published, so each counts, as the services count them.
            (
                "comments_count",
                f"(SELECT COUNT(*) FROM {_table(Comment)} AS c WHERE c.idea_id = {idea_0} + i.no)",  # noqa: S608
                [],
            ),
            # The rotation has shown older ideas more often, counted up to 200 (n: the ideas);
            # the keys are spread as random draws would be.
            (
                "rotation_views",
                f"CASE WHEN i.no * 2 < {n} THEN 200 ELSE ({n} - i.no) * 400 / {n} END",
                [],
            ),
            ("rotation_key", "((i.no * 7919) %% 100003) / 100003.0", []),
            ("created_at", at(idea_time("i.no")), []),
            ("moderation_state", "%s", [ModerationState.PUBLISHED.value]),
            ("civility_score", "0.02", []),
        ]
        insert_select(
            Idea,
            idea_columns,
            "FROM (SELECT n - 1 AS no FROM seq) AS i",
            [],
            with_clause=f"WITH RECURSIVE {series(ideas)}",
        )

        ranks = f"WITH RECURSIVE {series(SUPPORTS_MAX, 'k')}"
        supports = insert_select(
            Support,
            [
                ("idea_id", "i.id", []),
                (
                    "participant_id",
                    f"{participant_0} + ((i.id - {idea_0}) * 7919 + k.n) %% {participants}",
                    [],
                ),
                ("created_at", at(f"{least}({idea_time(f'i.id - {idea_0}')} + 3600 * k.n, {now})"), []),
            ],
            f"FROM {_table(Idea)} AS i JOIN k ON k.n <= i.supports_count WHERE i.id >= %s",
            [idea_0],
            with_clause=ranks,
        )
        status_changes = insert_select(
            IdeaStatusChange,
            [
                ("idea_id", "i.id", []),
                ("status", "i.status", []),
                ("reason", "i.status_reason", []),
                ("department", "q.department", []),
                ("created_at", at(f"{least}({idea_time(f'i.id - {idea_0}')} + 14 * 86400, {now})"), []),
            ],
            f"FROM {_table(Idea)} AS i JOIN {_table(Question)} AS q ON q.id = i.question_id "
            "WHERE i.id >= %s AND i.status <> 'under_consideration'",
            [idea_0],
        )
        sequences_past_loaded_rows(Subscriber, ContactPoint, Participant, Idea, Comment)
    tables_settle()
    loaded_ideas = Idea.objects.filter(question__space=space)
    return LoadedForums(
        space_slug=space.slug,
        big_question_slug=questions[0].slug,
        questions=len(questions),
        participants=participants,
        ideas=loaded_ideas.count(),
        big_question_ideas=loaded_ideas.filter(question=questions[0]).count(),
        comments=loaded_comments,
        replies=Comment.objects.filter(idea__question__space=space, parent__isnull=False).count(),
        supports=supports,
        status_changes=status_changes,
        most_comments=loaded_ideas.aggregate(most=Max("comments_count"))["most"] or 0,
        seconds=time.perf_counter() - started,
    )
