#!/usr/bin/env python3
"""Train Printshot's bundled default classifier (fashion-cnn) on Fashion-MNIST.

Run with Debian's PyTorch (no torchvision needed):

    /usr/bin/python3 scripts/train_default_model.py            # or: npm run train:default

Writes, relative to the repository root:

* assets/models/fashion-cnn/model.json, group1-shard1of1.bin  (TF.js Layers format, softmax output)
* assets/models/fashion-cnn/model-card.json
* assets/models/fashion-cnn/reference-logits.json            (PyTorch logits for every sample)
* assets/samples/<label>/<test index>.png                     (first 20 test images per class)

Deterministic: seed 0, torch.use_deterministic_algorithms(True), 2 CPU threads, fixed
shuffling generator. See docs/default-model.md.
"""
from __future__ import annotations

import argparse
import datetime
import gzip
import json
import os
import shutil
import struct
import sys
import time
import zlib

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from export_tfjs import export_model  # noqa: E402

REPO = os.path.dirname(HERE)
DATA_DIR = "/usr/share/datasets/fashion-mnist"
LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
          "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
SAMPLES_PER_CLASS = 20


def label_to_folder(label: str) -> str:
    """Folder name for a class: '/', '\\' and ':' become '-'."""
    return label.replace("/", "-").replace("\\", "-").replace(":", "-")


# ---------------------------------------------------------------- IDX reading

def read_idx(path: str) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {dims}, got {arr.size} bytes")
    return arr.reshape(dims)


def load_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    x = read_idx(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    assert x.shape[0] == y.shape[0]
    return x, y


# ---------------------------------------------------------------- PNG (8-bit grayscale)

def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def encode_png_gray8(img: np.ndarray) -> bytes:
    assert img.dtype == np.uint8 and img.ndim == 2
    h, w = img.shape
    raw = b"".join(b"\x00" + img[r].tobytes() for r in range(h))  # filter type 0 on each row
    return (b"\x89PNG\r\n\x1a\n"
            + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))


