import numpy as np
import pytest
import scipy.io

import zslkit
from zslkit import ZSLData, ZSLDataError
from zslkit.datasets import load, load_xlsa17

from helpers import write_xlsa17


def small(**over):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(5), 8)
    kw = dict(features=rng.normal(size=(40, 4)), labels=y, class_embeddings=rng.random((5, 3)) + 0.1,
              splits={"trainval": np.r_[0:6, 8:14, 16:22], "test_seen": np.r_[6:8, 14:16, 22:24],
                      "test_unseen": np.r_[24:40]})
    kw.update(over)
    return ZSLData(**kw)


def test_zsldata_derives_classes_and_validation_split():
    d = small()
    assert d.seen_classes.tolist() == [0, 1, 2] and d.unseen_classes.tolist() == [3, 4]
    s = d.splits
    for k in ("train", "val_seen", "val_unseen"):
        assert np.isin(s[k], s["trainval"]).all(), k
    assert not set(d.labels[s["train"]]) & set(d.labels[s["val_unseen"]])
    assert not np.intersect1d(s["train"], s["val_seen"]).size
    assert d.features.dtype == np.float32 and not d.features.flags.writeable


def test_validation_view_never_contains_test_rows_or_classes():
    d = load("digits")
    v = d.validation_view()
    assert v.n_classes == d.seen_classes.size
    used = np.concatenate([d.splits[k] for k in ("train", "val_seen", "val_unseen")])
    assert not np.isin(used, np.concatenate([d.splits["test_seen"], d.splits["test_unseen"]])).any()
    np.testing.assert_array_equal(v.class_embeddings, d.class_embeddings[d.seen_classes])
    assert [v.class_names[c] for c in v.unseen_classes] == ["4", "9"]


@pytest.mark.parametrize("change, message", [
    (dict(features=np.full((40, 4), np.nan)), "NaN"),
    (dict(labels=np.repeat(np.arange(1, 6), 8)), "labels range"),
    (dict(class_embeddings=np.r_[np.random.rand(4, 3), np.zeros((1, 3))]), "all zero"),
    (dict(class_embeddings=np.random.rand(4, 3) + .1), "class embeddings"),
    (dict(splits={"trainval": np.r_[0:8], "test_seen": np.r_[6:8], "test_unseen": np.r_[24:40]}), "share"),
    (dict(splits={"trainval": np.r_[0:6, 8:14], "test_seen": np.r_[6:8], "test_unseen": np.r_[24:40, 0:1]}), "share"),
    (dict(splits={"trainval": np.r_[0:6], "test_seen": np.r_[6:8], "test_unseen": np.r_[24:40]}), "at least two"),
    (dict(splits={"trainval": np.r_[0:6, 8:14], "test_seen": np.r_[6:8], "test_unseen": np.r_[24:41]}), "only 40"),
    (dict(splits={"trainval": np.r_[0:6, 8:14], "test_seen": np.r_[6:8]}), "lack"),
    (dict(splits={"trainval": np.array([], int), "test_seen": np.r_[6:8], "test_unseen": np.r_[24:40]}), "empty"),
    (dict(features=np.random.rand(4, 40)), "transpose"),
])
def test_zsldata_rejects_bad_input_with_a_named_error(change, message):
    with pytest.raises(ZSLDataError, match=message):
        small(**change)


def test_digits_is_real_and_documented():
    d = load("digits")
    assert d.features.shape == (1797, 64) and d.unseen_classes.tolist() == [2, 5, 8]
    assert d.embedding_dim >= 10 and len(set(map(tuple, d.class_embeddings))) == 10
    np.testing.assert_allclose(np.linalg.norm(d.class_embeddings, axis=1), 1, rtol=1e-6)
    assert d.info["images"].shape == (1797, 8, 8)


def test_synthetic_is_seeded():
    a, b = zslkit.datasets.make_synthetic(seed=4), zslkit.datasets.make_synthetic(seed=4)
    np.testing.assert_array_equal(a.features, b.features)
    np.testing.assert_array_equal(a.splits["trainval"], b.splits["trainval"])
    assert not np.array_equal(a.features, zslkit.datasets.make_synthetic(seed=5).features)
    assert a.features.dtype == np.float32 and np.isfinite(a.features).all()


