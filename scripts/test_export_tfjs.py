#!/usr/bin/env python3
"""Unit tests for scripts/export_tfjs.py (needs PyTorch; not run in CI).

    /usr/bin/python3 -m unittest scripts/test_export_tfjs.py
    /usr/bin/python3 scripts/test_export_tfjs.py

The exported model.json + shard are read back and run by an independent numpy
re-implementation of the TF.js NHWC forward pass, and compared with PyTorch's NCHW forward.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import unittest

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import export_tfjs  # noqa: E402
from export_tfjs import SHARD_NAME, build_export, export_model  # noqa: E402


# ------------------------------------------------------------ numpy NHWC reference forward

def _act(x: np.ndarray, name: str) -> np.ndarray:
    if name == "linear":
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(name)


def _conv_nhwc(x: np.ndarray, k: np.ndarray, b: np.ndarray | None, strides, padding) -> np.ndarray:
    kh, kw, cin, cout = k.shape
    sh, sw = strides
    if padding == "same":
        n, h, w, c = x.shape
        oh, ow = -(-h // sh), -(-w // sw)
        ph = max((oh - 1) * sh + kh - h, 0)
        pw = max((ow - 1) * sw + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    n, h, w, c = x.shape
    assert c == cin
    oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.zeros((n, oh, ow, cout), dtype=np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]  # [n, oh, ow, cin]
            out += patch @ k[i, j]  # [cin, cout]
    if b is not None:
        out += b
    return out


def _maxpool_nhwc(x: np.ndarray, pool, strides) -> np.ndarray:
    n, h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
    out = np.full((n, oh, ow, c), -np.inf)
    for i in range(ph):
        for j in range(pw):
            out = np.maximum(out, x[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :])
    return out


def load_weights(model_json: dict, shard: bytes) -> dict[str, np.ndarray]:
    specs = [w for group in model_json["weightsManifest"] for w in group["weights"]]
    out, offset = {}, 0
    for s in specs:
        assert s["dtype"] == "float32"
        n = int(np.prod(s["shape"])) if s["shape"] else 1
        out[s["name"]] = np.frombuffer(shard, dtype="<f4", count=n, offset=offset).reshape(s["shape"])
        offset += 4 * n
    assert offset == len(shard), "shard has trailing bytes"
    return out


def numpy_forward(model_json: dict, shard: bytes, x_nhwc: np.ndarray) -> np.ndarray:
    weights = load_weights(model_json, shard)
    x = x_nhwc.astype(np.float64)
    for layer in model_json["modelTopology"]["config"]["layers"]:
        cls, cfg = layer["class_name"], layer["config"]
        if cls == "InputLayer":
            assert list(x.shape[1:]) == cfg["batch_input_shape"][1:]
        elif cls == "Conv2D":
            assert cfg["data_format"] == "channels_last"
            b = weights.get(cfg["name"] + "/bias") if cfg["use_bias"] else None
            x = _act(_conv_nhwc(x, weights[cfg["name"] + "/kernel"], b, cfg["strides"], cfg["padding"]),
                     cfg["activation"])
        elif cls == "MaxPooling2D":
            assert cfg["padding"] == "valid" and cfg["data_format"] == "channels_last"
            x = _maxpool_nhwc(x, cfg["pool_size"], cfg["strides"])
        elif cls == "Flatten":
            x = x.reshape(x.shape[0], -1)  # row-major over (H, W, C): TF's NHWC flatten
        elif cls == "Dense":
            x = x @ weights[cfg["name"] + "/kernel"]
            if cfg["use_bias"]:
                x = x + weights[cfg["name"] + "/bias"]
            x = _act(x, cfg["activation"])
        elif cls == "Activation":
            x = _act(x, cfg["activation"])
        else:
            raise AssertionError(f"unexpected layer {cls}")
    return x


def torch_forward(model: nn.Module, x_nchw: np.ndarray) -> np.ndarray:
    model.eval()
    with torch.no_grad():
        return model(torch.from_numpy(x_nchw.astype(np.float32))).double().numpy()


def softmax(x: np.ndarray) -> np.ndarray:
    return _act(x, "softmax")


class ExportTest(unittest.TestCase):
    def setUp(self) -> None:
        torch.manual_seed(1234)
        self.rng = np.random.default_rng(1234)

    def _random_input(self, n: int, c: int, h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
        x_nchw = self.rng.random((n, c, h, w), dtype=np.float32)
        return x_nchw, np.transpose(x_nchw, (0, 2, 3, 1))

    def test_tiny_model_matches_numpy_nhwc_forward(self) -> None:
        # Non-square input, several channels and a 'same' conv so that any H/W or C mix-up shows.
        model = nn.Sequential(
            nn.Conv2d(2, 3, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
            nn.Flatten(),
            nn.Linear(4 * 4 * 5, 6), nn.ReLU(),
            nn.Linear(6, 3),
        )
        x_nchw, x_nhwc = self._random_input(5, 2, 10, 12)
        mj, shard = build_export(model, (2, 10, 12), final_activation="softmax")
        got = numpy_forward(mj, shard, x_nhwc)
        want = softmax(torch_forward(model, x_nchw))
        np.testing.assert_allclose(got, want, atol=1e-6)
        # And without the final softmax the export reproduces the logits.
        mj2, shard2 = build_export(model, (2, 10, 12), final_activation=None)
        np.testing.assert_allclose(numpy_forward(mj2, shard2, x_nhwc), torch_forward(model, x_nchw),
                                   atol=1e-5)

    def test_default_architecture_matches(self) -> None:
        from train_default_model import make_model
        model = make_model()
        x_nchw, x_nhwc = self._random_input(4, 1, 28, 28)
        mj, shard = build_export(model, (1, 28, 28))
        np.testing.assert_allclose(numpy_forward(mj, shard, x_nhwc), softmax(torch_forward(model, x_nchw)),
                                   atol=1e-6)
        names = [layer["class_name"] for layer in mj["modelTopology"]["config"]["layers"]]
        self.assertEqual(names, ["InputLayer", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D",
                                 "Flatten", "Dense", "Dense"])
        acts = [layer["config"].get("activation") for layer in mj["modelTopology"]["config"]["layers"]]
        self.assertEqual(acts, [None, "relu", None, "relu", None, None, "relu", "softmax"])

    def test_flatten_permutation_indexwise(self) -> None:
        c, h, w, out = 3, 2, 4, 5
        model = nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, out))
        mj, shard = build_export(model, (c, h, w), final_activation=None)
        kernel = load_weights(mj, shard)["dense/kernel"]
        wt = model[1].weight.detach().numpy()
        self.assertEqual(kernel.shape, (h * w * c, out))
        for ci in range(c):
            for hi in range(h):
                for wi in range(w):
                    tf_row = (hi * w + wi) * c + ci  # NHWC flatten index
                    pt_col = (ci * h + hi) * w + wi  # NCHW flatten index
                    np.testing.assert_array_equal(kernel[tf_row], wt[:, pt_col])
        # Without the permutation the forward pass would differ (guards against a no-op test).
        x_nchw, x_nhwc = self._random_input(3, c, h, w)
        naive = x_nhwc.reshape(3, -1) @ wt.T + model[1].bias.detach().numpy()
        self.assertGreater(np.abs(naive - torch_forward(model, x_nchw)).max(), 1e-3)
        np.testing.assert_allclose(numpy_forward(mj, shard, x_nhwc), torch_forward(model, x_nchw), atol=1e-5)

    def test_second_dense_is_not_permuted(self) -> None:
        model = nn.Sequential(nn.Flatten(), nn.Linear(12, 7), nn.Linear(7, 4))
        mj, shard = build_export(model, (3, 2, 2), final_activation=None)
        weights = load_weights(mj, shard)
        np.testing.assert_array_equal(weights["dense_1/kernel"], model[2].weight.detach().numpy().T)

    def test_conv_kernel_layout(self) -> None:
        model = nn.Sequential(nn.Conv2d(3, 4, (2, 3)))
        mj, shard = build_export(model, (3, 6, 7), final_activation=None)
        kernel = load_weights(mj, shard)["conv2d/kernel"]
        wt = model[0].weight.detach().numpy()  # [out, in, kh, kw]
        self.assertEqual(kernel.shape, (2, 3, 3, 4))  # [kh, kw, in, out]
        for o in range(4):
            for i in range(3):
                for a in range(2):
                    for b in range(3):
                        self.assertEqual(kernel[a, b, i, o], wt[o, i, a, b])

    def test_files_and_manifest(self) -> None:
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 3 * 3, 4))
        with tempfile.TemporaryDirectory() as d:
            export_model(model, d, (1, 5, 5))
            self.assertEqual(sorted(os.listdir(d)), sorted(["model.json", SHARD_NAME]))
            with open(os.path.join(d, "model.json"), encoding="utf-8") as f:
                mj = json.load(f)
            with open(os.path.join(d, SHARD_NAME), "rb") as f:
                shard = f.read()
        self.assertEqual(mj["format"], "layers-model")
        topo = mj["modelTopology"]
        self.assertEqual(topo["class_name"], "Sequential")
        first = topo["config"]["layers"][0]
        self.assertEqual(first["class_name"], "InputLayer")
        self.assertEqual(first["config"]["batch_input_shape"], [None, 5, 5, 1])
        self.assertEqual(len(mj["weightsManifest"]), 1)
        self.assertEqual(mj["weightsManifest"][0]["paths"], [SHARD_NAME])
        specs = mj["weightsManifest"][0]["weights"]
        self.assertEqual([s["name"] for s in specs], ["conv2d/kernel", "conv2d/bias", "dense/kernel", "dense/bias"])
        self.assertEqual(len(shard), 4 * sum(int(np.prod(s["shape"])) for s in specs))
        # Little-endian float32: the first weights are the conv kernel in [kh, kw, in, out] order.
        first_vals = np.frombuffer(shard[:16], dtype="<f4")
        np.testing.assert_array_equal(first_vals, np.transpose(model[0].weight.detach().numpy(), (2, 3, 1, 0)).ravel()[:4])
        self.assertEqual(topo["config"]["layers"][-1]["config"]["activation"], "softmax")

    def test_activation_layer_when_nothing_to_fold(self) -> None:
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 2 * 2, 3))
        x_nchw, x_nhwc = self._random_input(2, 1, 6, 6)
        x_nchw -= 0.5
        x_nhwc = np.transpose(x_nchw, (0, 2, 3, 1))
        mj, shard = build_export(model, (1, 6, 6))
        names = [layer["class_name"] for layer in mj["modelTopology"]["config"]["layers"]]
        self.assertIn("Activation", names)
        np.testing.assert_allclose(numpy_forward(mj, shard, x_nhwc), softmax(torch_forward(model, x_nchw)), atol=1e-6)

    def test_rejects_unsupported(self) -> None:
        with self.assertRaises(ValueError):
            build_export(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2)), (1, 8, 8))
        with self.assertRaises(ValueError):  # asymmetric TF 'same' padding for stride 2
            build_export(nn.Sequential(nn.Conv2d(1, 2, 3, stride=2, padding=1)), (1, 8, 8))
        with self.assertRaises(ValueError):
            build_export(nn.Sequential(nn.MaxPool2d(2, ceil_mode=True)), (1, 7, 7))
        with self.assertRaises(ValueError):
            build_export(nn.Sequential(nn.Flatten(), nn.Linear(10, 2)), (1, 3, 3))  # wrong in_features
        with self.assertRaises(TypeError):
            build_export(nn.Conv2d(1, 2, 3), (1, 8, 8))
        self.assertTrue(hasattr(export_tfjs, "export_model"))


if __name__ == "__main__":
    unittest.main()
