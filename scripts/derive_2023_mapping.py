#!/usr/bin/env python3
"""How the SemEval-2023 relabelling of the PTC articles maps onto the 14 PTC-2020 techniques.

The English set of SemEval-2023 Task 3 is the PTC-2020 train+dev articles with their spans
relabelled in 23 techniques. For every 2023 span whose text equals a 2020 span's text in the
same article, this counts the pair of labels; each 2023 technique maps to the 2020 technique
its spans most often carry (or to none, when most of its spans have no 2020 counterpart).
The table it prints is `LINE_MAP` in crates/unspin/src/data/semeval2023.rs.

    python3 scripts/derive_2023_mapping.py ../shared/data
"""
import collections
import sys
from pathlib import Path

root = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
ptc = {}
for split in ["train", "dev"]:
    arts = {p.stem[7:]: p.read_text(encoding="utf-8") for p in (root / f"ptc2020/{split}-articles").glob("article*.txt")}
    for line in (root / f"ptc2020/{split}-task-flc-tc.labels").read_text().splitlines():
        if not line.strip():
            continue
        a, t, s, e = line.split("\t")
        ptc.setdefault(a, collections.defaultdict(set))[arts[a][int(s):int(e)].strip()].add(t)
pairs = collections.Counter()
total = collections.Counter()
for p in sorted((root / "semeval2023t3/en/spans").glob("*.txt")):
    aid = p.name[7:].split("-")[0]
    text = (root / f"semeval2023t3/en/articles/article{aid}.txt").read_text(encoding="utf-8")
    for line in p.read_text().splitlines():
        if not line.strip():
            continue
        a, t, s, e = line.split("\t")
        total[t] += 1
        old = ptc.get(aid, {}).get(text[int(s):int(e)].strip(), set())
        for o in old or {"(none)"}:
            pairs[(t, o)] += 1
for t in sorted(total):
    row = sorted(((n, o) for (x, o), n in pairs.items() if x == t), reverse=True)
    print(f"{t:40s} {total[t]:5d}  " + ", ".join(f"{o} {n}" for n, o in row[:4]))
