#!/usr/bin/env python3
"""Sentence-model peer on unspin's own protocols, side by side with unspin.

Runs TF-IDF word 1-2-grams + logistic regression (scikit-learn) — the peer the sentence-signals
issue names — on the texts, labels and outer folds exported by
`unspin eval sentences --export-folds`, so both systems see exactly the same splits: clickbait and
hedging by position after a fixed shuffle, CLEF 2019 check-worthiness grouped by debate with
ClaimBuster always in training, ClaimBuster by position with CLEF always in training. Like
unspin, the peer's decision threshold is chosen inside each training fold (inner 3-fold
out-of-fold predictions; accuracy for clickbait, F1 of the positive class otherwise); the 0.5
threshold is reported too. The export holds the data's texts: it stays under target/.

    pip install scikit-learn
    cargo build --release -p unspin-cli
    python3 scripts/sentence_peers.py --unspin target/release/unspin --data ../shared/data \
        --out docs/sentence-peers.md
"""

import argparse
import json
import os
import subprocess
import time
from collections import defaultdict

import numpy as np


def average_precision(gold, score):
    """CLEF 2019 task 1 scorer: rank by score (stable), AP over the relevant lines."""
    order = sorted(range(len(score)), key=lambda i: -score[i])
    pos = sum(gold)
    hits, total = 0, 0.0
    for rank, i in enumerate(order, 1):
        if gold[i]:
            hits += 1
            total += hits / rank
    return total / pos if hits else 0.0


def ranking(debates):
    maps, rps, p5 = [], [], []
    for gold, score in debates.values():
        order = sorted(range(len(score)), key=lambda i: -score[i])
        r = sum(gold)
        maps.append(average_precision(gold, score))
        rps.append(sum(gold[i] for i in order[:r]) / r if r else 0.0)
        p5.append(sum(gold[i] for i in order[:5]) / 5)
    return np.mean(maps), np.mean(rps), np.mean(p5)


def best_threshold(metric, prob, gold):
    best, best_t = -1.0, 0.5
    for t in np.unique(prob):
        pred = prob >= t
        v = metric(gold, pred)
        if v > best:
            best, best_t = v, t
    return best_t


def accuracy(gold, pred):
    return float((gold == pred).mean())


def f1_pos(gold, pred):
    tp = float((gold & pred).sum())
    p = tp / max(pred.sum(), 1)
    r = tp / max(gold.sum(), 1)
    return 2 * p * r / (p + r) if p + r else 0.0


def make_model():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
        LogisticRegression(C=1.0, max_iter=2000, solver="liblinear"),
    )


