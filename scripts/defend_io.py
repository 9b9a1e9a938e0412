"""Plumbing shared by ``printshot harden`` and ``printshot distill`` (scripts/defend_train.py):
errors and JSON-line events, IDX data, the model to start from, signals, checkpoints and the
atomic output folder. The training maths lives in defend_train.py / defend_attacks.py.

Output folder protocol (so a killed run never leaves a half model, and never touches a folder
it did not create):

* while training, everything lives in ``OUT.partial/``; checkpoints in ``OUT.partial/.checkpoint/``
  (``args.json`` = what must match to resume, ``state.pt`` = written atomically, temp + rename);
* at the end the model files are written into ``OUT.partial/``, which is renamed to ``OUT`` in one
  step, and then the checkpoint inside it is removed;
* with ``--force`` and an existing ``OUT``, only model.json, the shard and model-card.json are
  replaced in it (each atomically, model.json last); other files stay.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sys
import threading
from typing import Any

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_tfjs import SHARD_NAME, build_export  # noqa: E402
from import_tfjs import TfjsImportError, load_tfjs_model  # noqa: E402
from train_default_model import LABELS, read_idx  # noqa: E402

REPO = os.path.dirname(HERE)
DEFAULT_MODEL = os.path.join(REPO, "assets", "models", "fashion-cnn")
IDX_FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
             "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
CANCELLED_EXIT = 130


class DefendError(Exception):
    """A user-caused failure: reported as one {"type": "error"} line, exit status 1."""

    def __init__(self, code: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.code, self.hint = code, hint


class Cancelled(Exception):
    pass


def emit(kind: str, **fields: Any) -> None:
    """One JSON object per line on stdout: the protocol src/services/defend reads."""
    try:
        sys.stdout.write(json.dumps({"type": kind, **fields}) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # Nobody reads any more (printshot was killed): stop as if cancelled, so the run still
        # ends with a checkpoint, and send further output nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        os.kill(os.getpid(), signal.SIGTERM)


def rel_to_repo(path: str) -> str:
    """Paths inside the repository are recorded relative to it, so shipped cards hold no machine paths."""
    ap = os.path.abspath(path)
    return os.path.relpath(ap, REPO) if ap.startswith(REPO + os.sep) else ap


# ---------------------------------------------------------------- data

def load_idx_dir(data_dir: str, limit: int | None = None) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """{'train': (x [N,1,H,W] in [0,1], y int64), 'test': ...}; `limit` keeps the first N of each split."""
    if not os.path.isdir(data_dir):
        raise DefendError("bad-dataset", f"data folder not found: {data_dir}",
                          "point --data at a folder with the Fashion-MNIST IDX files (*-idx3-ubyte.gz)")
    out = {}
    for split, names in IDX_FILES.items():
        arrays = []
        for name in names:
            path = os.path.join(data_dir, name)
            if not os.path.isfile(path):
                raise DefendError("bad-dataset", f"{data_dir} has no {name}",
                                  f"expected {', '.join(n for pair in IDX_FILES.values() for n in pair)}")
            try:
                arrays.append(read_idx(path))
            except (OSError, ValueError, EOFError) as e:
                raise DefendError("bad-dataset", f"{path} is not a gzipped IDX file: {e}") from e
        x, y = arrays
        if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0] or x.shape[0] == 0:
            raise DefendError("bad-dataset", f"{split} split: images {list(x.shape)} and labels {list(y.shape)} do not pair up")
        if limit:
            x, y = x[:limit], y[:limit]
        out[split] = (torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1),
                      torch.from_numpy(y.astype(np.int64)))
    return out


def data_identity(data_dir: str) -> dict[str, int]:
    """Cheap identity for resume checks: the IDX files' sizes."""
    return {n: os.path.getsize(os.path.join(data_dir, n)) for pair in IDX_FILES.values() for n in pair}


# ---------------------------------------------------------------- the model to start from

