"""Language identification accuracy per language on held-out text, for every identifier in ``engine.langid``.

Test sets (never the n-gram model's training text: that is the train splits only, and any held-out line whose
text also occurs there is dropped and counted):

* **sentences** — the target sides of the dev splits (``shipped_bitext(lang, split="dev")``; English: the English
  sides of every dev file), at most 500 per language; a language without a dev split uses its 31 UDHR units
  (``data/udhr/LANG.jsonl``) instead;
* **queries** — 3–5-word windows cut from those same sentences: each sentence's words in consecutive windows of 3,
  4, 5, 3, ... words (a shorter tail is dropped), at most 500 per language, chosen by a stable hash;
* **udhr** — the UDHR units of all 19 languages, one domain for every language (for comparison).

Per identifier: accuracy per language (share of texts identified as their language), macro accuracy over the 19
languages we serve (and over the 18 besides English), the top confusions, build time, the first call's time
(models that load lazily), the mean time per call and the process's memory (each identifier runs in a fresh
process). Writes ``OUT.json`` and ``OUT.md``.

    python benchmarks/bench_langid.py --out reports/benchmarks/langid
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MAX_PER_LANGUAGE = 500
WINDOW_SIZES = (3, 4, 5)
DETECTORS = ("cld3", "lingua", "lingua-served", "ngram", "served")
SALT = "bench-langid:"


def udhr_units(lang: str) -> list[str]:
    from engine.data.build import DATA_DIR

    path = DATA_DIR / "udhr" / f"{lang}.jsonl"
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_sentences(lang: str) -> list[str]:
    """Target sides of the language's dev files; for English, the English sides of every dev file."""
    from engine.data.bitext import load_bitext
    from engine.data.build import DATA_DIR

    if lang == "en":
        paths = sorted((DATA_DIR / "bitext").glob("*/*.dev.tsv.gz"))
        return [en for path in paths for en, _ in load_bitext(path, quiet=True)[0]]
    from engine.data.bitext import shipped_bitext

    return [other for path in shipped_bitext(lang, split="dev") for en, other in load_bitext(path, quiet=True)[0]
            if en != other]


def capped(texts: list[str], limit: int = MAX_PER_LANGUAGE) -> list[str]:
    """At most ``limit`` distinct texts, chosen and ordered by a stable hash."""
    from engine.data.text import normalize_key, stable_hash

    unique = {normalize_key(t): t for t in reversed(texts)}
    return sorted(unique.values(), key=lambda t: (stable_hash(t, SALT), t))[:limit]


def windows(sentence: str) -> list[str]:
    """Consecutive 3-, 4-, 5-, 3-, ...-word windows of a sentence; a tail shorter than its window is dropped."""
    words, out, start, k = sentence.split(), [], 0, 0
    while start + WINDOW_SIZES[k % 3] <= len(words):
        size = WINDOW_SIZES[k % 3]
        out.append(" ".join(words[start:start + size]))
        start, k = start + size, k + 1
    return out


