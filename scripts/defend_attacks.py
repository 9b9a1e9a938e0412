"""Attacks and losses for scripts/defend_train.py, in PyTorch on [0,1] NCHW images.

eps and step sizes are on the 0..255 scale everywhere in Printshot; they are divided by 255 here.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn


def input_gradient(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """∇x J(x, y) for cross-entropy on logits, without touching the parameters' .grad."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x)
    return g


def fgsm(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float) -> torch.Tensor:
    """Goodfellow et al.'s fast gradient sign method: x + eps·sign(∇x J(x, y)), clipped to [0,1]."""
    return (x + (eps / 255.0) * input_gradient(model, x, y).sign()).clamp(0.0, 1.0).detach()


def pgd(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, steps: int, step_size: float,
        random_start: bool = True, generator: torch.Generator | None = None) -> torch.Tensor:
    """Projected gradient descent on the L∞ ball (Madry et al.); without the random start it is BIM
    (Kurakin et al.'s basic iterative method)."""
    e, a = eps / 255.0, step_size / 255.0
    adv = x.clone()
    if random_start:
        adv = (adv + (torch.rand(x.shape, generator=generator) * 2 - 1) * e).clamp(0.0, 1.0)
    for _ in range(steps):
        adv = adv + a * input_gradient(model, adv, y).sign()
        adv = torch.min(torch.max(adv, x - e), x + e).clamp(0.0, 1.0).detach()
    return adv


def harden_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor, alpha: float,
                make_adv: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """Goodfellow et al. §6: J̃ = α·J(x, y) + (1−α)·J(x_adv, y), x_adv made from the current weights.

    x_adv is a constant for the parameter update (the sign has zero derivative anyway); both halves
    go through the network in one batch, which is cheaper than two calls on a small CNN.
    """
    adv = make_adv(x, y)
    logits = model(torch.cat([x, adv]))
    n = x.shape[0]
    return alpha * F.cross_entropy(logits[:n], y) + (1 - alpha) * F.cross_entropy(logits[n:], y)


def soft_cross_entropy(logits: torch.Tensor, soft: torch.Tensor, temperature: float) -> torch.Tensor:
    """−Σ soft · log softmax(logits / T): the student's loss on the teacher's soft labels (Papernot §4)."""
    return -(soft * F.log_softmax(logits / temperature, dim=1)).sum(dim=1).mean()


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    return torch.cat([model(x[i:i + batch]) for i in range(0, x.shape[0], batch)])


def quantize(x: torch.Tensor) -> torch.Tensor:
    """Round to 8 bits, as the workbench does before it classifies an adversarial PNG."""
    return torch.round(x * 255.0) / 255.0


def robustness(model: nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, bim_steps: int,
               batch: int = 100, on_batch: Callable[[int, int], None] = lambda d, t: None) -> dict[str, float | int]:
    """Clean accuracy, FGSM and BIM error rates at `eps` (errors over all images, so a misclassified
    clean image counts as an error), and how often the FGSM gradient is exactly zero: the gradient
    masking of defensive distillation shows up as saturated softmax outputs with no gradient.
    `on_batch(done, total)` reports progress and may raise to stop."""
    model.eval()
    clean = fgsm_wrong = bim_wrong = zero = 0
    n = x.shape[0]
    for i in range(0, n, batch):
        xb, yb = x[i:i + batch], y[i:i + batch]
        clean += int((predict(model, xb).argmax(1) == yb).sum())
        g = input_gradient(model, xb, yb)
        zero += int((g.flatten(1).abs().amax(1) == 0).sum())
        adv = quantize((xb + (eps / 255.0) * g.sign()).clamp(0.0, 1.0))
        fgsm_wrong += int((predict(model, adv).argmax(1) != yb).sum())
        adv = quantize(pgd(model, xb, yb, eps, bim_steps, eps / 4.0, random_start=False))
        bim_wrong += int((predict(model, adv).argmax(1) != yb).sum())
        on_batch(min(i + batch, n), n)
    return {"n": n, "eps": eps, "bimSteps": bim_steps, "bimStepSize": eps / 4.0,
            "cleanAccuracy": round(clean / n, 4), "fgsmError": round(fgsm_wrong / n, 4),
            "bimError": round(bim_wrong / n, 4), "zeroGradientFraction": round(zero / n, 4)}
