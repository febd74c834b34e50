"""One conformance suite run against every registered method (as scikit-learn's
``parametrize_with_checks``): a few epochs on tiny data must give finite losses, scores of shape
(N, C), identical scores for the same seed on CPU, and an exact save/load round trip."""
import numpy as np
import pytest
import torch

import zslkit

METHODS = zslkit.available_methods()


def quick(key):
    cls = zslkit.method_class(key)
    return zslkit.create(key, preset="quick" if "quick" in cls.presets else None)


@pytest.mark.parametrize("key", METHODS)
def test_fit_scores_history(key, tiny):
    model = quick(key)
    history = model.fit(tiny, epochs=2, seed=0, device="cpu", progress=False)
    X = tiny.X("test_unseen")
    s = model.scores(X)
    assert s.shape == (X.shape[0], tiny.n_classes)
    assert s.dtype == np.float32 and np.all(np.isfinite(s))
    for term, values in history.losses.items():
        assert len(values) == history.epochs_completed == 2, term
        assert np.all(np.isfinite(values)), term
    if key != "eszsl":
        assert history.terms, "a neural method must report its loss terms"
    assert history.extra["train_seconds"] > 0  # the one timing runs and select report
    result = zslkit.evaluate(model, tiny).as_dict()
    assert set(result) == {"S", "U", "H", "ZSL", "AUSUC", "mAP"}
    assert all(0.0 <= v <= 1.0 for v in result.values())


@pytest.mark.parametrize("key", METHODS)
def test_same_seed_same_scores_on_cpu(key, tiny):
    a, b = quick(key), quick(key)
    a.fit(tiny, epochs=2, seed=7, device="cpu", progress=False)
    b.fit(tiny, epochs=2, seed=7, device="cpu", progress=False)
    X = tiny.features
    np.testing.assert_array_equal(a.scores(X), b.scores(X))


@pytest.mark.parametrize("key", METHODS)
def test_save_load_round_trip(key, tiny, tmp_path):
    model = quick(key)
    model.fit(tiny, epochs=1, seed=1, device="cpu", progress=False)
    path = tmp_path / f"{key}.pt"
    model.save(path)
    again = zslkit.load_model(path)
    assert type(again) is type(model) and again.config == model.config
    np.testing.assert_array_equal(again.scores(tiny.features), model.scores(tiny.features))


@pytest.mark.parametrize("key", METHODS)
def test_unknown_hyperparameter_is_named(key):
    with pytest.raises(ValueError, match="no_such_weight"):
        zslkit.create(key, no_such_weight=1.0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")
@pytest.mark.parametrize("key", METHODS)
def test_cuda_run(key, tiny):
    model = quick(key)
    model.fit(tiny, epochs=1, seed=0, device="cuda", progress=False)
    assert np.all(np.isfinite(model.scores(tiny.features)))


@pytest.mark.parametrize("key", [k for k in METHODS if k != "eszsl"])
def test_resume_from_checkpoint_matches_uninterrupted_run(key, tiny, tmp_path):
    straight = quick(key)
    straight.fit(tiny, epochs=3, seed=5, device="cpu", progress=False)
    first = quick(key)
    first.fit(tiny, epochs=2, seed=5, device="cpu", progress=False, checkpoint=tmp_path / "ck.pt")
    resumed = quick(key)
    history = resumed.fit(tiny, epochs=3, seed=5, device="cpu", progress=False, resume=tmp_path / "ck.pt")
    assert history.epochs_completed == 3
    np.testing.assert_array_equal(resumed.scores(tiny.features), straight.scores(tiny.features))
