#!/usr/bin/env python3
"""Read a TF.js *Layers* ``Sequential`` model folder back into a PyTorch ``nn.Sequential``.

The inverse of scripts/export_tfjs.py, so that ``printshot harden|distill --model DIR`` can
fine-tune an existing model. Supported layers (what export_tfjs.py writes, plus the Keras
equivalents a converted model tends to use):

* ``InputLayer`` (or ``batch_input_shape`` on the first layer)
* ``Conv2D``        channels_last, dilation 1, padding "valid", or "same" with stride 1 and odd kernels
* ``MaxPooling2D``  padding "valid"
* ``Flatten``, ``Dense``, ``Dropout`` (dropped: an inference no-op)
* activations "linear", "relu", "softmax" on Conv2D/Dense, ``Activation``, ``ReLU`` and ``Softmax`` layers

A softmax on the last layer is stripped: the returned module outputs **logits**, which is what
training needs; ``export_tfjs`` puts it back. Anything else raises ``ImportError_`` naming the layer.
Layout conversions undo the exporter's: [kh, kw, in, out] -> [out, in, kh, kw], [in, out] -> [out, in],
and the first Dense after a spatial Flatten has its input rows reordered from (H, W, C) to (C, H, W).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn


class TfjsImportError(ValueError):
    """A model folder that cannot be imported exactly; the message names the problem."""


@dataclass
class ImportedModel:
    net: nn.Sequential           # outputs logits
    input_hwc: tuple[int, int, int]
    had_softmax: bool            # the model.json ended in a softmax
    fingerprint: str             # sha256 of model.json + shards, as src/model/io-handler.ts computes it


def _read_weights(model_dir: str, manifest: list[dict[str, Any]]) -> tuple[dict[str, np.ndarray], list[bytes]]:
    weights: dict[str, np.ndarray] = {}
    shards: list[bytes] = []
    for group in manifest:
        data = b""
        for rel in group["paths"]:
            path = os.path.join(model_dir, rel)
            if not os.path.isfile(path):
                raise TfjsImportError(f"missing weight shard {rel} (listed in model.json)")
            with open(path, "rb") as f:
                chunk = f.read()
            shards.append(chunk)
            data += chunk
        offset = 0
        for spec in group["weights"]:
            if spec.get("dtype", "float32") != "float32" or "quantization" in spec:
                raise TfjsImportError(f"weight {spec['name']}: only unquantized float32 weights can be trained")
            n = int(np.prod(spec["shape"])) if spec["shape"] else 1
            if offset + 4 * n > len(data):
                raise TfjsImportError(f"weight shard of {spec['name']} is truncated")
            name = spec["name"].split(":")[0]
            weights[name] = np.frombuffer(data, dtype="<f4", count=n, offset=offset).reshape(spec["shape"]).copy()
            offset += 4 * n
        if offset != len(data):
            raise TfjsImportError(f"weight shards {group['paths']} hold {len(data) - offset} bytes more than the manifest lists")
    return weights, shards


def _find(weights: dict[str, np.ndarray], layer: str, kind: str) -> np.ndarray:
    # Converters prefix names differently ("conv2d/kernel", "sequential/conv2d/kernel").
    for name, arr in weights.items():
        if name == f"{layer}/{kind}" or name.endswith(f"/{layer}/{kind}"):
            return arr
    raise TfjsImportError(f"no weight {layer}/{kind} in the manifest")


def _pair(v: Any) -> tuple[int, int]:
    return (int(v[0]), int(v[1])) if isinstance(v, (list, tuple)) else (int(v), int(v))


def _layers(topology: dict[str, Any]) -> list[dict[str, Any]]:
    topo = topology.get("model_config", topology)  # Keras h5 conversions nest it one level deeper
    if topo.get("class_name") != "Sequential":
        raise TfjsImportError(f"only Sequential models can be imported, not {topo.get('class_name')}")
    cfg = topo["config"]
    return cfg["layers"] if isinstance(cfg, dict) else cfg  # old Keras: config is the layer list


def _activation(mods: list[nn.Module], act: str, where: str) -> None:
    if act == "linear":
        return
    if act == "relu":
        mods.append(nn.ReLU())
    elif act == "softmax":
        mods.append(nn.Softmax(dim=1))
    else:
        raise TfjsImportError(f"{where}: unsupported activation '{act}' (linear, relu, softmax only)")


def load_tfjs_model(model_dir: str) -> ImportedModel:
    """Import ``model_dir`` (a folder with model.json, or the model.json path itself)."""
    if os.path.basename(model_dir) == "model.json":
        model_dir = os.path.dirname(model_dir)
    mj_path = os.path.join(model_dir, "model.json")
    if not os.path.isfile(mj_path):
        raise TfjsImportError(f"no model.json in {model_dir}")
    with open(mj_path, "rb") as f:
        mj_bytes = f.read()
    try:
        mj = json.loads(mj_bytes)
    except ValueError as e:
        raise TfjsImportError(f"{mj_path} is not JSON: {e}") from e
    if mj.get("format", "layers-model") != "layers-model" or "modelTopology" not in mj:
        raise TfjsImportError(f"{mj_path} is not a TF.js Layers model (graph models cannot be trained)")
    weights, shards = _read_weights(model_dir, mj.get("weightsManifest", []))
    fingerprint = hashlib.sha256(mj_bytes + b"".join(shards)).hexdigest()

    layers = _layers(mj["modelTopology"])
    mods: list[nn.Module] = []
    shape: tuple[int, ...] | None = None  # PyTorch order: (C, H, W) or (F,)
    input_hwc: tuple[int, int, int] | None = None
    pending_flatten: tuple[int, int, int] | None = None
    for layer in layers:
        cls, cfg = layer["class_name"], layer.get("config", {})
        name = cfg.get("name", cls)
        if shape is None:
            bis = cfg.get("batch_input_shape") or cfg.get("batch_shape")
            if not bis or len(bis) != 4:
                raise TfjsImportError("the model must start with a [batch, height, width, channels] input shape")
            h, w, c = (int(d) for d in bis[1:])
            input_hwc, shape = (h, w, c), (c, h, w)
            if cls == "InputLayer":
                continue
        if cfg.get("data_format", "channels_last") != "channels_last":
            raise TfjsImportError(f"{name}: only channels_last layers are supported")
        if cls == "Conv2D":
            if len(shape) != 3:
                raise TfjsImportError(f"{name}: Conv2D after Flatten")
            if _pair(cfg.get("dilation_rate", 1)) != (1, 1) or int(cfg.get("groups", 1)) != 1:
                raise TfjsImportError(f"{name}: dilated or grouped convolutions are not supported")
            (kh, kw), (sh, sw) = _pair(cfg["kernel_size"]), _pair(cfg.get("strides", 1))
            c, h, w = shape
            if cfg.get("padding", "valid") == "valid":
                pad, oh, ow = (0, 0), (h - kh) // sh + 1, (w - kw) // sw + 1
            elif (sh, sw) == (1, 1) and kh % 2 == 1 and kw % 2 == 1:
                pad, oh, ow = ((kh - 1) // 2, (kw - 1) // 2), h, w
            else:
                raise TfjsImportError(f"{name}: 'same' padding needs stride 1 and odd kernels to match PyTorch")
            conv = nn.Conv2d(c, int(cfg["filters"]), (kh, kw), (sh, sw), pad, bias=cfg.get("use_bias", True))
            k = _find(weights, name, "kernel")
            conv.weight.data = torch.from_numpy(np.ascontiguousarray(np.transpose(k, (3, 2, 0, 1))))
            if conv.bias is not None:
                conv.bias.data = torch.from_numpy(_find(weights, name, "bias"))
            mods.append(conv)
            shape = (int(cfg["filters"]), oh, ow)
            _activation(mods, cfg.get("activation", "linear"), name)
        elif cls == "MaxPooling2D":
            if len(shape) != 3 or cfg.get("padding", "valid") != "valid":
                raise TfjsImportError(f"{name}: only 'valid' pooling of an image tensor is supported")
            (ph, pw) = _pair(cfg.get("pool_size", 2))
            (sh, sw) = _pair(cfg.get("strides") or (ph, pw))
            mods.append(nn.MaxPool2d((ph, pw), (sh, sw)))
            c, h, w = shape
            shape = (c, (h - ph) // sh + 1, (w - pw) // sw + 1)
        elif cls == "Flatten":
            if len(shape) == 3:
                pending_flatten = shape  # type: ignore[assignment]
            mods.append(nn.Flatten())
            shape = (int(np.prod(shape)),)
        elif cls == "Dense":
            if len(shape) != 1:
                raise TfjsImportError(f"{name}: Dense on a {len(shape)}-d tensor (add a Flatten)")
            units = int(cfg["units"])
            k = _find(weights, name, "kernel")  # [in, out], in in (H, W, C) order after a Flatten
            if k.shape != (shape[0], units):
                raise TfjsImportError(f"{name}: kernel shape {list(k.shape)} does not match {shape[0]} inputs, {units} units")
            wt = np.ascontiguousarray(k.T)
            if pending_flatten is not None:
                c, h, w = pending_flatten
                wt = wt.reshape(units, h, w, c).transpose(0, 3, 1, 2).reshape(units, c * h * w)
                pending_flatten = None
            dense = nn.Linear(shape[0], units, bias=cfg.get("use_bias", True))
            dense.weight.data = torch.from_numpy(np.ascontiguousarray(wt))
            if dense.bias is not None:
                dense.bias.data = torch.from_numpy(_find(weights, name, "bias"))
            mods.append(dense)
            shape = (units,)
            _activation(mods, cfg.get("activation", "linear"), name)
        elif cls == "Activation":
            _activation(mods, cfg["activation"], name)
        elif cls == "ReLU" and not cfg.get("max_value") and not cfg.get("negative_slope") and not cfg.get("threshold"):
            mods.append(nn.ReLU())
        elif cls == "Softmax":
            mods.append(nn.Softmax(dim=1))
        elif cls == "Dropout":
            continue
        else:
            raise TfjsImportError(f"{name}: unsupported layer {cls} (supported: Conv2D, MaxPooling2D, Flatten, "
                                  "Dense, Dropout, Activation/ReLU/Softmax)")
    if input_hwc is None or shape is None or len(shape) != 1:
        raise TfjsImportError("the model must end in a [batch, classes] output")
    had_softmax = bool(mods) and isinstance(mods[-1], nn.Softmax)
    if had_softmax:
        mods.pop()
    if any(isinstance(m, nn.Softmax) for m in mods):
        raise TfjsImportError("a softmax before the last layer is not supported")
    return ImportedModel(nn.Sequential(*mods), input_hwc, had_softmax, fingerprint)
