#!/usr/bin/env python3
"""Unit tests for scripts/defend_train.py and its helpers (needs PyTorch).

    /usr/bin/python3 -m unittest scripts/test_defend_train.py

The losses against hand-written formulas (Goodfellow §6, Papernot's soft labels), the attacks'
constraints, the output-folder protocol, and a tiny real run that is stopped with SIGTERM and
resumed to byte-identical weights. Data: the 200 bundled sample images written as IDX files.
"""
from __future__ import annotations

import glob
import gzip
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from defend_attacks import fgsm, harden_loss, pgd, robustness, soft_cross_entropy  # noqa: E402
from defend_io import DefendError, Workspace, load_idx_dir  # noqa: E402
from import_tfjs import load_tfjs_model  # noqa: E402
from train_default_model import LABELS, decode_png_gray8, label_to_folder  # noqa: E402

REPO = os.path.dirname(HERE)
SCRIPT = os.path.join(HERE, "defend_train.py")


def write_idx_fixture(d: str, n_test: int = 100) -> None:
    """The bundled samples as Fashion-MNIST IDX files: train = all 200, test = the first n_test."""
    xs, ys = [], []
    for c, label in enumerate(LABELS):
        for p in sorted(glob.glob(os.path.join(REPO, "assets", "samples", label_to_folder(label), "*.png"))):
            with open(p, "rb") as f:
                xs.append(decode_png_gray8(f.read()))
            ys.append(c)
    x, y = np.stack(xs), np.array(ys, dtype=np.uint8)
    order = np.random.default_rng(0).permutation(len(y))
    x, y = x[order], y[order]
    for split, (xi, yi) in {"train": (x, y), "t10k": (x[:n_test], y[:n_test])}.items():
        with gzip.open(os.path.join(d, f"{split}-images-idx3-ubyte.gz"), "wb") as f:
            f.write(struct.pack(">HBBIII", 0, 8, 3, len(yi), 28, 28) + xi.tobytes())
        with gzip.open(os.path.join(d, f"{split}-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(struct.pack(">HBBI", 0, 8, 1, len(yi)) + yi.tobytes())


def tiny_net() -> nn.Sequential:
    torch.manual_seed(3)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 5), nn.ReLU(), nn.Linear(5, 3))


