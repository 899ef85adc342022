"""Moderation: the civility check that holds posts for human review (it never rejects a post)."""
