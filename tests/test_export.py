"""`export_xlsa17` / `zslkit export`: any ZSLData as an xlsa17 folder, in the real release's format."""
import numpy as np
import pytest
import scipy.io

import zslkit
from zslkit import ZSLData, ZSLDataError
from zslkit.cli import main
from zslkit.data import export_xlsa17, load_xlsa17
from zslkit.data.xlsa17 import mat_strings, read_class_list

from helpers import write_xlsa17

REAL = zslkit.datasets.bundled_data_dir() / "xlsa17" / "AWA2"
LOCS = ("trainval_loc", "test_seen_loc", "test_unseen_loc", "train_loc", "val_loc")
LISTS = ("allclasses.txt", "trainvalclasses.txt", "testclasses.txt", "trainclasses1.txt", "valclasses1.txt")


@pytest.fixture(scope="module", params=["digits", "synthetic", "critters"])
def exported(request, tmp_path_factory):
    data = zslkit.datasets.load(request.param)
    folder = tmp_path_factory.mktemp("export") / request.param
    written = export_xlsa17(data, folder)
    return data, folder, written


def _val_classes(d):
    return np.unique(d.labels[d.splits["val_unseen"]])


def test_round_trip_through_load_xlsa17(exported):
    data, folder, written = exported
    assert [p.name for p in written] == ["res101.mat", "att_splits.mat", *LISTS]
    assert all(p.parent == folder and p.is_file() for p in written)
    back = load_xlsa17(folder)
    assert back.features.dtype == np.float32
    np.testing.assert_array_equal(back.features, data.features)  # float32 exact
    np.testing.assert_array_equal(back.labels, data.labels)
    np.testing.assert_allclose(back.class_embeddings, data.class_embeddings, rtol=1e-6, atol=1e-7)
    assert back.class_names == data.class_names
    for split in ("trainval", "test_seen", "test_unseen"):
        np.testing.assert_array_equal(back.splits[split], np.sort(data.splits[split]), err_msg=split)
    # the validation classes survive (load_xlsa17 reads them from trainclasses1/valclasses1.txt, fold=1) ...
    assert back.info["validation_classes_from"].endswith("valclasses1.txt")
    np.testing.assert_array_equal(_val_classes(back), _val_classes(data))
    np.testing.assert_array_equal(back.splits["val_unseen"], np.sort(data.splits["val_unseen"]))
    np.testing.assert_array_equal(np.union1d(back.splits["train"], back.splits["val_seen"]),
                                  np.union1d(data.splits["train"], data.splits["val_seen"]))
    # ... and another fold, absent from the export, falls back to the seeded random split
    assert load_xlsa17(folder, fold=2).info["validation_classes_from"] == "random"


def test_the_mat_files_hold_what_they_should(exported):
    data, folder, _ = exported
    res = scipy.io.loadmat(folder / "res101.mat")
    att = scipy.io.loadmat(folder / "att_splits.mat")
    np.testing.assert_array_equal(res["features"], data.features.T.astype(np.float64))
    np.testing.assert_array_equal(res["labels"][:, 0], data.labels + 1)
    assert len(mat_strings(res["image_files"])) == data.labels.size
    np.testing.assert_allclose(np.linalg.norm(att["att"], axis=0), 1.0, rtol=1e-12)
    raw = data.info.get("original_att", data.class_embeddings)
    np.testing.assert_array_equal(att["original_att"], np.asarray(raw, dtype=np.float64).T)
    tv = np.sort(data.splits["trainval"])
    val = _val_classes(data)
    train_loc, val_loc = att["train_loc"][:, 0].astype(int) - 1, att["val_loc"][:, 0].astype(int) - 1
    # xlsa17's train_loc / val_loc = the images of the train / validation classes, inside trainval
    np.testing.assert_array_equal(val_loc, tv[np.isin(data.labels[tv], val)])
    np.testing.assert_array_equal(train_loc, tv[~np.isin(data.labels[tv], val)])
    names = data.class_names
    lists = {f: read_class_list(folder / f) for f in LISTS}
    assert lists["allclasses.txt"] == names
    assert lists["trainvalclasses.txt"] == [names[c] for c in data.seen_classes]
    assert lists["testclasses.txt"] == [names[c] for c in data.unseen_classes]
    assert lists["valclasses1.txt"] == [names[c] for c in val]
    assert sorted(lists["trainclasses1.txt"] + lists["valclasses1.txt"]) == sorted(lists["trainvalclasses.txt"])
    for f in LISTS:
        assert (folder / f).read_text().endswith("\n") and "\n\n" not in (folder / f).read_text()


def _layout(path):
    """Per key: (MATLAB class, shape pattern, dtype scipy.io.loadmat returns, element type of a cell)."""
    mat = scipy.io.loadmat(path)
    out = {}
    for name, shape, mclass in scipy.io.whosmat(path):
        arr = mat[name]
        cell = type(arr.flat[0]).__name__ + ":" + arr.flat[0].dtype.kind + str(arr.flat[0].shape) if mclass == "cell" else ""
        out[name] = (mclass, shape, arr.dtype.kind, arr.dtype.itemsize if arr.dtype.kind == "u" else 0, cell)
    return out


