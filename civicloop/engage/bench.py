"""`civicloop bench forums`: a city's worth of ideas and comments, its busiest pages, the civility check.

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

The pages are timed in-process with Django's test client (server time: middleware, view, SQL,
template), as `bench pages` does; the civility check over the held-out texts, as
`civicloop moderation evaluate` measures it.
"""

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from civicloop.core.bench import _percentile, page_samples
from civicloop.core.bulkload import (
    SQL_DIALECTS,
    Columns,
    insert_select,
    sequences_past_loaded_rows,
    sql_case,
    tables_settle,
)
from civicloop.delivery.fanout import _table
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

TARGET_MS = 50.0
QUESTIONS = 20
BIG_QUESTION_SLOTS = 2  # of every 5 ideas
HOT_EVERY = 100  # one idea in 100 is "hot"
HOT_SHARE = 4  # of every 10 comments
IDEAS_PER_PARTICIPANT = 5
SUPPORTS_MAX = 8
SPAN = timedelta(days=365)  # ideas over the last year
AREA_SLOTS = 80  # idea n % 80 picks one of the 77 areas, or none for the last 3 slots
SEED = 2026

BIG_QUESTION = "How should your ward spend its participatory budget next year?"
OTHER_QUESTIONS = [
    "What would make your walk to school safer?",
    "How can the city keep parks clean in summer?",
    "Where should the next protected bike lanes go?",
    "What should libraries offer in the evenings?",
    "How can bus stops be more comfortable in winter?",
    "What would bring more people to local business corridors?",
    "How should vacant lots in your area be used?",
    "What would help you recycle more?",
    "How can city services reach people who do not speak English?",
    "Where do you need more street lights?",
    "What should summer programs for teenagers include?",
    "How can we reduce flooding in basements?",
    "What would make public meetings easier to attend?",
    "Which intersections need a crossing guard?",
    "How should the city plant more trees?",
    "What would make 311 easier to use?",
    "How can the lakefront be more accessible?",
    "What should a neighborhood resilience hub offer?",
    "How can we make alleys safer at night?",
]
IDEA_TITLES = [
    "Benches and shade along the main street",
    "A protected crossing by the elementary school",
    "Free Wi-Fi in every park fieldhouse",
    "More trash cans on the commercial strip",
    "Community garden on the empty lot",
    "Longer library hours on weekdays",
    "Más luces en el callejón detrás de la escuela",
    "Repave the sidewalks on the side streets",
    "Water fountains that work all summer",
    "Bike parking at every train station",
    "Clases de inglés gratis para adultos",
    "Murals by local artists on viaduct walls",
]
IDEA_BODIES = [
    "People wait here every day with nowhere to sit. A few benches and a tree or two would make a "
    "real difference, especially for older neighbors.",
    "Cars go too fast and kids cross here twice a day. A raised crosswalk and a sign would help.",
    "Many families rely on the library for internet. It closes too early for people who work.",
    "El lote está vacío desde hace años. Podríamos sembrar verduras y hacer talleres para niños.\n\n"
    "Varias familias ya se ofrecieron para cuidarlo.",
    "This would cost little and help a lot. I would be glad to volunteer to help maintain it.",
    "Every summer the same problem. Please fix it before June this time.",
]
COMMENT_BODIES = [
    "Great idea, I support this.",
    "Agreed. The corner by the bus stop needs it most.",
    "Has anyone asked the alderman's office about this? They fixed something similar on our block.",
    "I am not sure this is the best use of the money, but the problem is real.",
    "Estoy de acuerdo, mis hijos pasan por ahí todos los días.",
    "We tried this two years ago and it worked until the funding ran out. It needs a maintenance plan.",
    "Yes! And please add lighting too, it is very dark in the evening.",
    "Could this be done together with the repaving planned for next spring?",
    "Buena idea. ¿Se podría hacer también en el parque de al lado?",
    "Thanks for posting this. I walk there every morning and see the same thing.",
]
INITIALS = [
    "A.",
    "B.",
    "C.",
    "D.",
    "G.",
    "H.",
    "K.",
    "L.",
    "M.",
    "N.",
    "O.",
    "P.",
    "R.",
    "S.",
    "T.",
    "V.",
    "W.",
]
FIRST_NAMES = ["Maria", "James", "Guadalupe", "Aisha", "Wei", "Tomasz", "Keisha", "Luis", "Fatima", "Kevin"]
STATUS_REASON = "The ward's budget for this year is already committed; we will look at it again next year."
DEPARTMENT = "Office of Budget and Management"


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


