#!/usr/bin/env python3
"""The models of Szegedy et al.'s cross-training-set experiment (arXiv 1312.6199, §4.2, Tables 3–4).

    /usr/bin/python3 scripts/szegedy_cross_training.py --data /usr/share/datasets/fashion-mnist --out DIR/models

The paper splits the MNIST training set into two disjoint halves P0 and P1 and trains
fully-connected networks on them: two of the same shape on P0 and P1, and one of another shape
(other hyper-parameters) on P0. Its adversarial examples, made for one model, are then fed to the
others (`printshot reproduce szegedy-cross-training`, src/services/cross-training.ts). Here, on
Fashion-MNIST, three MLPs in the paper's FC shapes (ReLU hidden layers, softmax output):

    fc100-100-10-p0   FC100-100-10 on P0
    fc123-456-10-p0   FC123-456-10 on P0   (other widths: the different hyper-parameters)
    fc100-100-10-p1   FC100-100-10 on P1   (same shape, disjoint data)

Parameters: --epochs (per model), --weight-decay λ (the paper's L2 penalty λ·Σ‖W‖², same for all),
--seed (the split, and seed + i the init/shuffling of model i), --batch-size, --lr (Adam),
--limit N (first N train and test images: tests). Each model is written as a TF.js Layers folder
DIR/<name>/ whose model-card.json `provenance` records its half, split, hyper-parameters and test
accuracy. Stages are resumable: a finished model whose recorded settings match is kept; an
unfinished one resumes from its per-epoch checkpoint (defend_io.Workspace). JSON lines on stdout
(defend_io.emit); SIGTERM/SIGINT checkpoint and exit 130.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import sys
import time

try:
    import numpy  # noqa: F401
    import torch
    from torch import nn
except ImportError as e:  # reported before anything else so the CLI can say what to install
    sys.stdout.write(json.dumps({"type": "error", "code": "no-torch", "message": f"{sys.executable} cannot import PyTorch ({e})",
                                 "hint": "install python3-torch (apt-get install python3-torch), or set PRINTSHOT_PYTHON"}) + "\n")
    sys.exit(4)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from defend_attacks import predict  # noqa: E402
from defend_io import (CANCELLED_EXIT, Cancelled, Classifier, DefendError, Stopper, Workspace,  # noqa: E402
                       data_identity, emit, load_idx_dir)
from train_default_model import LABELS  # noqa: E402

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
PAPER = "Szegedy et al. 2013, Intriguing properties of neural networks, arXiv 1312.6199, section 4.2, Tables 3-4"
# (name, hidden widths, training half)
MODELS = [("fc100-100-10-p0", [100, 100], 0), ("fc123-456-10-p0", [123, 456], 0), ("fc100-100-10-p1", [100, 100], 1)]


def split_halves(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two disjoint halves (P0, P1) of range(n) covering it, drawn by a seeded permutation; sorted."""
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[: n // 2].sort().values, perm[n // 2:].sort().values


def indices_sha256(idx: torch.Tensor) -> str:
    return hashlib.sha256(idx.to(torch.int64).numpy().tobytes()).hexdigest()


def make_mlp(hidden: list[int], inputs: int = 784, classes: int = 10) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Flatten()]
    for width in hidden:
        layers += [nn.Linear(inputs, width), nn.ReLU()]
        inputs = width
    return nn.Sequential(*layers, nn.Linear(inputs, classes))