def test_att_splits_has_the_real_files_keys_types_and_shapes(exported):
    data, folder, _ = exported
    real, ours = _layout(REAL / "att_splits.mat"), _layout(folder / "att_splits.mat")
    assert sorted(ours) == sorted(real)
    C, k = data.n_classes, data.embedding_dim
    for key, (mclass, shape, kind, size, cell) in ours.items():
        r_class, r_shape, r_kind, r_size, r_cell = real[key]
        assert (mclass, kind, cell) == (r_class, r_kind, r_cell), key  # e.g. locs: class double, loaded as uint
        if key.endswith("_loc"):
            assert shape[1] == 1 and shape[0] > 0, key
        elif key == "allclasses_names":
            assert shape == (C, 1)
        else:
            assert shape == (k, C) or (key == "original_att" and shape[1] == C), key
    if data.name == "critters":  # AWA2's 50 animals, 85 predicates, its split: the same as the real file
        assert {key: v[:2] + v[3:] for key, v in ours.items() if not key.endswith("_loc")} == \
               {key: v[:2] + v[3:] for key, v in real.items() if not key.endswith("_loc")}
        assert all(ours[key][3] == real[key][3] == 2 for key in LOCS)  # uint16, as the real locs load
        assert mat_strings(scipy.io.loadmat(folder / "att_splits.mat")["allclasses_names"]) == \
            mat_strings(scipy.io.loadmat(REAL / "att_splits.mat")["allclasses_names"])
        for f in ("trainvalclasses.txt", "testclasses.txt", "trainclasses1.txt", "valclasses1.txt"):
            assert sorted(read_class_list(folder / f)) == sorted(read_class_list(REAL / f)), f


def test_res101_has_the_real_layout(exported):
    data, folder, _ = exported
    ours = _layout(folder / "res101.mat")
    N, D = data.labels.size, data.feature_dim
    assert ours["features"][:3] == ("double", (D, N), "f")
    assert ours["labels"][:3] == ("double", (N, 1), "u")  # whole doubles stored as uint, as MATLAB does
    assert ours["image_files"][:2] == ("cell", (N, 1)) and ours["image_files"][4].startswith("ndarray:U(1,)")


def test_published_codebases_read_it_as_they_read_the_release(exported):
    """The loading lines of CADA-VAE / f-CLSWGAN / TF-VAEGAN (util.py): locs index numpy arrays directly."""
    data, folder, _ = exported
    matcontent = scipy.io.loadmat(folder / "res101.mat")
    feature = matcontent["features"].T
    label = matcontent["labels"].astype(int).squeeze() - 1
    matcontent = scipy.io.loadmat(folder / "att_splits.mat")
    trainval_loc = matcontent["trainval_loc"].squeeze() - 1
    test_unseen_loc = matcontent["test_unseen_loc"].squeeze() - 1
    attribute = matcontent["att"].T
    np.testing.assert_array_equal(feature[trainval_loc], data.features[np.sort(data.splits["trainval"])])
    assert set(np.unique(label[test_unseen_loc])) == set(data.unseen_classes.tolist())
    assert attribute.shape == data.class_embeddings.shape


def test_non_unit_embeddings_are_normalised_in_att_and_kept_in_original_att(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(5), 8)
    S = rng.random((5, 3)) * 7 + 0.1
    d = ZSLData(features=rng.normal(size=(40, 4)), labels=y, class_embeddings=S,
                splits={"trainval": np.r_[0:6, 8:14, 16:22], "test_seen": np.r_[6:8, 14:16, 22:24],
                        "test_unseen": np.r_[24:40]}, class_names=["a b", "café", "c", "d", "e"])
    export_xlsa17(d, tmp_path / "x")
    mat = scipy.io.loadmat(tmp_path / "x" / "att_splits.mat")
    np.testing.assert_allclose(mat["original_att"], d.class_embeddings.astype(np.float64).T)
    np.testing.assert_allclose(mat["att"], (S / np.linalg.norm(S, axis=1, keepdims=True)).T, rtol=1e-6)
    back = load_xlsa17(tmp_path / "x")
    assert back.class_names == ["a b", "café", "c", "d", "e"]
    assert mat["test_unseen_loc"].dtype == np.uint8  # the smallest type, as MATLAB stores whole doubles


@pytest.mark.parametrize("names, message", [
    (["0", "1", "2", "3", "4", "5", "6", "7", "8", "1"], "used twice"),
    (["0", "1", "2", "3", "4", "5", "6", "7", "8", "nine\nten"], "line breaks"),
    (["0", "1", "2", "3", "4", "5", "6", "7", "8", " 9"], "surrounding spaces"),
])
def test_class_names_that_the_class_lists_cannot_hold_are_refused(tmp_path, names, message):
    d = zslkit.datasets.load("digits").replace(class_names=names)
    with pytest.raises(ZSLDataError, match=message):
        export_xlsa17(d, tmp_path / "x")
    assert not (tmp_path / "x").exists()


def _leftovers(parent):
    return [p.name for p in parent.iterdir() if p.name.startswith(".")]


