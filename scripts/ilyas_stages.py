"""The stages of scripts/ilyas_features.py (see its docstring; the maths is in ilyas_ops.py).

Every stage first looks for its saved output and skips the work when it is there, so a rerun
after a cancel (or a finished run) only does what is missing. Training goes through
defend_train.Run, the loop `printshot harden` uses, with its checkpoints and progress lines.
"""
from __future__ import annotations

import argparse
import copy
import os
import time
from typing import Any, Callable

import torch
import torch.nn.functional as F

from defend_attacks import harden_loss, pgd, predict, quantize
from defend_io import Cancelled, Classifier, Workspace, emit, load_base, reinitialize, rel_to_repo
from defend_train import Run, make_adv_fn
from ilyas_io import atomic_json, dataset_hash, export_folder, model_card
from ilyas_ops import batched, from_uint8, penultimate, robust_dataset, targeted_pgd, to_uint8, wilson

PAPER = "Ilyas et al., Adversarial Examples Are Not Bugs, They Are Features, arXiv 1905.02175"
SAVE_EVERY_S = 60.0


class Experiment:
    def __init__(self, a: argparse.Namespace, data: dict, card: dict, std_net, std_base: dict, stages, stopper, data_hash: str):
        self.a, self.card, self.std_net, self.std_base = a, card, std_net, std_base
        self.stages, self.stopper, self.data_hash = stages, stopper, data_hash
        self.x, self.y = data["train"]
        self.xt, self.yt = data["test"]
        n = self.x.shape[0]
        gen = torch.Generator().manual_seed(a.seed)
        self.chosen = torch.randperm(n, generator=gen)[:a.limit]
        x0 = torch.randperm(n, generator=gen)[:a.limit]
        same = x0 == self.chosen
        x0[same] = (x0[same] + 1) % n  # x0 is always another image
        self.x0 = x0
        self.robust_idx = torch.randperm(n, generator=gen)[:min(a.robust_train, n)]
        # Drawn after the others so that D and D_R stay the same whatever --det-limit is.
        self.det_chosen = torch.randperm(n, generator=gen)[:a.det_limit]
        self.nonrobust = {"det": ["D_det"], "random": ["D_rand"], "both": ["D_det", "D_rand"]}[a.target]
        self.times: dict[str, float] = stages.load("times") or {}
        self.chw = tuple(self.x.shape[1:])

    def stage_names(self) -> list[str]:
        return ["robust", "d_r", *(d.lower() for d in self.nonrobust), "train_D", "train_D_R", *(f"train_{d}" for d in self.nonrobust), "eval"]

    # ------------------------------------------------------------ bookkeeping

    def _stage(self, name: str, fn: Callable[[], Any]) -> Any:
        names = self.stage_names()
        emit("stage", name=name, index=names.index(name) + 1, stages=len(names))
        t0 = time.time()
        try:
            return fn()
        finally:
            self.times[name] = round(self.times.get(name, 0.0) + time.time() - t0, 1)
            self.stages.save("times", self.times)

    def _check_stop(self, save: Callable[[], None] | None = None) -> None:
        if self.stopper.stop:
            if save:
                save()
            raise Cancelled

    def _model(self, folder: str) -> tuple[Classifier, dict]:
        net, card, rec = load_base(folder)
        m = Classifier(net, card).eval()
        m.requires_grad_(False)
        return m, rec

    # ------------------------------------------------------------ training (defend_train.Run)

    def _train(self, key: str, x: torch.Tensor, y: torch.Tensor, from_scratch: bool, epochs: int, lr: float,
               loss_for: Callable[[Classifier, Run], Callable], description: str, provenance: dict) -> tuple[Classifier, dict]:
        out = os.path.join(self.stages.out, "models", key)
        if not os.path.isfile(os.path.join(out, "model.json")):
            a = self.a
            ns = argparse.Namespace(batch_size=a.batch_size, seed=a.seed, lr=lr, checkpoint_every=a.checkpoint_every,
                                    method="pgd", eps=a.eps, pgd_steps=a.robust_pgd_steps, pgd_step=2.5 * a.eps / a.robust_pgd_steps,
                                    adv_labels="true")
            ws = Workspace(out)
            identity = {"key": key, "data": dataset_hash(to_uint8(x), y), "epochs": epochs, "lr": lr, "seed": a.seed,
                        "fromScratch": from_scratch, "batchSize": a.batch_size, **provenance.get("training", {})}
            state = ws.open(identity, force=True, resume=False)
            run = Run(ns, {"train": (x, y), "test": (self.xt[:1000], self.yt[:1000])}, ws, self.stopper, state)
            model = Classifier(copy.deepcopy(self.std_net), self.card)
            if from_scratch and state is None:
                torch.manual_seed(a.seed + 1)
                reinitialize(model.net)
            model = run.restore("model", model)
            if state is None or state["phase"] == "train":
                run.train_phase("train", model, epochs, loss_for(model, run), 0, epochs * run.steps)
            prov = {"paper": PAPER, **provenance, "init": "from scratch" if from_scratch else "fine-tuned from the standard model",
                    "standardModel": self.std_base, "seed": a.seed, "batchSize": a.batch_size, "optimizer": f"Adam(lr={lr:g})",
                    "epochs": epochs, "trainImages": int(x.shape[0]), "history": run.history,
                    "historyNote": "testAccuracy per epoch on the first 1,000 real test images",
                    "trainingSeconds": round(run.seconds(), 1), "threads": a.threads, "trainingScript": "scripts/ilyas_features.py",
                    "framework": f"PyTorch {torch.__version__}", "date": time.strftime("%Y-%m-%d")}
            ws.finish(model.net, self.chw, model_card(key, self.card, description, prov))
        return self._model(out)

    def robust(self) -> tuple[Classifier, dict]:
        a = self.a
        if a.robust_model:
            return self._model(a.robust_model)
        idx = self.robust_idx
        training = {"method": "pgd", "eps": a.eps, "pgdSteps": a.robust_pgd_steps, "alpha": a.robust_alpha}

        def loss_for(model: Classifier, run: Run):
            ns = argparse.Namespace(adv_labels="true", method="pgd", eps=a.eps, pgd_steps=a.robust_pgd_steps,
                                    pgd_step=2.5 * a.eps / a.robust_pgd_steps)
            adv = make_adv_fn(ns, model, run.adv_gen)
            return lambda x, y, _i: harden_loss(model, x, y, a.robust_alpha, adv)
        return self._train("robust", self.x[idx], self.y[idx], False, a.robust_epochs, a.lr / 2, loss_for,
                           f"{self.std_base['name']} adversarially trained (PGD-{a.robust_pgd_steps}, L-inf eps {a.eps:g}/255, "
                           f"clean-loss weight {a.robust_alpha:g}): the robust model of Ilyas et al. section 3.1",
                           {"role": "robust model (D_R's representation)", "training": training,
                            "defence": "adversarial-training", "epsScale": "0..255",
                            "dataset": {"dir": a.data, "sha256": self.data_hash, "images": int(idx.shape[0])}})

    def standard(self, key: str, data: dict, what: str) -> tuple[Classifier, dict]:
        a = self.a
        x = from_uint8(data["x"])
        return self._train(key, x, data["y"], True, a.epochs, a.lr, lambda m, _r: (lambda xb, yb, _i: F.cross_entropy(m(xb), yb)),
                           f"{self.std_base['name']} architecture trained from scratch on {what}",
                           {"role": f"standard training on {what}", "trainedOn": data.get("name", "D"),
                            "dataset": {"name": data.get("name", "D"), "sha256": dataset_hash(data["x"], data["y"]),
                                        "images": int(x.shape[0]), "source": a.data, "sourceSha256": self.data_hash}})

    # ------------------------------------------------------------ datasets

    def _build(self, name: str, total: int, make: Callable[[int, int], dict]) -> dict:
        """Runs make(i, j) over batches, saving the batches done every SAVE_EVERY_S and on a stop."""
        done = self.stages.load(name)
        if done is not None:
            return done
        part = self.stages.load(name, partial=True) or {"done": 0, "parts": []}
        last = time.time()
        for i, j in batched(total, self.a.gen_batch, part["done"]):
            part["parts"].append(make(i, j))
            part["done"] = j
            emit("progress", phase=name, done=j, total=total)
            if time.time() - last > SAVE_EVERY_S:
                self.stages.save(name, part, partial=True)
                last = time.time()
            self._check_stop(lambda: self.stages.save(name, part, partial=True))
        out = {k: torch.cat([p[k] for p in part["parts"]]) for k in part["parts"][0]} if part["parts"] else {}
        self.stages.save(name, out)
        return out

    def d_r(self, robust: Classifier) -> dict:
        a, g = self.a, penultimate(robust)

        def make(i: int, j: int) -> dict:
            src, x0 = self.chosen[i:j], self.x0[i:j]
            xr, start, end = robust_dataset(g, self.x[src], self.x[x0], a.dr_steps, a.dr_step)
            with torch.no_grad():
                norm = g(self.x[src]).norm(dim=1)
            return {"x": to_uint8(xr), "y": self.y[src], "source": src, "x0": x0, "start": start, "end": end, "gNorm": norm}
        return {**self._build("d_r", a.limit, make), "name": "D_R"}

    def d_det(self, standard: Classifier, name: str) -> dict:
        """D_det (t = y+1 mod k) or D_rand (t uniform over the other k−1 classes): the same source images."""
        a, k, n = self.a, len(self.card["labels"]), self.det_chosen.shape[0]
        gen = torch.Generator().manual_seed(a.seed + 2)
        shift = torch.randint(1, k, (n,), generator=gen) if name == "D_rand" else torch.ones(n, dtype=torch.int64)

        def make(i: int, j: int) -> dict:
            src = self.det_chosen[i:j]
            y = self.y[src]
            t = (y + shift[i:j]) % k
            adv = to_uint8(targeted_pgd(standard, self.x[src], t, a.det_norm, a.det_eps, a.det_steps, a.det_step))
            return {"x": adv, "y": t, "yTrue": y, "source": src}
        return {**self._build(name.lower(), n, make), "name": name}

    def real(self) -> dict:
        return {"x": to_uint8(self.x[self.chosen]), "y": self.y[self.chosen], "source": self.chosen, "name": "D"}

    def export(self, data: dict, params: dict, models: dict) -> str:
        folder = os.path.join(self.stages.out, "datasets", data["name"])
        prov = {"dataset": data["name"], "paper": PAPER, "images": int(data["x"].shape[0]),
                "sourceData": {"dir": self.a.data, "trainSha256": self.data_hash}, "seed": self.a.seed, "parameters": params,
                "models": models, "sha256": dataset_hash(data["x"], data["y"]),
                "files": "<class folder>/train-<i>.png was built from Fashion-MNIST training image i; the folder is its label"
                         + (" (the target t, not the true class)" if data["name"] != "D_R" else ""),
                "format": "8-bit grayscale PNG, lossless: exactly the pixels the models were trained on"}
        return export_folder(folder, data["x"], data["y"], data["source"], self.card["labels"], prov)

    def run(self) -> dict:
        from ilyas_eval import evaluate, summary  # noqa: PLC0415 (kept out of the import-time path)
        a = self.a
        robust, robust_rec = self._stage("robust", self.robust)
        standard, std_rec = self._model(a.standard_model)
        d_r = self._stage("d_r", lambda: self.d_r(robust))
        nonrobust = {d: self._stage(d.lower(), lambda d=d: self.d_det(standard, d)) for d in self.nonrobust}
        robust_ref = {"dir": rel_to_repo(a.robust_model) if a.robust_model else "models/robust", "fingerprint": robust_rec["fingerprint"]}
        folders = {
            "D_R": self.export(d_r, {"steps": a.dr_steps, "firstStep": a.dr_step, "stepDecay": "linear to 0", "norm": "L2-normalised gradient",
                                     "objective": "||g(x_r) - g(x)||_2, g = robust model's penultimate layer",
                                     "start": "another random training image"}, {"robust": robust_ref}),
            **{d: self.export(data, {"norm": a.det_norm, "eps": a.det_eps, "steps": a.det_steps, "step": a.det_step,
                                     "epsScale": "[0,1] pixels (L2)" if a.det_norm == "l2" else "0..255",
                                     "target": "(y+1) mod 10" if d == "D_det" else "uniform over the other classes"},
                              {"standard": std_rec}) for d, data in nonrobust.items()},
        }
        trained = {}
        for key, data, what in (("std-D", self.real(), "D (real training images)"), ("std-D_R", d_r, "D_R (robust features)"),
                                *((f"std-{d}", data, f"{d} (non-robust features only)") for d, data in nonrobust.items())):
            trained[key] = self._stage(f"train_{data['name']}", lambda key=key, data=data, what=what: self.standard(key, data, what))
        models = {"standard": (standard, std_rec, f"standard, full D ({self.std_base['name']})"),
                  "robust": (robust, robust_rec, "adversarial training on D (robust model)"),
                  **{k: (m, rec, f"standard training on {k[4:]}") for k, (m, rec) in trained.items()}}
        table = self._stage("eval", lambda: evaluate(self, models))
        return summary(self, table, d_r, nonrobust, folders, models)