def test_sets() -> tuple[dict, dict]:
    """``{set: {lang: [texts]}}`` and, per language, where its sentences came from and what was dropped."""
    from engine.data.text import normalize_key
    from engine.langid import NgramConfig, training_corpus
    from engine.languages import LANGUAGES

    config = NgramConfig()
    train = training_corpus(config.languages, max_chars=10**12, salt=config.salt)  # every train line, uncapped
    seen = {normalize_key(line) for lines in train.texts.values() for line in lines}
    sets: dict[str, dict[str, list[str]]] = {"sentences": {}, "queries": {}, "udhr": {}}
    notes: dict[str, dict] = {}
    for lang in (lang.code for lang in LANGUAGES):
        dev = dev_sentences(lang)
        source = "dev" if dev else "udhr"
        raw = dev or udhr_units(lang)
        held_out = [t for t in raw if normalize_key(t) not in seen]
        sets["sentences"][lang] = capped(held_out)
        sets["queries"][lang] = capped([w for t in held_out for w in windows(t)])
        sets["udhr"][lang] = [t for t in udhr_units(lang) if normalize_key(t) not in seen]
        notes[lang] = {"sentence_source": source, "dropped_as_in_train": len(set(map(normalize_key, raw)))
                       - len(set(map(normalize_key, held_out)))}
    return sets, notes


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_detector(name: str, sets: dict) -> dict:
    """In a fresh process: build ``name``, identify every text, time and measure it."""
    from engine.langid import get_identifier

    base_rss = _rss_mb()
    start = time.perf_counter()
    identifier = get_identifier(name)
    built = time.perf_counter() - start
    start = time.perf_counter()
    identifier.identify(sets["sentences"]["en"][0])
    first = time.perf_counter() - start
    predictions, calls, spent = {}, 0, 0.0
    for set_name, by_lang in sets.items():
        predictions[set_name] = {}
        for lang, texts in by_lang.items():
            start = time.perf_counter()
            predictions[set_name][lang] = [identifier.identify(t)[0] for t in texts]
            spent += time.perf_counter() - start
            calls += len(texts)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"languages": sorted(identifier.languages), "predictions": predictions,
            "cost": {"build_s": round(built, 3), "first_call_s": round(first, 3),
                     "mean_call_ms": round(1e3 * spent / max(calls, 1), 3), "calls": calls,
                     "rss_mb": round(_rss_mb() - base_rss, 1), "peak_rss_mb": round(peak, 1)}}


def score(predictions: dict[str, list[str | None]], served: list[str]) -> dict:
    rows = {}
    for lang, predicted in predictions.items():
        n = len(predicted)
        wrong = Counter("none" if p is None else p for p in predicted if p != lang)
        rows[lang] = {"n": n, "accuracy": round(sum(p == lang for p in predicted) / n, 4) if n else None,
                      "confusions": [[label, count] for label, count in
                                     sorted(wrong.items(), key=lambda item: (-item[1], item[0]))[:3]]}
    scored = [lang for lang in served if rows.get(lang, {}).get("accuracy") is not None]
    macro = sum(rows[lang]["accuracy"] for lang in scored) / len(scored)
    macro18 = [rows[lang]["accuracy"] for lang in scored if lang != "en"]
    return {"macro": round(macro, 4), "macro_no_en": round(sum(macro18) / len(macro18), 4), "languages": rows}


def _percent(count: int, n: int) -> str:
    share = 100 * count / n
    return f"{share:.0f}%" if share >= 0.5 else "<1%"