class Preprocess(nn.Module):
    """[0,1] pixels -> the model's input scale, as src/model/load.ts does (range, then mean/std)."""

    def __init__(self, card: dict[str, Any]):
        super().__init__()
        self.range = card.get("range", "0-1")
        c = card["input"]["channels"]
        self.register_buffer("mean", torch.tensor(card.get("mean") or [0.0] * c, dtype=torch.float32).view(1, -1, 1, 1))
        self.register_buffer("std", torch.tensor(card.get("std") or [1.0] * c, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.range == "0-255":
            x = x * 255
        elif self.range == "-1-1":
            x = x * 2 - 1
        return (x - self.mean) / self.std


class Classifier(nn.Module):
    """Preprocessing + the exported network; only `net` is exported."""

    def __init__(self, net: nn.Sequential, card: dict[str, Any]):
        super().__init__()
        self.prep, self.net = Preprocess(card), net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.prep(x))


def load_base(model: str) -> tuple[nn.Sequential, dict[str, Any], dict[str, Any]]:
    """(logits net, card, base-model record) for a model folder or 'default'."""
    model_dir = DEFAULT_MODEL if model == "default" else model
    if not os.path.exists(model_dir):
        raise DefendError("bad-model", f"model folder not found: {model_dir}")
    try:
        imported = load_tfjs_model(model_dir)
    except TfjsImportError as e:
        raise DefendError("bad-model", f"{model_dir}: {e}") from e
    h, w, c = imported.input_hwc
    card_path = os.path.join(model_dir, "model-card.json")
    card: dict[str, Any] = {}
    if os.path.isfile(card_path):
        with open(card_path, encoding="utf-8") as f:
            card = json.load(f)
    n_out = [m for m in imported.net if isinstance(m, nn.Linear)][-1].out_features
    labels = card.get("labels") or (LABELS if n_out == 10 else [f"class {i}" for i in range(n_out)])
    if len(labels) != n_out:
        raise DefendError("bad-model", f"{card_path} lists {len(labels)} labels but the model has {n_out} outputs")
    card = {"name": card.get("name", os.path.basename(os.path.abspath(model_dir))), "labels": labels,
            "input": {"height": h, "width": w, "channels": c}, "range": card.get("range", "0-1"),
            **({"mean": card["mean"]} if card.get("mean") else {}), **({"std": card["std"]} if card.get("std") else {})}
    base = {"name": card["name"], "dir": "default" if model == "default" else rel_to_repo(model_dir),
            "fingerprint": imported.fingerprint}
    return imported.net, card, base


def reinitialize(net: nn.Module) -> None:
    """Fresh PyTorch default init for --from-scratch (same init make_model() gets)."""
    for m in net.modules():
        if hasattr(m, "reset_parameters") and m is not net:
            m.reset_parameters()


# ---------------------------------------------------------------- signals

class Stopper:
    """SIGTERM/SIGINT only set a flag; the training loop saves a checkpoint and exits between steps."""

    def __init__(self) -> None:
        self.stop = False
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        self.stop = True

    def watch_stdin(self) -> None:
        """Stop when stdin closes: the parent (printshot) died without a chance to send SIGTERM."""
        def wait() -> None:
            # os.read on the raw fd: a daemon thread blocked in sys.stdin's buffered reader makes
            # the interpreter abort at exit ("could not acquire lock for <stdin>").
            try:
                while os.read(0, 4096):
                    pass
            except OSError:
                pass
            self.stop = True
        threading.Thread(target=wait, daemon=True).start()


# ---------------------------------------------------------------- output folder and checkpoints

def _atomic_write(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class Workspace:
    def __init__(self, out: str):
        self.out = os.path.abspath(out)
        self.partial = self.out + ".partial"
        self.ckpt_dir = os.path.join(self.partial, ".checkpoint")
        self.state_path = os.path.join(self.ckpt_dir, "state.pt")
        self.args_path = os.path.join(self.ckpt_dir, "args.json")

    def open(self, identity: dict[str, Any], force: bool, resume: bool) -> dict[str, Any] | None:
        """Prepare OUT.partial; return the checkpoint state to resume from, or None for a fresh start."""
        if os.path.exists(self.out) and not force:
            raise DefendError("out-exists", f"output folder already exists: {self.out}",
                              "choose another --out, or --force to replace the model files in it")
        if os.path.isdir(self.partial):
            saved = None
            if os.path.isfile(self.args_path):
                with open(self.args_path, encoding="utf-8") as f:
                    saved = json.load(f)
            if saved is None and not os.path.isdir(self.ckpt_dir) and os.listdir(self.partial):
                raise DefendError("out-exists", f"{self.partial} exists but holds no Printshot checkpoint",
                                  "move it away; it is not a folder this command created")
            if saved == identity and os.path.isfile(self.state_path):
                return torch.load(self.state_path)
            if saved is not None and saved != identity and not force:
                diff = sorted(k for k in set(saved) | set(identity) if saved.get(k) != identity.get(k))
                raise DefendError("checkpoint-mismatch",
                                  f"{self.partial} holds a checkpoint of a run with different settings ({', '.join(diff)})",
                                  "repeat the original options to resume, or add --force to start over")
        if resume:
            raise DefendError("bad-argument", f"nothing to resume: no checkpoint of these settings in {self.ckpt_dir}")
        shutil.rmtree(self.ckpt_dir, ignore_errors=True)  # ours: stale, unstarted, or overridden by --force
        os.makedirs(self.ckpt_dir, exist_ok=True)
        _atomic_write(self.args_path, json.dumps(identity, indent=1, sort_keys=True).encode())
        return None

    def save_checkpoint(self, state: dict[str, Any]) -> None:
        tmp = f"{self.state_path}.tmp-{os.getpid()}"
        torch.save(state, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, self.state_path)

    def finish(self, net: nn.Sequential, input_chw: tuple[int, int, int], card: dict[str, Any]) -> str:
        """Write the model (softmax output, like the bundled one) and publish it as OUT."""
        model_json, shard = build_export(net, input_chw, final_activation="softmax")
        files = [(SHARD_NAME, shard),
                 ("model-card.json", (json.dumps(card, indent=1) + "\n").encode()),
                 ("model.json", (json.dumps(model_json, indent=1) + "\n").encode())]
        if os.path.exists(self.out):  # --force onto an existing folder: replace our three files only
            for name, data in files:
                _atomic_write(os.path.join(self.out, name), data)
            shutil.rmtree(self.partial)
            return self.out
        for name, data in files:
            _atomic_write(os.path.join(self.partial, name), data)
        # Publish first, then drop the checkpoint: a kill in between leaves a complete model with a
        # stale hidden .checkpoint/ inside, never a missing one.
        os.rename(self.partial, self.out)
        shutil.rmtree(os.path.join(self.out, ".checkpoint"), ignore_errors=True)
        return self.out