class LossTest(unittest.TestCase):
    def setUp(self) -> None:
        self.net = tiny_net()
        g = torch.Generator().manual_seed(1)
        self.x = torch.rand(6, 1, 4, 4, generator=g)
        self.y = torch.tensor([0, 1, 2, 0, 1, 2])

    def test_fgsm_is_the_sign_step_clipped(self) -> None:
        x = self.x.clone().requires_grad_(True)
        F.cross_entropy(self.net(x), self.y).backward()
        want = (self.x + 0.1 * x.grad.sign()).clamp(0, 1)
        self.net.zero_grad(set_to_none=True)
        adv = fgsm(self.net, self.x, self.y, 25.5)
        torch.testing.assert_close(adv, want)
        self.assertLessEqual(float((adv - self.x).abs().max()), 0.1 + 1e-6)
        self.assertIsNone(self.net[1].weight.grad)  # input gradients only: no stray parameter grads
        self.assertGreater(F.cross_entropy(self.net(adv), self.y).item(), F.cross_entropy(self.net(self.x), self.y).item())

    def test_harden_loss_is_goodfellow_objective(self) -> None:
        for alpha in (0.0, 0.5, 0.8, 1.0):
            got = harden_loss(self.net, self.x, self.y, alpha, lambda x, y: fgsm(self.net, x, y, 25))
            adv = fgsm(self.net, self.x, self.y, 25)
            want = alpha * F.cross_entropy(self.net(self.x), self.y) + (1 - alpha) * F.cross_entropy(self.net(adv), self.y)
            torch.testing.assert_close(got, want)

    def test_adversarial_examples_follow_the_current_weights(self) -> None:
        before = fgsm(self.net, self.x, self.y, 25)
        with torch.no_grad():
            self.net[3].weight.neg_()
        self.assertFalse(torch.equal(fgsm(self.net, self.x, self.y, 25), before))

    def test_pgd_and_bim_stay_in_the_ball_and_the_box(self) -> None:
        g = torch.Generator().manual_seed(2)
        for adv in (pgd(self.net, self.x, self.y, 16, 5, 4, True, g), pgd(self.net, self.x, self.y, 16, 5, 4, False)):
            self.assertLessEqual(float((adv - self.x).abs().max()), 16 / 255 + 1e-6)
            self.assertGreaterEqual(float(adv.min()), 0.0)
            self.assertLessEqual(float(adv.max()), 1.0)

    def test_soft_cross_entropy(self) -> None:
        z = torch.randn(4, 3, requires_grad=True)
        onehot = F.one_hot(torch.tensor([0, 2, 1, 1]), 3).float()
        torch.testing.assert_close(soft_cross_entropy(z, onehot, 1.0), F.cross_entropy(z, torch.tensor([0, 2, 1, 1])))
        # d/dz = (softmax(z/T) − soft) / (T·N): zero when the student already matches the teacher at T.
        soft = torch.softmax(torch.randn(4, 3), dim=1)
        soft_cross_entropy(z, soft, 100.0).backward()
        torch.testing.assert_close(z.grad, (torch.softmax(z.detach() / 100, 1) - soft) / 400)

    def test_robustness_counts_errors_and_dead_gradients(self) -> None:
        r = robustness(self.net, self.x, self.y, 25, 3, batch=4)
        self.assertEqual(r["n"], 6)
        big = nn.Sequential(self.net, nn.Linear(3, 3))
        with torch.no_grad():
            big[1].weight.copy_(torch.eye(3) * 1e4)
            big[1].bias.zero_()
        self.assertGreater(robustness(big, self.x, self.y, 25, 3)["zeroGradientFraction"], 0)


class WorkspaceTest(unittest.TestCase):
    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "m")

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def test_protocol(self) -> None:
        ws = Workspace(self.out)
        self.assertIsNone(ws.open({"a": 1}, force=False, resume=False))
        ws.save_checkpoint({"step": 3})
        self.assertEqual(Workspace(self.out).open({"a": 1}, False, False), {"step": 3})
        with self.assertRaises(DefendError) as e:
            Workspace(self.out).open({"a": 2}, False, False)
        self.assertEqual(e.exception.code, "checkpoint-mismatch")
        self.assertIsNone(Workspace(self.out).open({"a": 2}, force=True, resume=False))
        with self.assertRaises(DefendError):  # --resume with nothing saved for these settings
            Workspace(self.out).open({"a": 3}, force=True, resume=True)
        os.makedirs(self.out)
        with open(os.path.join(self.out, "mine.txt"), "w") as f:
            f.write("user data")
        with self.assertRaises(DefendError) as e:
            Workspace(self.out).open({"a": 1}, False, False)
        self.assertEqual(e.exception.code, "out-exists")
        ws = Workspace(self.out)
        ws.open({"a": 1}, force=True, resume=False)
        ws.finish(tiny_net(), (1, 4, 4), {"name": "m"})
        self.assertEqual(sorted(os.listdir(self.out)), ["group1-shard1of1.bin", "mine.txt", "model-card.json", "model.json"])
        self.assertFalse(os.path.exists(ws.partial))

    def test_foreign_partial_folder_is_not_touched(self) -> None:
        os.makedirs(self.out + ".partial")
        with open(os.path.join(self.out + ".partial", "x"), "w") as f:
            f.write("x")
        with self.assertRaises(DefendError):
            Workspace(self.out).open({"a": 1}, True, False)
        self.assertTrue(os.path.exists(os.path.join(self.out + ".partial", "x")))


