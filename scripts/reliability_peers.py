#!/usr/bin/env python3
"""Reliability peers on unspin's own protocol, side by side with unspin.

Runs TF-IDF word 1-2-grams + logistic regression (scikit-learn) and fastText supervised on the
article pool exported by `unspin eval reliability --export-pool`, with the same deduplication,
labels, grouped-by-site folds and leave-one-corpus-out splits as unspin's model (trained on the
corpora of the shipped configuration; every corpus scored when held out), and writes a Markdown table with training and
prediction speed. The pool holds research-only texts: it stays under target/.

    pip install scikit-learn fasttext-wheel
    cargo build --release -p unspin-cli
    python3 scripts/reliability_peers.py --unspin target/release/unspin --data ../shared/data \
        --out docs/reliability-peers.md
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def ece(gold, prob, bins=10):
    """Expected calibration error with equal-width bins (as unspin's metrics.rs)."""
    gold = np.asarray(gold, dtype=float)
    prob = np.clip(np.asarray(prob, dtype=float), 0.0, 1.0)
    idx = np.minimum((prob * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(gold) * abs(gold[m].mean() - prob[m].mean())
    return total


def shift_prior(prob, frm, to):
    """Reads probabilities calibrated for base rate `frm` against base rate `to` (as
    unspin's model/reliability/prior.rs)."""
    p = np.clip(np.asarray(prob, dtype=float), 1e-6, 1 - 1e-6)
    o = p / (1 - p) * (to / (1 - to)) / (frm / (1 - frm))
    return o / (1 + o)


def scores(gold, prob):
    from sklearn.metrics import brier_score_loss, f1_score, roc_auc_score

    gold = np.asarray(gold)
    prob = np.asarray(prob)
    auc = roc_auc_score(gold, prob) if len(set(gold.tolist())) == 2 else float("nan")
    return {
        "auc": auc,
        "macro_f1": f1_score(gold, prob >= 0.5, average="macro", zero_division=0),
        "brier": brier_score_loss(gold, prob),
        "ece": ece(gold, prob),
    }


def doc(a):
    return (a["title"] + "\n" + a["text"]).strip()


class Tfidf:
    name = "TF-IDF word 1–2-grams + logistic regression (scikit-learn, C=1)"

    def fit(self, docs, y):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        x = self.vec.fit_transform(docs)
        self.lr = LogisticRegression(C=1.0, max_iter=2000)
        self.lr.fit(x, y)

    def predict(self, docs):
        return self.lr.predict_proba(self.vec.transform(docs))[:, 1]


class FastText:
    name = "fastText supervised (wordNgrams 2, dim 50, epoch 25, lr 0.5, 1 thread)"

    def fit(self, docs, y):
        import fasttext

        fd, path = tempfile.mkstemp(suffix=".txt")
        with os.fdopen(fd, "w") as f:
            for d, label in zip(docs, y):
                f.write(f"__label__{int(label)} {clean(d)}\n")
        self.model = fasttext.train_supervised(
            path, wordNgrams=2, dim=50, epoch=25, lr=0.5, thread=1, verbose=0
        )
        os.unlink(path)

    def predict(self, docs):
        out = []
        for d in docs:
            # The binding's raw call: fasttext-wheel's `predict` breaks under NumPy 2
            # (`np.array(..., copy=False)`), the underlying `f.predict` does not.
            pairs = self.model.f.predict(clean(d), 2, 0.0, "strict")
            p = {label: prob for prob, label in pairs}
            out.append(float(p.get("__label__1", 1.0 - p.get("__label__0", 0.5))))
        return np.clip(np.asarray(out), 0.0, 1.0)


def clean(d):
    return " ".join(d.lower().split())


def protocol(make, pool):
    """Grouped 5-fold CV over the training corpora and leave-one-corpus-out, plus timings."""
    train_pool = [a for a in pool if a["train"]]
    folds = sorted({a["fold"] for a in train_pool})
    oof = np.zeros(len(train_pool))
    fold_auc = []
    for f in folds:
        tr = [a for a in train_pool if a["fold"] != f]
        te_idx = [i for i, a in enumerate(train_pool) if a["fold"] == f]
        m = make()
        m.fit([doc(a) for a in tr], [a["unreliable"] for a in tr])
        p = m.predict([doc(train_pool[i]) for i in te_idx])
        oof[te_idx] = p
        fold_auc.append(scores([train_pool[i]["unreliable"] for i in te_idx], p)["auc"])
    pooled = scores([a["unreliable"] for a in train_pool], oof)
    loco = {}
    for c in CORPORA:
        tr = [a for a in train_pool if a["corpus"] != c]
        te = [a for a in pool if a["corpus"] == c]
        m = make()
        m.fit([doc(a) for a in tr], [a["unreliable"] for a in tr])
        gold = [a["unreliable"] for a in te]
        p = m.predict([doc(a) for a in te])
        loco[c] = scores(gold, p)
        prior = np.mean([a["unreliable"] for a in tr])
        loco[c]["ece_stated"] = ece(gold, shift_prior(p, prior, np.mean(gold)))
    # Speed: train on the whole training pool, predict it once.
    docs = [doc(a) for a in train_pool]
    m = make()
    t0 = time.perf_counter()
    m.fit(docs, [a["unreliable"] for a in train_pool])
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    m.predict(docs)
    predict_rate = len(docs) / (time.perf_counter() - t0)
    return {
        "fold_auc_mean": float(np.nanmean(fold_auc)),
        "pooled": pooled,
        "loco": loco,
        "loco_mean_without_fakes": float(np.mean([loco[c]["auc"] for c in FIRST])),
        "loco_all_mean_auc": float(np.mean([loco[c]["auc"] for c in ALL_BUT_FAKES])),
        "loco_all_mean_ece": float(np.mean([loco[c]["ece"] for c in ALL_BUT_FAKES])),
        "loco_all_mean_ece_stated": float(np.mean([loco[c]["ece_stated"] for c in ALL_BUT_FAKES])),
        "train_s": train_s,
        "predict_per_s": predict_rate,
    }


def unspin_row(binary, data, pool_path):
    """unspin's numbers from its own eval (same protocol), and its end-to-end speed."""
    out = subprocess.run(
        [binary, "eval", "reliability", "--data", data, "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    j = json.loads(out.stdout)
    e = j["training_sets"][j["shipped"]]
    loco = {
        r["corpus"]: {"auc": r["roc_auc"], "macro_f1": r["macro_f1"], "brier": r["brier"],
                      "ece": r["ece"], "ece_stated": r["ece_stated_prior"]}
        for r in e["leave_one_corpus_out"]
    }
    pooled = {
        "auc": e["pooled"]["roc_auc"],
        "macro_f1": e["pooled"]["macro_f1"],
        "brier": e["pooled"]["brier"],
        "ece": e["pooled"]["ece"],
    }
    # Speed: the full analysis (techniques, sentences, reliability) of the training pool, one
    # thread, through the batch mode.
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, "in.jsonl")
        n = 0
        with open(pool_path) as f, open(inp, "w") as g:
            for i, line in enumerate(f):
                a = json.loads(line)
                if not a["train"]:
                    continue
                g.write(json.dumps({"id": str(i), "title": a["title"], "text": a["text"]}) + "\n")
                n += 1
        t0 = time.perf_counter()
        subprocess.run(
            [binary, "analyze", "--input", inp, "--output", os.path.join(tmp, "out.jsonl")],
            check=True,
        )
        rate = n / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        subprocess.run(
            [binary, "train", "reliability", "--data", data, "--output", os.path.join(tmp, "r.bin")],
            check=True,
            capture_output=True,
        )
        train_s = time.perf_counter() - t0
    return {
        "fold_auc_mean": e["grouped_cv_auc_mean"],
        "pooled": pooled,
        "loco": loco,
        "loco_mean_without_fakes": e["loco_mean_auc_without_fakes"],
        "loco_all_mean_auc": e["loco_all_mean_auc"],
        "loco_all_mean_ece": e["loco_all_mean_ece"],
        "loco_all_mean_ece_stated": e["loco_all_mean_ece_stated_prior"],
        "train_s": train_s,
        "predict_per_s": rate,
    }


CORPORA = ["buzzfeed-webis", "fakenewsnet", "fakenewscorpus", "fa-kes", "hyperpartisan"]
FIRST = ["buzzfeed-webis", "fakenewsnet", "fakenewscorpus"]
ALL_BUT_FAKES = ["buzzfeed-webis", "fakenewsnet", "fakenewscorpus", "hyperpartisan"]


def fmt(x):
    return "—" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:.3f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--unspin", default="target/release/unspin")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--pool", default="target/reliability-pool.jsonl")
    ap.add_argument("--out", default="docs/reliability-peers.md")
    args = ap.parse_args()
    subprocess.run(
        [args.unspin, "eval", "reliability", "--data", args.data, "--export-pool", args.pool],
        check=True,
        capture_output=True,
    )
    with open(args.pool) as f:
        pool = [json.loads(line) for line in f]
    rows = [
        ("unspin (32 document signals + word profile, logistic regression, Platt)", unspin_row(args.unspin, args.data, args.pool)),
        (Tfidf.name, protocol(Tfidf, pool)),
        (FastText.name, protocol(FastText, pool)),
    ]
    corpora = CORPORA
    trained_on = sorted({a["corpus"] for a in pool if a["train"]})
    o = []
    o.append("Peers on the same protocol (`python3 scripts/reliability_peers.py`; same pool, labels, "
             "site-grouped folds and leave-one-corpus-out splits, exported by `unspin eval reliability "
             "--export-pool`; trained on " + ", ".join(trained_on) + " as the shipped model is; "
             "one machine, one run).\n")
    o.append("Leave-one-corpus-out ROC-AUC (trained on the other corpora):\n")
    o.append("| system | " + " | ".join(corpora) + " | mean of the three first | mean of all but FA-KES |")
    o.append("|---" * (len(corpora) + 3) + "|")
    for name, r in rows:
        o.append(f"| {name} | " + " | ".join(fmt(r["loco"][c]["auc"]) for c in corpora)
                 + f" | {fmt(r['loco_mean_without_fakes'])} | {fmt(r['loco_all_mean_auc'])} |")
    o.append("\nLeave-one-corpus-out ECE (calibration under a different base rate), as predicted and "
             "with each held-out corpus's base rate stated (`--base-rate`; the probabilities moved "
             "from the training pool's base rate by Bayes' rule):\n")
    o.append("| system | " + " | ".join(corpora) + " | mean of all but FA-KES | the same, base rate stated |")
    o.append("|---" * (len(corpora) + 3) + "|")
    for name, r in rows:
        o.append(f"| {name} | " + " | ".join(fmt(r["loco"][c]["ece"]) for c in corpora)
                 + f" | {fmt(r['loco_all_mean_ece'])} | {fmt(r['loco_all_mean_ece_stated'])} |")
    o.append("\nGrouped-by-site 5-fold CV (pooled out-of-fold predictions) and speed:\n")
    o.append("| system | fold AUC mean | pooled AUC | macro-F1 | Brier | ECE | train s | predict articles/s |")
    o.append("|---|---|---|---|---|---|---|---|")
    for name, r in rows:
        p = r["pooled"]
        o.append(f"| {name} | {fmt(r['fold_auc_mean'])} | {fmt(p['auc'])} | {fmt(p['macro_f1'])} | "
                 f"{fmt(p['brier'])} | {fmt(p['ece'])} | {r['train_s']:.1f} | {r['predict_per_s']:.0f} |")
    o.append("\nunspin's predict speed is the full analysis (technique spans, sentence signals, "
             "reliability with reasons) through `analyze --input`, one process; its train time "
             "includes analysing the pool. The peers classify only.\n")
    text = "\n".join(o)
    with open(args.out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
