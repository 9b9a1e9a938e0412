"""The maths of scripts/ilyas_features.py: Ilyas, Santurkar, Tsipras, Engstrom, Tran & Madry,
"Adversarial Examples Are Not Bugs, They Are Features" (NeurIPS 2019, arXiv 1905.02175).

* robust_dataset (their §3.1, Algorithm 1 / Appendix C.4): for a training image x, start from an
  unrelated image x0 and minimise ‖g(x_r) − g(x)‖₂ over x_r ∈ [0,1]ⁿ, with g the robust model's
  penultimate representation, by normalised gradient descent (each step moves x_r by `step·‖∇‖⁻¹∇`
  in L2, the step size decaying linearly to 0); the image keeps x's label.
* targeted_pgd (their §3.2, D_det / D_rand): PGD on a *standard* model toward class t, minimising
  the cross-entropy J(x', t) inside an L2 (the paper's choice) or L∞ ball of radius eps around x;
  the result is relabelled t.
* wilson: 95 % Wilson score interval of a rate k/n (the way every rate in Printshot is shown).

Images are [0,1] NCHW float tensors; eps and steps of L∞ attacks are on the 0..255 scale, L2 radii
and steps on the [0,1] scale (an L2 radius in 0..255 units would be 255× larger).
"""
from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

Progress = Callable[[int], None]


def penultimate(model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """g(x): the activations feeding the last Linear layer (after its ReLU), for a defend_io.Classifier."""
    layers = list(model.net)
    last = max(i for i, m in enumerate(layers) if isinstance(m, nn.Linear))
    body = nn.Sequential(*layers[:last])
    return lambda x: body(model.prep(x))


def _l2_normalise(g: torch.Tensor) -> torch.Tensor:
    return g / g.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, *([1] * (g.dim() - 1)))


def robust_dataset(g: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, x0: torch.Tensor,
                   steps: int, step: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x_r, distance at the start, distance at the end): ‖g(·) − g(x)‖₂ per image, before and after.

    The step size decays linearly (step·(1 − i/steps)): large steps cross the image space quickly,
    small ones at the end settle into the minimum instead of bouncing around it.
    """
    with torch.no_grad():
        target = g(x)
        start = (g(x0) - target).norm(dim=1)
    xr = x0.clone()
    for i in range(steps):
        xr.requires_grad_(True)
        dist = (g(xr) - target).pow(2).sum()
        (grad,) = torch.autograd.grad(dist, xr)
        xr = (xr.detach() - step * (1 - i / steps) * _l2_normalise(grad)).clamp(0.0, 1.0)
    with torch.no_grad():
        end = (g(xr) - target).norm(dim=1)
    return xr.detach(), start, end


def targeted_pgd(model: nn.Module, x: torch.Tensor, t: torch.Tensor, norm: str, eps: float, steps: int,
                 step: float) -> torch.Tensor:
    """x' within `eps` of x (L2 on [0,1], or L∞ on 0..255) that the model classifies as t: descent on J(x', t)."""
    linf = norm == "linf"
    e, a = (eps / 255.0, step / 255.0) if linf else (eps, step)
    adv = x.clone()
    for _ in range(steps):
        adv.requires_grad_(True)
        (grad,) = torch.autograd.grad(F.cross_entropy(model(adv), t, reduction="sum"), adv)
        adv = adv.detach() - a * (grad.sign() if linf else _l2_normalise(grad))
        delta = adv - x
        if linf:
            delta = delta.clamp(-e, e)
        else:  # project onto the L2 ball
            n = delta.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
            delta = delta * torch.clamp(e / n.clamp_min(1e-12), max=1.0)
        adv = (x + delta).clamp(0.0, 1.0)
    return adv.detach()


def to_uint8(x: torch.Tensor) -> torch.Tensor:
    """[0,1] float → 8-bit, as the PNGs hold them (the models are trained on exactly what is exported)."""
    return torch.round(x.clamp(0.0, 1.0) * 255.0).to(torch.uint8)


def from_uint8(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.float32) / 255.0


def wilson(k: int, n: int, z: float = 1.959964) -> dict:
    """{'k', 'n', 'rate', 'lo', 'hi'}: the rate and its 95 % Wilson score interval (rate None for n = 0)."""
    if n == 0:
        return {"k": 0, "n": 0, "rate": None, "lo": None, "hi": None}
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return {"k": k, "n": n, "rate": round(p, 6), "lo": round(max(0.0, c - h), 6), "hi": round(min(1.0, c + h), 6)}


def batched(n: int, batch: int, start: int = 0):
    for i in range(start, n, batch):
        yield i, min(i + batch, n)
