#!/usr/bin/env python3
"""The organisers' kind of baseline for SemEval-2023 Task 3 subtask 3, on unspin's protocol.

The task bundle's baseline is word n-gram counts and a linear SVM per technique; its README gives
its dev-set figure for English, Italian and Russian only. To set French, German and Polish beside
a baseline at all, this script runs that recipe (word 1–2-gram counts, one linear-kernel SVM per
technique, C = 1) under the protocol of `unspin eval techniques --language xx`: 5 folds by article
over the shared part of each language, scored by micro-F1 over the line labels of
`labels-subtask-3.txt` (every listed line, an empty one having no label). The folds are this
script's own grouping by article (the same protocol, not the same assignment of articles to folds
as unspin's).

Usage (scikit-learn in a venv; nothing is copied into the repo but the table):
    python3 scripts/paragraph_baseline_peers.py --data ../shared/data/semeval2023t3 \
        --output docs/paragraph-baseline-peers.md
"""

import argparse
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import GroupKFold
from sklearn.multioutput import MultiOutputClassifier
from sklearn.svm import SVC

FOLDERS = [("en", "en"), ("fr", "fr"), ("de", "ge"), ("it", "it"), ("pl", "po"), ("ru", "ru")]


def load(folder: Path):
    """Lines (text, label set, article id) as labels-subtask-3.txt lists them."""
    texts, labels, groups = [], [], []
    cache = {}
    with open(folder / "labels-subtask-3.txt", encoding="utf-8") as f:
        for row in f:
            parts = row.rstrip("\n").split("\t")
            if len(parts) < 2:
                continue
            art, line = parts[0], int(parts[1])
            techs = [t for t in (parts[2].split(",") if len(parts) > 2 else []) if t]
            if art not in cache:
                path = folder / "articles" / f"article{art}.txt"
                cache[art] = path.read_text(encoding="utf-8").split("\n")
            lines = cache[art]
            texts.append(lines[line - 1] if 0 < line <= len(lines) else "")
            labels.append(set(techs))
            groups.append(art)
    return texts, labels, groups


def micro_f1(gold, pred):
    tp = sum(len(g & p) for g, p in zip(gold, pred))
    n_pred = sum(len(p) for p in pred)
    n_gold = sum(len(g) for g in gold)
    prec = tp / n_pred if n_pred else 0.0
    rec = tp / n_gold if n_gold else 0.0
    return (2 * prec * rec / (prec + rec) if prec + rec else 0.0), prec, rec


def run(folder: Path, folds: int):
    texts, labels, groups = load(folder)
    techniques = sorted({t for ls in labels for t in ls})
    y = np.array([[t in ls for t in techniques] for ls in labels], dtype=int)
    pred = [set() for _ in texts]
    for train, test in GroupKFold(n_splits=folds).split(texts, groups=groups):
        vec = CountVectorizer(ngram_range=(1, 2))
        x_train = vec.fit_transform([texts[i] for i in train])
        cols = [c for c in range(len(techniques)) if 0 < y[train, c].sum() < len(train)]
        clf = MultiOutputClassifier(SVC(kernel="linear", C=1.0))
        clf.fit(x_train, y[np.ix_(train, cols)])
        out = clf.predict(vec.transform([texts[i] for i in test]))
        for row, i in zip(out, test):
            pred[i] = {techniques[cols[k]] for k, v in enumerate(row) if v}
    return micro_f1(labels, pred), len(set(groups)), len(texts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=Path("../shared/data/semeval2023t3"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--languages", default="en,fr,de,it,pl,ru")
    ap.add_argument("--output", type=Path)
    args = ap.parse_args()
    wanted = args.languages.split(",")
    rows = []
    for code, folder in FOLDERS:
        if code not in wanted:
            continue
        t0 = time.time()
        (f1, p, r), arts, lines = run(args.data / folder, args.folds)
        rows.append(f"| {code} | {arts} | {lines} | {f1:.3f} | {p:.3f} | {r:.3f} | {time.time() - t0:.0f} s |")
        print(rows[-1], flush=True)
    table = "\n".join(
        [
            "# SemEval-2023 subtask 3: the organisers' kind of baseline on unspin's protocol",
            "",
            "`python3 scripts/paragraph_baseline_peers.py --data ../shared/data/semeval2023t3` "
            "(scikit-learn): word 1–2-gram counts, one linear-kernel SVM per technique (C = 1), "
            f"{args.folds} folds by article, micro-F1 over the line labels.",
            "",
            "| language | articles | lines | line micro-F1 | P | R | time |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    if args.output:
        args.output.write_text(table, encoding="utf-8")


if __name__ == "__main__":
    main()
