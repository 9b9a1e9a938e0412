#!/usr/bin/python3
"""PyTorch side of bench/architectures.ts: torchvision's InceptionV3, ResNet50 and MobileNetV2 with
random weights (speed does not depend on them), on the CPU.

  probe   which memory format (channels_last or contiguous) runs fwd+bwd faster, per model: what
          `whole` should be given (`steady` probes by itself).
  steady  fwd+bwd (input gradient of the summed softmax cross-entropy, weights frozen) and BIM-k
          (8-bit rounding after every step, then one clean and one adversarial forward, as
          Printshot's attackImages does) on one batch of random 8-bit images; prints one JSON line.
  whole   the same job as `printshot attack --method bim`: import torch, build the model, read
          every PNG under --images (label = the class folder, 'class_N'), BIM in batches, write the
          adversarial PNGs under --out; the caller times the whole process, this prints one JSON
          line with the phases' seconds.

Threads: torch.set_num_threads(--threads); the caller also sets OMP/OPENBLAS/MKL_NUM_THREADS.
Inputs are [0,1] pixels fed to the network as x*2-1 (the '-1-1' range of Printshot's model cards).
Run with /usr/bin/python3 (Debian's python3-torch and python3-torchvision).
"""
import argparse
import json
import os
import resource
import time

T_START = time.perf_counter()

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
import torchvision  # noqa: E402

from torch_anchor import bim, input_grad, loaded_blas, make_inputs, rate, timed  # noqa: E402

T_IMPORTED = time.perf_counter()

# name: (torchvision constructor, keyword arguments, input size)
ARCHS = {
    # aux_logits off (Keras' InceptionV3 has no auxiliary head); init_weights=False skips scipy's
    # truncated-normal init, which is slow and irrelevant to speed.
    'inceptionv3': ('inception_v3', {'aux_logits': False, 'init_weights': False}, 299),
    'resnet50': ('resnet50', {}, 224),
    'mobilenetv2': ('mobilenet_v2', {}, 224),
}
FORMATS = {'channels_last': torch.channels_last, 'contiguous': torch.contiguous_format}


def pre(x):
    return x * 2 - 1


def build(name, fmt, seed=0):
    ctor, kwargs, size = ARCHS[name]
    torch.manual_seed(seed)
    model = getattr(torchvision.models, ctor)(weights=None, **kwargs).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model.to(memory_format=FORMATS[fmt]), size


def pick_format(name, batch, seed):
    """Times a few fwd+bwd steps in each memory format (alternating, best of 2) and keeps the faster."""
    probe = {}
    models = {f: build(name, f, seed)[0] for f in FORMATS}
    size = ARCHS[name][2]
    for _ in range(2):
        for f, model in models.items():
            x, y = make_inputs((3, size, size), 1000, batch, FORMATS[f], seed)
            timed(lambda: input_grad(model, pre, x, y), 1)
            probe[f] = min(probe.get(f, float('inf')), timed(lambda: input_grad(model, pre, x, y), 1))
    return min(probe, key=probe.get), probe


def steady(a):
    out = []
    for name in [m for m in a.models.split(',') if m]:
        try:
            fmt, probe = pick_format(name, a.batch, a.seed) if a.memory_format == 'auto' else (a.memory_format, None)
            model, size = build(name, fmt, a.seed)
            x, y = make_inputs((3, size, size), 1000, a.batch, FORMATS[fmt], a.seed)
            timed(lambda: input_grad(model, pre, x, y), a.warmup)
            fwdbwd = rate(a.iters * a.batch, timed(lambda: input_grad(model, pre, x, y), a.iters))
            res = {'model': name, 'size': size, 'batch': a.batch, 'params': sum(p.numel() for p in model.parameters()),
                   'memory_format': fmt, 'format_probe_s_per_step': probe, 'fwdbwd': fwdbwd}
            if a.bim_steps > 0:
                res['bim'] = rate(a.batch, timed(lambda: bim(model, pre, x, y, 16 / 255, 1 / 255, a.bim_steps), 1))
                res['bim_steps'] = a.bim_steps
            out.append(res)
        except Exception as e:  # report, keep the other models' numbers
            out.append({'model': name, 'batch': a.batch, 'error': f'{type(e).__name__}: {e}'})
    return {'results': out}


