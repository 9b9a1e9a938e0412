#!/usr/bin/env python3
"""PyTorch doing the whole job of `printshot attack --method bim`, as one process, for bench/whole-process.ts.

Start Python and torch, load the weights of a TF.js Layers model folder (scripts/import_tfjs.py, the
same weights Printshot attacks), read the PNGs of an image folder (class folders named after the
model card's labels, '/', '\\' and ':' written as '-'), run BIM with alpha 1 and the iterate rounded
to the 8-bit grid after every step (what Printshot's BIM does with alpha 1 and integer eps), predict
the clean and adversarial images (Printshot reports both), then write every adversarial PNG
atomically (temporary file + rename) and a manifest with each file's sha256.

Prints one JSON line: wall seconds per phase, images, fooled count.
"""
import time

T_START = time.perf_counter()
import argparse  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'scripts'))
from import_tfjs import load_tfjs_model  # noqa: E402

T_IMPORTED = time.perf_counter()


def folder_name(label):
    return label.replace('/', '-').replace('\\', '-').replace(':', '-')


def read_images(root, labels, channels):
    index = {folder_name(l): i for i, l in enumerate(labels)}
    index.update({l: i for i, l in enumerate(labels)})
    items = []
    for cls in sorted(os.listdir(root)):
        d = os.path.join(root, cls)
        if not os.path.isdir(d):
            continue
        for f in sorted(os.listdir(d)):
            if f.lower().endswith('.png'):
                img = Image.open(os.path.join(d, f)).convert('L' if channels == 1 else 'RGB')
                arr = np.asarray(img, dtype=np.uint8)
                arr = arr[:, :, None] if arr.ndim == 2 else arr
                items.append((os.path.join(cls, f), torch.from_numpy(arr.copy()).permute(2, 0, 1), index[cls]))
    return items


def bim(net, x0, y, eps, alpha, steps):
    """x0: uint8-valued float tensor on 0..255. Returns the adversarial batch on the 8-bit grid."""
    lo, hi = (x0 - eps).clamp(0, 255), (x0 + eps).clamp(0, 255)
    x = x0.clone()
    loss_fn = torch.nn.CrossEntropyLoss(reduction='sum')
    for _ in range(steps):
        x.requires_grad_(True)
        loss = loss_fn(net(x / 255), y)
        (g,) = torch.autograd.grad(loss, x)
        with torch.no_grad():
            x = torch.minimum(torch.maximum(x + alpha * g.sign(), lo), hi).round()
    return x.detach()


def write_atomic(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = os.path.join(os.path.dirname(path), f'.{os.path.basename(path)}.tmp-{os.getpid()}')
    with open(tmp, 'wb') as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--images', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--eps', type=float, default=16)
    ap.add_argument('--alpha', type=float, default=1)
    ap.add_argument('--iterations', type=int, default=20)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    model = load_tfjs_model(a.model)
    net = model.net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    with open(os.path.join(a.model, 'model-card.json')) as f:
        labels = json.load(f)['labels']
    t1 = time.perf_counter()
    items = read_images(a.images, labels, model.input_hwc[2])
    if not items:
        raise SystemExit(f'{a.images}: no PNG images')
    t2 = time.perf_counter()
    attack_s = write_s = 0.0
    fooled = 0
    rows = []
    for i in range(0, len(items), a.batch):
        chunk = items[i:i + a.batch]
        s0 = time.perf_counter()
        x0 = torch.stack([it[1] for it in chunk]).float()
        y = torch.tensor([it[2] for it in chunk])
        adv = bim(net, x0, y, a.eps, a.alpha, a.iterations)
        with torch.no_grad():
            clean = net(x0 / 255).argmax(1)
            pred = net(adv / 255).argmax(1)
        fooled += int(((clean == y) & (pred != y)).sum())
        s1 = time.perf_counter()
        for (rel, _, _), xa in zip(chunk, adv.to(torch.uint8)):
            arr = xa.permute(1, 2, 0).numpy()
            buf = io.BytesIO()
            Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr).save(buf, format='PNG', compress_level=6)
            data = buf.getvalue()
            write_atomic(os.path.join(a.out, 'adversarial', rel), data)
            rows.append({'relPath': rel, 'sha256': hashlib.sha256(data).hexdigest()})
        write_atomic(os.path.join(a.out, 'manifest.json'), json.dumps({'images': rows}).encode())
        write_s += time.perf_counter() - s1
        attack_s += s1 - s0
    print(json.dumps({'images': len(items), 'fooled': fooled, 'threads': a.threads, 'batch': a.batch,
                      'seconds': {'import': T_IMPORTED - T_START, 'model': t1 - t0, 'read': t2 - t1,
                                  'attack': attack_s, 'write': write_s, 'total': time.perf_counter() - T_START}}))


if __name__ == '__main__':
    main()
