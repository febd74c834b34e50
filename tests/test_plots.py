"""The plotly figures: each returns a plain go.Figure drawing what it was given (fast, no training
beyond the closed-form ESZSL)."""
import numpy as np
import plotly.graph_objects as go
import pytest

import zslkit
from zslkit import plots


@pytest.fixture(scope="module")
def fitted(tiny):
    model = zslkit.create("eszsl")
    model.fit(tiny, progress=False)
    return model, zslkit.evaluate(model, tiny), zslkit.evaluate(model, tiny, calibration=0.5)


def test_loss_curves_one_trace_per_term_and_normalize():
    h = zslkit.History()
    for e in range(4):
        h.append({"rec": 10.0 - e, "kl": 0.5 * e}, 0.1)
    fig = plots.loss_curves(h)
    assert isinstance(fig, go.Figure) and [t.name for t in fig.data] == ["rec", "kl"]
    np.testing.assert_allclose(fig.data[0].y, [10, 9, 8, 7])
    norm = plots.loss_curves(h, normalize=True, terms=["kl"])
    np.testing.assert_allclose(norm.data[0].y, [0, 1 / 3, 2 / 3, 1])
    with pytest.raises(KeyError, match="nope"):
        plots.loss_curves(h, terms=["nope"])
    with pytest.raises(ValueError, match="no loss terms"):
        plots.loss_curves(zslkit.History())


def test_warmup_schedules_follow_zslkit_warmup():
    fig = plots.warmup_schedules({"δ": (8.13, 6, 22), "custom": [0, 1, 2]}, epochs=30)
    np.testing.assert_allclose(fig.data[0].y, [zslkit.warmup(e, 8.13, 6, 22) for e in range(30)])
    assert list(fig.data[1].y) == [0, 1, 2]


def test_suh_bars_mean_and_std_over_seeds(fitted):
    _, a, b = fitted
    fig = plots.suh_bars({"one": a, "two seeds": [a, b]})
    assert list(fig.data[0].x) == ["S", "U", "H"]
    np.testing.assert_allclose(fig.data[0].y, [100 * a.S, 100 * a.U, 100 * a.H])
    np.testing.assert_allclose(fig.data[1].y[2], 50 * (a.H + b.H))
    np.testing.assert_allclose(fig.data[1].error_y.array[0], 100 * np.std([a.S, b.S], ddof=1))


def test_seen_unseen_curves_legend_and_operating_point(fitted):
    _, a, b = fitted
    fig = plots.seen_unseen_curves({"plain": a, "calibrated": b, "dict": a.curve})
    assert f"AUSUC {100 * a.AUSUC:.1f}" in fig.data[0].name
    assert fig.data[1].x[0] == pytest.approx(100 * a.U) and fig.data[1].y[0] == pytest.approx(100 * a.S)
    assert fig.data[3].x[0] == pytest.approx(100 * b.U)
    # a bare curve dict: the operating point is read off the curve at calibration 0
    assert fig.data[5].x[0] == pytest.approx(100 * a.U) and fig.data[5].y[0] == pytest.approx(100 * a.S)


def test_summarize_and_results_table(fitted):
    _, a, b = fitted
    s = plots.summarize({"m": [a, b]})
    assert s["m"]["H"][0] == pytest.approx((a.H + b.H) / 2)
    assert s["m"]["ZSL"][1] == pytest.approx(0.0)  # ZSL does not depend on the calibration
    fig = plots.results_table({"m": [a, b]}, extra={"m": {"seconds": [1.0, 3.0]}})
    table = fig.data[0]
    assert list(table.header.values) == ["model", "S", "U", "H", "ZSL", "AUSUC", "mAP", "seconds"]
    assert table.cells.values[-1][0].startswith("2 ±")


def test_seed_boxplot_and_sweep(fitted):
    _, a, b = fitted
    box = plots.seed_boxplot({"m": [a, b]}, metrics=["H"])
    np.testing.assert_allclose(sorted(box.data[0].y), sorted([100 * a.H, 100 * b.H]))
    sw = plots.sweep_plot([0.1, 1.0], [[a, b], a], "β")
    assert [t.name for t in sw.data] == ["S", "U", "H"] and sw.layout.xaxis.type == "log"
    assert list(sw.layout.xaxis.tickvals) == [0.1, 1.0] and list(sw.layout.xaxis.ticktext) == ["0.1", "1"]
    with pytest.raises(ValueError):
        plots.sweep_plot([1.0], [a, b], "β")