def test_refuses_a_non_empty_folder_unless_overwrite(tmp_path):
    d = zslkit.datasets.load("digits")
    out = tmp_path / "out"
    export_xlsa17(d, out)
    before = (out / "res101.mat").read_bytes()
    with pytest.raises(ZSLDataError, match="not empty.*overwrite"):
        export_xlsa17(d.subsample(5), out)
    assert (out / "res101.mat").read_bytes() == before
    (out / "trainclasses2.txt").write_text("stale\n")  # an older xlsa17 folder's extra fold
    small = d.subsample(5)
    export_xlsa17(small, out, overwrite=True)  # replaces the folder whole
    assert load_xlsa17(out).labels.size == small.labels.size
    assert not (out / "trainclasses2.txt").exists()
    assert _leftovers(tmp_path) == []
    empty = tmp_path / "empty"
    empty.mkdir()
    export_xlsa17(small, empty)  # an existing empty folder is fine
    (tmp_path / "afile").write_text("x")
    with pytest.raises(ZSLDataError, match="not a folder"):
        export_xlsa17(small, tmp_path / "afile", overwrite=True)


def test_overwrite_never_deletes_what_is_not_an_xlsa17_file(tmp_path):
    d = zslkit.datasets.load("digits").subsample(5)
    out = tmp_path / "out"
    export_xlsa17(d, out)
    (out / "notes.md").write_text("mine")
    with pytest.raises(ZSLDataError, match="notes.md"):
        export_xlsa17(d, out, overwrite=True)
    assert (out / "notes.md").read_text() == "mine" and (out / "res101.mat").exists()


def test_a_failed_export_leaves_the_old_one_and_no_temporary_files(tmp_path, monkeypatch):
    import zslkit.data.xlsa17 as x

    d = zslkit.datasets.load("digits").subsample(5)
    out = tmp_path / "out"
    export_xlsa17(d, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real_save = x._save_mat

    def failing_save(path, *args):
        if path.name == "att_splits.mat":
            raise OSError("disk full")
        return real_save(path, *args)
    monkeypatch.setattr(x, "_save_mat", failing_save)
    for target, overwrite in ((out, True), (tmp_path / "new", False)):
        with pytest.raises(OSError, match="disk full"):
            export_xlsa17(d.subsample(3), target, overwrite=overwrite)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not (tmp_path / "new").exists() and _leftovers(tmp_path) == []


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "digits"
    assert main(["export", "--dataset", "digits", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in ("res101.mat", "att_splits.mat", "valclasses1.txt", str(out)))
    assert load_xlsa17(out).unseen_classes.tolist() == [2, 5, 8]
    assert main(["export", "--dataset", "digits", "--out", str(out)]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert main(["export", "--dataset", "digits", "--out", str(out), "--overwrite"]) == 0
    for argv, words in [(["--dataset", "no-such-data"], ["unknown dataset", "digits"]),
                        (["--dataset", "awa2-semantics"], ["semantics only"]),
                        (["--dataset", "awa2", "--data-dir", str(tmp_path / "nowhere")], ["res101.mat"])]:
        assert main(["export", *argv, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert all(w in err for w in words), err
    assert not (tmp_path / "x").exists()


def test_cli_re_exports_a_real_format_folder(tmp_path, capsys):
    truth = write_xlsa17(tmp_path / "src")
    assert main(["export", "--dataset", "awa2", "--data-dir", str(tmp_path / "src"), "--out", str(tmp_path / "dst")]) == 0
    a, b = load_xlsa17(tmp_path / "src"), load_xlsa17(tmp_path / "dst")
    np.testing.assert_array_equal(a.features, b.features)
    np.testing.assert_allclose(a.class_embeddings, b.class_embeddings, rtol=1e-6)
    assert b.class_names == truth["class_names"]
    for split in ("trainval", "test_seen", "test_unseen", "val_unseen"):
        np.testing.assert_array_equal(np.sort(a.splits[split]), b.splits[split])


def test_cli_export_draws_synthetic_data_at_a_chosen_feature_dim(tmp_path, capsys):
    out = tmp_path / "wide"
    assert main(["export", "--dataset", "synthetic", "--feature-dim", "48", "--out", str(out)]) == 0
    drawn, read = zslkit.datasets.load("synthetic", feature_dim=48), load_xlsa17(out)
    assert read.features.shape == (drawn.features.shape[0], 48)
    np.testing.assert_allclose(read.features, drawn.features, rtol=1e-6)
    assert read.unseen_classes.tolist() == drawn.unseen_classes.tolist()
    for argv, words in [(["--dataset", "digits", "--feature-dim", "48"], ["--feature-dim", "synthetic", "'digits'"]),
                        (["--dataset", "synthetic", "--feature-dim", "0"], ["--feature-dim", "positive", "0"]),
                        (["--dataset", "digitz", "--feature-dim", "48"], ["unknown dataset", "'digitz'"])]:
        assert main(["export", *argv, "--out", str(tmp_path / "x")]) == 2
        err = capsys.readouterr().err
        assert all(w in err for w in words), err
    assert not (tmp_path / "x").exists()
