"""Everyday questions in the queries' languages, each with the English documents that answer it.

Shown as the Search tab's examples; ``tests/explorer/test_examples.py`` checks, with the real models, that the
default model (the OT student) puts an answer in its top 3 as a strong match. Ids are those of the default collection
(:mod:`explorer.default_collection`): ``wn-<offset>`` WordNet glosses, ``udhr-<n>`` UDHR articles.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    query: str
    lang: str  # the language as set in the dropdown ("auto" lets CLD3 guess)
    english: str  # what it says
    answers: tuple[str, ...]  # document ids any of which answers it


HOSPITAL = ("wn-03540595", "wn-03739518", "wn-08054076", "wn-03043274", "wn-00658627")
BANK = ("wn-08420278", "wn-08418316", "wn-08418420", "wn-08419033", "wn-08423057", "wn-13359572", "wn-13381145",
        "wn-13374597", "wn-13398953")
HEAVY_RAIN = ("wn-11502102", "wn-11501737", "wn-11454591", "wn-11455092", "wn-11501988", "wn-11501381")

EXAMPLES = [
    Example("Hospitali iko wapi?", "sw", "Where is the hospital?", HOSPITAL),
    Example("Kila mtu ana haki ya kuishi", "sw", "Everyone has the right to life", ("udhr-3", "wn-05182080")),
    Example("Ndikufuna kusunga ndalama ku banki", "ny", "I want to keep money in a bank", BANK),
    Example("Mvula yambiri inasefukira mitsinje", "ny", "Heavy rain flooded the rivers", HEAVY_RAIN),
    Example("የኢትዮጵያ ዋና ከተማ አዲስ አበባ ናት", "am", "The capital of Ethiopia is Addis Ababa", ("wn-08778401",)),
    Example("ዝናብ እየዘነበ ነው", "am", "It is raining", HEAVY_RAIN),
    Example("Àbújá ni olú-ìlú orílẹ̀-èdè Nàìjíríà", "yo", "Abuja is the capital of Nigeria",
            ("wn-08974171", "wn-08973776")),
    Example("Ina so in ajiye kuɗi a banki", "ha", "I want to save money in the bank", BANK),
    Example("Ngifuna ukubolekwa imali ebhange", "zu", "I want to borrow money from the bank", BANK),
    Example("Isibhedlela", "zu", "Hospital", HOSPITAL),
    Example("Caasimadda Soomaaliya waa Muqdisho", "so", "The capital of Somalia is Mogadishu",
            ("wn-08998853", "wn-08998560")),
]
