"""Build the explorer's default *everyday* collection from WordNet 3.0 (Debian ``wordnet-base``), offline.

Everyday questions — health, farming, weather, money, rights, school, places — need plain English reference text.
WordNet's noun glosses are exactly that (``malaria: an infective disease caused by sporozoan parasites that are
transmitted through the bite of an infected Anopheles mosquito; marked by paroxysms of chills and fever``), under a
permissive licence. This script walks WordNet from a few root concepts per topic (hyponyms, instances, and the
capitals and parts of African countries), keeps the senses people use (a lemma's sense tagged at least once in
SemCor, WordNet's own frequency counts), and writes one document per synset::

    apt-get install wordnet-base        # /usr/share/wordnet/data.noun, index.noun
    python -m explorer.everyday_build   # -> data/collections/everyday/corpus.jsonl.gz

then ``python -m explorer --write-vectors`` ships the base model's vectors for it. The UDHR units of the shipped
``udhr`` suite are added to the collection at load time (:mod:`explorer.default_collection`).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path

WORDNET = Path("/usr/share/wordnet")
FOLDER = Path(__file__).resolve().parents[1] / "data" / "collections" / "everyday"
OUT = FOLDER / "corpus.jsonl.gz"
BACKGROUND = FOLDER / "background.jsonl.gz"  # unrelated glosses: the chance level of a score (engine.calibration)
BACKGROUND_SIZE = 512

# topic -> roots "lemma#sense" (sense numbers as in WordNet 3.0's index.noun); every root's hyponyms come along.
TOPICS: dict[str, list[str]] = {
    "health": ["disease#1", "symptom#1", "drug#1", "injury#1", "health_professional#1", "medical_care#1",
               "vitamin#1", "vaccine#1", "infection#1", "pregnancy#1", "hygiene#1", "contraceptive#1",
               "medical_building#1", "nutrition#1"],
    "farming": ["crop#2", "vegetable#1", "edible_fruit#1", "grain#2", "livestock#1", "domestic_animal#1",
                "poultry#2", "fertilizer#1", "pesticide#1", "farming#1", "farm_machine#1", "soil#2",
                "irrigation#1", "harvest#1", "farmer#1", "pest#1"],
    "weather": ["weather#1", "atmospheric_phenomenon#1", "precipitation#3", "wind#1", "season#2", "storm#1",
                "drought#1", "flood#1", "temperature#1", "climate#1", "sky#1"],
    "money": ["money#1", "currency#1", "bank#2", "loan#1", "tax#1", "debt#1", "savings#1", "price#2", "wage#1",
              "market#1", "insurance#1", "payment#1", "financial_institution#1", "income#1", "budget#1",
              "cost#1", "trade#1", "business#1"],
    "rights": ["right#1", "law#1", "court#1", "crime#1", "vote#1", "citizen#1", "freedom#1", "justice#1",
               "discrimination#1", "election#1", "government#1"],
    "school": ["school#1", "teacher#1", "pupil#1", "educational_institution#1", "examination#2", "literacy#1",
               "reading#1", "writing#1", "mathematics#1", "science#1", "lesson#1", "course#1", "degree#3",
               "book#1"],
    "places": ["African_country#1", "Africa#1", "continent#1", "ocean#1", "lake#1", "river#1", "mountain#1",
               "city#1", "village#2", "marketplace#1", "desert#1", "forest#1", "road#1"],
    "daily life": ["sport#1", "dish#2", "beverage#1", "relative#1", "dwelling#1", "vehicle#1", "occupation#1",
                   "meal#1", "game#2", "musical_instrument#1", "clothing#1", "cooking#1", "water#6", "fuel#1",
                   "tool#1", "holiday#1", "animal#1"],
}
# Common in daily life where the queries' languages are spoken, but too deep or too rarely tagged to be reached.
EXTRA: dict[str, list[str]] = {
    "health": ["malaria#1", "cholera#1", "tuberculosis#1", "AIDS#1", "HIV#1", "measles#1", "typhoid#1",
               "diarrhea#1", "fever#1", "cough#1", "headache#1", "malnutrition#1", "mosquito_net#1", "condom#1",
               "dehydration#3", "polio#1", "influenza#1", "diabetes#1", "hypertension#1", "clinic#1", "nurse#1",
               "midwife#1", "antibiotic#1", "breast_feeding#1", "toothache#1", "wound#1", "burn#1", "snakebite#1"],
    "farming": ["corn#1", "maize#1", "cassava#1", "millet#1", "sorghum#1", "rice#1", "bean#1", "groundnut#3",
                "banana#2", "coffee#1", "tea#1", "cotton#1", "tobacco#1", "goat#1", "cattle#1", "chicken#2",
                "sheep#1", "pig#1", "hoe#1", "plow#1", "manure#1", "seed#1", "weed#1", "locust#1", "granary#1"],
    "weather": ["rain#1", "rainy_season#1", "dry_season#1", "lightning#1", "thunder#1", "heat#2", "cold#2",
                "cloud#1", "sunshine#1", "flood#1", "drought#1", "wind#1"],
    "daily life": ["soccer#1", "football#1", "ball#1", "bicycle#1", "bus#1", "mobile_phone#1", "radio#1",
                   "market_day#1", "wedding#1", "funeral#1", "church#1", "mosque#1", "well#1"],
}
PLACE_ROOTS = {"African_country#1", "Africa#1"}  # their instances and parts are kept, names and all
MAX_PER_TOPIC = 420
MAX_DEPTH = 4  # hyponym levels below a root
OPEN_DEPTH = 2  # down to here, senses never tagged in SemCor are kept too (not proper names)


@dataclass
class Synset:
    offset: str
    lemmas: list[str]
    pointers: list[tuple[str, str]]  # (symbol, offset) to other nouns
    gloss: str


def read_nouns(wordnet: Path = WORDNET) -> tuple[dict[str, Synset], dict[str, list[str]], set[str]]:
    """Synsets by offset, lemma -> synset offsets (most frequent first), and the offsets of SemCor-tagged senses."""
    synsets: dict[str, Synset] = {}
    for line in open(wordnet / "data.noun", encoding="utf-8", errors="replace"):
        if line.startswith(" "):
            continue
        head, _, gloss = line.partition(" | ")
        p = head.split()
        n_words = int(p[3], 16)
        lemmas = [p[4 + 2 * i] for i in range(n_words)]
        at = 4 + 2 * n_words
        n_ptrs = int(p[at])
        ptrs = [(p[at + 1 + 4 * i], p[at + 2 + 4 * i]) for i in range(n_ptrs) if p[at + 3 + 4 * i] == "n"]
        synsets[p[0]] = Synset(p[0], lemmas, ptrs, gloss.strip())
    senses: dict[str, list[str]] = {}
    tagged: set[str] = set()
    for line in open(wordnet / "index.noun", encoding="utf-8"):
        if line.startswith(" "):
            continue
        p = line.split()
        n = int(p[2])
        offsets = p[-n:]
        senses[p[0].lower()] = offsets
        tagged.update(offsets[: int(p[-n - 1])])  # tagsense_cnt: senses seen in SemCor come first
    return synsets, senses, tagged


def _walk(root: str, synsets: dict[str, Synset], tagged: set[str], places: bool) -> list[str]:
    """Breadth-first from ``root``: hyponyms that are tagged senses (any common noun near the root); for the
    African places, every instance and part (countries, capitals, regions)."""
    order, seen, frontier = [], {root}, [root]
    for depth in range(MAX_DEPTH + 1):
        nxt = []
        for off in frontier:
            order.append(off)
            for sym, target in synsets[off].pointers:
                if target in seen:
                    continue
                if places:
                    keep = sym in ("~", "~i", "%p")
                else:
                    common = synsets[target].lemmas[0].islower()
                    keep = sym == "~" and (target in tagged or (common and depth < OPEN_DEPTH))
                if keep:
                    seen.add(target)
                    nxt.append(target)
        frontier = nxt
    return order


def _offset(root: str, senses: dict[str, list[str]]) -> str:
    lemma, sense = root.rsplit("#", 1)
    offsets = senses.get(lemma.lower())
    if not offsets or int(sense) > len(offsets):
        raise SystemExit(f"WordNet has no {root}")
    return offsets[int(sense) - 1]


def _name(lemma: str) -> str:
    return lemma.replace("_", " ")


def document(syn: Synset, topic: str, parent: str | None) -> dict:
    """``{"id", "title", "text", "topic"}``: ``Malaria (a disease): an infective disease ...``."""
    names = list(dict.fromkeys(_name(re.sub(r"\(.*\)$", "", w)) for w in syn.lemmas))
    head = names[0] + (f" ({', '.join(names[1:4])})" if len(names) > 1 else "")
    kind = f", a kind of {parent}" if parent else ""
    text = f"{head[0].upper()}{head[1:]}{kind}: {syn.gloss}"
    return {"id": f"wn-{syn.offset}", "title": f"{names[0]} — {topic}", "text": text, "topic": topic}


def background(docs: list[dict], wordnet: Path = WORDNET, n: int = BACKGROUND_SIZE, seed: int = 0) -> list[dict]:
    """``n`` glosses of nouns outside the collection, chosen at random (seeded): the same kind of text as the
    collection, about other things, so a query's scores on them show what a score means by chance."""
    import random

    synsets, _, _ = read_nouns(wordnet)
    parents = _parents(synsets)
    used = {d["id"] for d in docs}
    pool = sorted(off for off in synsets if f"wn-{off}" not in used)
    chosen = sorted(random.Random(seed).sample(pool, n))
    return [document(synsets[off], "background", parents.get(off)) for off in chosen]