class RunTest(unittest.TestCase):
    """Real runs of the script on the 200 bundled samples (a few seconds each)."""

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "data")
        os.makedirs(self.data)
        write_idx_fixture(self.data)

    def tearDown(self) -> None:
        self.tmp.cleanup()

    def args(self, cmd: str, out: str, batch: int = 16) -> list[str]:
        return [sys.executable, SCRIPT, cmd, "--data", self.data, "--out", out, "--epochs", "2", "--batch-size", str(batch),
                "--checkpoint-every", "3", "--eval-bim-steps", "2"]

    def run_to_end(self, argv: list[str]) -> list[dict]:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        self.assertEqual(p.returncode, 0, p.stderr + p.stdout[-2000:])
        return [json.loads(line) for line in p.stdout.splitlines()]

    def test_sigterm_then_resume_gives_identical_weights(self) -> None:
        # batch 256 > 200 images: every step ends an epoch, so the stop lands on an epoch boundary.
        for cmd, batch in (("harden", 16), ("distill", 16), ("harden", 256)):
            with self.subTest(cmd=cmd, batch=batch):
                straight, stopped = (os.path.join(self.tmp.name, f"{cmd}-{batch}-{k}") for k in "ab")
                events = self.run_to_end(self.args(cmd, straight, batch))
                self.assertEqual(events[-1]["type"], "done")
                p = subprocess.Popen(self.args(cmd, stopped, batch), stdout=subprocess.PIPE, text=True)
                for line in p.stdout:  # stop as soon as training is under way
                    if json.loads(line)["type"] == "progress":
                        p.send_signal(signal.SIGTERM)
                        break
                rest = [json.loads(line) for line in p.stdout]
                p.stdout.close()
                self.assertEqual(p.wait(timeout=120), 130)
                self.assertEqual(rest[-1]["type"], "cancelled")
                self.assertFalse(os.path.exists(stopped))
                self.assertTrue(os.path.isfile(os.path.join(stopped + ".partial", ".checkpoint", "state.pt")))
                resumed = self.run_to_end(self.args(cmd, stopped, batch))
                self.assertTrue(resumed[0]["resumed"])
                self.assertFalse(os.path.exists(stopped + ".partial"))
                for name in ("group1-shard1of1.bin", "model.json"):
                    with open(os.path.join(straight, name), "rb") as f1, open(os.path.join(stopped, name), "rb") as f2:
                        self.assertEqual(f1.read(), f2.read(), name)
                card = events[-1]["card"]
                self.assertEqual(card["provenance"]["baseModel"]["dir"], "default")
                self.assertEqual(load_tfjs_model(stopped).input_hwc, (28, 28, 1))

    def test_a_vanished_reader_stops_the_run_with_a_checkpoint(self) -> None:
        out = os.path.join(self.tmp.name, "orphan")
        p = subprocess.Popen(self.args("harden", out, 4) + ["--stop-on-stdin-eof"], stdout=subprocess.PIPE, stdin=subprocess.PIPE)
        p.stdout.readline()
        p.stdout.close()  # printshot died: stdout is a broken pipe, stdin hits EOF
        p.stdin.close()
        self.assertEqual(p.wait(timeout=120), 130)
        self.assertTrue(os.path.isfile(os.path.join(out + ".partial", ".checkpoint", "state.pt")))

    def test_bad_data_is_reported(self) -> None:
        with open(os.path.join(self.data, "t10k-labels-idx1-ubyte.gz"), "wb") as f:
            f.write(b"not gzip")
        p = subprocess.run(self.args("harden", os.path.join(self.tmp.name, "x")), capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        err = json.loads(p.stdout.splitlines()[-1])
        self.assertEqual((err["type"], err["code"]), ("error", "bad-dataset"))
        self.assertIn("not a gzipped IDX file", err["message"])
        with self.assertRaisesRegex(DefendError, "data folder not found"):
            load_idx_dir(os.path.join(self.tmp.name, "nope"))


if __name__ == "__main__":
    unittest.main()