# Measuring ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageTiming:
    label: str
    url: str
    p50_ms: float
    p99_ms: float
    max_ms: float
    queries: int
    size_bytes: int

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "p50_ms": round(self.p50_ms, 1),
            "p99_ms": round(self.p99_ms, 1),
            "max_ms": round(self.max_ms, 1),
            "queries": self.queries,
            "kib": round(self.size_bytes / 1024, 1),
            "met": self.p50_ms <= TARGET_MS,
        }


def forums_urls(loaded: LoadedForums, seed: int = SEED) -> dict[str, tuple[str, int | None]]:
    """(URL, the idea's comments or None) by page: the big question in two orders, two ideas' pages."""
    question = f"/ideas/{loaded.space_slug}/{loaded.big_question_slug}/"
    ideas = Idea.objects.filter(
        question__space__slug=loaded.space_slug, moderation_state=ModerationState.PUBLISHED
    ).order_by("id")
    busiest = ideas.order_by("-comments_count", "id").values_list("id", "comments_count").first()
    count = ideas.count()
    if busiest is None or count == 0:
        raise ValueError("no ideas loaded")
    chosen = ideas.values_list("id", "comments_count")[random.Random(seed).randrange(count)]
    return {
        "question": (question, None),  # the default order: fair rotation
        "question_newest": (f"{question}?sort=newest", None),
        "question_discussed": (f"{question}?sort=discussed", None),
        "idea_most_comments": (f"/ideas/{busiest[0]}/", busiest[1]),
        "idea_random": (f"/ideas/{chosen[0]}/", chosen[1]),
    }


def pages_measure(urls: dict[str, str], *, repeat: int) -> list[PageTiming]:
    """Server time of each URL through Django's full request/response cycle, with the test client.

    One untimed warm-up request per URL also counts its SQL queries; the timed requests run with
    DEBUG off and no query log. Every answer must be 200 with a body (BenchResponseError).
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    client = Client()
    timings = []
    with override_settings(DEBUG=False):
        for label, url in urls.items():
            measured = page_samples(client, url, repeat=repeat)
            samples = measured.samples_ms
            timings.append(
                PageTiming(
                    label=label,
                    url=url,
                    p50_ms=_percentile(samples, 0.5),
                    p99_ms=_percentile(samples, 0.99),
                    max_ms=samples[-1],
                    queries=measured.queries,
                    size_bytes=measured.size_bytes,
                )
            )
    return timings


def civility_measure() -> dict[str, Any]:
    """The configured civility check over the held-out texts, as `civicloop moderation evaluate` times it:
    posts/s in batches, then one post at a time (p50, p99); the model is loaded first, untimed."""
    from civicloop.moderation.checks import DEFAULT_CHECK, civility_check
    from civicloop.moderation.evaluate import HELDOUT_SET, evaluate, read_labelled

    items = read_labelled(HELDOUT_SET)
    started = time.perf_counter()
    check = civility_check()
    check.check_many([items[0].text])  # loads the model and embeds the examples
    load_seconds = time.perf_counter() - started
    report = evaluate(check, items)
    return {
        "check": getattr(settings, "MODERATION_CHECK", DEFAULT_CHECK),
        "posts": report["posts"],
        "batch_size": report["batch_size"],
        "posts_per_second": report["posts_per_second"],
        "p50_ms": report["p50_ms"],
        "p99_ms": report["p99_ms"],
        "load_seconds": round(load_seconds, 1),
    }


def run_forums(*, ideas: int, comments: int, repeat: int) -> dict[str, Any]:
    """Load the forums, time the pages, time the civility check: the JSON report (machine facts aside)."""
    loaded = forums_generate(ideas=ideas, comments=comments)
    urls = forums_urls(loaded)
    timings = pages_measure({label: url for label, (url, _) in urls.items()}, repeat=repeat)
    pages = {timing.label: timing.as_json() for timing in timings}
    for label, (_, idea_comments) in urls.items():
        if idea_comments is not None:
            pages[label]["comments"] = idea_comments
    return {
        "suite": "forums",
        "questions": loaded.questions,
        "participants": loaded.participants,
        "ideas": loaded.ideas,
        "big_question_ideas": loaded.big_question_ideas,
        "comments": loaded.comments,
        "replies": loaded.replies,
        "most_comments_on_an_idea": loaded.most_comments,
        "supports": loaded.supports,
        "status_changes": loaded.status_changes,
        "load_seconds": round(loaded.seconds, 1),
        "repeat": repeat,
        "pages": pages,
        "civility": civility_measure(),
        "target_ms": TARGET_MS,
        "met": all(row["met"] for row in pages.values()),
    }