def _parents(synsets: dict[str, Synset]) -> dict[str, str]:
    """Offset -> the name of its first hypernym (or the class it is an instance of)."""
    out: dict[str, str] = {}
    for off, syn in synsets.items():
        for sym, target in syn.pointers:
            if sym in ("@", "@i"):
                out[off] = _name(synsets[target].lemmas[0])
                break
    return out


def build(wordnet: Path = WORDNET) -> list[dict]:
    synsets, senses, tagged = read_nouns(wordnet)
    parents = _parents(synsets)
    docs, used = [], set()
    for topic, roots in TOPICS.items():
        walks = [_walk(_offset(root, senses), synsets, tagged, places=root in PLACE_ROOTS) for root in roots]
        picked: list[str] = [_offset(extra, senses) for extra in EXTRA.get(topic, [])]
        for level in range(max(map(len, walks))):  # round-robin: every root contributes before any gets deep
            picked.extend(w[level] for w in walks if level < len(w))
        picked = [off for off in dict.fromkeys(picked) if off not in used]
        for off in picked[:MAX_PER_TOPIC]:
            used.add(off)
            docs.append(document(synsets[off], topic, parents.get(off)))
    return docs


def _write(path: Path, docs: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as raw:  # mtime 0: the same input gives the same bytes
        raw.write("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs).encode("utf-8"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m explorer.everyday_build", description=__doc__.splitlines()[0])
    ap.add_argument("--wordnet", type=Path, default=WORDNET, help="WordNet 3.0 dict folder (Debian wordnet-base)")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args(argv)
    if not (a.wordnet / "data.noun").is_file():
        print(f"error: no WordNet at {a.wordnet}; apt-get install wordnet-base", flush=True)
        return 2
    docs = build(a.wordnet)
    _write(a.out, docs)
    _write(a.out.with_name(BACKGROUND.name), background(docs, a.wordnet))
    by_topic = {}
    for d in docs:
        by_topic[d["topic"]] = by_topic.get(d["topic"], 0) + 1
    print(f"{len(docs)} documents -> {a.out} ({by_topic})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
