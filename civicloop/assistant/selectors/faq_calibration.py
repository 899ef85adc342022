"""The FAQ retriever's figures: how sure a match must be to answer, to offer a menu, or to hand over to 311.

Calibration, tuned on tests/faq_paraphrases.json (residents' wording, and messages the FAQ cannot answer):
see test_faq_accuracy.py, which prints the figures.

Under multilingual-e5-small every text scores 0.78-0.90 with every entry, so the raw cosine says little.
What tells an answer apart is how far the best entry stands above the text's typical score (the median
over the entries and a few unrelated texts): 0.04 above is no better than chance (messages the FAQ
cannot answer reach 0.02-0.06), 0.12 above is as sure as it gets. The keyword share (faq.KeywordIndex)
is added to the cosine with a small weight: it breaks the embedder's near-ties ("warm" against "cool").
"""

KEYWORD_BLEND = 0.04
LIFT_NO_CONFIDENCE = 0.04
LIFT_FULL_CONFIDENCE = 0.12
# Without the embedder, the keyword share alone: 0.6 of the message's words in one entry is an answer.
KEYWORD_SHARE_FULL_CONFIDENCE = 1.2
# A confident answer: its confidence and its lead over the next entry in its language. On the paraphrase
# set 97% of these answers were the right one (3 of 92 were not); the others get a menu.
ANSWER_CONFIDENCE = 0.5
ANSWER_LEAD = 0.1
# Below this nothing is offered: the resident is handed over to 311.
MENU_CONFIDENCE = 0.25
# A menu item must be at least this plausible; the menu shows up to MENU_SIZE items.
MENU_ITEM_CONFIDENCE = 0.1
MENU_SIZE = 3
# Entries in the conversation's language come first unless another language's entry is clearly better.
LANGUAGE_PREFERENCE = 0.15
# Two entries in different languages at least this close by meaning may be one entry's translations.
TRANSLATION_SIMILARITY = 0.85
FAQ_SEARCH_LIMIT = 5
QUERY_MAX_CHARS = 500  # a long text is cut: its start says what it is about
# The embedder's time grows with a question's tokens (one thread on this 2-CPU machine: 9 tokens 15 ms,
# 19 tokens 29 ms, 6 of them the prefix and markers): longer questions lose filler words from the end,
# then their last words, while their keywords still count in full. On the paraphrase set (a third of it
# longer) top-1 was unchanged and top-3 lost one English question; at 10 answers turned into menus.
QUERY_MAX_TOKENS = 14
# Unrelated texts scored with every message: with few entries the typical score is still meaningful.
TYPICAL_SCORE_TEXTS = (
    "Longer opening hours at the library",
    "More street lights in the alley",
    "Free concerts in the park in summer",
    "Más contenedores de reciclaje",
    "Más clases de inglés para adultos",
    "Cheaper parking permits for residents",
)
