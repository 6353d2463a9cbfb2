"""Builds assets/data/bible/verses.tsv.gz, the parallel verses of the cross-lingual lab (Xu & Yang
2017), from two Debian packages in the public domain, both in the KJV versification:
sword-text-kjv (the English King James Version, module engKJV2006eb) and sword-text-sparv (the
Spanish Reina-Valera 1909, module spaRV1909eb).

Their zText modules (zlib-compressed blocks, a block index and a verse index) are read with
PyPI's pysword 0.2.8, which also holds the versification, and its markup cleaner (Strong's
numbers, notes and titles go). Run once by hand (the output is shipped; nothing downloads at
build or test time):
    sudo apt-get install sword-text-kjv sword-text-sparv
    python3 -m venv /tmp/sword && /tmp/sword/bin/pip install pysword==0.2.8
    /tmp/sword/bin/python scripts/data/make_bible_set.py /usr/share/sword assets/data/bible/verses.tsv.gz

One line per verse that both translations have: split, genre (index into GENRES), book (OSIS
name), chapter, verse, the English text, the Spanish text. The split is by chapter, seeded and
stratified by genre: a fifth of each genre's chapters are test, so neighbouring verses never sit
on both sides.
"""
import gzip
import random
import re
import sys

from pysword.modules import SwordModules

SEED = 17
ENGLISH, SPANISH = "engKJV2006eb", "spaRV1909eb"
# Each genre and the number of books in it, in canonical order (39 + 27 books).
GENRES = [
    ("Law", 5),
    ("History", 12),
    ("Wisdom", 5),
    ("Prophets", 17),
    ("Gospels and Acts", 5),
    ("Letters", 21),
    ("Revelation", 1),
]


def clean(text):
    """One line of plain text: the paragraph marks and the cleaner's spacing go."""
    text = text.replace("¶", " ").replace("\t", " ")
    return re.sub(r"\s+", " ", text).strip()


def books(structure):
    """(OSIS name, chapter lengths, genre) for every book, in order."""
    found = structure.get_books()
    ordered = found["ot"] + found["nt"]
    genres = [g for g, (_, n) in enumerate(GENRES) for _ in range(n)]
    assert len(ordered) == len(genres) == 66, len(ordered)
    return [(b.osis_name, b.chapter_lengths, g) for b, g in zip(ordered, genres)]


def verses(bible, book, chapter, count):
    texts = bible.get(books=[book], chapters=[chapter], verses=range(1, count + 1), clean=True, join="\n")
    lines = texts.split("\n")
    assert len(lines) == count, (book, chapter, len(lines), count)
    return [clean(t) for t in lines]


def main(library, out):
    modules = SwordModules(library)
    modules.parse_modules()
    english = modules.get_bible_from_module(ENGLISH)
    spanish = modules.get_bible_from_module(SPANISH)
    chapters = []
    for book, lengths, genre in books(english.get_structure()):
        for chapter, count in enumerate(lengths, start=1):
            pairs = zip(verses(english, book, chapter, count), verses(spanish, book, chapter, count))
            rows = [(genre, book, chapter, v, en, es) for v, (en, es) in enumerate(pairs, 1) if en and es]
            chapters.append((genre, rows))
    rng = random.Random(SEED)
    test = set()
    for genre in range(len(GENRES)):
        mine = [i for i, (g, _) in enumerate(chapters) if g == genre]
        test.update(rng.sample(mine, max(1, len(mine) // 5)))
    kept = 0
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as f:
        for i, (_, rows) in enumerate(chapters):
            split = "test" if i in test else "train"
            for genre, book, chapter, verse, en, es in rows:
                f.write(f"{split}\t{genre}\t{book}\t{chapter}\t{verse}\t{en}\t{es}\n")
                kept += 1
    print(f"{kept} verse pairs in {len(chapters)} chapters ({len(test)} chapters test) -> {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
