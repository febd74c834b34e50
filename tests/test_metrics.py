import numpy as np
import pytest
from sklearn.metrics import average_precision_score, balanced_accuracy_score

from zslkit import metrics


def test_per_class_accuracy_matches_sklearn(rng):
    y = rng.integers(0, 5, 200)
    p = np.where(rng.random(200) < 0.6, y, rng.integers(0, 5, 200))
    assert metrics.per_class_accuracy(y, p) == pytest.approx(balanced_accuracy_score(y, p))


def test_per_class_accuracy_is_float_not_integer_division():
    assert metrics.per_class_accuracy([0, 0, 0], [0, 1, 1]) == pytest.approx(1 / 3)


def test_harmonic_mean():
    assert metrics.harmonic_mean(0.5, 0.5) == 0.5
    assert metrics.harmonic_mean(0.0, 0.0) == 0.0
    assert metrics.harmonic_mean(0.8, 0.2) == pytest.approx(0.32)


def hand_case():
    # classes 0, 1 seen; 2, 3 unseen
    seen, unseen = np.array([0, 1]), np.array([2, 3])
    s_seen = np.array([[5, 1, 0, 0], [1, 5, 6, 0], [0, 3, 2, 0]], float)   # labels 0, 1, 1
    s_unseen = np.array([[4, 0, 3, 1], [0, 1, 0, 2], [0, 0, 1, 3]], float)  # labels 2, 3, 3
    return s_seen, np.array([0, 1, 1]), s_unseen, np.array([2, 3, 3]), seen, unseen


def test_gzsl_zsl_hand_case():
    s_seen, y_s, s_unseen, y_u, seen, unseen = hand_case()
    r = metrics.gzsl_accuracy(s_seen, y_s, s_unseen, y_u, seen)
    # seen: row0 -> 0 ok; row1 -> 2 wrong; row2 -> 1 ok  => class0 1, class1 1/2 => S = .75
    # unseen: row0 -> 0 wrong; row1 -> 3 ok; row2 -> 3 ok => class2 0, class3 1 => U = .5
    assert r["S"] == pytest.approx(0.75) and r["U"] == pytest.approx(0.5)
    assert r["H"] == pytest.approx(0.6)
    assert metrics.zsl_accuracy(s_unseen, y_u, unseen) == pytest.approx(1.0)


def test_calibrated_stacking_moves_predictions_to_unseen():
    s_seen, y_s, s_unseen, y_u, seen, unseen = hand_case()
    r = metrics.gzsl_accuracy(s_seen, y_s, s_unseen, y_u, seen, calibration=2.0)
    assert r["U"] == pytest.approx(1.0)


def test_seen_unseen_curve_matches_brute_force(rng):
    C, seen, unseen = 6, np.arange(4), np.arange(4, 6)
    y_s, y_u = rng.integers(0, 4, 80), rng.integers(4, 6, 60)
    s_s, s_u = rng.normal(size=(80, C)), rng.normal(size=(60, C))
    curve = metrics.seen_unseen_curve(s_s, y_s, s_u, y_u, seen, unseen)
    for gamma in np.linspace(-3, 3, 25):
        r = metrics.gzsl_accuracy(s_s, y_s, s_u, y_u, seen, calibration=gamma)
        k = np.searchsorted(curve["calibration"], gamma, side="right") - 1
        assert curve["S"][k] == pytest.approx(r["S"]) and curve["U"][k] == pytest.approx(r["U"])
    assert curve["U"][0] == 0 and curve["S"][-1] == 0
    assert curve["U"][-1] == pytest.approx(metrics.zsl_accuracy(s_u, y_u, unseen))


def test_ausuc_of_a_perfect_model_is_one_and_of_a_square_is_its_area():
    assert metrics.ausuc({"U": [0, 1, 1], "S": [1, 1, 0]}) == pytest.approx(1.0)
    assert metrics.ausuc({"U": [0, 0.5, 0.5], "S": [0.4, 0.4, 0]}) == pytest.approx(0.2)
    s_seen, y_s, s_unseen, y_u, seen, unseen = hand_case()
    a = metrics.ausuc(metrics.seen_unseen_curve(s_seen, y_s, s_unseen, y_u, seen, unseen))
    assert 0 <= a <= 1


def test_retrieval_map_matches_sklearn(rng):
    unseen = np.array([3, 4, 5])
    y = rng.choice(unseen, 50)
    scores = rng.normal(size=(50, 6)) + 2.0 * (y[:, None] == np.arange(6))
    expected = np.mean([average_precision_score(y == c, scores[:, c]) for c in unseen])
    assert metrics.retrieval_map(scores, y, unseen) == pytest.approx(expected)


def test_retrieval_ap_hand_case():
    # ranking of class 0's query: relevant at ranks 1 and 3 -> AP = (1/1 + 2/3) / 2
    scores = np.array([[0.9, 0], [0.8, 0], [0.7, 0], [0.1, 0]])
    y = np.array([0, 1, 0, 1])
    assert metrics.average_precision_per_class(scores, y, [0])[0] == pytest.approx((1 + 2 / 3) / 2)


def test_attribute_transfer_on_a_dataset_built_to_transfer_and_one_built_not_to():
    from zslkit.data import ZSLData
    from zslkit.diagnostics import attribute_transfer

    rng = np.random.default_rng(0)
    # 4 binary attributes, each drawn as a pixel block: 6 seen classes, 2 unseen
    A = np.array([[1, 0, 0, 1], [0, 1, 0, 1], [0, 0, 1, 1], [1, 1, 0, 0], [0, 1, 1, 0], [1, 0, 1, 0],
                  [1, 1, 1, 0], [0, 0, 0, 1]], dtype=np.float32)
    y = np.repeat(np.arange(8), 30)
    X = (np.repeat(A[y], 5, axis=1) + 0.2 * rng.normal(size=(y.size, 20))).astype(np.float32)
    idx = np.arange(y.size)
    seen = y < 6
    splits = {"trainval": idx[seen & (idx % 5 != 0)], "test_seen": idx[seen & (idx % 5 == 0)],
              "test_unseen": idx[~seen]}
    data = ZSLData(features=X, labels=y, class_embeddings=A + 0.1, splits=splits, info={"original_att": A})
    good = attribute_transfer(data)
    assert not good["constant_on_seen"].any()
    assert np.nanmin(good["accuracy"]) > 0.9 and good["dap_zsl"] > 0.9
    # the same images with the attribute labels of the two unseen classes swapped: the pixels
    # now contradict the semantics, and DAP falls to zero
    swapped = A.copy()
    swapped[[6, 7]] = swapped[[7, 6]]
    bad = attribute_transfer(data, swapped)
    assert bad["dap_zsl"] < 0.1
    with pytest.raises(ValueError, match="n_classes"):
        attribute_transfer(data, A[:3])