def test_heatmaps_put_unseen_last_and_mark_them(digits):
    fig = plots.attribute_heatmap(digits)
    rows = list(fig.data[0].y)
    assert rows[-3:] == ["2 ★", "5 ★", "8 ★"] and len(rows) == 10
    np.testing.assert_allclose(fig.data[0].z[-1], digits.class_embeddings[8])
    raw = plots.attribute_heatmap(digits, raw=True)
    assert set(np.unique(raw.data[0].z)) <= {0.0, 1.0}
    sim = plots.similarity_heatmap(digits)
    z = np.asarray(sim.data[0].z)
    np.testing.assert_allclose(np.diag(z), 1.0, atol=1e-6)
    np.testing.assert_allclose(z, z.T, atol=1e-6)
    sem = zslkit.datasets.load("awa2-semantics")
    few = plots.attribute_heatmap(sem, max_attributes=10)
    assert len(few.data[0].x) == 10 and sum(r.endswith("★") for r in few.data[0].y) == 10


def test_retrieval_views(fitted, tiny):
    _, a, _ = fitted
    fig = plots.ap_per_class({"eszsl": a}, tiny.class_names)
    assert f"mAP {100 * a.mAP:.1f}" in fig.data[0].name and len(fig.data[0].x) == tiny.unseen_classes.size
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    rank = plots.retrieval_ranking(scores, np.array([1, 0, 1]), query_class=1, top_k=2)
    assert list(rank.data[0].y) == [0.9, 0.7] and "precision 100%" in rank.layout.title.text
    grid = plots.image_grid(np.zeros((3, 8, 8)), titles=["a", "b", "c"], correct=[True, False, True], ncols=2)
    assert len(grid.data) == 1 and [x.text for x in grid.layout.annotations] == ["a ✓", "b ✗", "c ✓"]
    # titles sit in the band above their own row, never over the images of the row above
    h, band = 8, 4
    assert [a.y for a in grid.layout.annotations] == [band / 2, band / 2, h + band + band / 2]
    rgb = plots.image_grid(np.zeros((2, 6, 6, 3), dtype=np.uint8), ncols=2)
    assert rgb.data[0].z.shape[-1] == 3 and not rgb.layout.annotations


def test_project_2d_and_embedding_view(rng):
    X = np.concatenate([rng.normal(size=(15, 5)), rng.normal(size=(15, 5)) + 6])
    y = np.repeat([0, 1], 15)
    Z = plots.project_2d(X, method="pca")
    assert Z.shape == (30, 2)
    np.testing.assert_array_equal(plots.project_2d(X, method="tsne", seed=1), plots.project_2d(X, method="tsne", seed=1))
    fig = plots.embedding_view({"real": (X, y), "synthetic": (X + 0.1, y)}, class_names=["a", "b"], method="pca")
    means = [t for t in fig.data if t.name.startswith("class means")]
    assert len(means) == 2 and list(means[0].text) == ["a", "b"]
    assert list(means[1].text) == ["", ""] and "a · synthetic" in means[1].hovertext[0]   # one label per class
    few = plots.embedding_view({"real": (X, y)}, class_names=["a", "b"], method="pca", label_classes=[1])
    assert list(few.data[-1].text) == ["", "b"]
    coords = plots.project_2d(np.concatenate([X, X + 0.1]), method="pca")
    np.testing.assert_allclose(means[0].x[0], coords[:15, 0].mean())
    with pytest.raises(ValueError, match="same dimension"):
        plots.embedding_view({"a": (X, y), "b": (X[:, :3], y)}, method="pca")
    if not plots.umap_available():
        with pytest.raises(ImportError, match="umap-learn"):
            plots.project_2d(X, method="umap")


def test_bar_chart_and_colors():
    fig = plots.bar_chart({"cpu": [1.0, 3.0], "cuda": 0.5}, yaxis_title="s")
    np.testing.assert_allclose(fig.data[0].y, [2.0, 0.5])
    assert plots.color_of("cada-vae") == plots.METHOD_COLORS["cada-vae"]
