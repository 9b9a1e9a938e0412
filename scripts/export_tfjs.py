#!/usr/bin/env python3
"""Export a small PyTorch ``nn.Sequential`` CNN to the TF.js *Layers* format.

Writes ``model.json`` (Keras-style topology as tfjs-layers 4.x reads it, plus a weights
manifest) and one shard ``group1-shard1of1.bin`` of little-endian float32 weights.

Supported modules, in any order that makes sense for an image classifier:

* ``nn.Conv2d``     -> ``Conv2D`` (channels_last; padding 0 -> "valid", or "same" for stride 1
                       with padding (k - 1) / 2; groups=1, dilation=1 only)
* ``nn.MaxPool2d``  -> ``MaxPooling2D`` (padding 0, no ceil_mode, dilation 1)
* ``nn.Flatten``    -> ``Flatten``
* ``nn.Linear``     -> ``Dense``
* ``nn.ReLU``       -> folded into the preceding Conv2D/Dense as ``activation: "relu"``, or a
                       separate ``Activation`` layer when there is nothing to fold into.
* ``nn.Softmax``    -> folded / ``Activation("softmax")`` likewise.

Layout conversions (PyTorch is NCHW, the exported model is NHWC):

* Conv kernels  [out, in, kh, kw] -> [kh, kw, in, out]
* Dense kernels [out, in]         -> [in, out]
* The first Dense after a Flatten of a spatial tensor has its input rows permuted: PyTorch
  flattens (C, H, W), TF flattens (H, W, C).

``final_activation`` (default "softmax") is applied to the last layer of the export, so the
exported model outputs probabilities while the PyTorch model outputs logits.

Used by scripts/train_default_model.py; tested by scripts/test_export_tfjs.py.
"""
from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import torch
from torch import nn

SHARD_NAME = "group1-shard1of1.bin"
KERAS_VERSION = "2.15.0"  # the Keras JSON dialect we emit; tfjs-layers only records it.


def _pair(v: Any) -> tuple[int, int]:
    if isinstance(v, (tuple, list)):
        assert len(v) == 2, v
        return int(v[0]), int(v[1])
    return int(v), int(v)


def _initializers() -> dict[str, Any]:
    # Initializers are irrelevant once weights are loaded, but tfjs-layers deserializes them.
    return {
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None,
        "bias_regularizer": None,
        "activity_regularizer": None,
        "kernel_constraint": None,
        "bias_constraint": None,
    }


