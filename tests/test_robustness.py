"""Property-based tests: malformed datasets and files are either accepted as valid data or
rejected with a `ZSLDataError` that says what is wrong. Nothing else escapes, nothing hangs."""
import tempfile
import warnings
from pathlib import Path

import numpy as np
import scipy.io
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zslkit import ZSLData, ZSLDataError
from zslkit.datasets import load_xlsa17

from helpers import write_xlsa17

TRIED = {"ZSLData": 0, "load_xlsa17": 0}


def check_valid(d: ZSLData):
    """Invariants every accepted dataset satisfies."""
    n, C = d.features.shape[0], d.n_classes
    assert np.all(np.isfinite(d.features)) and np.all(np.isfinite(d.class_embeddings))
    assert d.labels.min() >= 0 and d.labels.max() < C
    for a, b in [("trainval", "test_seen"), ("trainval", "test_unseen"), ("test_seen", "test_unseen")]:
        assert not np.intersect1d(d.splits[a], d.splits[b]).size
    for k, idx in d.splits.items():
        assert idx.size and idx.min() >= 0 and idx.max() < n, k
    assert not np.intersect1d(d.seen_classes, d.unseen_classes).size
    assert np.all(np.abs(d.class_embeddings).sum(1) > 0)


def base_arrays(rng, n_classes=5, per_class=6, dim=4, k=3):
    y = np.repeat(np.arange(n_classes), per_class)
    seen = np.arange(n_classes - 2)
    tv, ts = [], []
    for c in seen:
        idx = np.flatnonzero(y == c)
        ts.append(idx[:2]); tv.append(idx[2:])
    splits = {"trainval": np.concatenate(tv), "test_seen": np.concatenate(ts),
              "test_unseen": np.flatnonzero(y >= n_classes - 2)}
    return dict(features=rng.normal(size=(y.size, dim)), labels=y, class_embeddings=rng.random((n_classes, k)) + 0.1,
                splits=splits)


MUTATIONS = ["none", "nan_feature", "inf_embedding", "transpose", "one_based_labels", "negative_label",
             "float_labels", "string_labels", "complex_features", "zero_embedding", "drop_embedding_row",
             "overlap", "empty_split", "drop_split", "extra_split", "out_of_range_split", "bool_split",
             "duplicate_index", "string_features", "huge_values", "ragged_labels", "one_seen_class",
             "unseen_in_trainval", "partial_validation", "wrong_names", "orphan_class", "none_split"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=st.sampled_from(MUTATIONS), seed=st.integers(0, 10_000), second=st.sampled_from(MUTATIONS))
def test_zsldata_accepts_valid_or_raises_zsldataerror(mutation, seed, second):
    rng = np.random.default_rng(seed)
    kw = base_arrays(rng)
    for m in (mutation, second):
        try:
            kw = mutate(kw, m, rng)
        except (ValueError, TypeError, IndexError, AttributeError):
            pass  # this mutation does not apply on top of the previous one

    TRIED["ZSLData"] += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a silent numpy/torch cast would be a bug
            d = ZSLData(**kw)
    except ZSLDataError as exc:
        assert str(exc)
        return
    check_valid(d)


def mutate(kw, m, rng):
    kw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in kw.items()}
    X, y, S, sp = kw["features"], kw["labels"], kw["class_embeddings"], kw["splits"]
    if m == "nan_feature":
        X = np.array(X); X = X.astype(np.result_type(X, float))  # keep a complex X complex: no silent cast
        X[rng.integers(X.shape[0]), rng.integers(X.shape[1])] = np.nan
    elif m == "inf_embedding":
        S = np.array(S); S = S.astype(np.result_type(S, float))
        S[rng.integers(S.shape[0]), 0] = np.inf
    elif m == "transpose":
        X = np.asarray(X).T
    elif m == "one_based_labels":
        y = np.asarray(y) + 1
    elif m == "negative_label":
        y = np.array(y); y[rng.integers(y.size)] = -1
    elif m == "float_labels":
        y = np.asarray(y) + rng.choice([0.0, 0.5])
    elif m == "string_labels":
        y = np.asarray(y).astype(str)
    elif m == "complex_features":
        X = np.asarray(X) + 1j
    elif m == "zero_embedding":
        S = np.array(S, dtype=float); S[rng.integers(S.shape[0])] = 0
    elif m == "drop_embedding_row":
        S = np.asarray(S)[:-1]
    elif m == "overlap":
        a, b = rng.choice(["trainval", "test_seen", "test_unseen"], 2, replace=False)
        if a in sp and b in sp:
            sp[b] = np.r_[np.asarray(sp[b]), np.asarray(sp[a])[:1]]
    elif m == "empty_split":
        sp[rng.choice(list(sp))] = np.array([], dtype=int)
    elif m == "drop_split":
        sp.pop(rng.choice(list(sp)))
    elif m == "extra_split":
        sp["validation"] = np.arange(3)
    elif m == "out_of_range_split":
        k = rng.choice(list(sp)); sp[k] = np.r_[np.asarray(sp[k]), 10_000]
    elif m == "bool_split":
        k = rng.choice(list(sp)); mask = np.zeros(len(np.atleast_1d(y)), bool); sp[k] = mask
    elif m == "duplicate_index":
        k = rng.choice(list(sp)); sp[k] = np.r_[np.asarray(sp[k]), np.asarray(sp[k])[:1]]
    elif m == "string_features":
        X = np.asarray(X).astype(str); X[0, 0] = "n/a"
    elif m == "huge_values" and not np.iscomplexobj(X) and np.asarray(X).dtype.kind == "f":
        X = np.array(X, dtype=np.float64); X[0, 0] = 1e300
    elif m == "ragged_labels":
        y = np.asarray(y)[:-1]
    elif m == "one_seen_class":
        yy = np.asarray(y)
        if "trainval" in sp and yy.ndim == 1:
            tv = np.asarray(sp["trainval"])
            sp["trainval"] = tv[yy[tv.clip(0, yy.size - 1)] == 0] if tv.size else tv
    elif m == "unseen_in_trainval":
        if "trainval" in sp and "test_unseen" in sp and np.asarray(sp["test_unseen"]).size:
            tu = np.asarray(sp["test_unseen"]); sp["trainval"] = np.r_[np.asarray(sp["trainval"]), tu[:1]]
            sp["test_unseen"] = tu[1:]
    elif m == "partial_validation":
        sp["train"] = np.asarray(sp.get("trainval", np.arange(3)))[:3]
    elif m == "wrong_names":
        kw["class_names"] = ["a", "b"]
    elif m == "orphan_class":
        S = np.r_[np.asarray(S, dtype=float), np.ones((1, np.asarray(S).shape[1]))]
    elif m == "none_split":
        sp[rng.choice(list(sp))] = None
    kw.update(features=X, labels=y, class_embeddings=S, splits=sp)
    return kw


