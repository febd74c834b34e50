import numpy as np
import pytest

import zslkit
from zslkit.methods.eszsl import _Solver


def test_closed_form_matches_a_direct_solve(rng):
    X, y = rng.normal(size=(30, 6)), rng.integers(0, 3, 30)
    S = rng.normal(size=(3, 4))
    seen = np.arange(3)
    g, lam = 0.5, 2.0
    Y = -np.ones((30, 3)); Y[np.arange(30), y] = 1
    Xt, St = X.T, S.T
    direct = np.linalg.solve(Xt @ X + g * np.eye(6), Xt @ Y @ S) @ np.linalg.inv(St @ S + lam * np.eye(4))
    np.testing.assert_allclose(_Solver(X, y, S, seen).V(g, lam), direct, rtol=1e-8, atol=1e-10)


def test_regularisers_are_chosen_on_validation_without_test_data(digits):
    m = zslkit.create("eszsl")
    h = m.fit(digits, progress=False)
    assert len(h.extra["validation"]) == 49
    best = max(h.extra["validation"], key=lambda r: r["H"])
    assert (m.gamma_, m.lambda_) == (best["gamma"], best["lambda"])
    # scrambling the test images must not change the selection
    X = digits.features.copy()
    test = np.concatenate([digits.splits["test_seen"], digits.splits["test_unseen"]])
    X[test] = np.random.default_rng(0).random((test.size, X.shape[1]))
    m2 = zslkit.create("eszsl")
    m2.fit(digits.replace(features=X), progress=False)
    assert (m2.gamma_, m2.lambda_) == (m.gamma_, m.lambda_)


def test_eszsl_on_digits_beats_chance(digits):
    m = zslkit.create("eszsl")
    m.fit(digits, progress=False)
    r = zslkit.evaluate(m, digits)
    assert r.ZSL > 1 / 3 * 0.5 and r.S > 0.5
    assert m.embed(digits.X("test_unseen")).shape == (533, digits.embedding_dim)


def test_fixed_regularisers_skip_selection(digits):
    m = zslkit.create("eszsl", gamma=1.0, lambda_=1.0)
    h = m.fit(digits, progress=False)
    assert "validation" not in h.extra and m.gamma_ == 1.0


def test_xian2018_selection_uses_zsl_accuracy_on_the_one_validation_split(digits):
    """The protocol behind the published ESZSL rows: γ, λ by validation ZSL accuracy, one split."""
    from zslkit.metrics import zsl_accuracy
    m = zslkit.create("eszsl", preset="xian2018")
    h = m.fit(digits, progress=False)
    best = max(h.extra["validation"], key=lambda r: r["zsl"])
    assert (m.gamma_, m.lambda_) == (best["gamma"], best["lambda"])
    val = digits.validation_view()
    refit = zslkit.create("eszsl", gamma=best["gamma"], lambda_=best["lambda"])
    refit.fit(val, progress=False)
    assert zsl_accuracy(refit.scores(val.X("test_unseen")), val.y("test_unseen"), val.unseen_classes) \
        == pytest.approx(best["zsl"])


def test_unknown_selection_criterion_is_named(digits):
    with pytest.raises(ValueError, match="select_by"):
        zslkit.create("eszsl", select_by="accuracy").fit(digits, progress=False)
