"""Deliberation's background work: the opinion map, re-run a little after residents vote."""

from django_tasks import task

from civicloop.deliberation.services import conversation_analyse_if_due


@task()
def conversation_analyse_due(conversation_id: int) -> bool:
    """Enqueued (debounced) after votes; analyses the conversation if a request is still pending.

    New votes are first looked at for coordinated voting (a case for moderators, never an exclusion by
    itself). Idempotent: a second run, or a retry, finds nothing pending and does nothing.
    """
    from civicloop.moderation.coordinated import coordinated_voting_flag  # moderation reads deliberation

    coordinated_voting_flag(conversation_ids=[conversation_id])
    return conversation_analyse_if_due(conversation_id) is not None
