#!/usr/bin/env python3
"""Defended targets for Printshot: adversarial training and defensive distillation.

    /usr/bin/python3 scripts/defend_train.py harden  --model default --method fgsm --eps 25 --alpha 0.5 \\
        --epochs 3 --data /usr/share/datasets/fashion-mnist --out DIR
    /usr/bin/python3 scripts/defend_train.py distill --model default --temperature 100 --epochs 5 --out DIR

harden  Goodfellow, Shlens & Szegedy (arXiv 1412.6572) §6: J̃ = α·J(x,y) + (1−α)·J(x + ε·sign(∇x J), y),
        adversarial examples regenerated for every minibatch from the current weights (fgsm, or pgd).
distill Papernot et al. (arXiv 1511.04508) as evaluated by Carlini & Wagner (arXiv 1608.04644): a
        teacher trained on softmax(logits/T), a student trained on the teacher's softmax(logits/T),
        deployed at T = 1 (its raw logits, exported with the final softmax like the bundled model).

--model DIR|default gives the architecture and the initial weights (of both teacher and student);
--from-scratch keeps the architecture but reinitialises the weights. Output: a TF.js Layers model
folder whose model-card.json `provenance` records the training and a PyTorch robustness report
(clean accuracy, FGSM/BIM error at --eval-eps) of the base and the trained model.

Progress is JSON lines on stdout (see defend_io.emit); SIGTERM/SIGINT stop after saving a
checkpoint (exit 130), and the same command resumes. Used by `printshot harden|distill`
(src/services/defend). Documented in docs/defended-models.md.
"""
from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import sys
import time

try:
    import numpy  # noqa: F401
    import torch
except ImportError as e:  # reported before anything else so the CLI can say what to install
    sys.stdout.write(json.dumps({"type": "error", "code": "no-torch", "message": f"{sys.executable} cannot import PyTorch ({e})",
                                 "hint": "install python3-torch (apt-get install python3-torch), or set PRINTSHOT_PYTHON"}) + "\n")
    sys.exit(4)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from defend_attacks import fgsm, harden_loss, pgd, predict, robustness, soft_cross_entropy  # noqa: E402
from defend_io import (CANCELLED_EXIT, Cancelled, Classifier, DefendError, Stopper, Workspace,  # noqa: E402
                       data_identity, emit, load_base, load_idx_dir, reinitialize)

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("harden", "distill"):
        p = sub.add_parser(name)
        p.add_argument("--model", default="default", help="TF.js Layers folder to start from, or 'default'")
        p.add_argument("--from-scratch", action="store_true", help="reinitialise --model's weights")
        p.add_argument("--epochs", type=int, default=3 if name == "harden" else 5)
        p.add_argument("--data", default=DEFAULT_DATA, help="folder with the four Fashion-MNIST IDX .gz files")
        p.add_argument("--out", required=True)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, default=1)
        p.add_argument("--batch-size", type=int, default=64)
        p.add_argument("--lr", type=float, default=None, help="Adam learning rate (default 5e-4 to fine-tune in harden, else 1e-3)")
        p.add_argument("--limit", type=int, default=None, help="use only the first N train and test images (tests)")
        p.add_argument("--checkpoint-every", type=int, default=200, help="steps between checkpoints (also each epoch)")
        p.add_argument("--resume", action="store_true", help="require a checkpoint to resume (matching runs resume anyway)")
        p.add_argument("--force", action="store_true", help="restart over a mismatched checkpoint / write into an existing --out")
        p.add_argument("--eval-eps", type=float, default=None, help="eps (0..255) of the final FGSM/BIM report (default 25)")
        p.add_argument("--eval-bim-steps", type=int, default=10)
        p.add_argument("--stop-on-stdin-eof", action="store_true", help="checkpoint and stop when stdin closes (set by printshot)")
        if name == "harden":
            p.add_argument("--method", choices=["fgsm", "pgd"], default="fgsm")
            p.add_argument("--eps", type=float, default=25.0, help="on the 0..255 scale")
            p.add_argument("--alpha", type=float, default=0.5)
            p.add_argument("--pgd-steps", type=int, default=7)
            p.add_argument("--pgd-step", type=float, default=None, help="0..255 scale (default 2.5·eps/steps)")
            p.add_argument("--adv-labels", choices=["true", "predicted"], default="true",
                           help="labels for making x_adv; 'predicted' avoids label leaking (Kurakin et al. 2016)")
        else:
            p.add_argument("--temperature", type=float, default=100.0)
            p.add_argument("--teacher-epochs", type=int, default=None, help="default: --epochs")
    a = ap.parse_args(argv)
    bad = [f for f, ok in [("--epochs", a.epochs > 0), ("--batch-size", a.batch_size > 0), ("--threads", a.threads > 0),
                           ("--checkpoint-every", a.checkpoint_every > 0),
                           ("--eps", a.command != "harden" or 0 < a.eps <= 255), ("--alpha", a.command != "harden" or 0 <= a.alpha <= 1),
                           ("--pgd-steps", a.command != "harden" or a.pgd_steps > 0),
                           ("--temperature", a.command != "distill" or a.temperature > 0)] if not ok]
    if bad:
        raise DefendError("bad-argument", f"out of range: {', '.join(bad)}")
    # Distilling at T makes the network grow its logits ~T-fold, which undoes a fine-tuning start
    # anyway: it gets the from-scratch rate. Adversarial fine-tuning keeps the features, at half of it.
    a.lr = a.lr if a.lr is not None else (1e-3 if a.from_scratch or a.command == "distill" else 5e-4)
    a.eval_eps = a.eval_eps if a.eval_eps is not None else 25.0
    if a.command == "harden" and a.pgd_step is None:
        a.pgd_step = 2.5 * a.eps / a.pgd_steps
    if a.command == "distill" and a.teacher_epochs is None:
        a.teacher_epochs = a.epochs
    return a


