#!/usr/bin/python3
"""PyTorch cross-check of the patch ceiling (issue 19, docs/patches.md "What limits success").

An independent, minimal universal patch on the bundled fashion-cnn: a square patch of --side
pixels pasted axis-aligned at a uniform random location of each 28x28 image (no rotation, scale,
photometric change or print-camera channel: the easiest setting for the optimiser), trained with
Adam and a cosine step size (lr -> lr/20) on 5,000 Fashion-MNIST TRAIN images, batch 64, and
evaluated on held-out TEST images not of the target class, 3 random placements each. If this loop
also stalls well below 80 %, the ceiling is the model's, not Printshot's optimiser's.

    /usr/bin/python3 bench/patch_torch_anchor.py [--targets Bag] [--side 13] [--steps 600] [--lr 0.05]
        [--init noise|mean|white] [--loss ce|margin] [--seed 0] [--test 2000]

--targets takes class names or 'all'. Prints the command, machine and one line per run; needs
Debian's python3-torch and /usr/share/datasets/fashion-mnist (dataset-fashion-mnist).
"""
import argparse
import math
import os
import platform
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "scripts"))
from defend_io import Classifier, load_base, load_idx_dir  # noqa: E402


def paste(x: torch.Tensor, patch: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
    """x with `patch` pasted at a uniform random position per image (pixels outside unchanged)."""
    n, _, h, w = x.shape
    p = patch.shape[-1]
    rows = torch.randint(0, h - p + 1, (n,), generator=gen)
    cols = torch.randint(0, w - p + 1, (n,), generator=gen)
    canvas = torch.stack([F.pad(patch[0], (int(c), w - p - int(c), int(r), h - p - int(r))) for r, c in zip(rows, cols)])
    ys = torch.arange(h).view(1, h, 1)
    xs = torch.arange(w).view(1, 1, w)
    mask = ((ys >= rows.view(-1, 1, 1)) & (ys < rows.view(-1, 1, 1) + p) & (xs >= cols.view(-1, 1, 1)) & (xs < cols.view(-1, 1, 1) + p)).unsqueeze(1)
    return torch.where(mask, canvas, x)


def train_and_eval(model, data, target: int, a) -> float:
    g = torch.Generator().manual_seed(a.seed)
    torch.manual_seed(a.seed)
    x, y = data["train"]
    xs = x[torch.randperm(x.shape[0], generator=g)[:5000]]
    p = a.side
    if a.init == "noise":
        patch = torch.rand(1, 1, p, p, generator=g) * 0.5 + 0.25
    elif a.init == "mean":  # the mean target-class image's centre crop
        c = (x.shape[-1] - p) // 2
        patch = x[y == target][:500].mean(0, keepdim=True)[:, :, c:c + p, c:c + p].clone()
    else:
        patch = torch.ones(1, 1, p, p)
    patch.requires_grad_(True)
    opt = torch.optim.Adam([patch], a.lr)
    want = torch.full((64,), target)
    for step in range(a.steps):
        for group in opt.param_groups:
            group["lr"] = a.lr / 20 + (a.lr - a.lr / 20) * 0.5 * (1 + math.cos(math.pi * step / max(1, a.steps - 1)))
        logits = model(paste(xs[torch.randint(0, xs.shape[0], (64,), generator=g)], patch, g))
        if a.loss == "ce":
            loss = F.cross_entropy(logits, want)
        else:  # C&W margin, capped so confident images stop pulling
            other = logits.clone()
            other[:, target] = -1e9
            loss = (other.max(1).values - logits[:, target]).clamp(min=-5).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            patch.clamp_(0, 1)
    xt, yt = data["test"]
    xe = xt[: a.test][yt[: a.test] != target]
    ge = torch.Generator().manual_seed(99)
    hits = total = 0
    with torch.no_grad():
        for _ in range(3):
            pred = model(paste(xe, patch.detach(), ge)).argmax(1)
            hits += int((pred == target).sum())
            total += pred.shape[0]
    return hits, total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--targets", default="Bag")
    ap.add_argument("--side", type=int, default=13)
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--init", choices=["noise", "mean", "white"], default="noise")
    ap.add_argument("--loss", choices=["ce", "margin"], default="ce")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--test", type=int, default=2000)
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = ap.parse_args()
    torch.set_num_threads(1)
    net, card, _ = load_base("default")
    model = Classifier(net, card).eval()
    model.requires_grad_(False)
    data = load_idx_dir(a.data)
    labels = card["labels"]
    names = labels if a.targets == "all" else [t.strip() for t in a.targets.split(",")]
    print(f"command: /usr/bin/python3 bench/patch_torch_anchor.py {' '.join(sys.argv[1:])}".rstrip())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; PyTorch {torch.__version__}, 1 thread; "
          f"load average {', '.join(f'{v:.1f}' for v in os.getloadavg())}; {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    area = a.side * a.side / (28 * 28)
    print(f"patch {a.side}x{a.side} ({area * 100:.1f}% of the image), axis-aligned at random locations, no channel; "
          f"{a.steps} Adam steps x batch 64, lr {a.lr} cosine, init {a.init}, loss {a.loss}, seed {a.seed}")
    for name in names:
        if name not in labels:
            sys.exit(f"--targets: {name!r} is not one of {', '.join(labels)}")
        t0 = time.time()
        hits, total = train_and_eval(model, data, labels.index(name), a)
        print(f"target {name}: targeted success {100 * hits / total:.1f}% ({hits}/{total}) on held-out test images, {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
