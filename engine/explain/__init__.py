r"""Explanations people can read, without torch: transport plans per word, MaxSim beside them, and how good the
word alignments read off the plans are.

* :mod:`~engine.explain.words` — SentencePiece pieces → words; :math:`P^{\mathrm{word}}_{IJ} = \sum_{i \in I, j
  \in J} P_{ij}` (mass summed), word-pair cosine = the largest piece-pair cosine;
* :mod:`~engine.explain.match` — :func:`explain_match` / :func:`explain_plan` → :class:`MatchExplanation`: word
  plan, row-normalised plan :math:`P_{IJ}/a_I`, strongest link per query word, MaxSim per query word,
  ``top_links(k)`` for a search result;
* :mod:`~engine.explain.alignments` — argmax alignments in both directions, intersection, grow-diag-final-and,
  precision / recall / F1 / AER;
* :mod:`~engine.explain.similarity` — token cosines without BLAS (tiny products stall on BLAS threads in a busy
  server);
* :mod:`~engine.explain.anchors` — identical names and numbers a plan should link;
* :mod:`~engine.explain.quality` — :func:`load_alignment_quality`, the committed report for the explorer.

Public API
----------
group_words, Words, merge_mass, merge_max, words_of; explain_match, explain_plan, MatchExplanation, WordLink,
row_normalise; forward_links, backward_links, grow_diag_final_and, plan_alignments, parse_pharaoh,
AlignmentCounts, content_links; cosine_similarity, cosine_cost_matrix (no BLAS); find_anchors, Anchor;
load_alignment_quality, AlignmentQuality, QUALITY_REPORT
"""

from engine.explain.alignments import (
    AlignmentCounts,
    backward_links,
    content_links,
    forward_links,
    grow_diag_final_and,
    parse_pharaoh,
    plan_alignments,
)
from engine.explain.anchors import Anchor, find_anchors
from engine.explain.match import (
    MatchExplanation,
    WordLink,
    explain_match,
    explain_plan,
    row_normalise,
)
from engine.explain.quality import (
    QUALITY_REPORT,
    AlignmentQuality,
    load_alignment_quality,
)
from engine.explain.similarity import cosine_cost_matrix, cosine_similarity
from engine.explain.words import Words, group_words, merge_mass, merge_max, words_of

__all__ = [
    "QUALITY_REPORT",
    "AlignmentCounts",
    "AlignmentQuality",
    "Anchor",
    "MatchExplanation",
    "WordLink",
    "Words",
    "backward_links",
    "content_links",
    "cosine_cost_matrix",
    "cosine_similarity",
    "explain_match",
    "explain_plan",
    "find_anchors",
    "forward_links",
    "group_words",
    "grow_diag_final_and",
    "load_alignment_quality",
    "merge_mass",
    "merge_max",
    "parse_pharaoh",
    "plan_alignments",
    "row_normalise",
    "words_of",
]
