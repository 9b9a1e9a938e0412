#!/usr/bin/python3
"""PyTorch speed anchor for bench/attack-throughput.ts.

Times, on the CPU, the same two workloads the Node side times, on the same two architectures:

  fwdbwd  forward + gradient of the summed softmax cross-entropy (from logits) w.r.t. the input,
          weights frozen (requires_grad False, model.eval()), so no filter gradients are computed;
  bim20   BIM with eps 16/255, alpha 1/255, 20 iterations, rounding the iterate to the 8-bit grid
          after every step (as Printshot's BIM does), plus one clean and one adversarial forward
          for the verification Printshot's attackImages does.

Architectures (random weights: throughput does not depend on the values):
  cnn          the bundled model's (scripts/train_default_model.py): Conv2d(1,32,3)-ReLU-MaxPool2-
               Conv2d(32,64,3)-ReLU-MaxPool2-Flatten-Linear(1600,128)-ReLU-Linear(128,10), 28x28x1;
  mobilenetv2  MobileNetV2 alpha=1, 224x224x3, 1000 classes, written out here (torchvision is not
               installed); 3,504,872 parameters like torchvision's mobilenet_v2.

Threads: torch.set_num_threads(--threads); the caller also sets OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS. Memory format: 'auto' times a few steps in channels_last and contiguous
and keeps the faster (channels_last normally wins for MobileNetV2 on oneDNN).

Prints one JSON object on stdout. Run with /usr/bin/python3 (Debian's python3-torch).
"""
import argparse
import json
import os
import platform
import resource
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----------------------------------------------------------------------------- architectures