def training_settings(a: argparse.Namespace) -> dict:
    """Everything that changes the trained weights: a checkpoint resumes only if these match."""
    keys = ["command", "from_scratch", "epochs", "seed", "batch_size", "lr", "limit"]
    if a.command == "distill":
        keys += ["temperature", "teacher_epochs"]
    else:
        keys += ["method", "eps", "alpha", "adv_labels"] + (["pgd_steps", "pgd_step"] if a.method == "pgd" else [])
    return {k: getattr(a, k) for k in keys}


class Run:
    def __init__(self, a: argparse.Namespace, data: dict, ws: Workspace, stopper: Stopper, state: dict | None):
        self.a, self.ws, self.stopper, self.state = a, ws, stopper, state
        self.x, self.y = data["train"]
        self.xt, self.yt = data["test"]
        self.steps = -(-self.x.shape[0] // a.batch_size)
        self.gen = torch.Generator().manual_seed(a.seed)            # shuffling
        self.adv_gen = torch.Generator().manual_seed(a.seed + 1)    # PGD random starts
        self.models: dict[str, Classifier] = {}
        self.history: list[dict] = state["history"] if state else []
        self.elapsed = state["elapsed"] if state else 0.0
        self.t0 = time.time()
        if state:
            self.gen.set_state(state["gen"])
            self.adv_gen.set_state(state["adv_gen"])

    def seconds(self) -> float:
        return self.elapsed + time.time() - self.t0

    def save(self, phase: str, epoch: int, step: int, perm, opt) -> None:
        self.ws.save_checkpoint({
            "phase": phase, "epoch": epoch, "step": step, "perm": perm, "gen": self.gen.get_state(),
            "adv_gen": self.adv_gen.get_state(), "models": {k: m.net.state_dict() for k, m in self.models.items()},
            "opt": opt.state_dict() if opt else None, "history": self.history, "elapsed": self.seconds()})

    def train_phase(self, phase: str, model: Classifier, epochs: int, loss_fn, first: int, total: int) -> None:
        """Adam over shuffled minibatches; `first` = steps done before this phase (for the progress bar)."""
        a, st = self.a, self.state
        opt = torch.optim.Adam(model.parameters(), lr=a.lr)
        start_epoch, start_step, perm = 0, 0, None
        if st and st["phase"] == phase:
            start_epoch, start_step, perm = st["epoch"], st["step"], st["perm"]
            if st["opt"]:
                opt.load_state_dict(st["opt"])
        for epoch in range(start_epoch, epochs):
            if perm is None:
                perm = torch.randperm(self.x.shape[0], generator=self.gen)
            model.train()
            for step in range(start_step, self.steps):
                idx = perm[step * a.batch_size:(step + 1) * a.batch_size]
                loss = loss_fn(self.x[idx], self.y[idx], idx)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                done = first + epoch * self.steps + step + 1
                if step + 1 == self.steps or (step + 1) % 10 == 0:
                    emit("progress", phase=phase, epoch=epoch + 1, epochs=epochs, step=step + 1, steps=self.steps,
                         done=done, total=total, loss=round(loss.item(), 5))
                # At an epoch's last step the epoch-end code below saves (and stops) instead.
                if step + 1 < self.steps and (self.stopper.stop or (step + 1) % a.checkpoint_every == 0):
                    self.save(phase, epoch, step + 1, perm, opt)
                    emit("checkpoint", path=self.ws.state_path, done=done, total=total)
                    if self.stopper.stop:
                        raise Cancelled
            start_step, perm = 0, None
            acc = (predict(model, self.xt).argmax(1) == self.yt).float().mean().item()
            self.history.append({"phase": phase, "epoch": epoch + 1, "loss": round(loss.item(), 5), "testAccuracy": round(acc, 4),
                                 "seconds": round(self.seconds(), 1)})
            emit("epoch", **self.history[-1])
            self.save(phase, epoch + 1, 0, None, opt)
            if self.stopper.stop:
                raise Cancelled

    def restore(self, name: str, model: Classifier) -> Classifier:
        if self.state and name in self.state["models"]:
            model.net.load_state_dict(self.state["models"][name])
        self.models[name] = model
        return model


def make_adv_fn(a: argparse.Namespace, model: Classifier, gen: torch.Generator):
    def make(x, y):
        if a.adv_labels == "predicted":
            y = predict(model, x).argmax(1)
        if a.method == "fgsm":
            return fgsm(model, x, y, a.eps)
        return pgd(model, x, y, a.eps, a.pgd_steps, a.pgd_step, random_start=True, generator=gen)
    return make


def main(argv: list[str]) -> int:
    a = parse_args(argv)
    stopper = Stopper()  # early, so a cancel while loading still ends in a clean exit
    if a.stop_on_stdin_eof:
        stopper.watch_stdin()
    torch.set_num_threads(a.threads)
    torch.use_deterministic_algorithms(True)
    torch.manual_seed(a.seed)
    net, card, base = load_base(a.model)
    data = load_idx_dir(a.data, a.limit)
    h, w, c = card["input"]["height"], card["input"]["width"], card["input"]["channels"]
    if tuple(data["train"][0].shape[1:]) != (c, h, w):
        raise DefendError("bad-dataset", f"the model takes {h}x{w}x{c} images but {a.data} holds "
                                         f"{'x'.join(map(str, data['train'][0].shape[2:]))}x{data['train'][0].shape[1]}")
    if int(max(data["train"][1].max(), data["test"][1].max())) >= len(card["labels"]):
        raise DefendError("bad-dataset", f"{a.data} has labels beyond the model's {len(card['labels'])} classes")
    ws = Workspace(a.out)
    identity = {**training_settings(a), "base": base["fingerprint"], "data": data_identity(a.data)}
    state = ws.open(identity, a.force, a.resume)
    run = Run(a, data, ws, stopper, state)
    base_model = Classifier(copy.deepcopy(net), card).eval()
    init = copy.deepcopy(net)
    phases = [("train", a.epochs)] if a.command == "harden" else [("teacher", a.teacher_epochs), ("student", a.epochs)]
    total = sum(e for _, e in phases) * run.steps
    emit("start", command=a.command, out=ws.out, partial=ws.partial, resumed=state is not None,
         resumedAt=(state or {}).get("phase"), total=total, phases=[p for p, _ in phases])
    order = [p for p, _ in phases] + ["eval"]
    reached = order.index(state["phase"]) if state else 0
    try:
        if a.command == "harden":
            model = run.restore("model", Classifier(init, card))
            if a.from_scratch and not state:
                reinitialize(model.net)
            if reached == 0:
                adv = make_adv_fn(a, model, run.adv_gen)
                run.train_phase("train", model, a.epochs, lambda x, y, _i: harden_loss(model, x, y, a.alpha, adv), 0, total)
        else:
            T = a.temperature
            teacher = run.restore("teacher", Classifier(copy.deepcopy(init), card))
            if a.from_scratch and not state:
                reinitialize(teacher.net)
            if reached == 0:
                run.train_phase("teacher", teacher, a.teacher_epochs,
                                lambda x, y, _i: torch.nn.functional.cross_entropy(teacher(x) / T, y), 0, total)
                run.save("student", 0, 0, None, None)
            model = Classifier(init, card)
            if a.from_scratch and reached < 2 and not (state and "model" in state["models"]):
                torch.manual_seed(a.seed + 1)
                reinitialize(model.net)
            model = run.restore("model", model)
            if reached <= 1:
                soft = torch.softmax(predict(teacher.eval(), run.x) / T, dim=1)  # the teacher's soft labels at T
                run.train_phase("student", model, a.epochs, lambda x, _y, i: soft_cross_entropy(model(x), soft[i], T),
                                a.teacher_epochs * run.steps, total)
        run.save("eval", 0, 0, None, None)
        reports = {}
        for name, m in (("base", base_model), ("trained", model)):
            def tick(d: int, t: int, name: str = name) -> None:
                emit("eval", model=name, done=d, total=t)
                if stopper.stop:
                    raise Cancelled
            reports[name] = robustness(m, run.xt, run.yt, a.eval_eps, a.eval_bim_steps, on_batch=tick)
        emit("report", base=reports["base"], trained=reports["trained"])
    except Cancelled:
        emit("cancelled", checkpoint=ws.state_path, partial=ws.partial)
        return CANCELLED_EXIT
    out_card = build_card(a, card, base, run, reports)
    out = ws.finish(model.net, (c, h, w), out_card)
    emit("done", out=out, card=out_card, seconds=round(run.seconds(), 1))
    return 0


def build_card(a: argparse.Namespace, card: dict, base: dict, run: Run, reports: dict) -> dict:
    name = os.path.basename(os.path.abspath(a.out))
    if a.command == "harden":
        what = f"adversarially trained ({a.method.upper()} eps {a.eps:g}/255, alpha {a.alpha:g})"
        defence = {"defence": "adversarial-training", "paper": "Goodfellow, Shlens & Szegedy, arXiv 1412.6572, section 6",
                   "method": a.method, "eps": a.eps, "epsScale": "0..255", "alpha": a.alpha, "advLabels": a.adv_labels,
                   **({"pgdSteps": a.pgd_steps, "pgdStepSize": a.pgd_step, "pgdRandomStart": True} if a.method == "pgd" else {}),
                   "epochs": a.epochs}
    else:
        what = f"defensively distilled at T={a.temperature:g}, deployed at T=1"
        teacher_acc = [h["testAccuracy"] for h in run.history if h["phase"] == "teacher"]
        defence = {"defence": "defensive-distillation",
                   "paper": "Papernot et al., arXiv 1511.04508, as evaluated by Carlini & Wagner, arXiv 1608.04644",
                   "temperature": a.temperature, "deployedTemperature": 1, "teacherEpochs": a.teacher_epochs,
                   "studentEpochs": a.epochs, "teacherTestAccuracy": teacher_acc[-1] if teacher_acc else None}
    trained = reports["trained"]
    return {
        "schemaVersion": 1, "name": name,
        "description": f"{base['name']} {what}; {card['input']['height']}x{card['input']['width']}x{card['input']['channels']} "
                       "input in the card's range; outputs softmax probabilities.",
        **{k: card[k] for k in ("labels", "input", "range", "mean", "std") if k in card},
        "outputs": "probabilities",
        "provenance": {
            **defence,
            "init": "from scratch (architecture of the base model)" if a.from_scratch else "fine-tuned from the base model",
            "baseModel": base, "seed": a.seed, "batchSize": a.batch_size, "optimizer": f"Adam(lr={a.lr:g})",
            "dataset": {"dir": a.data, "train": int(run.x.shape[0]), "test": int(run.xt.shape[0])},
            "testAccuracy": trained["cleanAccuracy"], "testSetSize": trained["n"],
            "robustness": {"framework": "PyTorch", "base": reports["base"], "trained": trained},
            "history": run.history, "trainingSeconds": run.history[-1]["seconds"] if run.history else None,
            "totalSeconds": round(run.seconds(), 1), "threads": a.threads,
            "trainingScript": "scripts/defend_train.py", "framework": f"PyTorch {torch.__version__}",
            "date": datetime.date.today().isoformat(),
        },
    }


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except DefendError as e:
        emit("error", code=e.code, message=str(e), **({"hint": e.hint} if e.hint else {}))
        sys.exit(1)