def read_images(root):
    """(relative path, CHW float tensor in [0,1], label) for every PNG under root, sorted by path."""
    from PIL import Image
    import numpy as np
    items = []
    for d, _, files in os.walk(root):
        for f in files:
            if f.lower().endswith('.png'):
                rel = os.path.relpath(os.path.join(d, f), root)
                label = int(rel.split(os.sep)[0].rsplit('_', 1)[1])
                arr = np.asarray(Image.open(os.path.join(d, f)).convert('RGB'), dtype=np.uint8)
                items.append((rel, torch.from_numpy(arr.copy()).permute(2, 0, 1).float() / 255, label))
    return sorted(items, key=lambda it: it[0])


def write_png(path, x):
    from PIL import Image
    os.makedirs(os.path.dirname(path), exist_ok=True)
    arr = (x * 255).round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).contiguous().numpy()
    Image.fromarray(arr).save(path)


def whole(a):
    t0 = time.perf_counter()
    model, size = build(a.models, a.memory_format)
    t1 = time.perf_counter()
    items = read_images(a.images)
    if not items:
        raise SystemExit(f'{a.images}: no PNG images')
    t2 = time.perf_counter()
    fooled = 0
    attack_s = write_s = 0.0
    fmt = FORMATS[a.memory_format]
    for i in range(0, len(items), a.batch):
        chunk = items[i:i + a.batch]
        s0 = time.perf_counter()
        x = torch.stack([it[1] for it in chunk]).contiguous(memory_format=fmt)
        y = torch.tensor([it[2] for it in chunk])
        adv, clean, pred = bim(model, pre, x, y, a.eps / 255, a.alpha / 255, a.iterations)
        fooled += int(((clean == y) & (pred != y)).sum())
        s1 = time.perf_counter()
        for (rel, _, _), xa in zip(chunk, adv):
            write_png(os.path.join(a.out, rel), xa)
        s2 = time.perf_counter()
        attack_s += s1 - s0
        write_s += s2 - s1
    return {'model': a.models, 'images': len(items), 'batch': a.batch, 'memory_format': a.memory_format,
            'iterations': a.iterations, 'fooled': fooled,
            'seconds': {'import': T_IMPORTED - T_START, 'build': t1 - t0, 'read': t2 - t1, 'attack': attack_s, 'write': write_s}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('mode', choices=['steady', 'whole', 'probe'])
    ap.add_argument('--models', default='inceptionv3,resnet50', help="steady: a list; whole: one model")
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch', type=int, default=4)
    ap.add_argument('--warmup', type=int, default=1)
    ap.add_argument('--iters', type=int, default=2)
    ap.add_argument('--bim-steps', type=int, default=10)
    ap.add_argument('--memory-format', choices=['auto', *FORMATS], default='auto')
    ap.add_argument('--images')
    ap.add_argument('--out')
    ap.add_argument('--eps', type=float, default=8)
    ap.add_argument('--alpha', type=float, default=1)
    ap.add_argument('--iterations', type=int, default=10)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.mode == 'whole':
        if a.memory_format == 'auto':
            a.memory_format = 'channels_last'
        if not a.images or not a.out:
            raise SystemExit('whole: --images and --out are required')
        result = whole(a)
    elif a.mode == 'probe':
        result = {'formats': {m: pick_format(m, a.batch, a.seed) for m in a.models.split(',') if m}}
    else:
        torch.randn(64, 64) @ torch.randn(64, 64)  # map BLAS so loaded_blas() sees it
        result = steady(a)
    print(json.dumps({
        'torch': torch.__version__,
        'torchvision': torchvision.__version__,
        'threads': torch.get_num_threads(),
        'blas': loaded_blas(),
        'max_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **result,
    }))


if __name__ == '__main__':
    main()
