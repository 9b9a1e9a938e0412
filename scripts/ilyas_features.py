#!/usr/bin/env python3
"""Ilyas et al., "Adversarial Examples Are Not Bugs, They Are Features" (arXiv 1905.02175), on Fashion-MNIST.

    /usr/bin/python3 scripts/ilyas_features.py --data /usr/share/datasets/fashion-mnist --out DIR [--limit N]

Stages (each saved when done; the same command resumes after a cancel and skips finished stages):

robust   a robust model: the standard model fine-tuned with PGD adversarial training (Madry et al.,
         through defend_train.Run: eps --eps on 0..255, --robust-pgd-steps steps, loss weight --robust-alpha
         on clean images), or the model given by --robust-model.
d_r      D_R (§3.1): for each of --limit chosen training images x, x_r starts at another random training
         image and descends ‖g(x_r) − g(x)‖₂ (g: the robust model's penultimate layer), label y.
d_det    D_det (§3.2): for each of --det-limit chosen training images, targeted PGD on the standard
d_rand   model (--standard-model, default the bundled fashion-cnn, trained on all 60,000 images)
         toward t, relabelled t: t = (y+1) mod 10 for D_det, t uniform over the other 9 classes for
         D_rand. --target det or random builds one of them; both (the default) builds both, as the
         paper's Table 1 reports both.
train_*  the architecture trained from scratch on D (the same chosen real images), D_R, D_det, D_rand.
eval     standard accuracy on the real test set, robust accuracy under L∞ PGD at --eps, and how often the
         standard model's PGD examples transfer to each trained model (the paper's Fig. 2, Table 1, §3.2).

Progress is JSON lines on stdout (defend_io.emit); SIGTERM/SIGINT or stdin EOF stop at the next
batch with the stage saved so far. Run by `printshot reproduce ilyas-features`
(src/services/ilyas-features.ts); documented in docs/reproduction.md.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time

try:
    import torch
except ImportError as e:
    sys.stdout.write(json.dumps({"type": "error", "code": "no-torch", "message": f"{sys.executable} cannot import PyTorch ({e})",
                                 "hint": "install python3-torch (apt-get install python3-torch), or set PRINTSHOT_PYTHON"}) + "\n")
    sys.exit(4)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from defend_io import CANCELLED_EXIT, Cancelled, DefendError, Stopper, data_identity, emit, load_base, load_idx_dir  # noqa: E402
from ilyas_io import Stages, atomic_json, train_data_hash  # noqa: E402
from ilyas_stages import Experiment  # noqa: E402

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = ap.add_argument
    add("--data", default=DEFAULT_DATA, help="folder with the four Fashion-MNIST IDX .gz files")
    add("--out", required=True, help="experiment folder (created, or resumed)")
    add("--limit", type=int, default=1000, help="training images of D_R and of the real D it is compared with")
    add("--det-limit", type=int, default=10000, help="training images of D_det and of D_rand (the paper uses the whole training set)")
    add("--robust-model", default=None, help="TF.js folder of a robust model to use instead of training one")
    add("--standard-model", default="default", help="TF.js folder of the standard model D_det attacks, or 'default'")
    add("--target", choices=["det", "random", "both"], default="both", help="det: D_det, t = (y+1) mod 10; random: D_rand; both")
    add("--seed", type=int, default=0)
    add("--threads", type=int, default=1)
    add("--eps", type=float, default=25.0, help="robust training and robust evaluation radius, L∞ on 0..255")
    add("--robust-train", type=int, default=6000, help="training images for the robust model")
    add("--robust-epochs", type=int, default=1)
    add("--robust-pgd-steps", type=int, default=3)
    add("--robust-alpha", type=float, default=0.0, help="weight of the clean loss (0: Madry et al.'s pure PGD loss)")
    add("--dr-steps", type=int, default=40, help="normalised gradient steps per D_R image (paper: 1000)")
    add("--dr-step", type=float, default=1.0, help="first L2 step on [0,1] pixels, decaying linearly to 0")
    add("--det-norm", choices=["l2", "linf"], default="l2", help="D_det attack ball (the paper: L2)")
    add("--det-eps", type=float, default=None, help="radius: L2 on [0,1] (default 2.0), or L∞ on 0..255 (default 25)")
    add("--det-steps", type=int, default=20)
    add("--det-step", type=float, default=None, help="default 2.5·eps/steps")
    add("--epochs", type=int, default=10, help="epochs of each model trained from scratch")
    add("--batch-size", type=int, default=64)
    add("--lr", type=float, default=1e-3, help="Adam learning rate from scratch (the robust fine-tune uses half)")
    add("--gen-batch", type=int, default=250, help="images per batch when building D_R / D_det and evaluating")
    add("--eval-n", type=int, default=500, help="test images for robust accuracy and transfer (standard accuracy uses all)")
    add("--eval-steps", type=int, default=10, help="L∞ PGD steps of the robust evaluation (step eps/8, random start)")
    add("--checkpoint-every", type=int, default=200, help="training steps between checkpoints")
    add("--force", action="store_true", help="start over when OUT holds a run with other settings")
    add("--stop-on-stdin-eof", action="store_true", help="checkpoint and stop when stdin closes (set by printshot)")
    a = ap.parse_args(argv)
    if a.det_eps is None:
        a.det_eps = 2.0 if a.det_norm == "l2" else 25.0
    if a.det_step is None:
        a.det_step = 2.5 * a.det_eps / a.det_steps
    positive = ["limit", "det_limit", "threads", "eps", "robust_train", "robust_epochs", "robust_pgd_steps", "dr_steps", "dr_step", "det_eps",
                "det_steps", "det_step", "epochs", "batch_size", "lr", "gen_batch", "eval_n", "eval_steps", "checkpoint_every"]
    bad = [f"--{k.replace('_', '-')}" for k in positive if not getattr(a, k) > 0]
    if not 0 <= a.robust_alpha <= 1:
        bad.append("--robust-alpha")
    if a.eps > 255 or (a.det_norm == "linf" and a.det_eps > 255):
        bad.append("--eps" if a.eps > 255 else "--det-eps")
    if bad:
        raise DefendError("bad-argument", f"out of range: {', '.join(bad)}")
    return a


SETTINGS = ["limit", "det_limit", "robust_model", "standard_model", "target", "seed", "eps", "robust_train", "robust_epochs",
            "robust_pgd_steps", "robust_alpha", "dr_steps", "dr_step", "det_norm", "det_eps", "det_steps", "det_step",
            "epochs", "batch_size", "lr", "eval_n", "eval_steps"]


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    stopper = Stopper()
    if a.stop_on_stdin_eof:
        stopper.watch_stdin()
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    started = time.time()
    std_net, card, std_base = load_base(a.standard_model)
    data = load_idx_dir(a.data)
    h, w, c = card["input"]["height"], card["input"]["width"], card["input"]["channels"]
    if tuple(data["train"][0].shape[1:]) != (c, h, w):
        raise DefendError("bad-dataset", f"the standard model takes {h}x{w}x{c} images but {a.data} holds "
                                         f"{'x'.join(map(str, data['train'][0].shape[2:]))}x{data['train'][0].shape[1]}")
    if int(max(data["train"][1].max(), data["test"][1].max())) >= len(card["labels"]):
        raise DefendError("bad-dataset", f"{a.data} has labels beyond the model's {len(card['labels'])} classes")
    for flag, n in (("--limit", a.limit), ("--det-limit", a.det_limit)):
        if n > data["train"][0].shape[0]:
            raise DefendError("bad-argument", f"{flag} {n}: {a.data} has only {data['train'][0].shape[0]} training images")
    stages = Stages(a.out)
    identity = {**{k: getattr(a, k) for k in SETTINGS}, "standardFingerprint": std_base["fingerprint"],
                "data": data_identity(a.data)}
    if a.robust_model:
        identity["robustFingerprint"] = load_base(a.robust_model)[2]["fingerprint"]
    resumed = stages.open(identity, a.force)
    exp = Experiment(a, data, card, std_net, std_base, stages, stopper, train_data_hash(a.data))
    emit("start", command="ilyas-features", out=stages.out, resumed=resumed, stages=exp.stage_names())
    try:
        result = exp.run()
    except Cancelled:
        emit("cancelled", checkpoint=stages.dir, partial=stages.out)
        return CANCELLED_EXIT
    result["seconds"] = {**result["seconds"], "thisRun": round(time.time() - started, 1)}
    result["date"] = datetime.date.today().isoformat()
    path = os.path.join(stages.out, "results", "ilyas-features.json")
    atomic_json(path, result)
    emit("done", out=stages.out, result=path, seconds=round(time.time() - started, 1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except DefendError as e:
        emit("error", code=e.code, message=str(e), **({"hint": e.hint} if e.hint else {}))
        sys.exit(1)