def l2_penalty(net: nn.Module) -> torch.Tensor:
    """Σ‖W‖² over the weight matrices (not the biases), the paper's weight decay term."""
    return sum((m.weight ** 2).sum() for m in net.modules() if isinstance(m, nn.Linear))


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=DEFAULT_DATA, help="folder with the four Fashion-MNIST IDX .gz files")
    ap.add_argument("--out", required=True, help="folder for the three model folders")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--weight-decay", type=float, default=1e-5, help="λ of the penalty λ·Σ‖W‖²")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--limit", type=int, default=None, help="use only the first N train and test images (tests)")
    ap.add_argument("--stop-on-stdin-eof", action="store_true", help="checkpoint and stop when stdin closes (set by printshot)")
    a = ap.parse_args(argv)
    bad = [f for f, ok in [("--epochs", a.epochs > 0), ("--batch-size", a.batch_size > 0), ("--threads", a.threads > 0),
                           ("--weight-decay", a.weight_decay >= 0), ("--lr", a.lr > 0), ("--limit", a.limit is None or a.limit >= 2)] if not ok]
    if bad:
        raise DefendError("bad-argument", f"out of range: {', '.join(bad)}")
    return a


def settings(a: argparse.Namespace, name: str, hidden: list[int], half: int, data_id: dict) -> dict:
    """What changes a model's weights: a finished model or a checkpoint is reused only if these match."""
    return {"name": name, "hidden": hidden, "half": half, "epochs": a.epochs, "weightDecay": a.weight_decay, "seed": a.seed,
            "batchSize": a.batch_size, "lr": a.lr, "limit": a.limit, "data": data_id}


def finished(out: str, identity: dict) -> dict | None:
    """The card of a finished model with these settings; None if absent; an error if it differs."""
    card_path = os.path.join(out, "model-card.json")
    if not os.path.isfile(os.path.join(out, "model.json")) or not os.path.isfile(card_path):
        return None
    with open(card_path, encoding="utf-8") as f:
        card = json.load(f)
    if card.get("provenance", {}).get("settings") != identity:
        raise DefendError("checkpoint-mismatch", f"{out} holds a model trained with other settings",
                          "use another --out, or repeat the options it was trained with")
    return card