def test_synthetic_default_shapes_and_settings():
    d = load("synthetic")
    assert d.features.shape == (20 * 60, 128) and d.n_classes == 20 and d.unseen_classes.size == 5
    assert d.embedding_dim == 16 and d.info["latent_dim"] == 128
    small = zslkit.datasets.make_synthetic(n_classes=4, n_unseen=1, embedding_dim=3, feature_dim=5,
                                           images_per_class=6, seed=1)
    assert small.features.shape == (24, 5)
    with pytest.raises(ZSLDataError, match="unknown generator setting"):
        zslkit.datasets.make_synthetic(noise=1.0)
    with pytest.raises(ZSLDataError, match="tuned must lie"):
        zslkit.datasets.make_synthetic(tuned=1.5)


@pytest.mark.parametrize("bench, C, A, n_seen, per_class", [("awa2", 50, 85, 40, 120), ("cub", 200, 312, 150, 60),
                                                              ("sun", 717, 102, 645, 20)])
def test_benchmark_synthetic_uses_the_real_matrix_split_and_calibrated_settings(bench, C, A, n_seen, per_class):
    from zslkit.data.synthetic import CALIBRATED, IMAGES_PER_CLASS
    sem = load(f"{bench}-semantics")
    d = load(f"{bench}-synthetic", images_per_class=5, feature_dim=16)
    np.testing.assert_array_equal(d.class_embeddings, sem.matrix)
    np.testing.assert_array_equal(d.unseen_classes, sem.unseen_classes)
    np.testing.assert_array_equal(np.unique(d.labels[d.splits["val_unseen"]]), sem.validation_classes)
    assert d.class_names == sem.class_names and d.n_classes == C and d.embedding_dim == A
    assert d.seen_classes.size == n_seen and d.features.shape == (5 * C, 16)
    assert d.info["calibrated"] and all(d.info[k] == v for k, v in CALIBRATED[bench.upper()].items())
    assert IMAGES_PER_CLASS[bench.upper()] == per_class
    assert not load(f"{bench}-synthetic", images_per_class=5, feature_dim=16, tuned=0.0).info["calibrated"]


def test_awa2_synthetic_default_is_the_calibrated_dataset():
    d = load("awa2-synthetic")
    assert d.features.shape == (50 * 120, 512) and d.features.dtype == np.float32
    assert d.splits["test_seen"].size == 40 * 24 and d.splits["test_unseen"].size == 10 * 120
    assert d.info["settings_of"] == "AWA2" and d.info["extractor_classes"] == 40


def test_synthetic_feature_extractor_never_sees_an_unseen_class_or_a_dataset_image(monkeypatch):
    """The extractor is fitted on its own photos of the seen classes only (module docstring, stage 2)."""
    from zslkit.data import synthetic
    fitted, featurised = [], []
    fit, features = synthetic._Generator.fit_extractor, synthetic._Generator.features

    def spy_fit(self, Z, y):
        fitted.append((Z.copy(), y.copy()))
        return fit(self, Z, y)

    def spy_features(self, Z, y=None):
        featurised.append(Z.copy())
        return features(self, Z, y)
    monkeypatch.setattr(synthetic._Generator, "fit_extractor", spy_fit)
    monkeypatch.setattr(synthetic._Generator, "features", spy_features)
    for make in (lambda: zslkit.datasets.make_synthetic(n_classes=8, n_unseen=3, feature_dim=8, images_per_class=10,
                                                         seed=2),
                 lambda: load("cub-synthetic", images_per_class=4, feature_dim=8)):
        d = make()
        (Z, y), = fitted
        assert set(np.unique(y)) == set(d.seen_classes)  # every seen class, no unseen one
        dataset_images = np.concatenate(featurised)
        assert dataset_images.shape[0] == d.labels.size
        # no photo of the extractor is one of the dataset's images
        assert not ({z.tobytes() for z in Z} & {z.tobytes() for z in dataset_images})
        fitted.clear()
        featurised.clear()
    gen = synthetic._Generator(np.eye(4) + 0.1, np.array([0, 1]), 4, 4, synthetic.BASE_SETTINGS,
                               np.random.default_rng(0))
    with pytest.raises(ZSLDataError, match="unseen class reached the feature extractor"):
        fit(gen, np.zeros((3, 4), np.float32), np.array([0, 1, 3]))