def fit_with_threshold(texts, gold, metric):
    """Fits the peer and picks its threshold on inner 3-fold out-of-fold predictions."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    inner = cross_val_predict(
        make_model(),
        texts,
        gold,
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        method="predict_proba",
    )[:, 1]
    t = best_threshold(metric, inner, gold)
    return make_model().fit(texts, gold), t


def run_protocol(rows, extra, metric):
    """Outer folds of `rows`; `extra` rows always join the training part."""
    texts = np.array([r["text"] for r in rows], dtype=object)
    gold = np.array([r["label"] for r in rows], dtype=bool)
    folds = np.array([r["fold"] for r in rows])
    ex_t = np.array([r["text"] for r in extra], dtype=object)
    ex_g = np.array([r["label"] for r in extra], dtype=bool)
    prob = np.zeros(len(rows))
    pred_t = np.zeros(len(rows), dtype=bool)
    pred_5 = np.zeros(len(rows), dtype=bool)
    predict_s, predicted = 0.0, 0
    for k in sorted(set(folds.tolist())):
        tr, te = folds != k, folds == k
        x = np.concatenate([texts[tr], ex_t])
        y = np.concatenate([gold[tr], ex_g])
        model, t = fit_with_threshold(x, y, metric)
        t0 = time.perf_counter()
        p = model.predict_proba(texts[te])[:, 1]
        predict_s += time.perf_counter() - t0
        predicted += int(te.sum())
        prob[te] = p
        pred_t[te] = p >= t
        pred_5[te] = p >= 0.5
    return prob, gold, pred_t, pred_5, predicted / predict_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unspin", default="target/release/unspin")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--export", default="target/sentence-folds.jsonl")
    ap.add_argument("--out", default="docs/sentence-peers.md")
    args = ap.parse_args()

    os.makedirs(os.path.dirname(args.export) or ".", exist_ok=True)
    t0 = time.perf_counter()
    ours = json.loads(
        subprocess.run(
            [
                args.unspin,
                "eval",
                "sentences",
                "--data",
                args.data,
                "--format",
                "json",
                "--export-folds",
                args.export,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    ours_s = time.perf_counter() - t0

    by = defaultdict(list)
    with open(args.export, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            by[r["protocol"]].append(r)

    peer = {}
    t0 = time.perf_counter()
    prob, gold, pt, p5, speed = run_protocol(by["clickbait"], [], accuracy)
    peer["clickbait"] = dict(
        metric="accuracy", value=accuracy(gold, pt), at_half=accuracy(gold, p5), speed=speed
    )
    prob, gold, pt, p5, speed = run_protocol(by["hedging"], [], f1_pos)
    peer["hedging"] = dict(
        metric="F1 (uncertain)", value=f1_pos(gold, pt), at_half=f1_pos(gold, p5), speed=speed
    )
    prob, gold, pt, p5, speed = run_protocol(by["clef2019"], by["claimbuster"], f1_pos)
    debates = defaultdict(lambda: ([], []))
    for r, p in zip(by["clef2019"], prob):
        debates[r["debate"]][0].append(r["label"])
        debates[r["debate"]][1].append(p)
    m, rp, p5v = ranking(debates)
    peer["clef2019"] = dict(metric="MAP", value=m, r_precision=rp, p_at_5=p5v, speed=speed)
    prob, gold, pt, p5, speed = run_protocol(by["claimbuster"], by["clef2019"], f1_pos)
    peer["claimbuster"] = dict(
        metric="F1 (check-worthy)", value=f1_pos(gold, pt), at_half=f1_pos(gold, p5), speed=speed
    )
    peer_s = time.perf_counter() - t0

    def our(task, ranked=False, proto_has=None):
        for e in ours:
            if e["task"] != task:
                continue
            if proto_has and proto_has not in e["protocol"]:
                continue
            return e
        raise SystemExit(f"no unspin result for {task}")

    cb = our("clickbait")
    hd = our("hedging")
    clef = our("checkworthy", proto_has="CLEF")
    clb = our("checkworthy", proto_has="ClaimBuster ground truth")
    rows = [
        ("clickbait", "accuracy", cb["metrics"]["accuracy"], peer["clickbait"], 0.982),
        ("hedging", "F1 (uncertain)", hd["metrics"]["per_class"][1]["f1"], peer["hedging"], 0.65),
        ("check-worthiness, CLEF 2019 by debate", "MAP", clef["ranking"]["map"], peer["clef2019"], 0.27),
        (
            "check-worthiness, ClaimBuster",
            "F1 (check-worthy)",
            clb["metrics"]["per_class"][1]["f1"],
            peer["claimbuster"],
            None,
        ),
    ]
    out = [
        "# Sentence models and their peer, same protocols",
        "",
        "Produced by `python3 scripts/sentence_peers.py --unspin target/release/unspin --data ../shared/data`"
        " (scikit-learn TF-IDF word 1–2-grams, sublinear tf, + logistic regression C=1, liblinear) on the"
        " folds `unspin eval sentences --export-folds` writes, so both systems see the same outer folds."
        " Both choose their decision threshold inside each training fold; the peer's figure at a fixed"
        " 0.5 threshold is shown too.",
        "",
        "| task | metric | unspin | TF-IDF + LR (threshold in fold) | TF-IDF + LR (0.5) | target | peer predict, sentences/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for task, metric, u, p, target in rows:
        half = f"{p['at_half']:.4f}" if "at_half" in p else "–"
        tgt = f"≥ {target}" if target else "–"
        out.append(
            f"| {task} | {metric} | **{u:.4f}** | {p['value']:.4f} | {half} | {tgt} | {p['speed']:,.0f} |"
        )
    out += [
        "",
        f"CLEF 2019 ranking, R-precision / P@5: unspin {clef['ranking']['r_precision']:.3f} / "
        f"{clef['ranking']['precision_at']['5']:.3f}, peer {peer['clef2019']['r_precision']:.3f} / "
        f"{peer['clef2019']['p_at_5']:.3f}.",
        "",
        f"Wall time of the whole protocol on this machine: unspin {ours_s:.0f} s (`eval sentences`:"
        f" features, inner learning-rate choice, calibration and thresholds, all four protocols),"
        f" peer {peer_s:.0f} s (fits and inner threshold folds, all four protocols). The peer's"
        " prediction speed is scikit-learn's vectorise + predict_proba over each held-out fold, one"
        " thread; unspin's cost inside `analyze` is in docs/BENCHMARKS.md.",
        "",
    ]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
