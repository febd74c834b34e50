"""Class-disjoint validation folds and the model selection built on them."""
import math

import numpy as np
import pytest

import zslkit
from zslkit.select import cross_validate, grid_search


def test_fold_zero_is_the_datasets_own_validation_split(tiny):
    first = tiny.validation_folds(3)[0]
    own = tiny.validation_view()
    for split in ("trainval", "test_seen", "test_unseen"):
        np.testing.assert_array_equal(first.X(split), own.X(split))
        np.testing.assert_array_equal(first.y(split), own.y(split))


def test_folds_hold_out_distinct_class_sets_of_the_same_size_and_never_touch_test(tiny):
    folds = tiny.validation_folds(4, seed=1)
    held = [tuple(f.class_names[c] for c in f.unseen_classes) for f in folds]
    assert len(set(held)) == 4
    assert len({len(h) for h in held}) == 1
    test_rows = {tuple(r) for r in tiny.X("test_seen")} | {tuple(r) for r in tiny.X("test_unseen")}
    seen_names = {tiny.class_names[c] for c in tiny.seen_classes}
    for f in folds:
        assert set(f.class_names) == seen_names  # no test class, not even its embedding
        assert not test_rows & {tuple(r) for r in f.features}
        # class-disjoint: the fold's unseen classes have no training image
        assert not set(f.y("trainval")) & set(f.y("test_unseen"))


def test_folds_are_deterministic_and_every_class_is_held_out_on_digits():
    d = zslkit.datasets.load("digits")
    a, b = d.validation_folds(5, seed=0), d.validation_folds(5, seed=0)
    held = [{f.class_names[c] for c in f.unseen_classes} for f in a]
    assert held == [{f.class_names[c] for c in f.unseen_classes} for f in b]
    assert held[0] == {"4", "9"}
    assert set().union(*held) == {"0", "1", "3", "4", "6", "7", "9"}


def test_too_many_or_bad_fold_counts_are_refused(tiny):
    n_seen = tiny.seen_classes.size
    n_held = np.unique(tiny.y("val_unseen")).size
    with pytest.raises(ValueError, match="distinct sets"):
        tiny.validation_folds(math.comb(n_seen, n_held) + 1)
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="positive integer"):
            tiny.validation_folds(bad)


def test_cross_validate_averages_the_folds(tiny):
    r = cross_validate("eszsl", tiny, folds=3, gamma=1.0, lambda_=1.0)
    assert len(r["rows"]) == 3
    assert r["H"] == pytest.approx(np.mean([row["H"] for row in r["rows"]]))
    # each row is what evaluate() says on that fold
    fold = tiny.validation_folds(3)[1]
    m = zslkit.create("eszsl", gamma=1.0, lambda_=1.0)
    m.fit(fold, progress=False)
    assert r["rows"][1]["H"] == pytest.approx(zslkit.evaluate(m, fold).H)


def test_grid_search_ranks_every_combination_by_mean_validation_h(tiny):
    rows = grid_search("eszsl", tiny, {"gamma": [1e-2, 1.0], "lambda_": [1e-2, 1.0]}, folds=2)
    assert len(rows) == 4
    assert [r["H"] for r in rows] == sorted((r["H"] for r in rows), reverse=True)
    assert {tuple(sorted(r["params"].items())) for r in rows} == {
        (("gamma", g), ("lambda_", l)) for g in (1e-2, 1.0) for l in (1e-2, 1.0)}
    with pytest.raises(ValueError, match="non-empty list"):
        grid_search("eszsl", tiny, {"gamma": []})
    with pytest.raises(ValueError, match="grid is empty"):
        grid_search("eszsl", tiny, {})


def test_eszsl_selects_on_the_mean_of_its_folds(tiny):
    m = zslkit.create("eszsl", folds=3, grid=(1e-2, 1.0))
    h = m.fit(tiny, progress=False)
    table = h.extra["validation"]
    best = max(table, key=lambda r: r["H"])
    assert (m.gamma_, m.lambda_) == (best["gamma"], best["lambda"])
    expect = cross_validate("eszsl", tiny, folds=3, gamma=best["gamma"], lambda_=best["lambda"])["H"]
    assert best["H"] == pytest.approx(expect)


def test_max_validation_folds_counts_the_distinct_class_sets():
    d = zslkit.datasets.load("digits")
    assert d.max_validation_folds() == math.comb(7, 2) == 21
    assert len(d.validation_folds(21)) == 21


def test_grid_search_takes_generators_and_its_fold_seed(tiny):
    rows = grid_search("eszsl", tiny, {"gamma": (g for g in (1e-2, 1.0)), "lambda_": [1.0]}, folds=2, fold_seed=3)
    assert len(rows) == 2
    unseen = {tuple(r["unseen"]) for r in rows[0]["rows"]}
    assert unseen == {tuple(f.class_names[c] for c in f.unseen_classes) for f in tiny.validation_folds(2, seed=3)}


class _RecordEpochs:
    """Wraps a method's train_step to record the schedule epochs and the number of updates."""

    def __init__(self, model):
        self.epochs, self.updates = [], 0
        step = model.train_step

        def recording(x, y, epoch):
            self.updates += 1
            if not self.epochs or self.epochs[-1] != epoch:
                self.epochs.append(epoch)
            return step(x, y, epoch)
        model.train_step = recording


def test_budget_images_gives_a_small_set_the_updates_and_schedule_of_a_large_one(tiny):
    fold = tiny.validation_folds(2)[1]
    n_full, n_fold = len(tiny.y("trainval")), len(fold.y("trainval"))
    bs = 16
    plain = zslkit.create("cada-vae", preset="quick", batch_size=bs, epochs=6)
    rec_plain = _RecordEpochs(plain)
    plain.fit(fold, progress=False)
    assert rec_plain.updates == 6 * (n_fold // bs) and rec_plain.epochs == list(range(6))

    matched = zslkit.create("cada-vae", preset="quick", batch_size=bs, epochs=6)
    rec = _RecordEpochs(matched)
    history = matched.fit(fold, progress=False, budget_images=n_full)
    scale = (n_full // bs) / (n_fold // bs)
    passes = round(6 * scale)
    assert scale >= 1.5  # the fold really is smaller
    assert history.epochs_completed == passes
    assert abs(rec.updates - 6 * (n_full // bs)) <= n_fold // bs  # within one pass of the refit's
    # warm-ups see the refit's epochs: 0 → 6 spread over the passes
    assert rec.epochs == pytest.approx([p / scale for p in range(passes)])
    with pytest.raises(ValueError, match="budget_images"):
        zslkit.create("cada-vae", preset="quick").fit(fold, progress=False, budget_images=0)


def test_cross_validate_matches_updates_by_default(tiny, fit_budgets):
    cross_validate("cada-vae", tiny, folds=2, preset="quick", epochs=1)
    assert fit_budgets == [len(tiny.y("trainval"))] * 2
    fit_budgets.clear()
    cross_validate("cada-vae", tiny, folds=2, preset="quick", epochs=1, match_updates=False)
    assert fit_budgets == [None, None]
    cross_validate("eszsl", tiny, folds=2, gamma=1.0, lambda_=1.0)  # the closed form needs no budget