def test_synthetic_extractor_photos_and_dataset_images_are_separate_streams():
    """Changing how many photos the extractor gets changes the extractor, not which images are drawn."""
    from zslkit.data import synthetic
    A = load("awa2-semantics").matrix
    y = np.repeat(np.arange(50), 3)
    kw = dict(feature_dim=8, latent_dim=16, settings=synthetic.CALIBRATED["AWA2"], seed=0)
    seen = load("awa2-semantics").seen_classes
    X1, log1 = synthetic._draw_features(A, y, seen, extractor_images=5, **kw)
    X2, log2 = synthetic._draw_features(A, y, seen, extractor_images=6, **kw)
    X3, _ = synthetic._draw_features(A, y, seen, extractor_images=5, **kw)
    np.testing.assert_array_equal(X1, X3)
    assert log1["extractor_images"] == 200 and log2["extractor_images"] == 240
    assert not np.array_equal(X1, X2)


def test_tuned_units_make_unseen_images_look_seen():
    """The seen-class bias comes from the extractor's class-tuned units (β): without them ESZSL's
    unseen accuracy in GZSL is far higher on the same images (module docstring, stage 3)."""
    d_biased = load("awa2-synthetic")
    d_plain = load("awa2-synthetic", tuned=0.0)
    U = {}
    for name, d in (("biased", d_biased), ("plain", d_plain)):
        m = zslkit.create("eszsl", preset="xian2018")
        m.fit(d, progress=False)
        U[name] = zslkit.evaluate(m, d).U
    assert U["biased"] < 0.15 < 0.4 < U["plain"]  # measured: 0.098 and 0.575


@pytest.mark.parametrize("name, C, A", [("awa1", 50, 85), ("awa2", 50, 85), ("cub", 200, 312), ("sun", 717, 102),
                                         ("apy", 32, 64)])
def test_bundled_semantics(name, C, A):
    s = load(f"{name}-semantics")
    assert s.matrix.shape == (C, A) and len(s.class_names) == C and len(s.attribute_names) == A
    np.testing.assert_allclose(np.linalg.norm(s.matrix, axis=1), 1, atol=1e-5)
    assert not set(s.seen_classes) & set(s.unseen_classes)
    assert set(s.validation_classes) < set(s.seen_classes)


def test_cub_class_order_is_the_files_not_sorted():
    s = load("cub-semantics")
    assert s.class_names[0] == "002.Laysan_Albatross"
    assert s.class_names[150] == "001.Black_footed_Albatross"
    listed = (zslkit.datasets.bundled_data_dir() / "xlsa17/CUB/testclasses.txt").read_text().split()
    assert sorted(s.class_names[c] for c in s.unseen_classes) == sorted(listed)


def test_load_xlsa17_reads_the_real_format(tmp_path):
    truth = write_xlsa17(tmp_path)
    d = load_xlsa17(tmp_path)
    np.testing.assert_allclose(d.features, truth["features"].T)
    np.testing.assert_array_equal(d.labels, truth["labels"] - 1)
    np.testing.assert_array_equal(d.splits["trainval"], truth["trainval"] - 1)
    np.testing.assert_array_equal(d.splits["test_unseen"], truth["test_unseen"] - 1)
    np.testing.assert_allclose(d.class_embeddings, truth["att"].T, rtol=1e-6)
    assert d.class_names == truth["class_names"]
    # the validation classes come from valclasses1.txt
    val_names = (tmp_path / "valclasses1.txt").read_text().split()
    assert sorted(d.class_names[c] for c in np.unique(d.labels[d.splits["val_unseen"]])) == sorted(val_names)
    assert d.info["validation_classes_from"].endswith("valclasses1.txt")


def test_load_xlsa17_minmax_is_fitted_on_trainval_only(tmp_path):
    write_xlsa17(tmp_path)
    d = load_xlsa17(tmp_path, scale="minmax")
    tv = d.X("trainval")
    np.testing.assert_allclose(tv.min(0), 0, atol=1e-6)
    np.testing.assert_allclose(tv.max(0), 1, atol=1e-6)


def test_load_xlsa17_without_class_lists_uses_a_seeded_random_split(tmp_path):
    write_xlsa17(tmp_path, class_lists=False, n_classes=8)
    a, b = load_xlsa17(tmp_path, validation_seed=1), load_xlsa17(tmp_path, validation_seed=1)
    np.testing.assert_array_equal(a.splits["val_unseen"], b.splits["val_unseen"])
    assert a.info["validation_classes_from"] == "random"


