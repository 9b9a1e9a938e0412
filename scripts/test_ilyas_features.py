#!/usr/bin/env python3
"""Unit tests for scripts/ilyas_features.py (Ilyas et al. 2019) and its helpers (needs PyTorch).

    /usr/bin/python3 -m unittest scripts/test_ilyas_features.py

The D_R objective really decreases, targeted PGD stays in its ball and reaches its target, the
Wilson interval's known answers, and one tiny real run (the 200 bundled samples as IDX files,
--limit 20, --det-limit 30, both non-robust datasets): D_det labels are (y+1) mod 10 and D_rand
labels are another class, spread over the other nine, in the stage files and in the exported folders, the
PNGs hold the stage's pixels, a stop and a rerun resume with finished stages skipped, and a
rerun with other settings is refused.
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
from defend_io import Classifier, load_base, load_idx_dir  # noqa: E402
from ilyas_ops import penultimate, robust_dataset, targeted_pgd, wilson  # noqa: E402
from test_defend_train import write_idx_fixture  # noqa: E402
from train_default_model import LABELS, decode_png_gray8, label_to_folder  # noqa: E402

SCRIPT = os.path.join(HERE, "ilyas_features.py")
TINY = ["--limit", "20", "--det-limit", "30", "--robust-train", "40", "--robust-pgd-steps", "1", "--dr-steps", "8", "--det-steps", "5",
        "--epochs", "1", "--eval-n", "20", "--eval-steps", "2", "--gen-batch", "10"]


def run(args: list[str], stdin: int | None = None) -> tuple[int, list[dict]]:
    p = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=900,
                       stdin=stdin if stdin is not None else subprocess.DEVNULL)
    events = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    return p.returncode, events


class Ops(unittest.TestCase):
    def test_d_r_objective_decreases(self) -> None:
        torch.manual_seed(0)
        net, card, _ = load_base("default")
        model = Classifier(net, card).eval()
        model.requires_grad_(False)
        with tempfile.TemporaryDirectory() as d:
            write_idx_fixture(d)
            x, _y = load_idx_dir(d)["train"]
        g = penultimate(model)
        self.assertEqual(g(x[:2]).shape, (2, 128))  # the 128-unit ReLU layer feeding the logits
        target, start_imgs = x[:8], x[8:16]
        _, start, end_few = robust_dataset(g, target, start_imgs, 5, 1.0)
        xr, start2, end = robust_dataset(g, target, start_imgs, 40, 1.0)
        self.assertTrue(torch.equal(start, start2))
        self.assertTrue(bool((end < start).all()), f"start {start.tolist()} end {end.tolist()}")
        self.assertLess(float(end.mean()), 0.5 * float(start.mean()))
        self.assertLess(float(end.mean()), float(end_few.mean()))  # more steps, closer
        self.assertGreaterEqual(float(xr.min()), 0.0)
        self.assertLessEqual(float(xr.max()), 1.0)

    def test_targeted_pgd_stays_in_its_ball_and_moves_toward_the_target(self) -> None:
        torch.manual_seed(1)
        net = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
        x = torch.rand(32, 1, 4, 4)
        t = torch.randint(0, 3, (32,))
        loss = lambda z: nn.functional.cross_entropy(net(z), t).item()  # noqa: E731
        for norm, eps, step in (("linf", 25.0, 5.0), ("l2", 0.5, 0.1)):
            adv = targeted_pgd(net, x, t, norm, eps, 10, step)
            d = (adv - x).flatten(1)
            size = d.abs().amax(1) * 255 if norm == "linf" else d.norm(dim=1)
            self.assertLessEqual(float(size.max()), eps + 1e-4, norm)
            self.assertTrue(0 <= float(adv.min()) and float(adv.max()) <= 1, norm)
            self.assertLess(loss(adv), loss(x), norm)  # descends J(x', t)

    def test_wilson_known_answers(self) -> None:
        w = wilson(5, 10)
        self.assertAlmostEqual(w["lo"], 0.236593, places=5)
        self.assertAlmostEqual(w["hi"], 0.763407, places=5)
        self.assertEqual(wilson(0, 10)["lo"], 0.0)
        self.assertAlmostEqual(wilson(0, 10)["hi"], 0.277533, places=5)
        self.assertIsNone(wilson(0, 0)["rate"])


class TinyRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.tmp = tempfile.TemporaryDirectory()
        cls.data = os.path.join(cls.tmp.name, "data")
        os.makedirs(cls.data)
        write_idx_fixture(cls.data)
        cls.out = os.path.join(cls.tmp.name, "exp")
        cls.args = ["--data", cls.data, "--out", cls.out, *TINY]
        # First run: stdin closed at once and --stop-on-stdin-eof, so it stops in its first stage.
        p = subprocess.Popen([sys.executable, SCRIPT, *cls.args, "--stop-on-stdin-eof"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        out, _ = p.communicate(input="", timeout=900)  # closes stdin at once
        cls.first = (p.returncode, [json.loads(line) for line in out.splitlines() if line.startswith("{")])
        cls.second = run(cls.args)
        cls.third = run(cls.args)
        with open(os.path.join(cls.out, "results", "ilyas-features.json"), encoding="utf-8") as f:
            cls.result = json.load(f)
        cls.y = load_idx_dir(cls.data)["train"][1]

    @classmethod
    def tearDownClass(cls) -> None:
        cls.tmp.cleanup()

    def test_a_stop_then_a_rerun_resumes_and_a_finished_run_skips_every_stage(self) -> None:
        code, ev = self.first
        self.assertEqual(code, 130)
        self.assertEqual(ev[-1]["type"], "cancelled")
        self.assertEqual([e["name"] for e in ev if e["type"] == "stage"], ["robust"])
        code, ev = self.second
        self.assertEqual(code, 0, ev[-1])
        self.assertTrue(next(e for e in ev if e["type"] == "start")["resumed"])
        # The robust model's epoch was saved before the stop: the rerun does not train it again.
        d_r = next(i for i, e in enumerate(ev) if e["type"] == "stage" and e["name"] == "d_r")
        self.assertEqual([e for e in ev[:d_r] if e["type"] in ("epoch", "progress")], [])
        code, ev = self.third
        self.assertEqual(code, 0)
        self.assertTrue(ev[0]["resumed"])
        # Nothing is trained, built or attacked again: only stage headers and the final lines.
        work = [e for e in ev if e["type"] in ("epoch", "progress", "checkpoint") and e.get("phase") != "eval"]
        self.assertEqual(work, [])

    def test_d_det_labels_are_y_plus_1_and_the_folders_hold_the_stage_pixels(self) -> None:
        det = torch.load(os.path.join(self.out, "stages", "d_det.pt"))
        rand = torch.load(os.path.join(self.out, "stages", "d_rand.pt"))
        self.assertTrue(torch.equal(det["y"], (det["yTrue"] + 1) % 10))
        self.assertTrue(torch.equal(det["yTrue"], self.y[det["source"]]))
        # D_rand: the same source images, each relabelled with another class, not one fixed shift.
        self.assertTrue(torch.equal(rand["source"], det["source"]))
        self.assertTrue(bool((rand["y"] != rand["yTrue"]).all()))
        self.assertGreater(len(set(((rand["y"] - rand["yTrue"]) % 10).tolist())), 3)
        rand_label = {int(s): int(t) for s, t in zip(rand["source"], rand["y"])}
        for name, stage, expected, count in (("D_det", det, (self.y + 1) % 10, 30), ("D_rand", rand, rand_label, 30),
                                             ("D_R", torch.load(os.path.join(self.out, "stages", "d_r.pt")), self.y, 20)):
            folder = os.path.join(self.out, "datasets", name)
            seen = 0
            for c, label in enumerate(LABELS):
                for f in sorted(os.listdir(os.path.join(folder, label_to_folder(label)))):
                    src = int(f[len("train-"):-len(".png")])
                    self.assertEqual(int(expected[src]), c, f"{name}/{f}")
                    i = stage["source"].tolist().index(src)
                    with open(os.path.join(folder, label_to_folder(label), f), "rb") as fh:
                        self.assertTrue((decode_png_gray8(fh.read()) == stage["x"][i, 0].numpy()).all())
                    seen += 1
            self.assertEqual(seen, count)
            with open(os.path.join(folder, "provenance.json"), encoding="utf-8") as fh:
                prov = json.load(fh)
            self.assertEqual(prov["sourceData"]["trainSha256"], self.result["data"]["trainSha256"])
            self.assertEqual(len(prov["sha256"]), 64)
            self.assertTrue(all(len(m["fingerprint"]) == 64 for m in prov["models"].values()))

    def test_d_r_objective_decreased_in_the_run(self) -> None:
        d_r = torch.load(os.path.join(self.out, "stages", "d_r.pt"))
        self.assertTrue(bool((d_r["end"] < d_r["start"]).all()))
        self.assertFalse(torch.equal(d_r["source"], d_r["x0"]))
        self.assertTrue(bool((d_r["source"] != d_r["x0"]).all()))  # x0 is always another image

    def test_results_and_models(self) -> None:
        r = self.result
        self.assertEqual([t["model"] for t in r["table"]], ["standard", "robust", "std-D", "std-D_R", "std-D_det", "std-D_rand"])
        for t in r["table"]:
            self.assertEqual(t["standardAccuracy"]["n"], 100)
            self.assertEqual(t["robustAccuracy"]["n"], 20)
            self.assertLessEqual(t["standardAccuracy"]["lo"], t["standardAccuracy"]["rate"])
        self.assertEqual(sorted(r["datasets"]), ["D_R", "D_det", "D_rand"])
        self.assertEqual(r["datasets"]["D_det"]["images"], 30)
        for key in ("robust", "std-D", "std-D_R", "std-D_det", "std-D_rand"):
            with open(os.path.join(self.out, "models", key, "model-card.json"), encoding="utf-8") as f:
                card = json.load(f)
            self.assertIn("Ilyas", card["provenance"]["paper"])
            self.assertEqual(load_base(os.path.join(self.out, "models", key))[2]["fingerprint"], r["models"][key]["fingerprint"])

    def test_other_settings_are_refused(self) -> None:
        code, ev = run([*self.args, "--dr-steps", "9"])
        self.assertEqual(code, 1)
        self.assertEqual(ev[-1]["code"], "checkpoint-mismatch")
        self.assertIn("dr_steps", ev[-1]["message"])


if __name__ == "__main__":
    unittest.main()