FILE_MUTATIONS = ["none", "truncate", "empty_file", "random_bytes", "drop_key", "transpose_features",
                  "zero_based_locs", "locs_out_of_range", "nan_features", "att_classes_by_attributes",
                  "fewer_classes_in_att", "string_features", "complex_att", "labels_zero", "missing_file",
                  "zero_att_column", "float_locs", "no_names", "empty_loc"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=st.sampled_from(FILE_MUTATIONS), seed=st.integers(0, 10_000), cut=st.floats(0.0, 1.0))
def test_load_xlsa17_accepts_valid_or_raises_zsldataerror(mutation, seed, cut):
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_xlsa17(folder, seed=seed)
        mutate_files(folder, mutation, rng, cut)
        TRIED["load_xlsa17"] += 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # scipy warns on odd headers
                d = load_xlsa17(folder)
        except ZSLDataError as exc:
            assert str(exc)
            return
        check_valid(d)


def _rewrite(path, change):
    m = {k: v for k, v in scipy.io.loadmat(path).items() if not k.startswith("__")}
    change(m)
    scipy.io.savemat(path, m)


def mutate_files(folder, m, rng, cut):
    res, att = folder / "res101.mat", folder / "att_splits.mat"
    target = res if rng.random() < 0.5 else att
    if m == "truncate":
        raw = target.read_bytes(); target.write_bytes(raw[: int(cut * len(raw))])
    elif m == "empty_file":
        target.write_bytes(b"")
    elif m == "random_bytes":
        target.write_bytes(rng.integers(0, 256, 500, dtype=np.uint8).tobytes())
    elif m == "drop_key":
        keys = ["features", "labels"] if target == res else ["att", "trainval_loc", "test_seen_loc", "test_unseen_loc"]
        k = keys[rng.integers(len(keys))]
        _rewrite(target, lambda d: d.pop(k))
    elif m == "transpose_features":
        _rewrite(res, lambda d: d.update(features=d["features"].T))
    elif m == "zero_based_locs":
        _rewrite(att, lambda d: d.update(test_seen_loc=d["test_seen_loc"] - 1))
    elif m == "locs_out_of_range":
        _rewrite(att, lambda d: d.update(test_unseen_loc=d["test_unseen_loc"] + 1000))
    elif m == "nan_features":
        def f(d):
            d["features"][0, rng.integers(d["features"].shape[1])] = np.nan
        _rewrite(res, f)
    elif m == "att_classes_by_attributes":
        _rewrite(att, lambda d: d.update(att=d["att"].T))
    elif m == "fewer_classes_in_att":
        _rewrite(att, lambda d: d.update(att=d["att"][:, :-1]))
    elif m == "string_features":
        _rewrite(res, lambda d: d.update(features=np.array([["x"] * 3] * 3, dtype=object)))
    elif m == "complex_att":
        _rewrite(att, lambda d: d.update(att=d["att"] + 1j))
    elif m == "labels_zero":
        _rewrite(res, lambda d: d.update(labels=d["labels"] - 1))
    elif m == "missing_file":
        target.unlink()
    elif m == "zero_att_column":
        def f(d):
            d["att"][:, rng.integers(d["att"].shape[1])] = 0
        _rewrite(att, f)
    elif m == "float_locs":
        _rewrite(att, lambda d: d.update(trainval_loc=d["trainval_loc"].astype(float) + 0.5))
    elif m == "no_names":
        _rewrite(att, lambda d: d.pop("allclasses_names"))
    elif m == "empty_loc":
        _rewrite(att, lambda d: d.update(test_seen_loc=np.zeros((0, 1), np.uint16)))


def test_at_least_300_malformed_inputs_were_tried():
    # runs after the two property tests in file order
    assert TRIED["ZSLData"] + TRIED["load_xlsa17"] >= 300, TRIED
