import os

os.environ.setdefault("ZSLKIT_QUICK", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np
import pytest

import zslkit


@pytest.fixture(scope="session")
def tiny():
    """A small synthetic dataset: 8 classes (2 unseen), 16-d features, 12 images per class."""
    return zslkit.datasets.make_synthetic(n_classes=8, n_unseen=2, embedding_dim=6, feature_dim=16,
                                          images_per_class=12, seed=3, name="tiny")


@pytest.fixture(scope="session")
def digits():
    return zslkit.datasets.load("digits")


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def fit_budgets(monkeypatch):
    """The ``budget_images`` of every `NeuralMethod.fit` call made during the test, in order."""
    from zslkit.methods.base import NeuralMethod

    budgets = []
    original = NeuralMethod.fit

    def recording_fit(self, data, *args, **kwargs):
        budgets.append(kwargs.get("budget_images"))
        return original(self, data, *args, **kwargs)
    monkeypatch.setattr(NeuralMethod, "fit", recording_fit)
    return budgets
