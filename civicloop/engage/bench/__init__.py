"""`civicloop bench forums`: a city's worth of ideas and comments, its busiest pages, the civility check.

load.py fills one public space set-based (sample_text.py says what the posts say); measure.py times
the pages and the civility check; report.py runs both into the JSON report. Everything callers use
is here.
"""

from civicloop.engage.bench.load import (
    AREA_SLOTS,
    BIG_QUESTION_SLOTS,
    HOT_EVERY,
    HOT_SHARE,
    IDEAS_PER_PARTICIPANT,
    MULTIPLIERS,
    QUESTIONS,
    SPAN,
    SUPPORTS_MAX,
    LoadedForums,
    forums_generate,
)
from civicloop.engage.bench.measure import (
    SEED,
    TARGET_MS,
    PageTiming,
    civility_measure,
    forums_urls,
    pages_measure,
)
from civicloop.engage.bench.report import run_forums
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

__all__ = [
    "AREA_SLOTS",
    "BIG_QUESTION",
    "BIG_QUESTION_SLOTS",
    "COMMENT_BODIES",
    "DEPARTMENT",
    "FIRST_NAMES",
    "HOT_EVERY",
    "HOT_SHARE",
    "IDEAS_PER_PARTICIPANT",
    "IDEA_BODIES",
    "IDEA_TITLES",
    "INITIALS",
    "MULTIPLIERS",
    "OTHER_QUESTIONS",
    "QUESTIONS",
    "SEED",
    "SPAN",
    "STATUS_REASON",
    "SUPPORTS_MAX",
    "TARGET_MS",
    "LoadedForums",
    "PageTiming",
    "civility_measure",
    "forums_generate",
    "forums_urls",
    "pages_measure",
    "run_forums",
]