def train_one(a, i: int, name: str, hidden: list[int], half: torch.Tensor, data: dict, identity: dict,
              stopper: Stopper, first: int, total: int) -> dict:
    ws = Workspace(os.path.join(a.out, name))
    state = ws.open(identity, force=False, resume=False)
    torch.manual_seed(a.seed + 1 + i)
    card = {"name": name, "labels": LABELS, "input": {"height": 28, "width": 28, "channels": 1}, "range": "0-1"}
    model = Classifier(make_mlp(hidden), card)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    gen = torch.Generator().manual_seed(a.seed + 1 + i)
    history, elapsed, start_epoch = [], 0.0, 0
    if state:
        model.net.load_state_dict(state["net"])
        opt.load_state_dict(state["opt"])
        gen.set_state(state["gen"])
        history, elapsed, start_epoch = state["history"], state["elapsed"], state["epoch"]
    x, y = data["train"][0][half], data["train"][1][half]
    xt, yt = data["test"]
    steps = -(-x.shape[0] // a.batch_size)
    t0 = time.time()
    for epoch in range(start_epoch, a.epochs):
        perm = torch.randperm(x.shape[0], generator=gen)
        model.train()
        for step in range(steps):
            idx = perm[step * a.batch_size:(step + 1) * a.batch_size]
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx]) + a.weight_decay * l2_penalty(model.net)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step + 1 == steps or (step + 1) % 20 == 0:
                emit("progress", phase=name, epoch=epoch + 1, epochs=a.epochs, step=step + 1, steps=steps,
                     done=first + epoch * steps + step + 1, total=total, loss=round(loss.item(), 5))
        model.eval()
        acc = (predict(model, xt).argmax(1) == yt).float().mean().item()
        history.append({"phase": name, "epoch": epoch + 1, "loss": round(loss.item(), 5), "testAccuracy": round(acc, 4),
                        "seconds": round(elapsed + time.time() - t0, 1)})
        emit("epoch", **history[-1])
        # Checkpoint per epoch (an MLP epoch is seconds): a cancel stops here.
        ws.save_checkpoint({"net": model.net.state_dict(), "opt": opt.state_dict(), "gen": gen.get_state(), "history": history,
                            "elapsed": elapsed + time.time() - t0, "epoch": epoch + 1})
        emit("checkpoint", path=ws.state_path, done=first + (epoch + 1) * steps, total=total)
        if stopper.stop:
            raise Cancelled(ws.partial)
    out_card = {
        "schemaVersion": 1, "name": name,
        "description": f"MLP FC{'-'.join(map(str, hidden))}-10 trained on half P{identity['half']} of the training set "
                       "(Szegedy et al. cross-training-set experiment); 28x28x1 input in [0,1]; outputs softmax probabilities.",
        **card, "outputs": "probabilities",
        "provenance": {
            "experiment": "szegedy-cross-training", "paper": PAPER,
            "architecture": f"FC{'-'.join(map(str, hidden))}-10 (ReLU)", "hidden": hidden,
            "trainingHalf": f"P{identity['half']}", "halfSize": int(x.shape[0]),
            "split": {"seed": a.seed, "of": int(data["train"][0].shape[0]), "indicesSha256": indices_sha256(half)},
            "weightDecay": a.weight_decay, "epochs": a.epochs, "batchSize": a.batch_size, "optimizer": f"Adam(lr={a.lr:g})",
            "initSeed": a.seed + 1 + i, "dataset": {"dir": a.data, "train": int(x.shape[0]), "test": int(xt.shape[0])},
            "testAccuracy": history[-1]["testAccuracy"] if history else None, "testSetSize": int(xt.shape[0]),
            "history": history, "settings": identity, "trainingScript": "scripts/szegedy_cross_training.py",
            "framework": f"PyTorch {torch.__version__}", "date": datetime.date.today().isoformat(),
        },
    }
    ws.finish(model.net, (1, 28, 28), out_card)
    return out_card


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    stopper = Stopper()
    if a.stop_on_stdin_eof:
        stopper.watch_stdin()
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    t0 = time.time()
    data = load_idx_dir(a.data, a.limit)
    if tuple(data["train"][0].shape[1:]) != (1, 28, 28):
        raise DefendError("bad-dataset", f"expected 28x28 grey images in {a.data}, got {list(data['train'][0].shape[1:])}")
    halves = split_halves(data["train"][0].shape[0], a.seed)
    data_id = data_identity(a.data)
    os.makedirs(a.out, exist_ok=True)
    steps = [-(-halves[h].shape[0] // a.batch_size) * a.epochs for _, _, h in MODELS]
    total = sum(steps)
    emit("start", command="szegedy-cross-training", out=os.path.abspath(a.out), partial="", resumed=False, resumedAt=None,
         total=total, phases=[m[0] for m in MODELS])
    cards = []
    try:
        for i, (name, hidden, h) in enumerate(MODELS):
            identity = settings(a, name, hidden, h, data_id)
            card = finished(os.path.join(a.out, name), identity)
            skipped = card is not None
            if card is None:
                card = train_one(a, i, name, hidden, halves[h], data, identity, stopper, sum(steps[:i]), total)
            emit("model", name=name, out=os.path.abspath(os.path.join(a.out, name)), reused=skipped,
                 testAccuracy=card["provenance"]["testAccuracy"], done=sum(steps[:i + 1]), total=total)
            cards.append(card)
    except Cancelled as c:
        emit("cancelled", checkpoint="", partial=str(c))
        return CANCELLED_EXIT
    emit("done", out=os.path.abspath(a.out), card={"provenance": {"models": [c["name"] for c in cards]}},
         models=[{"name": c["name"], "dir": os.path.abspath(os.path.join(a.out, c["name"])), "provenance": c["provenance"]} for c in cards],
         seconds=round(time.time() - t0, 1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except DefendError as e:
        emit("error", code=e.code, message=str(e), **({"hint": e.hint} if e.hint else {}))
        sys.exit(1)