def to_markdown(result: dict) -> str:
    names = list(result["detectors"])
    langs = list(result["notes"])
    lines = [
        "# Language identification on held-out text",
        "",
        (f"CPU: {result['cpu']['model']} (kind `{result['cpu']['kind']}`). `{result['command']}`. "
         f"{result['held_out']}"),
        "",
        ("Sentences: the dev split's target side (English: the English sides of the dev files), at most 500 per "
         "language; languages without a dev split use their 31 UDHR units (`source` below; `−k`: k held-out lines "
         "dropped because their text is also in a train split). Queries: consecutive 3/4/5-word windows of the same "
         "sentences, at most 500 per language. `udhr`: every language's UDHR units. Accuracy = share identified as "
         "their own language; † = the detector cannot name that language at all. Macro = unweighted mean over "
         "languages."),
        "",
        "## Macro accuracy over the languages we serve",
        "",
        ("| detector | sentences (19) | queries (19) | udhr (19) | sentences (18, no en) | queries (18, no en) | "
         "build s | first call s | ms / call | memory MB |"),
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name in names:
        det = result["detectors"][name]
        cost = det["cost"]
        lines.append(f"| {name} | {det['sentences']['macro']:.3f} | {det['queries']['macro']:.3f} | "
                     f"{det['udhr']['macro']:.3f} | {det['sentences']['macro_no_en']:.3f} | "
                     f"{det['queries']['macro_no_en']:.3f} | {cost['build_s']} | {cost['first_call_s']} | "
                     f"{cost['mean_call_ms']} | {cost['rss_mb']} |")
    for set_name in ("sentences", "queries", "udhr"):
        lines += ["", f"## {set_name}: accuracy per language", "",
                  "| lang | source | n | " + " | ".join(names) + " |",
                  "| --- | --- | --- | " + " | ".join("---" for _ in names) + " |"]
        for lang in langs:
            note = result["notes"][lang]
            dropped = f" −{note['dropped_as_in_train']}" if note["dropped_as_in_train"] else ""
            source = f"{note['sentence_source']}{dropped}" if set_name != "udhr" else "udhr"
            n = result["detectors"][names[0]][set_name]["languages"][lang]["n"]
            cells = []
            for name in names:
                det = result["detectors"][name]
                acc = det[set_name]["languages"][lang]["accuracy"]
                mark = "" if lang in det["supports"] else " †"
                cells.append("–" if acc is None else f"{acc:.3f}{mark}")
            lines.append(f"| {lang} | {source} | {n} | " + " | ".join(cells) + " |")
    for set_name in ("sentences", "queries"):
        lines += ["", f"## {set_name}: top confusions (label: share of the language's texts; `none`: no answer)", "",
                  "| lang | " + " | ".join(names) + " |", "| --- | " + " | ".join("---" for _ in names) + " |"]
        for lang in langs:
            cells = []
            for name in names:
                row = result["detectors"][name][set_name]["languages"][lang]
                cells.append(", ".join(f"{label} {_percent(count, row['n'])}" for label, count in row["confusions"])
                             or "–")
            lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    lines += ["", (f"Recommended (`engine.langid.best_identifier()`): **{result['best']}** — the highest mean of "
                   "the sentence and query macro accuracies over the 19 languages we serve."),
              "", ("Memory: the process's resident memory after the run minus before the identifier was built "
                   "(lingua loads its models lazily on the first call). Times on the CPU above, one text per call."),
              ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detectors", default=",".join(DETECTORS))
    parser.add_argument("--out", help="write OUT.json and OUT.md")
    args = parser.parse_args()

    from engine.hardware import cpu_info
    from engine.langid import BEST_IDENTIFIER
    from engine.languages import LANGUAGES

    served = [lang.code for lang in LANGUAGES]
    sets, notes = test_sets()
    result = {"kind": "optical-clir language identification", "cpu": cpu_info().as_dict(),
              "command": "python benchmarks/bench_langid.py" + (f" --out {args.out}" if args.out else ""),
              "held_out": "Test text is held out from the n-gram model's training: it trains on the train splits "
                          "only, and a held-out line whose text also occurs in a train split is dropped "
                          "(`dropped_as_in_train`).",
              "notes": notes, "sizes": {s: {lang: len(t) for lang, t in by.items()} for s, by in sets.items()},
              "detectors": {}}
    context = multiprocessing.get_context("spawn")
    for name in args.detectors.split(","):
        print(f"bench_langid: {name} ...", file=sys.stderr)
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            run = pool.submit(run_detector, name, sets).result()
        result["detectors"][name] = {"supports": run["languages"], "cost": run["cost"],
                                     **{s: score(p, served) for s, p in run["predictions"].items()}}
    ranked = {name: (det["sentences"]["macro"] + det["queries"]["macro"]) / 2
              for name, det in result["detectors"].items()}
    result["best"] = max(ranked, key=ranked.get)
    result["best_identifier"] = BEST_IDENTIFIER
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(json.dumps({name: {s: det[s]["macro"] for s in sets} for name, det in result["detectors"].items()}))
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.with_suffix(".json").write_text(text + "\n", encoding="utf-8")
        out.with_suffix(".md").write_text(to_markdown(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
