"""Similar ideas: text embeddings of ideas and drafts, and the published ideas most like a draft."""

import logging
from functools import cache

import numpy as np

from civicloop.engage.models import Idea, ModerationState, Question

# The name these reads have always logged under.
logger = logging.getLogger("civicloop.engage.selectors")

SIMILAR_IDEAS_SHOWN = 5
# Under multilingual-e5-small any two city ideas score 0.75-0.85, and longer drafts score higher with
# everything, so a fixed cut-off fails. An idea counts as similar when it beats the draft's typical
# score (the median over the question's ideas and the texts below) by this margin: on sample ideas,
# the same idea in English or Spanish was 0.05-0.12 above, different ideas at most 0.035.
SIMILAR_IDEA_MARGIN = 0.04
SIMILARITY_BASELINE_TEXTS = (
    "Longer opening hours at the library",
    "More street lights in the alley\n\nIt is dark and unsafe at night.",
    "Más contenedores de reciclaje\n\nLos que hay siempre están llenos.",
    "Free concerts in the park in summer",
    "Cheaper parking permits for residents\n\nParking costs too much for families.",
    "A crosswalk near the school",
    "Más clases de inglés para adultos",
    "Paint murals on empty walls\n\nArt makes the block feel cared for.",
)
EMBEDDING_DTYPE = np.float16


def idea_text_embedding(title: str, body: str) -> np.ndarray | None:
    """The embedding of an idea's text (or of a draft), or None when the embedder cannot run here."""
    text = f"{title.strip()}\n\n{body.strip()}".strip()
    if not text:
        return None
    from civicloop.moderation.checks import text_embed  # local: loads the model only when used

    try:
        return text_embed([text])[0]
    except (ImportError, OSError, RuntimeError):  # no model on this machine: ideas post, unsuggested
        logger.warning("The text embedder is unavailable; similar ideas are not suggested.", exc_info=True)
        return None


@cache
def _baseline_embeddings() -> np.ndarray:
    from civicloop.moderation.checks import text_embed

    return text_embed(list(SIMILARITY_BASELINE_TEXTS))


def embedding_to_bytes(embedding: np.ndarray | None) -> bytes | None:
    return None if embedding is None else embedding.astype(EMBEDDING_DTYPE).tobytes()


def similar_ideas(*, question: Question, title: str, body: str = "") -> list[Idea]:
    """Up to SIMILAR_IDEAS_SHOWN published ideas on the question most like a draft, best first (2 queries).

    Cosine similarity over the stored embeddings of the question's ideas, in one numpy product, kept
    when it stands out from the draft's typical similarity (see SIMILAR_IDEA_MARGIN).
    """
    rows = list(
        Idea.objects.filter(
            question=question, moderation_state=ModerationState.PUBLISHED, embedding__isnull=False
        ).values_list("pk", "embedding")
    )
    if not rows:
        return []
    draft = idea_text_embedding(title, body)
    if draft is None:
        return []
    matrix = np.frombuffer(b"".join(bytes(raw or b"") for _pk, raw in rows), dtype=EMBEDDING_DTYPE)
    scores = matrix.reshape(len(rows), -1).astype(np.float32) @ draft
    baseline = _baseline_embeddings() @ draft
    # Capped, so a question full of near-copies of the draft cannot raise the bar above them all.
    typical = min(float(np.median(np.concatenate([scores, baseline]))), float(np.median(baseline)) + 0.02)
    best = [
        index
        for index in np.argsort(-scores)[:SIMILAR_IDEAS_SHOWN]
        if scores[index] - typical >= SIMILAR_IDEA_MARGIN
    ]
    if not best:
        return []
    ranked_ids = [rows[index][0] for index in best]
    found = (
        Idea.objects.select_related("community_area")
        .defer("held_reasons", "embedding", "community_area__boundary")
        .in_bulk(ranked_ids)
    )
    return [found[pk] for pk in ranked_ids if pk in found]
