"""The shared Trainer, through a minimal neural method defined here."""
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

import zslkit
from zslkit.methods.base import NeuralMethod
from zslkit.train import Trainer, resolve_device, warmup


@dataclass
class LinearConfig:
    epochs: int = 4
    batch_size: int = 16
    lr: float = 1e-2
    explode_at: int = -1     # epoch at which the loss is made NaN (tests the guard)
    interrupt_at: int = -1   # epoch at which a KeyboardInterrupt is raised


class LinearCompat(NeuralMethod):
    """s(x, c) = (W x)·a_c trained with softmax cross-entropy over the seen classes."""

    key = "test-linear"
    Config = LinearConfig

    def setup(self, problem):
        self.modules_["W"] = nn.Linear(problem.feature_dim, problem.embedding_dim, bias=False)
        self.optimizers_["adam"] = torch.optim.Adam(self.modules_.parameters(), lr=self.config.lr)
        self.A, self.seen = problem.class_embeddings, problem.seen

    def train_step(self, x, y, epoch):
        if epoch == self.config.interrupt_at:
            raise KeyboardInterrupt
        logits = self.modules_["W"](x) @ self.A[self.seen].T
        target = torch.searchsorted(self.seen, y)
        loss = nn.functional.cross_entropy(logits, target)
        if epoch == self.config.explode_at:
            loss = loss * float("nan")
        self.optimizers_["adam"].zero_grad()
        loss.backward()
        self.optimizers_["adam"].step()
        return {"cross_entropy": loss.detach(), "weight": torch.tensor(warmup(epoch, 2.0, 1, 3))}

    def score_tensor(self, x):
        return self.modules_["W"](x) @ self.A.T


def test_warmup_is_linear_and_clamped():
    assert [warmup(e, 0.25, 0, 93) for e in (0, 93, 200)] == [0.0, 0.25, 0.25]
    assert warmup(48, 8.13, 6, 22) == pytest.approx(8.13)
    assert warmup(14, 8.13, 6, 22) == pytest.approx(8.13 * 0.5)
    assert warmup(5, 1.0, 5, 5) == 1.0 and warmup(4, 1.0, 5, 5) == 0.0


def test_resolve_device():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            resolve_device("cuda")


def test_history_records_every_term_every_epoch(tiny):
    m = LinearCompat()
    h = m.fit(tiny, seed=0, device="cpu", progress=False)
    assert h.terms == ["cross_entropy", "weight"]
    assert h["weight"] == [0.0, 0.0, 1.0, 2.0]
    assert len(h.epoch_seconds) == 4 and h.stopped == "completed"
    assert h["cross_entropy"][-1] < h["cross_entropy"][0]


def test_batches_are_on_the_device_and_cover_each_row_once():
    X, y = torch.randn(50, 3), torch.zeros(50, dtype=torch.long)
    t = Trainer(object(), X, y, batch_size=16, progress=False)
    torch.manual_seed(0)
    batches = t.batches()
    assert [b.numel() for b in batches] == [16, 16, 16]
    assert torch.cat(batches).unique().numel() == 48


def test_nan_guard_names_term_and_epoch_and_keeps_last_good_state(tiny):
    m = LinearCompat(explode_at=2)
    good = LinearCompat()
    good.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    with pytest.raises(zslkit.TrainingDiverged, match=r"'cross_entropy'.*epoch 2"):
        m.fit(tiny, seed=0, device="cpu", progress=False)
    torch.testing.assert_close(m.modules_["W"].weight, good.modules_["W"].weight)


def test_keyboard_interrupt_keeps_the_last_completed_epoch(tiny):
    m = LinearCompat(interrupt_at=2)
    with pytest.warns(UserWarning, match="interrupted"):
        h = m.fit(tiny, seed=0, device="cpu", progress=False)
    assert h.stopped == "interrupted" and h.epochs_completed == 2
    ref = LinearCompat()
    ref.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    np.testing.assert_array_equal(m.scores(tiny.features), ref.scores(tiny.features))


def test_resume_from_checkpoint_equals_uninterrupted_run(tiny, tmp_path):
    full = LinearCompat(epochs=6)
    full.fit(tiny, seed=3, device="cpu", progress=False)
    first = LinearCompat(epochs=6)
    first.fit(tiny, epochs=3, seed=3, device="cpu", progress=False, checkpoint=tmp_path / "ck.pt")
    resumed = LinearCompat(epochs=6)
    h = resumed.fit(tiny, seed=3, device="cpu", progress=False, resume=tmp_path / "ck.pt")
    assert h.epochs_completed == 6
    np.testing.assert_array_equal(resumed.scores(tiny.features), full.scores(tiny.features))
    assert h["cross_entropy"] == full.history_["cross_entropy"]


def test_scores_reject_wrong_shapes_and_nan(tiny):
    m = LinearCompat(epochs=1)
    m.fit(tiny, seed=0, device="cpu", progress=False)
    with pytest.raises(zslkit.ZSLDataError, match="shape"):
        m.scores(np.zeros((3, tiny.feature_dim + 1)))
    with pytest.raises(zslkit.ZSLDataError, match="NaN"):
        m.scores(np.full((3, tiny.feature_dim), np.nan))
    with pytest.raises(TypeError, match="ZSLData"):
        m.fit(np.zeros((3, 3)))


def test_fast_path_switch_reaches_every_method_optimiser(tiny):
    from zslkit.train import set_fast_path, fast_path_enabled

    before = fast_path_enabled()
    try:
        for fast in (True, False):
            set_fast_path(fast)
            for key in ("cada-vae", "sp-aen", "acmr", "two-level", "mianet"):
                m = zslkit.create(key, preset="quick")
                m.fit(tiny, epochs=1, seed=0, device="cpu", progress=False)
                flags = {opt.defaults.get("fused") for opt in m.optimizers_.values()}
                if fast and _cpu_fused():  # torch >= 2.4 has a fused CPU kernel
                    assert flags == {True}, key
                else:
                    assert not any(flags), key
    finally:
        set_fast_path(before)


def _cpu_fused() -> bool:
    try:
        torch.optim.Adam([torch.zeros(1, requires_grad=True)], fused=True)
        return True
    except (RuntimeError, TypeError, ValueError):
        return False


def test_callback_sees_every_epoch_and_can_stop_training(tiny):
    seen = []
    m = zslkit.create("mianet", preset="quick")
    h = m.fit(tiny, epochs=5, seed=0, device="cpu", progress=False,
              callback=lambda epoch, terms: seen.append((epoch, dict(terms))))
    assert [e for e, _ in seen] == [0, 1, 2, 3, 4]
    assert all(terms == {k: h[k][e] for k in terms} for e, terms in seen)
    stopper = zslkit.create("mianet", preset="quick")
    h2 = stopper.fit(tiny, epochs=5, seed=0, device="cpu", progress=False, callback=lambda epoch, terms: epoch == 1)
    assert h2.epochs_completed == 2 and h2.stopped == "callback"
    assert stopper.scores(tiny.X("test_unseen")).shape == (tiny.y("test_unseen").size, tiny.n_classes)
