"""Files of scripts/ilyas_features.py: stage checkpoints, the exported image folders and the
model cards. Kept apart from the stages so each file stays readable.

Layout of the experiment folder OUT:

* stages/args.json        the settings a rerun must repeat to resume (else: checkpoint-mismatch)
* stages/<stage>.pt       a finished stage's output; stages/<stage>.partial.pt while it runs
* models/<name>/          TF.js Layers models with model-card.json provenance (defend_io.Workspace)
* datasets/<D_R|D_det|D_rand>/<class>/train-<index>.png + provenance.json
* results/ilyas-features.json   every figure of the report
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from typing import Any

import torch

from defend_io import DefendError, IDX_FILES
from train_default_model import encode_png_gray8, label_to_folder


def atomic_bytes(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def atomic_json(path: str, obj: Any) -> None:
    atomic_bytes(path, (json.dumps(obj, indent=1) + "\n").encode())


def atomic_torch(path: str, obj: Any) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def train_data_hash(data_dir: str) -> str:
    """sha256 over the training images and labels files: which Fashion-MNIST the datasets came from."""
    h = hashlib.sha256()
    for name in IDX_FILES["train"]:
        with open(os.path.join(data_dir, name), "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


class Stages:
    """stages/ of OUT: the settings check and each stage's saved output."""

    def __init__(self, out: str):
        self.out = os.path.abspath(out)
        self.dir = os.path.join(self.out, "stages")

    def open(self, identity: dict[str, Any], force: bool) -> bool:
        """True when resuming an earlier run of the same settings. With --force a mismatching run's
        outputs (only what this script writes) are removed first."""
        args = os.path.join(self.dir, "args.json")
        if os.path.isfile(args):
            with open(args, encoding="utf-8") as f:
                saved = json.load(f)
            if saved == identity:
                return True
            if not force:
                diff = sorted(k for k in set(saved) | set(identity) if saved.get(k) != identity.get(k))
                raise DefendError("checkpoint-mismatch", f"{self.out} holds a run with different settings ({', '.join(diff)})",
                                  "repeat the original options to resume, or add --force to start over")
            self.clear()
        elif os.path.isdir(self.out) and os.listdir(self.out) and not force:
            known = {"stages", "models", "datasets", "results", "reports"}
            # Hidden entries are the CLI's (a workspace lock while printshot runs), not user files.
            if not {n for n in os.listdir(self.out) if not n.startswith(".")} <= known:
                raise DefendError("out-exists", f"{self.out} exists and is not an ilyas-features experiment folder",
                                  "choose another --out")
        atomic_json(args, identity)
        return False

    def clear(self) -> None:
        for sub in ("stages", "models", "datasets", "results"):
            shutil.rmtree(os.path.join(self.out, sub), ignore_errors=True)

    def path(self, name: str, partial: bool = False) -> str:
        return os.path.join(self.dir, f"{name}{'.partial' if partial else ''}.pt")

    def load(self, name: str, partial: bool = False) -> Any | None:
        p = self.path(name, partial)
        return torch.load(p) if os.path.isfile(p) else None

    def save(self, name: str, obj: Any, partial: bool = False) -> None:
        atomic_torch(self.path(name, partial), obj)
        if not partial and os.path.exists(self.path(name, True)):
            os.remove(self.path(name, True))


def export_folder(folder: str, images: torch.Tensor, labels: torch.Tensor, sources: torch.Tensor,
                  class_names: list[str], provenance: dict[str, Any]) -> str:
    """One sub-folder per class (folder names as assets/samples spells them), lossless 8-bit PNGs
    named after the training image they were built from, and provenance.json. Written into
    FOLDER.partial and renamed in one step, so a folder that exists is complete."""
    if os.path.isdir(folder):
        return folder
    part = folder + ".partial"
    shutil.rmtree(part, ignore_errors=True)
    for name in class_names:
        os.makedirs(os.path.join(part, label_to_folder(name)), exist_ok=True)
    for img, lab, src in zip(images, labels.tolist(), sources.tolist()):
        with open(os.path.join(part, label_to_folder(class_names[lab]), f"train-{src:05d}.png"), "wb") as f:
            f.write(encode_png_gray8(img.squeeze(0).numpy()))
    with open(os.path.join(part, "provenance.json"), "w", encoding="utf-8") as f:
        json.dump(provenance, f, indent=1)
        f.write("\n")
    os.rename(part, folder)
    return folder


def dataset_hash(images: torch.Tensor, labels: torch.Tensor) -> str:
    h = hashlib.sha256(images.contiguous().numpy().tobytes())
    h.update(labels.to(torch.int64).numpy().tobytes())
    return h.hexdigest()


def model_card(name: str, card: dict[str, Any], description: str, provenance: dict[str, Any]) -> dict[str, Any]:
    """A card like defend_train.build_card's: the base model's labels and input, plus provenance."""
    return {"schemaVersion": 1, "name": name, "description": description,
            **{k: card[k] for k in ("labels", "input", "range", "mean", "std") if k in card},
            "outputs": "probabilities", "provenance": provenance}
