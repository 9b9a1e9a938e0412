"""The eval stage of scripts/ilyas_features.py and its summary (results/ilyas-features.json).

* standard accuracy: every real test image, clean, top-1;
* robust accuracy: L∞ PGD at --eps (0..255) with a random start, --eval-steps steps of eps/8,
  on the first --eval-n test images, each model attacked through its own gradients (white box),
  adversarial images rounded to 8 bits as the PNGs would be;
* transfer (the paper's §3.2 / Fig. 3 question): the standard model's PGD examples, on the images
  it classifies correctly and the attack fools, shown to every other model: the share it
  misclassifies, beside its error on the clean versions of the same images.
Every rate carries its count and 95 % Wilson interval.
"""
from __future__ import annotations

import torch

from defend_attacks import pgd, predict, quantize
from defend_io import emit
from ilyas_ops import batched, wilson


def evaluate(exp, models: dict) -> dict:
    a = exp.a
    n = min(a.eval_n, exp.xt.shape[0])
    xe, ye = exp.xt[:n], exp.yt[:n]
    done_total, done = len(models) * n, 0
    rows, preds_adv = [], {}
    for key, (m, rec, label) in models.items():
        gen = torch.Generator().manual_seed(a.seed + 3)
        clean_ok = int((predict(m, exp.xt).argmax(1) == exp.yt).sum())
        advs = []
        for i, j in batched(n, a.gen_batch):
            advs.append(quantize(pgd(m, xe[i:j], ye[i:j], a.eps, a.eval_steps, a.eps / 8, random_start=True, generator=gen)))
            done += j - i
            emit("progress", phase="eval", model=key, done=done, total=done_total)
            exp._check_stop()
        adv = torch.cat(advs)
        robust_ok = int((predict(m, adv).argmax(1) == ye).sum())
        preds_adv[key] = adv
        rows.append({"model": key, "label": label, "fingerprint": rec["fingerprint"],
                     "standardAccuracy": wilson(clean_ok, int(exp.yt.shape[0])), "robustAccuracy": wilson(robust_ok, n)})
    # Transfer from the standard model (the one D_det was made from) to every other model.
    src, _, _ = models["standard"]
    src_adv = preds_adv["standard"]
    ok = (predict(src, xe).argmax(1) == ye) & (predict(src, src_adv).argmax(1) != ye)
    transfer = []
    for key, (m, _, label) in models.items():
        if key == "standard":
            continue
        wrong_adv = int((predict(m, src_adv[ok]).argmax(1) != ye[ok]).sum())
        wrong_clean = int((predict(m, xe[ok]).argmax(1) != ye[ok]).sum())
        transfer.append({"target": key, "label": label, "images": int(ok.sum()), "transferError": wilson(wrong_adv, int(ok.sum())),
                         "cleanError": wilson(wrong_clean, int(ok.sum()))})
    return {"rows": rows, "transfer": transfer, "evalImages": n, "testImages": int(exp.yt.shape[0])}


def _mean(t: torch.Tensor) -> float:
    return round(float(t.float().mean()), 4) if t.numel() else 0.0


def _nonrobust(exp, std, data: dict, folder: str) -> dict:
    a, n = exp.a, int(data["y"].shape[0])
    x = data["x"].float() / 255
    delta = (x - exp.x[data["source"]]).flatten(1)
    says = predict(std, x).argmax(1)
    return {"dir": folder, "images": n, "norm": a.det_norm, "eps": a.det_eps,
            "standardModelSaysT": wilson(int((says == data["y"]).sum()), n),
            "standardModelSaysY": wilson(int((says == data["yTrue"]).sum()), n),
            "meanL2": _mean(delta.norm(dim=1)), "meanLinf255": _mean(delta.abs().amax(1) * 255)}


def summary(exp, table: dict, d_r: dict, nonrobust: dict, folders: dict, models: dict) -> dict:
    a = exp.a
    std, robust = models["standard"][0], models["robust"][0]
    n_r = int(d_r["y"].shape[0])
    xr = d_r["x"].float() / 255
    return {
        "paper": "Ilyas et al., Adversarial Examples Are Not Bugs, They Are Features (NeurIPS 2019, arXiv 1905.02175)",
        "settings": {k.replace("_", "-"): getattr(a, k) for k in vars(a) if k not in ("out", "force", "stop_on_stdin_eof")},
        "data": {"dir": a.data, "trainSha256": exp.data_hash, "train": int(exp.x.shape[0]), "test": int(exp.xt.shape[0])},
        "robustEval": {"attack": "PGD L-inf, random start", "eps": a.eps, "epsScale": "0..255", "steps": a.eval_steps,
                       "stepSize": a.eps / 8, "images": table["evalImages"]},
        "models": {k: {"label": lab, "fingerprint": rec["fingerprint"], "dir": rec["dir"]} for k, (_, rec, lab) in models.items()},
        "table": table["rows"],
        "transfer": table["transfer"],
        "datasets": {
            "D_R": {"dir": folders["D_R"], "images": n_r,
                    "distanceStart": _mean(d_r["start"]), "distanceEnd": _mean(d_r["end"]), "gNorm": _mean(d_r["gNorm"]),
                    "decreased": wilson(int((d_r["end"] < d_r["start"]).sum()), n_r),
                    "robustModelSaysY": wilson(int((predict(robust, xr).argmax(1) == d_r["y"]).sum()), n_r),
                    "standardModelSaysY": wilson(int((predict(std, xr).argmax(1) == d_r["y"]).sum()), n_r)},
            **{d: _nonrobust(exp, std, data, folders[d]) for d, data in nonrobust.items()},
        },
        "seconds": {**exp.times},
    }
