#!/usr/bin/env python3
"""Unit tests for scripts/szegedy_cross_training.py (needs PyTorch).

    /usr/bin/python3 -m unittest scripts/test_szegedy_cross_training.py

The halves are disjoint and cover the training set, the weight-decay term against a hand sum,
the MLP shapes, and a tiny real run on the 200 bundled samples written as IDX files: three model
folders whose cards record disjoint halves, a rerun that reuses them, a rerun with other settings
that is refused, and a run stopped with SIGTERM that resumes.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import unittest

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from import_tfjs import load_tfjs_model  # noqa: E402
from szegedy_cross_training import MODELS, indices_sha256, l2_penalty, make_mlp, split_halves  # noqa: E402
from test_defend_train import write_idx_fixture  # noqa: E402

SCRIPT = os.path.join(HERE, "szegedy_cross_training.py")


def run(args: list[str]) -> tuple[int, list[dict]]:
    p = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=300)
    return p.returncode, [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


class SplitTest(unittest.TestCase):
    def test_halves_are_disjoint_and_cover(self) -> None:
        for n in (2, 7, 200, 60000):
            p0, p1 = split_halves(n, seed=5)
            self.assertEqual(len(set(p0.tolist()) & set(p1.tolist())), 0)
            self.assertEqual(sorted(p0.tolist() + p1.tolist()), list(range(n)))
            self.assertEqual(p0.shape[0], n // 2)

    def test_split_depends_on_the_seed_only(self) -> None:
        a, b = split_halves(1000, 1), split_halves(1000, 1)
        self.assertTrue(torch.equal(a[0], b[0]))
        self.assertNotEqual(indices_sha256(a[0]), indices_sha256(split_halves(1000, 2)[0]))


class ModelTest(unittest.TestCase):
    def test_mlp_shape(self) -> None:
        net = make_mlp([123, 456])
        linears = [m for m in net if isinstance(m, nn.Linear)]
        self.assertEqual([(m.in_features, m.out_features) for m in linears], [(784, 123), (123, 456), (456, 10)])
        self.assertEqual(tuple(net(torch.zeros(3, 1, 28, 28)).shape), (3, 10))

    def test_weight_decay_sums_weights_not_biases(self) -> None:
        net = make_mlp([2], inputs=3, classes=2)
        with torch.no_grad():
            for m in net:
                if isinstance(m, nn.Linear):
                    m.weight.fill_(0.5)
                    m.bias.fill_(10.0)
        self.assertAlmostEqual(l2_penalty(net).item(), (3 * 2 + 2 * 2) * 0.25, places=6)


class RunTest(unittest.TestCase):
    def test_tiny_run_reuse_refusal_and_resume(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            data, out = os.path.join(d, "data"), os.path.join(d, "models")
            os.makedirs(data)
            write_idx_fixture(data)
            args = ["--data", data, "--out", out, "--epochs", "2", "--batch-size", "32"]
            rc, events = run(args)
            self.assertEqual(rc, 0, events[-1])
            done = events[-1]
            self.assertEqual(done["type"], "done")
            provs = {m["name"]: m["provenance"] for m in done["models"]}
            self.assertEqual(sorted(provs), sorted(m[0] for m in MODELS))
            # P0 models share a half; the P1 model's half is the other one; each is half of 200.
            self.assertEqual(provs["fc100-100-10-p0"]["split"], provs["fc123-456-10-p0"]["split"])
            self.assertNotEqual(provs["fc100-100-10-p0"]["split"]["indicesSha256"], provs["fc100-100-10-p1"]["split"]["indicesSha256"])
            self.assertEqual([p["halfSize"] for p in provs.values()], [100, 100, 100])
            imported = load_tfjs_model(os.path.join(out, "fc123-456-10-p0"))
            self.assertEqual([m.out_features for m in imported.net if isinstance(m, nn.Linear)], [123, 456, 10])
            # A rerun reuses every finished model.
            rc, events = run(args)
            self.assertEqual(rc, 0)
            self.assertEqual([e["reused"] for e in events if e["type"] == "model"], [True, True, True])
            # Other settings on the same folder are refused, not silently mixed.
            rc, events = run([*args[:-2], "--batch-size", "16"])
            self.assertEqual(rc, 1)
            self.assertEqual(events[-1]["code"], "checkpoint-mismatch")

    def test_sigterm_checkpoints_and_resumes(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            data, out = os.path.join(d, "data"), os.path.join(d, "models")
            os.makedirs(data)
            write_idx_fixture(data)
            args = [sys.executable, SCRIPT, "--data", data, "--out", out, "--epochs", "5", "--batch-size", "8"]
            p = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
            for line in p.stdout:  # stop after the first epoch's checkpoint
                if json.loads(line)["type"] == "checkpoint":
                    p.terminate()
                    break
            rest = [json.loads(line) for line in p.stdout if line.strip()]
            p.stdout.close()
            self.assertEqual(p.wait(timeout=60), 130)
            self.assertEqual(rest[-1]["type"], "cancelled")
            rc, events = run(args[2:])
            self.assertEqual(rc, 0, events[-1])
            first_epoch = next(e for e in events if e["type"] == "epoch" and e["phase"] == MODELS[0][0])
            self.assertGreater(first_epoch["epoch"], 1, "the rerun resumed past the checkpointed epoch")


if __name__ == "__main__":
    unittest.main()
