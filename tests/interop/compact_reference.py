"""Writes reference/minilm's JSON lines (stdin) to stdout with each embedding value cut to 7
significant digits: the check allows 1e-4, and the full digits doubled the committed file."""
import json
import sys

for line in sys.stdin:
    row = json.loads(line)
    row["embedding"] = [float(f"{v:.7g}") for v in row["embedding"]]
    print(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