class _Exporter:
    def __init__(self, input_shape_chw: tuple[int, int, int]):
        c, h, w = input_shape_chw
        # Current activation shape, PyTorch order without batch: (C, H, W) or (F,).
        self.shape: tuple[int, ...] = (c, h, w)
        self.layers: list[dict[str, Any]] = []
        self.weights: list[tuple[str, np.ndarray]] = []
        self.counts: dict[str, int] = {}
        # (C, H, W) of the tensor most recently flattened, until a Dense consumes it.
        self.pending_flatten: tuple[int, int, int] | None = None
        self.layers.append({
            "class_name": "InputLayer",
            "config": {
                "batch_input_shape": [None, h, w, c],
                "dtype": "float32",
                "sparse": False,
                "name": "input_1",
            },
        })

    def _name(self, base: str) -> str:
        n = self.counts.get(base, 0)
        self.counts[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def conv(self, m: nn.Conv2d) -> None:
        if len(self.shape) != 3:
            raise ValueError("Conv2d after Flatten is not supported")
        if m.groups != 1 or _pair(m.dilation) != (1, 1):
            raise ValueError("only groups=1, dilation=1 convolutions are supported")
        if m.padding_mode != "zeros":
            raise ValueError(f"unsupported padding_mode {m.padding_mode}")
        kh, kw = _pair(m.kernel_size)
        sh, sw = _pair(m.stride)
        if isinstance(m.padding, str):
            pad_mode = m.padding
        else:
            ph, pw = _pair(m.padding)
            if (ph, pw) == (0, 0):
                pad_mode = "valid"
            elif (sh, sw) == (1, 1) and kh % 2 == 1 and kw % 2 == 1 and (ph, pw) == ((kh - 1) // 2, (kw - 1) // 2):
                pad_mode = "same"
            else:
                raise ValueError(f"padding {m.padding} with stride {m.stride} has no TF equivalent")
        c, h, w = self.shape
        if pad_mode == "valid":
            oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
        else:
            oh, ow = -(-h // sh), -(-w // sw)
        name = self._name("conv2d")
        self.layers.append({
            "class_name": "Conv2D",
            "config": {
                "name": name,
                "trainable": True,
                "dtype": "float32",
                "filters": int(m.out_channels),
                "kernel_size": [kh, kw],
                "strides": [sh, sw],
                "padding": pad_mode,
                "data_format": "channels_last",
                "dilation_rate": [1, 1],
                "activation": "linear",
                "use_bias": m.bias is not None,
                **_initializers(),
            },
        })
        k = m.weight.detach().cpu().numpy().astype(np.float32)  # [out, in, kh, kw]
        self.weights.append((f"{name}/kernel", np.transpose(k, (2, 3, 1, 0))))  # [kh, kw, in, out]
        if m.bias is not None:
            self.weights.append((f"{name}/bias", m.bias.detach().cpu().numpy().astype(np.float32)))
        self.shape = (int(m.out_channels), oh, ow)

    def pool(self, m: nn.MaxPool2d) -> None:
        if len(self.shape) != 3:
            raise ValueError("MaxPool2d after Flatten is not supported")
        if m.ceil_mode or _pair(m.padding) != (0, 0) or _pair(m.dilation) != (1, 1):
            raise ValueError("only MaxPool2d with padding=0, dilation=1, ceil_mode=False is supported")
        kh, kw = _pair(m.kernel_size)
        sh, sw = _pair(m.stride if m.stride is not None else m.kernel_size)
        c, h, w = self.shape
        self.layers.append({
            "class_name": "MaxPooling2D",
            "config": {
                "name": self._name("max_pooling2d"),
                "trainable": True,
                "dtype": "float32",
                "pool_size": [kh, kw],
                "padding": "valid",
                "strides": [sh, sw],
                "data_format": "channels_last",
            },
        })
        self.shape = (c, (h - kh) // sh + 1, (w - kw) // sw + 1)

    def flatten(self, m: nn.Flatten) -> None:
        if m.start_dim != 1 or m.end_dim != -1:
            raise ValueError("only Flatten(start_dim=1, end_dim=-1) is supported")
        if len(self.shape) == 3:
            self.pending_flatten = self.shape  # type: ignore[assignment]
        self.layers.append({
            "class_name": "Flatten",
            "config": {"name": self._name("flatten"), "trainable": True, "dtype": "float32",
                       "data_format": "channels_last"},
        })
        self.shape = (int(np.prod(self.shape)),)

    def dense(self, m: nn.Linear) -> None:
        if len(self.shape) != 1:
            raise ValueError("Linear must follow a Flatten (or another Linear)")
        if self.shape[0] != m.in_features:
            raise ValueError(f"Linear expects {m.in_features} inputs, got {self.shape[0]}")
        name = self._name("dense")
        self.layers.append({
            "class_name": "Dense",
            "config": {
                "name": name,
                "trainable": True,
                "dtype": "float32",
                "units": int(m.out_features),
                "activation": "linear",
                "use_bias": m.bias is not None,
                **_initializers(),
            },
        })
        wt = m.weight.detach().cpu().numpy().astype(np.float32)  # [out, in], in in (C, H, W) order
        if self.pending_flatten is not None:
            c, h, w = self.pending_flatten
            # Reorder the input axis from (C, H, W) to (H, W, C) so row i of the TF kernel
            # matches element i of the NHWC-flattened activation.
            wt = wt.reshape(m.out_features, c, h, w).transpose(0, 2, 3, 1).reshape(m.out_features, c * h * w)
            self.pending_flatten = None
        self.weights.append((f"{name}/kernel", np.ascontiguousarray(wt.T)))  # [in, out]
        if m.bias is not None:
            self.weights.append((f"{name}/bias", m.bias.detach().cpu().numpy().astype(np.float32)))
        self.shape = (int(m.out_features),)

    def activation(self, act: str) -> None:
        last = self.layers[-1]
        if last["class_name"] in ("Conv2D", "Dense") and last["config"]["activation"] == "linear":
            last["config"]["activation"] = act
            return
        self.layers.append({
            "class_name": "Activation",
            "config": {"name": self._name("activation"), "trainable": True, "dtype": "float32",
                       "activation": act},
        })


def build_export(model: nn.Module, input_shape_chw: tuple[int, int, int],
                 final_activation: str | None = "softmax") -> tuple[dict[str, Any], bytes]:
    """Return (model.json dict, shard bytes) for ``model`` (an ``nn.Sequential``)."""
    if not isinstance(model, nn.Sequential):
        raise TypeError("export expects an nn.Sequential")
    ex = _Exporter(input_shape_chw)
    for m in model:
        if isinstance(m, nn.Conv2d):
            ex.conv(m)
        elif isinstance(m, nn.MaxPool2d):
            ex.pool(m)
        elif isinstance(m, nn.Flatten):
            ex.flatten(m)
        elif isinstance(m, nn.Linear):
            ex.dense(m)
        elif isinstance(m, nn.ReLU):
            ex.activation("relu")
        elif isinstance(m, nn.Softmax):
            if m.dim not in (1, -1):
                raise ValueError("only Softmax over the class axis is supported")
            ex.activation("softmax")
        elif isinstance(m, (nn.Identity, nn.Dropout)):
            continue  # inference no-ops
        else:
            raise ValueError(f"unsupported module {type(m).__name__}")
    if final_activation is not None:
        ex.activation(final_activation)

    specs = []
    chunks = []
    for name, arr in ex.weights:
        a = np.ascontiguousarray(arr, dtype="<f4")
        specs.append({"name": name, "shape": [int(d) for d in a.shape], "dtype": "float32"})
        chunks.append(a.tobytes(order="C"))
    shard = b"".join(chunks)

    model_json = {
        "format": "layers-model",
        "generatedBy": f"PyTorch {torch.__version__} via scripts/export_tfjs.py",
        "convertedBy": "scripts/export_tfjs.py",
        "modelTopology": {
            "class_name": "Sequential",
            "config": {"name": "sequential", "layers": ex.layers},
            "keras_version": KERAS_VERSION,
            "backend": "tensorflow",
        },
        "weightsManifest": [{"paths": [SHARD_NAME], "weights": specs}],
    }
    return model_json, shard


def export_model(model: nn.Module, out_dir: str, input_shape_chw: tuple[int, int, int],
                 final_activation: str | None = "softmax") -> dict[str, Any]:
    """Write model.json and group1-shard1of1.bin into ``out_dir``; returns the model.json dict."""
    model_json, shard = build_export(model, input_shape_chw, final_activation)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "model.json"), "w", encoding="utf-8") as f:
        json.dump(model_json, f, indent=1)
        f.write("\n")
    with open(os.path.join(out_dir, SHARD_NAME), "wb") as f:
        f.write(shard)
    return model_json
