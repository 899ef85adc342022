"""The public record of a question: its published ideas by community area and official status."""

from dataclasses import dataclass

from civicloop.engage.models import Idea, JamPrompt, ModerationState, Question

# The summary lists statuses in the order of the work: done first, then under way, then the rest.
SUMMARY_STATUS_ORDER = [
    Idea.Status.IMPLEMENTED,
    Idea.Status.IN_PROGRESS,
    Idea.Status.ACCEPTED,
    Idea.Status.UNDER_CONSIDERATION,
    Idea.Status.NOT_PLANNED,
]


@dataclass(frozen=True)
class SummaryGroup:
    """The ideas about one community area (area None: the whole city, or no one area)."""

    area_name: str | None
    ideas: list[Idea]


@dataclass(frozen=True)
class StatusCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class QuestionSummary:
    groups: list[SummaryGroup]
    status_counts: list[StatusCount]
    idea_count: int
    prompts: list[JamPrompt]


def question_summary(question: Question) -> QuestionSummary:
    """The public record of a question in two queries: published ideas grouped by community area.

    Ideas carry no topic of their own (the question has one), so the place an idea is about is the
    grouping; within a group, ideas go by official status (done first), then by supports.
    """
    rank = {status.value: index for index, status in enumerate(SUMMARY_STATUS_ORDER)}
    ideas = sorted(
        Idea.objects.filter(question=question, moderation_state=ModerationState.PUBLISHED)
        .select_related("community_area")
        .defer("body", "held_reasons", "embedding", "community_area__boundary"),
        key=lambda idea: (rank.get(idea.status, len(rank)), -idea.supports_count, idea.pk),
    )
    by_area: dict[str | None, list[Idea]] = {}
    for idea in ideas:
        by_area.setdefault(idea.community_area.name if idea.community_area else None, []).append(idea)
    groups = [
        SummaryGroup(area_name=name, ideas=by_area[name])
        for name in sorted(by_area, key=lambda name: (name is not None, name or ""))
    ]
    counts = {status: 0 for status in SUMMARY_STATUS_ORDER}
    for idea in ideas:
        counts[Idea.Status(idea.status)] += 1
    return QuestionSummary(
        groups=groups,
        status_counts=[
            StatusCount(status=status.value, label=str(status.label), count=counts[status])
            for status in SUMMARY_STATUS_ORDER
        ],
        idea_count=len(ideas),
        prompts=list(JamPrompt.objects.filter(question=question).order_by("-id")),
    )
