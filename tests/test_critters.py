"""`critters`: the loader, determinism, the CNN's training set, the size and time limits."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import zslkit
from zslkit.data import ZSLDataError, critters, critters_build
from zslkit.data.bundled import bundled_data_dir, load_semantics
from zslkit.data.xlsa17 import read_class_list


@pytest.fixture(scope="module")
def data():
    return zslkit.datasets.load("critters")


def test_classes_split_and_semantics_are_awa2s(data):
    awa2 = load_semantics("AWA2")
    folder = bundled_data_dir() / "xlsa17" / "AWA2"
    assert data.class_names == awa2.class_names and len(data.class_names) == 50
    assert data.attribute_names == awa2.attribute_names and data.embedding_dim == 85
    names = np.array(data.class_names)
    assert set(names[data.unseen_classes]) == set(read_class_list(folder / "testclasses.txt"))
    assert set(names[data.seen_classes]) == set(read_class_list(folder / "trainvalclasses.txt"))
    assert set(names[np.unique(data.y("val_unseen"))]) == set(read_class_list(folder / "valclasses1.txt"))
    np.testing.assert_allclose(data.class_embeddings, awa2.matrix)
    np.testing.assert_allclose(np.linalg.norm(data.class_embeddings, axis=1), 1.0, rtol=1e-5)
    assert data.features.shape == (12000, critters_build.FeatureCNN.feature_dim)
    assert data.features.dtype == np.float32 and np.isfinite(data.features).all()
    # every unseen image is in test_unseen; test_seen and trainval share no image
    assert np.isin(data.y("test_unseen"), data.unseen_classes).all()
    assert not np.intersect1d(data.splits["trainval"], data.splits["test_seen"]).size


def test_listed_by_the_registry_and_the_cli(capsys):
    assert "critters" in zslkit.datasets.available()
    from zslkit.cli import main
    main(["datasets"])
    assert "critters" in capsys.readouterr().out


def test_rendering_is_deterministic():
    a, b = critters.render(37, 123), critters.render(37, 123)
    assert a.shape == (64, 64, 3) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, critters.render(37, 124))


def test_shipped_features_are_the_cnn_of_the_rerendered_images(data):
    """Same seed → same image → the shipped CNN gives the shipped feature (float16 rounding)."""
    net = critters_build.load_cnn()
    rng = np.random.default_rng(0)
    idx = np.concatenate([rng.choice(data.splits["trainval"], 3), rng.choice(data.splits["test_unseen"], 3)])
    with torch.no_grad():
        x = torch.from_numpy(critters.images(data, idx)).permute(0, 3, 1, 2).float() / 255
        recomputed = net.features(x).numpy()
    np.testing.assert_allclose(recomputed, data.features[idx], rtol=2e-3, atol=2e-3)


def test_no_unseen_or_benchmark_image_reaches_the_cnn(monkeypatch):
    """Record every image the CNN's training renders: seen classes only, seeds not the benchmark's."""
    rendered = []
    real_render = critters.render
    monkeypatch.setattr(critters, "render", lambda c, s, **kw: rendered.append((c, s)) or real_render(c, s, **kw))
    critters_build.train_cnn(pretrain_per_class=2, epochs=1, batch_size=16, lr=1e-3, weight_decay=0.0, seed=0,
                             progress=False)
    classes, seeds = np.array(rendered).T
    sem = load_semantics("AWA2")
    assert len(rendered) == 2 * sem.seen_classes.size
    assert np.isin(classes, sem.seen_classes).all() and not np.isin(classes, sem.unseen_classes).any()
    assert not np.isin(seeds, critters.benchmark_seeds()[1]).any()


def test_the_cnn_refuses_an_unseen_class_in_its_training_set(monkeypatch):
    sem = load_semantics("AWA2")
    monkeypatch.setattr(critters, "pretraining_seeds",
                        lambda n: (np.repeat(sem.unseen_classes[:1], n), critters.PRETRAIN_SEED_BASE + np.arange(n)))
    with pytest.raises(RuntimeError, match="unseen class"):
        critters_build.train_cnn(pretrain_per_class=2, epochs=1, batch_size=2, lr=1e-3, weight_decay=0.0, seed=0,
                                 progress=False)


def test_cnn_training_is_deterministic():
    kw = dict(pretrain_per_class=1, epochs=1, batch_size=8, lr=1e-3, weight_decay=0.0, seed=3, progress=False)
    a, _ = critters_build.train_cnn(**kw)
    b, _ = critters_build.train_cnn(**kw)
    for (k, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), k


def test_bundle_size_and_load_time():
    assert critters.bundle_path().stat().st_size <= 5 * 2**20
    # a fresh process, so nothing is cached; the clock starts after `import zslkit` (torch's import)
    code = "import time, zslkit; t = time.perf_counter(); zslkit.datasets.load('critters'); print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout.split()[-1]) <= 5.0, out.stdout


def test_attributes_transfer_to_the_unseen_animals(data):
    from zslkit.diagnostics import attribute_transfer
    out = attribute_transfer(data.subsample(60))  # 60 images per class and split: the same conclusion, faster
    chance = 1 / data.unseen_classes.size
    assert out["dap_zsl"] > 2 * chance  # direct attribute prediction, no zero-shot method involved


def test_bad_input_is_named():
    with pytest.raises(ZSLDataError, match="class index 50"):
        critters.render(50, 0)
    with pytest.raises(ZSLDataError, match="re-rendered"):
        critters.images(zslkit.datasets.load("digits"), [0])


def test_critter_grid_marks_unseen_rows(data):
    from zslkit.plots import critter_grid
    fig = critter_grid(data, classes=["zebra", "giraffe"], per_class=3)
    assert len(fig.data) == 1 and fig.data[0].z.shape == (128, 192, 3)
    assert list(fig.layout.yaxis.ticktext) == ["zebra", "giraffe (unseen)"]


def test_subsample_keeps_each_image_with_its_render_seed(data):
    """A subsampled critters dataset re-renders the pictures of ITS images (info is per image)."""
    sub = data.subsample(3)
    assert sub.info["seeds"].shape == sub.labels.shape
    i = int(sub.splits["test_unseen"][0])
    row = int(np.flatnonzero(data.info["seeds"] == sub.info["seeds"][i])[0])
    assert data.labels[row] == sub.labels[i]
    np.testing.assert_array_equal(sub.features[i], data.features[row])
    np.testing.assert_array_equal(critters.images(sub, [i]), critters.images(data, [row]))