def decode_png_gray8(data: bytes) -> np.ndarray:
    """Decoder for exactly what encode_png_gray8 writes (grayscale, 8-bit, filter 0)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert (depth, ctype, interlace) == (8, 0, 0)
        elif kind == b"IDAT":
            idat += body
    rows = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, w + 1)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].copy()


# ---------------------------------------------------------------- model

def make_model() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 5 * 5, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )


def to_tensor(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)  # [N,1,28,28] in [0,1]


@torch.no_grad()
def predict_logits(model: nn.Module, x: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    model.eval()
    return torch.cat([model(x[i:i + batch]) for i in range(0, x.shape[0], batch)])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--model-dir", default=os.path.join(REPO, "assets", "models", "fashion-cnn"))
    ap.add_argument("--samples-dir", default=os.path.join(REPO, "assets", "samples"))
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)

    x_train, y_train = load_split("train")
    x_test, y_test = load_split("t10k")
    print(f"train {x_train.shape}, test {x_test.shape}", flush=True)
    xt, yt = to_tensor(x_train), torch.from_numpy(y_train.astype(np.int64))
    xe, ye = to_tensor(x_test), torch.from_numpy(y_test.astype(np.int64))

    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.time()
    for epoch in range(1, args.epochs + 1):
        model.train()
        perm = torch.randperm(xt.shape[0], generator=gen)
        total, n = 0.0, 0
        for i in range(0, xt.shape[0], args.batch_size):
            idx = perm[i:i + args.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += loss.item() * idx.numel()
            n += idx.numel()
        acc = (predict_logits(model, xe).argmax(1) == ye).float().mean().item()
        print(f"epoch {epoch}: train loss {total / n:.4f}, test acc {acc:.4f} ({time.time() - t0:.0f}s)", flush=True)

    pred = predict_logits(model, xe).argmax(1)
    correct = (pred == ye)
    test_acc = correct.float().mean().item()
    per_class = {LABELS[c]: round(correct[ye == c].float().mean().item(), 4) for c in range(10)}
    print(f"final test accuracy on all {xe.shape[0]} test images: {test_acc:.4f}")
    for k, v in per_class.items():
        print(f"  {k:12s} {v:.4f}")

    # ---- export
    model.eval()
    os.makedirs(args.model_dir, exist_ok=True)
    export_model(model, args.model_dir, (1, 28, 28), final_activation="softmax")

    # ---- samples: first SAMPLES_PER_CLASS test images of each class, in test-set order
    if os.path.isdir(args.samples_dir):
        for entry in os.listdir(args.samples_dir):
            p = os.path.join(args.samples_dir, entry)
            if os.path.isdir(p) and entry in {label_to_folder(l) for l in LABELS}:
                shutil.rmtree(p)
    picked: list[int] = []
    for c in range(10):
        picked.extend(np.flatnonzero(y_test == c)[:SAMPLES_PER_CLASS].tolist())
    picked.sort()
    rel_paths, decoded = [], []
    for i in picked:
        folder = label_to_folder(LABELS[int(y_test[i])])
        rel = f"{folder}/{i:05d}.png"
        path = os.path.join(args.samples_dir, folder, f"{i:05d}.png")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        png = encode_png_gray8(x_test[i])
        with open(path, "wb") as f:
            f.write(png)
        with open(path, "rb") as f:
            back = decode_png_gray8(f.read())
        assert np.array_equal(back, x_test[i]), rel
        rel_paths.append(rel)
        decoded.append(back)

    # ---- reference logits from the saved PNG pixels / 255 (what TF.js will see)
    ref_logits = predict_logits(model, to_tensor(np.stack(decoded))).numpy().astype(np.float32)
    samples = {}
    for rel, i, lg in zip(rel_paths, picked, ref_logits):
        samples[rel] = {"testIndex": i, "label": int(y_test[i]),
                        "logits": [float(v) for v in lg]}
    sample_acc = float(np.mean(ref_logits.argmax(1) == y_test[picked]))
    with open(os.path.join(args.model_dir, "reference-logits.json"), "w", encoding="utf-8") as f:
        json.dump({
            "schemaVersion": 1,
            "model": "fashion-cnn",
            "description": "PyTorch float32 logits (pre-softmax) of the trained model for each bundled "
                           "sample, computed from the saved 8-bit PNG pixels / 255. Keys of 'samples' are "
                           "paths relative to assets/samples; 'label' is the true class index.",
            "samplesDir": "assets/samples",
            "framework": f"PyTorch {torch.__version__}",
            "samples": samples,
        }, f, indent=1)
        f.write("\n")

    card = {
        "schemaVersion": 1,
        "name": "fashion-cnn",
        "description": "Small CNN (2 conv + 2 dense) trained on Fashion-MNIST; 28x28 grayscale input "
                       "in [0,1]; outputs softmax probabilities over 10 classes.",
        "labels": LABELS,
        "input": {"height": 28, "width": 28, "channels": 1},
        "range": "0-1",
        "outputs": "probabilities",
        "provenance": {
            "trainingScript": "scripts/train_default_model.py",
            "dataset": "Fashion-MNIST",
            "seed": args.seed,
            "testAccuracy": round(test_acc, 4),
            "testSetSize": int(xe.shape[0]),
            "perClassTestAccuracy": per_class,
            "epochs": args.epochs,
            "batchSize": args.batch_size,
            "optimizer": f"Adam(lr={args.lr})",
            "framework": f"PyTorch {torch.__version__}",
            "date": datetime.date.today().isoformat(),
        },
    }
    with open(os.path.join(args.model_dir, "model-card.json"), "w", encoding="utf-8") as f:
        json.dump(card, f, indent=1)
        f.write("\n")

    print(json.dumps({"testAccuracy": test_acc, "perClass": per_class, "samples": len(picked),
                      "sampleAccuracy": sample_acc, "seconds": round(time.time() - t0, 1)}))


if __name__ == "__main__":
    main()
