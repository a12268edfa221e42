#!/usr/bin/env python3
"""The check-worthiness transfer protocols with the TF-IDF + logistic regression peer.

Same splits as `unspin eval checkworthy` (unspin::eval::sentences::transfer), read straight from
the shared data: CLEF 2019 leave one debate out with ClaimBuster in training (less the held-out
debate's sentences); trained on CLEF 2019 + ClaimBuster (less CT24 dev's sentences) and tested on
CheckThat! 2024 English dev; trained on CT24 train (less CLEF 2019's sentences) and tested on the
CLEF 2019 debates. The peer's threshold is chosen on inner 3-fold out-of-fold predictions (F1 of
the positive class), as unspin's is. Writes a Markdown table with unspin's numbers beside it.

    pip install scikit-learn
    cargo build --release -p unspin-cli
    python3 scripts/checkworthy_transfer_peers.py --unspin target/release/unspin \
        --data ../shared/data --out docs/checkworthy-transfer-peers.md
"""

import argparse
import csv
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sentence_peers import f1_pos, fit_with_threshold, ranking  # noqa: E402


def key(t):
    return " ".join(t.split()).lower()


def load(data):
    d = os.path.join(data, "checkworthy")
    clef = [
        (r["text"], r["label"] == "1", r["file_name"])
        for r in csv.DictReader(open(os.path.join(d, "clef2019_train.csv"), newline=""))
    ]
    cb = [
        (r["text"], r["label"] == "1", None)
        for r in csv.DictReader(open(os.path.join(d, "claimbuster_kfold_25ncs.csv"), newline=""))
    ]

    def ct24(name):
        with open(os.path.join(d, name), newline="") as f:
            return [(r["Text"], r["class_label"] == "Yes", None) for r in csv.DictReader(f, delimiter="\t")]

    return clef, cb, ct24("ct24_english_train.tsv"), ct24("ct24_english_dev.tsv")


def fit(rows):
    texts = np.array([r[0] for r in rows], dtype=object)
    gold = np.array([r[1] for r in rows], dtype=bool)
    return fit_with_threshold(texts, gold, f1_pos)


def clef_map(clef, prob):
    by = {}
    for (t, g, deb), p in zip(clef, prob):
        by.setdefault(deb, ([], []))
        by[deb][0].append(g)
        by[deb][1].append(p)
    return ranking(by)[0]


def peer(clef, cb, ct_train, ct_dev):
    out = {}
    prob = np.zeros(len(clef))
    for deb in sorted({r[2] for r in clef}):
        held = {key(r[0]) for r in clef if r[2] == deb}
        train = [r for r in clef if r[2] != deb] + [r for r in cb if key(r[0]) not in held]
        m, _ = fit(train)
        idx = [i for i, r in enumerate(clef) if r[2] == deb]
        prob[idx] = m.predict_proba(np.array([clef[i][0] for i in idx], dtype=object))[:, 1]
    out["checkworthy.clef2019_lodo_map"] = clef_map(clef, prob)
    dev_keys = {key(r[0]) for r in ct_dev}
    train = [r for r in clef + cb if key(r[0]) not in dev_keys]
    m, t = fit(train)
    p = m.predict_proba(np.array([r[0] for r in ct_dev], dtype=object))[:, 1]
    gold = np.array([r[1] for r in ct_dev], dtype=bool)
    out["checkworthy.debates_to_ct24_f1"] = f1_pos(gold, p >= t)
    clef_keys = {key(r[0]) for r in clef}
    m, t = fit([r for r in ct_train if key(r[0]) not in clef_keys])
    p = m.predict_proba(np.array([r[0] for r in clef], dtype=object))[:, 1]
    out["checkworthy.ct24_to_clef2019_map"] = clef_map(clef, p)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unspin", default="target/release/unspin")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default="docs/checkworthy-transfer-peers.md")
    args = ap.parse_args()
    ours = json.loads(
        subprocess.run(
            [args.unspin, "eval", "checkworthy", "--data", args.data, "--format", "json"],
            check=True, capture_output=True, text=True,
        ).stdout
    )
    ours = {
        e["key"]: (e["ranking"]["map"] if e.get("ranking") else e["metrics"]["per_class"][1]["f1"], e["protocol"])
        for e in ours
    }
    theirs = peer(*load(args.data))
    o = [
        "Check-worthiness transfer protocols, unspin and its peer on the same splits "
        "(`python3 scripts/checkworthy_transfer_peers.py`; TF-IDF word 1–2-grams + logistic "
        "regression, scikit-learn, threshold chosen on inner 3-fold out-of-fold F1 as unspin's is; "
        "exact-text overlaps between training and test sentences removed from training).\n",
        "| protocol | metric | unspin | TF-IDF + LR |",
        "|---|---|---|---|",
    ]
    for k, v in theirs.items():
        metric = "F1 (check-worthy)" if k.endswith("_f1") else "MAP over debates"
        u, proto = ours.get(k, (float("nan"), k))
        o.append(f"| {proto} | {metric} | {u:.3f} | {v:.3f} |")
    text = "\n".join(o) + "\n"
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