@pytest.mark.parametrize("kw, message", [
    (dict(transpose_features=True), "N×D"),
    (dict(zero_based=True), "1-based"),
])
def test_load_xlsa17_bad_files(tmp_path, kw, message):
    write_xlsa17(tmp_path, **kw)
    with pytest.raises(ZSLDataError, match=message):
        load_xlsa17(tmp_path)


def test_load_xlsa17_missing_and_truncated_files(tmp_path):
    with pytest.raises(ZSLDataError, match="does not exist"):
        load_xlsa17(tmp_path / "nowhere")
    write_xlsa17(tmp_path)
    raw = (tmp_path / "res101.mat").read_bytes()
    (tmp_path / "res101.mat").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ZSLDataError, match="res101.mat"):
        load_xlsa17(tmp_path)
    (tmp_path / "res101.mat").unlink()
    with pytest.raises(ZSLDataError, match="res101.mat does not exist"):
        load_xlsa17(tmp_path)


def test_load_xlsa17_missing_key_is_named(tmp_path):
    write_xlsa17(tmp_path)
    m = scipy.io.loadmat(tmp_path / "att_splits.mat")
    del m["test_unseen_loc"]
    scipy.io.savemat(tmp_path / "att_splits.mat", {k: v for k, v in m.items() if not k.startswith("__")})
    with pytest.raises(ZSLDataError, match="test_unseen_loc"):
        load_xlsa17(tmp_path)


def test_load_xlsa17_nan_features_are_named(tmp_path):
    write_xlsa17(tmp_path)
    m = scipy.io.loadmat(tmp_path / "res101.mat")
    m["features"][3, 7] = np.nan
    scipy.io.savemat(tmp_path / "res101.mat", {k: v for k, v in m.items() if not k.startswith("__")})
    with pytest.raises(ZSLDataError, match="NaN"):
        load_xlsa17(tmp_path)


def test_load_xlsa17_class_without_embedding(tmp_path):
    write_xlsa17(tmp_path)
    m = scipy.io.loadmat(tmp_path / "att_splits.mat")
    m["att"] = m["att"][:, :-1]
    m["allclasses_names"] = m["allclasses_names"][:-1]
    scipy.io.savemat(tmp_path / "att_splits.mat", {k: v for k, v in m.items() if not k.startswith("__")})
    with pytest.raises(ZSLDataError, match="describes only 5 classes"):
        load_xlsa17(tmp_path)


@pytest.mark.parametrize("ds", ["AWA1", "AWA2", "CUB", "SUN", "APY", "FLO"])
def test_real_att_splits_with_synthetic_features(tmp_path, ds):
    """The real split files in data/ load once paired with features of the right size."""
    src = zslkit.datasets.bundled_data_dir() / "xlsa17" / ds
    m = scipy.io.loadmat(src / "att_splits.mat")
    n = int(max(m[k].max() for k in ("trainval_loc", "test_seen_loc", "test_unseen_loc")))
    labels = np.zeros(n, dtype=np.int64)
    C = m["att"].shape[1]
    # the labels of the real images are unknown here: give each loc set classes consistent with the split
    rng = np.random.default_rng(0)
    seen = np.arange(C // 2)
    unseen = np.arange(C // 2, C)
    cycle = lambda classes, k: rng.permutation(classes[np.arange(k) % classes.size]) + 1  # noqa: E731
    labels[m["trainval_loc"].ravel() - 1] = cycle(seen, m["trainval_loc"].size)
    labels[m["test_seen_loc"].ravel() - 1] = cycle(seen, m["test_seen_loc"].size)
    labels[m["test_unseen_loc"].ravel() - 1] = cycle(unseen, m["test_unseen_loc"].size)
    scipy.io.savemat(tmp_path / "res101.mat", {"features": rng.random((4, n)).astype(np.float32),
                                               "labels": labels[:, None].astype(np.float64)})
    (tmp_path / "att_splits.mat").write_bytes((src / "att_splits.mat").read_bytes())
    d = load_xlsa17(tmp_path)
    assert d.splits["trainval"].size == m["trainval_loc"].size
    assert d.n_classes == C
    assert not np.intersect1d(d.splits["train"], d.splits["test_seen"]).size

