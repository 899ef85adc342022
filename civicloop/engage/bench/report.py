"""The `civicloop bench forums` report: load, time the pages, time the civility check."""

from typing import Any

from civicloop.engage.bench.load import forums_generate
from civicloop.engage.bench.measure import TARGET_MS, civility_measure, forums_urls, pages_measure


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