class SmallCnn(nn.Module):
    """scripts/train_default_model.py's network."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def conv_bn(cin, cout, k, stride, groups=1, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if relu:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        self.use_res = stride == 1 and cin == cout
        layers = []
        if t != 1:
            layers.append(conv_bn(cin, hidden, 1, 1))
        layers += [conv_bn(hidden, hidden, 3, stride, groups=hidden), conv_bn(hidden, cout, 1, 1, relu=False)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res else self.conv(x)


class MobileNetV2(nn.Module):
    """alpha = 1 (channel counts below are already multiples of 8)."""

    SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]

    def __init__(self, classes=1000):
        super().__init__()
        layers = [conv_bn(3, 32, 3, 2)]
        cin = 32
        for t, c, n, s in self.SETTINGS:
            for i in range(n):
                layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        layers.append(conv_bn(cin, 1280, 1, 1))
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Linear(1280, classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode='fan_out')
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.classifier(x)


MODELS = {
    # name: (constructor, (C, H, W), classes, preprocess of [0,1] pixels)
    'cnn': (SmallCnn, (1, 28, 28), 10, lambda x: x),
    'mobilenetv2': (MobileNetV2, (3, 224, 224), 1000, lambda x: x * 2 - 1),
}


# ----------------------------------------------------------------------------- workloads

def input_grad(model, pre, x, y):
    x = x.detach().requires_grad_(True)
    loss = F.cross_entropy(model(pre(x)), y, reduction='sum')
    (g,) = torch.autograd.grad(loss, x)
    return g


def bim(model, pre, x0, y, eps=16 / 255, alpha=1 / 255, steps=20):
    lo = (x0 - eps).clamp_(min=0)
    hi = (x0 + eps).clamp_(max=1)
    x = x0.clone()
    for _ in range(steps):
        g = input_grad(model, pre, x, y)
        x = torch.minimum(torch.maximum(x + alpha * torch.sign(g), lo), hi)
        x = torch.minimum(torch.maximum(torch.round(x * 255) / 255, lo), hi)
    with torch.no_grad():
        clean = model(pre(x0)).argmax(1)
        adv = model(pre(x)).argmax(1)
    return x, clean, adv


def machine_busy_seconds():
    """CPU-seconds all cores spent busy since boot (/proc/stat), or None."""
    try:
        with open('/proc/stat') as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf('SC_CLK_TCK')
    except (OSError, ValueError, IndexError):
        return None


def timed(fn, iters):
    """Wall seconds for `iters` calls. For the contention check, the CPU seconds this process
    used go to timed.cpu and the cores other processes kept busy to timed.background."""
    b0, c0, t0 = machine_busy_seconds(), time.process_time(), time.perf_counter()
    for _ in range(iters):
        fn()
    wall = time.perf_counter() - t0
    timed.cpu = time.process_time() - c0
    b1 = machine_busy_seconds()
    timed.background = max(0.0, (b1 - b0 - timed.cpu) / wall) if b0 is not None and b1 is not None else None
    return wall


def rate(images, seconds):
    return {'images': images, 'seconds': seconds, 'img_per_s': images / seconds,
            'cpu_per_wall': timed.cpu / seconds, 'background': timed.background}


def make_inputs(shape, classes, batch, fmt, seed):
    gen = torch.Generator().manual_seed(seed)
    # Random 8-bit images, as Printshot's bench feeds.
    x = torch.randint(0, 256, (batch, *shape), generator=gen).float() / 255
    y = torch.randint(0, classes, (batch,), generator=gen)
    return x.contiguous(memory_format=fmt), y


def bench_model(name, batch, warmup, iters, bim_runs, fmt_choice, seed):
    ctor, shape, classes, pre = MODELS[name]
    torch.manual_seed(seed)
    base = ctor().eval()
    for p in base.parameters():
        p.requires_grad_(False)
    params = sum(p.numel() for p in base.parameters())

    formats = {'channels_last': torch.channels_last, 'contiguous': torch.contiguous_format}
    candidates = list(formats) if fmt_choice == 'auto' else [fmt_choice]
    # Probe: alternate the formats twice, each for >= 0.5 s of fwd+bwd steps, keep each one's
    # best seconds per step (alternating and taking the minimum resists background noise).
    probe = {}
    for _ in range(2 if len(candidates) > 1 else 0):
        for fname in candidates:
            fmt = formats[fname]
            model = base.to(memory_format=fmt)
            x, y = make_inputs(shape, classes, batch, fmt, seed)
            timed(lambda: input_grad(model, pre, x, y), 1)
            n, spent = 0, 0.0
            while n < 3 or spent < 0.5:
                spent += timed(lambda: input_grad(model, pre, x, y), 1)
                n += 1
            probe[fname] = min(probe.get(fname, float('inf')), spent / n)
    if not probe:
        probe = {candidates[0]: None}
    best = min(probe, key=lambda k: probe[k] or 0)
    fmt = formats[best]
    model = base.to(memory_format=fmt)
    x, y = make_inputs(shape, classes, batch, fmt, seed)

    timed(lambda: input_grad(model, pre, x, y), warmup)
    fwdbwd = rate(iters * batch, timed(lambda: input_grad(model, pre, x, y), iters))

    # Forward only, for reference.
    with torch.no_grad():
        timed(lambda: model(pre(x)), warmup)
        forward = rate(iters * batch, timed(lambda: model(pre(x)), iters))

    bim20 = rate(bim_runs * batch, timed(lambda: bim(model, pre, x, y), bim_runs))
    return {
        'model': name,
        'params': params,
        'batch': batch,
        'memory_format': best,
        'format_probe_s_per_step': probe,
        'fwdbwd': fwdbwd,
        'forward': forward,
        'bim20': bim20,
    }


def loaded_blas():
    """Which BLAS shared object the process actually mapped (Debian picks it via alternatives)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.lower() and '/' in line}
        return sorted(os.path.basename(p) for p in libs)
    except OSError:
        return []


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--models', default='cnn,mobilenetv2')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--batch-cnn', type=int, default=32)
    ap.add_argument('--batch-mobilenetv2', type=int, default=8)
    ap.add_argument('--warmup-cnn', type=int, default=10)
    ap.add_argument('--warmup-mobilenetv2', type=int, default=2)
    ap.add_argument('--iters-cnn', type=int, default=100)
    ap.add_argument('--iters-mobilenetv2', type=int, default=6)
    ap.add_argument('--bim-runs-cnn', type=int, default=4)
    ap.add_argument('--bim-runs-mobilenetv2', type=int, default=1)
    ap.add_argument('--memory-format', choices=['auto', 'channels_last', 'contiguous'], default='auto')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    # Touch BLAS once so /proc/self/maps shows which library serves it.
    torch.randn(64, 64) @ torch.randn(64, 64)
    results = []
    for name in [m for m in a.models.split(',') if m]:
        if name not in MODELS:
            raise SystemExit(f'unknown model {name}; known: {", ".join(MODELS)}')
        batch = getattr(a, f'batch_{name}')
        try:
            results.append(bench_model(name, batch, getattr(a, f'warmup_{name}'), getattr(a, f'iters_{name}'),
                                       getattr(a, f'bim_runs_{name}'), a.memory_format, a.seed))
        except Exception as e:  # report, keep the other model's numbers
            results.append({'model': name, 'batch': batch, 'error': f'{type(e).__name__}: {e}'})
    print(json.dumps({
        'torch': torch.__version__,
        'python': platform.python_version(),
        'threads': torch.get_num_threads(),
        'mkldnn': torch.backends.mkldnn.is_available(),
        'cpu_capability': torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, 'cpu') else None,
        'blas': loaded_blas(),
        'max_rss_mib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        'results': results,
    }))


if __name__ == '__main__':
    main()
