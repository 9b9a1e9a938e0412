#!/usr/bin/env python3
"""Unit tests for scripts/import_tfjs.py: TF.js Layers folder -> torch nn.Sequential (needs PyTorch).

    /usr/bin/python3 -m unittest scripts/test_import_tfjs.py

Round trips through scripts/export_tfjs.py: export -> import must reproduce the logits, and
export(import(export(m))) must give the same model.json layers and byte-identical shard.
"""
from __future__ import annotations

import copy
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
from export_tfjs import SHARD_NAME, build_export, export_model  # noqa: E402
from import_tfjs import TfjsImportError, load_tfjs_model  # noqa: E402
from train_default_model import decode_png_gray8, make_model  # noqa: E402

REPO = os.path.dirname(HERE)


def logits(model: nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model.eval()(torch.from_numpy(x)).numpy()


class ImportTest(unittest.TestCase):
    def setUp(self) -> None:
        torch.manual_seed(7)
        self.rng = np.random.default_rng(7)
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def roundtrip(self, model: nn.Sequential, chw: tuple[int, int, int]) -> None:
        export_model(model, self.dir, chw)
        imported = load_tfjs_model(self.dir)
        self.assertTrue(imported.had_softmax)
        self.assertEqual(imported.input_hwc, (chw[1], chw[2], chw[0]))
        x = self.rng.random((4, *chw), dtype=np.float32)
        np.testing.assert_allclose(logits(imported.net, x), logits(model, x), atol=1e-5)
        mj1, shard1 = build_export(model, chw)
        mj2, shard2 = build_export(imported.net, chw)
        self.assertEqual(mj2["modelTopology"], mj1["modelTopology"])
        self.assertEqual(shard2, shard1)

    def test_default_architecture_roundtrip(self) -> None:
        self.roundtrip(make_model(), (1, 28, 28))

    def test_same_padding_channels_and_activation_layer(self) -> None:
        # Non-square input, 'same' conv, several channels and a ReLU with nothing to fold into.
        model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(),
                              nn.Flatten(), nn.Linear(4 * 4 * 5, 6), nn.ReLU(), nn.Linear(6, 3))
        self.roundtrip(model, (2, 10, 12))

    def test_bundled_model_matches_reference_logits(self) -> None:
        imported = load_tfjs_model(os.path.join(REPO, "assets", "models", "fashion-cnn"))
        with open(os.path.join(REPO, "assets", "models", "fashion-cnn", "reference-logits.json"), encoding="utf-8") as f:
            ref = json.load(f)["samples"]
        names = sorted(ref)[:40]
        xs = []
        for rel in names:
            with open(os.path.join(REPO, "assets", "samples", rel), "rb") as f:
                xs.append(decode_png_gray8(f.read()).astype(np.float32) / 255.0)
        got = logits(imported.net, np.stack(xs)[:, None])
        np.testing.assert_allclose(got, np.array([ref[n]["logits"] for n in names]), atol=1e-4)

    def test_fine_tuned_copy_changes_only_weights(self) -> None:
        model = make_model()
        export_model(model, self.dir, (1, 28, 28))
        net = copy.deepcopy(load_tfjs_model(self.dir).net)
        with torch.no_grad():
            net[-1].bias += 1.0
        mj1, _ = build_export(model, (1, 28, 28))
        mj2, shard2 = build_export(net, (1, 28, 28))
        self.assertEqual(mj2["modelTopology"], mj1["modelTopology"])
        self.assertEqual(len(shard2), 4 * sum(p.numel() for p in model.parameters()))

    def edit(self, fn) -> None:
        """Export a small model, then let `fn` edit its model.json dict."""
        export_model(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 3 * 3, 3)), self.dir, (1, 5, 5))
        path = os.path.join(self.dir, "model.json")
        with open(path, encoding="utf-8") as f:
            mj = json.load(f)
        fn(mj)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(mj, f)

    def test_keras_style_nesting_and_prefixed_names(self) -> None:
        model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 3 * 3, 3))
        export_model(model, self.dir, (1, 5, 5))
        path = os.path.join(self.dir, "model.json")
        with open(path, encoding="utf-8") as f:
            mj = json.load(f)
        layers = mj["modelTopology"]["config"]["layers"]
        layers[1]["config"]["batch_input_shape"] = layers[0]["config"]["batch_input_shape"]
        mj["modelTopology"] = {"model_config": {"class_name": "Sequential", "config": layers[1:]}}
        for w in mj["weightsManifest"][0]["weights"]:
            w["name"] = "sequential/" + w["name"]
        with open(path, "w", encoding="utf-8") as f:
            json.dump(mj, f)
        x = self.rng.random((2, 1, 5, 5), dtype=np.float32)
        np.testing.assert_allclose(logits(load_tfjs_model(self.dir).net, x), logits(model, x), atol=1e-5)

    def assertRefused(self, pattern: str) -> None:
        with self.assertRaisesRegex(TfjsImportError, pattern):
            load_tfjs_model(self.dir)

    def test_unsupported_layer_is_named(self) -> None:
        self.edit(lambda mj: mj["modelTopology"]["config"]["layers"].insert(2, {"class_name": "BatchNormalization", "config": {"name": "bn"}}))
        self.assertRefused("bn: unsupported layer BatchNormalization")

    def test_refusals(self) -> None:
        self.edit(lambda mj: mj.update(format="graph-model"))
        self.assertRefused("not a TF.js Layers model")
        self.edit(lambda mj: mj["modelTopology"].update(class_name="Functional"))
        self.assertRefused("only Sequential")
        self.edit(lambda mj: mj["modelTopology"]["config"]["layers"][1]["config"].update(activation="tanh"))
        self.assertRefused("unsupported activation 'tanh'")
        self.edit(lambda mj: mj["modelTopology"]["config"]["layers"][1]["config"].update(dilation_rate=[2, 2]))
        self.assertRefused("dilated")
        self.edit(lambda mj: mj["weightsManifest"][0]["weights"][0].update(dtype="float16"))
        self.assertRefused("only unquantized float32")
        self.edit(lambda mj: None)
        with open(os.path.join(self.dir, SHARD_NAME), "ab") as f:
            f.write(b"\0\0\0\0")
        self.assertRefused("4 bytes more")
        os.remove(os.path.join(self.dir, SHARD_NAME))
        self.assertRefused("missing weight shard")
        os.remove(os.path.join(self.dir, "model.json"))
        self.assertRefused("no model.json")


if __name__ == "__main__":
    unittest.main()
