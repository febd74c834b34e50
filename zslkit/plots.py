"""Plotly figures for the notebooks: pure functions, each returning a plain ``go.Figure``.

Nothing here trains or evaluates a model: every function takes what the library already
computed (a `History`, `Evaluation` objects, a `ZSLData`, class semantics, features) and draws
it. Figures are plain ``plotly.graph_objects.Figure`` (no ``FigureWidget``), so they render in
JupyterLab 4 with no extension and can be saved with ``fig.write_html(path)``.

=========================  ==============================================================
loss_curves                one line per loss term of a training `History`
warmup_schedules           loss weights against the epoch (`zslkit.warmup` schedules)
suh_bars                   S / U / H (or any metrics) per model, mean ± s.d. over seeds
seen_unseen_curves         calibrated-stacking curves, several models, AUSUC in the legend
project_2d                 t-SNE (scikit-learn), UMAP (when installed) or PCA coordinates
embedding_view             2-D view of groups of points (real vs synthetic), class means marked
attribute_heatmap          class × attribute matrix, unseen classes marked
similarity_heatmap         cosine similarity between class embeddings
ap_per_class               retrieval AP of every unseen class, per model (mAP in the legend)
retrieval_ranking          the top of one query's ranking, relevant items coloured
image_grid                 small images (grey or RGB), a title above each (retrieved digits, critters)
critter_grid               rendered `critters` images, one row per class, unseen classes marked
seed_boxplot               box plots of metrics over seeds, per model
sweep_plot                 metrics against one hyperparameter's value
bar_chart                  one bar per label (e.g. seconds per run), mean ± s.d.
results_table              mean ± s.d. table of metrics per model
summarize                  the numbers behind `results_table` (a dict, no figure)
=========================  ==============================================================

Metrics are fractions in [0, 1] inside zslkit; figures show them in percent.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

__all__ = ["loss_curves", "warmup_schedules", "suh_bars", "seen_unseen_curves", "project_2d", "embedding_view",
           "attribute_heatmap", "similarity_heatmap", "ap_per_class", "retrieval_ranking", "image_grid", "critter_grid",
           "seed_boxplot", "sweep_plot", "bar_chart", "results_table", "summarize", "umap_available",
           "METHOD_COLORS", "color_of"]

#: one fixed colour per method key, so a method looks the same in every figure
METHOD_COLORS = {
    "eszsl": "#7f7f7f", "cada-vae": "#1f77b4", "sp-aen": "#ff7f0e", "acmr": "#2ca02c",
    "two-level": "#d62728", "mianet": "#9467bd",
}
_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
            "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
            "#e6550d", "#31a354", "#756bb1", "#636363"]
_SYMBOLS = ["circle", "x", "diamond", "square", "triangle-up", "cross"]
_MEAN_SYMBOLS = ["star", "diamond", "square", "triangle-up", "pentagon", "hexagon"]
METRICS = ("S", "U", "H", "ZSL", "AUSUC", "mAP")


def color_of(name, index: int = 0) -> str:
    """The colour of a method key (`METHOD_COLORS`), else the ``index``-th palette colour."""
    return METHOD_COLORS.get(str(name), _PALETTE[index % len(_PALETTE)])


# -- helpers ------------------------------------------------------------------------------------
def _metrics_of(result) -> dict:
    """An `Evaluation` or a mapping of metric -> value, as a plain dict of floats."""
    if hasattr(result, "as_dict"):
        return {k: float(v) for k, v in result.as_dict().items()}
    if isinstance(result, Mapping):
        return {k: float(v) for k, v in result.items() if np.isscalar(v)}
    raise TypeError(f"expected an Evaluation or a dict of metrics, got {type(result).__name__}.")


def _runs(result) -> list:
    """One result or a list of results (seeds) -> list of metric dicts."""
    if isinstance(result, (list, tuple)):
        if not result:
            raise ValueError("an empty list of results cannot be plotted.")
        return [_metrics_of(r) for r in result]
    return [_metrics_of(result)]


def _mean_std(values) -> tuple:
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0


def _layout(fig: go.Figure, title=None, **kw) -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", margin=dict(l=60, r=20, t=60 if title else 30, b=50),
                      **kw)
    return fig


def _semantics(source, class_names=None, attribute_names=None, unseen=None, raw=False):
    """(matrix, class names, attribute names, unseen classes) from a ZSLData, ClassSemantics or matrix."""
    if hasattr(source, "class_embeddings"):            # ZSLData
        M = source.info.get("original_att", source.class_embeddings) if raw else source.class_embeddings
        return (np.asarray(M, dtype=float), class_names or source.class_names,
                attribute_names or source.attribute_names,
                source.unseen_classes if unseen is None else unseen)
    if hasattr(source, "matrix"):                      # ClassSemantics
        M = source.original if raw else source.matrix
        return (np.asarray(M, dtype=float), class_names or source.class_names,
                attribute_names or source.attribute_names,
                source.unseen_classes if unseen is None else unseen)
    M = np.asarray(source, dtype=float)
    if M.ndim != 2:
        raise ValueError(f"expected a (classes × attributes) matrix, got shape {M.shape}.")
    C, A = M.shape
    return (M, class_names or [f"class_{c}" for c in range(C)], attribute_names or [f"attr_{a}" for a in range(A)],
            np.array([], dtype=int) if unseen is None else unseen)


def _class_order(C: int, unseen) -> tuple:
    """Seen classes first, then unseen; returns (order, number of seen classes)."""
    unseen = np.asarray(unseen, dtype=int).reshape(-1)
    seen = np.setdiff1d(np.arange(C), unseen)
    return np.concatenate([seen, np.sort(unseen)]).astype(int), seen.size


# -- training -----------------------------------------------------------------------------------
def loss_curves(history, terms=None, normalize: bool = False, log_y: bool = False,
                title: str | None = "Loss terms per epoch") -> go.Figure:
    """One line per loss term against the (0-based) epoch.

    history : a `zslkit.History` or a dict ``{term: per-epoch values}``.
    terms : the terms to draw (default: all). normalize : divide each term by its largest
    absolute value, so terms of very different scales share one axis. log_y : logarithmic y
    (only for positive terms).
    """
    losses = history.losses if hasattr(history, "losses") else dict(history)
    if not losses:
        raise ValueError("the history holds no loss terms (was the model trained for 0 epochs, or is it closed-form?).")
    terms = list(losses) if terms is None else list(terms)
    missing = [t for t in terms if t not in losses]
    if missing:
        raise KeyError(f"no loss term(s) {missing} in the history; it has {list(losses)}.")
    fig = go.Figure()
    for i, term in enumerate(terms):
        y = np.asarray(losses[term], dtype=float)
        if normalize:
            peak = np.max(np.abs(y)) if y.size else 1.0
            y = y / (peak if peak > 0 else 1.0)
        fig.add_trace(go.Scatter(x=np.arange(y.size), y=y, mode="lines+markers" if y.size < 30 else "lines",
                                 name=term, line=dict(color=_PALETTE[i % len(_PALETTE)])))
    fig.update_xaxes(title="epoch (0-based)")
    fig.update_yaxes(title="loss / its maximum" if normalize else "loss (epoch mean)", type="log" if log_y else None)
    return _layout(fig, title, legend_title="term")


def warmup_schedules(schedules: Mapping, epochs: int, title: str | None = "Warm-up of the loss weights") -> go.Figure:
    """Loss weights against the epoch.

    schedules : ``{name: (factor, start, end)}`` as `zslkit.warmup` takes them, or
    ``{name: per-epoch values}``.
    """
    from .train import warmup

    fig = go.Figure()
    x = np.arange(int(epochs))
    for i, (name, spec) in enumerate(schedules.items()):
        if isinstance(spec, tuple) and len(spec) == 3:
            y = [warmup(e, *spec) for e in x]
        else:
            y = list(spec)
        fig.add_trace(go.Scatter(x=x[:len(y)], y=y, mode="lines", name=name, line=dict(color=_PALETTE[i % len(_PALETTE)])))
    fig.update_xaxes(title="epoch (0-based)")
    fig.update_yaxes(title="weight")
    return _layout(fig, title, legend_title="weight")


# -- results ------------------------------------------------------------------------------------
def suh_bars(results: Mapping, metrics: Sequence = ("S", "U", "H"), title: str | None = "GZSL accuracy") -> go.Figure:
    """Grouped bars of ``metrics`` (in %) per model.

    results : ``{model name: Evaluation | dict | list of those (seeds)}``; with several seeds the
    bar is the mean and the error bar one standard deviation.
    """
    fig = go.Figure()
    for i, (name, result) in enumerate(results.items()):
        runs = _runs(result)
        stats = [_mean_std([100 * r[m] for r in runs]) for m in metrics]
        fig.add_trace(go.Bar(x=list(metrics), y=[s[0] for s in stats], name=str(name),
                             marker_color=color_of(name, i),
                             error_y=dict(type="data", array=[s[1] for s in stats], visible=len(runs) > 1),
                             text=[f"{s[0]:.1f}" for s in stats], textposition="outside"))
    fig.update_yaxes(title="%", range=[0, 105])
    return _layout(fig, title, barmode="group", legend_title="model")


def _curve_of(result) -> tuple:
    """(curve dict, AUSUC, operating point (U, S) or None) of an Evaluation or a curve dict."""
    if hasattr(result, "curve"):
        return result.curve, float(result.AUSUC), (float(result.U), float(result.S))
    if isinstance(result, Mapping) and {"S", "U"} <= set(result):
        from .metrics import ausuc

        curve = {k: np.asarray(v) for k, v in result.items()}
        point = None
        if "calibration" in curve:   # the step function evaluated at calibration 0
            i = max(int(np.searchsorted(curve["calibration"], 0.0, side="right")) - 1, 0)
            point = (float(curve["U"][i]), float(curve["S"][i]))
        return curve, ausuc(curve), point
    raise TypeError(f"expected an Evaluation or a curve dict with 'S' and 'U', got {type(result).__name__}.")


def seen_unseen_curves(results: Mapping, title: str | None = "Seen–unseen accuracy curve (calibrated stacking)",
                       mark_operating_point: bool = True) -> go.Figure:
    """Seen–unseen curves of several models overlaid, AUSUC in the legend.

    results : ``{model name: Evaluation | curve dict}`` (``Evaluation.curve`` holds
    ``calibration``, ``S``, ``U``). Each curve is traced by sweeping the calibration γ subtracted
    from the seen classes' scores; the marker is the model's operating point (the γ it was
    evaluated with, 0 unless calibrated), where S and U of the GZSL protocol are read.
    """
    fig = go.Figure()
    for i, (name, result) in enumerate(results.items()):
        curve, area, point = _curve_of(result)
        U, S = 100 * np.asarray(curve["U"], dtype=float), 100 * np.asarray(curve["S"], dtype=float)
        order = np.lexsort((-S, U))
        color = color_of(name, i)
        fig.add_trace(go.Scatter(x=U[order], y=S[order], mode="lines", line=dict(color=color, shape="hv"),
                                 name=f"{name} (AUSUC {100 * area:.1f})", legendgroup=str(name)))
        if mark_operating_point and point is not None:
            fig.add_trace(go.Scatter(x=[100 * point[0]], y=[100 * point[1]], mode="markers",
                                     marker=dict(color=color, size=11, symbol="circle", line=dict(color="black", width=1)),
                                     name=f"{name}: operating point", legendgroup=str(name), showlegend=False,
                                     hovertemplate="U %{x:.1f}%<br>S %{y:.1f}%<extra>" + str(name) + "</extra>"))
    fig.update_xaxes(title="U: accuracy on unseen classes (%)", range=[0, 100])
    fig.update_yaxes(title="S: accuracy on seen classes (%)", range=[0, 100])
    return _layout(fig, title, legend_title="model")


def seed_boxplot(results: Mapping, metrics: Sequence = ("S", "U", "H"),
                 title: str | None = "Run-to-run variation over seeds") -> go.Figure:
    """Box plots (every run drawn as a point) of ``metrics`` in %, one box per model and metric.

    results : ``{model name: list of Evaluation | dict}``, one entry per seed.
    """
    fig = go.Figure()
    for i, (name, result) in enumerate(results.items()):
        runs = _runs(result)
        x = [m for r in runs for m in metrics]
        y = [100 * r[m] for r in runs for m in metrics]
        fig.add_trace(go.Box(x=x, y=y, name=str(name), boxpoints="all", jitter=0.3, pointpos=0,
                             marker_color=color_of(name, i)))
    fig.update_yaxes(title="%")
    return _layout(fig, title, boxmode="group", legend_title="model")


def sweep_plot(values: Sequence, results: Sequence, parameter: str, metrics: Sequence = ("S", "U", "H"),
               log_x: bool = True, title: str | None = None) -> go.Figure:
    """Metrics (in %) against the value of one hyperparameter.

    values : the hyperparameter values; results : one Evaluation/dict, or a list of them (seeds,
    drawn as mean ± s.d.), per value. A logarithmic x axis is labelled at the values only.
    """
    if len(values) != len(results):
        raise ValueError(f"{len(values)} values but {len(results)} results.")
    fig = go.Figure()
    for i, m in enumerate(metrics):
        stats = [_mean_std([100 * r[m] for r in _runs(res)]) for res in results]
        fig.add_trace(go.Scatter(x=list(values), y=[s[0] for s in stats], mode="lines+markers", name=m,
                                 line=dict(color=_PALETTE[i % len(_PALETTE)]),
                                 error_y=dict(type="data", array=[s[1] for s in stats],
                                              visible=any(s[1] > 0 for s in stats))))
    log = log_x and min(values) > 0
    # on a log axis, ticks at the swept values only (plotly's default labels the minor ticks 2, 5)
    fig.update_xaxes(title=parameter, type="log" if log else None,
                     **(dict(tickvals=list(values), ticktext=[f"{v:g}" for v in values]) if log else {}))
    fig.update_yaxes(title="%")
    return _layout(fig, title or f"Sweep over {parameter}", legend_title="metric")


def bar_chart(values: Mapping, title: str | None = None, yaxis_title: str = "", log_y: bool = False) -> go.Figure:
    """One bar per label: ``{label: number | list of numbers}`` (lists drawn as mean ± s.d.)."""
    stats = {k: _mean_std(v if isinstance(v, (list, tuple, np.ndarray)) else [v]) for k, v in values.items()}
    fig = go.Figure(go.Bar(x=[str(k) for k in stats], y=[s[0] for s in stats.values()],
                           marker_color=[color_of(k, i) for i, k in enumerate(stats)],
                           error_y=dict(type="data", array=[s[1] for s in stats.values()],
                                        visible=any(s[1] > 0 for s in stats.values())),
                           text=[f"{s[0]:.3g}" for s in stats.values()], textposition="outside"))
    fig.update_yaxes(title=yaxis_title, type="log" if log_y else None)
    return _layout(fig, title)


def summarize(results: Mapping, metrics: Sequence = METRICS) -> dict:
    """``{model: {metric: (mean, s.d.)}}`` over the runs of each model (fractions, s.d. with ddof=1).

    results : ``{model name: Evaluation | dict | list of those}``.
    """
    out = {}
    for name, result in results.items():
        runs = _runs(result)
        out[name] = {m: _mean_std([r[m] for r in runs]) for m in metrics if all(m in r for r in runs)}
    return out


def results_table(results: Mapping, metrics: Sequence = METRICS, extra: Mapping | None = None,
                  title: str | None = None) -> go.Figure:
    """A table of ``metrics`` as mean ± s.d. in % per model (rows), plus optional extra columns.

    extra : ``{model: {column: value or list}}`` (e.g. ``{"seconds": [...]}``), shown as mean ± s.d.
    """
    table = summarize(results, metrics)
    extra = extra or {}
    extra_cols = list(dict.fromkeys(c for cols in extra.values() for c in cols))
    header = ["model", *metrics, *extra_cols]
    cells = [[str(name) for name in table]]
    for m in metrics:
        cells.append([f"{100 * t[m][0]:.1f} ± {100 * t[m][1]:.1f}" if m in t else "" for t in table.values()])
    for c in extra_cols:
        col = []
        for name in table:
            v = extra.get(name, {}).get(c)
            if v is None:
                col.append("")
            else:
                mean, sd = _mean_std(v if isinstance(v, (list, tuple, np.ndarray)) else [v])
                col.append(f"{mean:.3g} ± {sd:.2g}" if sd else f"{mean:.3g}")
        cells.append(col)
    fig = go.Figure(go.Table(header=dict(values=header, align="left", font=dict(size=13)),
                             cells=dict(values=cells, align="left", font=dict(size=12))))
    return _layout(fig, title, height=80 + 30 * max(len(table), 1))


# -- embeddings ---------------------------------------------------------------------------------
def umap_available() -> bool:
    """Whether ``umap-learn`` is installed (``pip install zslkit[umap]``)."""
    try:
        import umap  # noqa: F401
    except Exception:
        return False
    return True


def project_2d(X, method: str = "tsne", seed: int = 0, perplexity: float = 30.0) -> np.ndarray:
    """2-D coordinates (n, 2) of the rows of ``X``.

    method : ``"tsne"`` (scikit-learn, PCA initialisation), ``"umap"`` (needs ``umap-learn``),
    ``"pca"`` (fast, linear) or ``"auto"`` (UMAP when installed, else t-SNE). ``seed`` makes the
    projection reproducible; t-SNE's ``perplexity`` is lowered for small inputs.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 3:
        raise ValueError(f"need at least 3 points of shape (n, d) to project, got {X.shape}.")
    if method == "auto":
        method = "umap" if umap_available() else "tsne"
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(X)
    if method == "tsne":
        from sklearn.manifold import TSNE

        p = float(min(perplexity, max(2.0, (X.shape[0] - 1) / 3.0)))
        return TSNE(n_components=2, perplexity=p, init="pca", random_state=seed).fit_transform(X)
    if method == "umap":
        if not umap_available():
            raise ImportError("UMAP needs the umap-learn package: pip install 'zslkit[umap]' (or use method='tsne').")
        import umap

        return umap.UMAP(n_components=2, random_state=seed).fit_transform(X)
    raise ValueError(f"method must be 'tsne', 'umap', 'pca' or 'auto', got {method!r}.")


def _label_positions(xy, texts, Z, others) -> list:
    """A text position per point (above, below, right, left) whose label box overlaps neither a
    label placed before it nor another marker (``others``: every marked point), as far as a rough
    size estimate (7 px per character, markers 16 px, on a ~800 × 540 px plot) can tell; above
    when nothing fits."""
    span = np.ptp(Z, axis=0) + 1e-12
    cw, h, gap = 7 / 800, 16 / 540, 12 / 540          # one character, one line, marker clearance
    mx, my = 9 / 800, 9 / 540                         # half a marker
    xy = (np.asarray(xy, dtype=float) - Z.min(0)) / span
    others = (np.asarray(others, dtype=float) - Z.min(0)) / span
    boxes, out = [], []
    for (x, y), t in zip(xy, texts):
        markers = [(u - mx, v - my, u + mx, v + my) for u, v in others if abs(u - x) + abs(v - y) > 1e-9]
        w = cw * len(t)
        options = {"top center": (x - w / 2, y + gap, x + w / 2, y + gap + h),
                   "bottom center": (x - w / 2, y - gap - h, x + w / 2, y - gap),
                   "middle right": (x + gap, y - h / 2, x + gap + w, y + h / 2),
                   "middle left": (x - gap - w, y - h / 2, x - gap, y + h / 2)}
        free = [k for k, b in options.items()
                if not any(b[0] < o[2] and o[0] < b[2] and b[1] < o[3] and o[1] < b[3] for o in boxes + markers)]
        pos = free[0] if free else "top center"
        if t:
            boxes.append(options[pos])
        out.append(pos)
    return out


def embedding_view(groups: Mapping, class_names=None, method: str = "tsne", seed: int = 0,
                   max_per_class: int | None = None, mark_means: bool = True, coords=None,
                   title: str | None = None, label_classes=None) -> go.Figure:
    """Points of several groups (e.g. real and synthetic features) in one 2-D projection.

    groups : ``{group name: (X (n, d), labels (n,))}``; all groups must have the same d. They
    are projected TOGETHER (`project_2d`), so distances between groups are comparable. Colour =
    class, symbol = group. With ``mark_means`` each class's mean position per group is drawn
    large and outlined (as in the two-level paper's Fig. 3): a synthetic class mean far from
    the real one shows a generator that misses that class.
    class_names : names by label (list or dict). max_per_class : subsample each class of each
    group (seeded). coords : precomputed (n_total, 2) coordinates (skips the projection).
    Class names are written beside the first group's means only (the other groups' means name
    their class on hover), so labels do not pile up; label_classes : the labels whose mean is
    named (default: all).
    """
    rng = np.random.default_rng(seed)
    names, Xs, ys, gs = list(groups), [], [], []
    dims = set()
    for gi, name in enumerate(names):
        X, y = groups[name]
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y).reshape(-1)
        if X.ndim != 2 or X.shape[0] != y.size:
            raise ValueError(f"group {name!r}: X must be (n, d) with n = len(labels), got {X.shape} and {y.shape}.")
        if max_per_class is not None and coords is None:
            keep = np.concatenate([rng.permutation(np.flatnonzero(y == c))[:max_per_class] for c in np.unique(y)])
            keep.sort()
            X, y = X[keep], y[keep]
        dims.add(X.shape[1])
        Xs.append(X), ys.append(y), gs.append(np.full(y.size, gi))
    if len(dims) > 1:
        raise ValueError(f"all groups must have the same dimension to be projected together, got {sorted(dims)}.")
    X, y, g = np.concatenate(Xs), np.concatenate(ys), np.concatenate(gs)
    Z = project_2d(X, method=method, seed=seed) if coords is None else np.asarray(coords, dtype=float)
    if Z.shape != (y.size, 2):
        raise ValueError(f"coords must have shape ({y.size}, 2), got {Z.shape}.")

    def cname(c):
        if class_names is None:
            return str(c)
        return str(class_names[int(c)]) if not isinstance(class_names, Mapping) else str(class_names.get(int(c), c))

    classes = np.unique(y)
    color = {c: _PALETTE[i % len(_PALETTE)] for i, c in enumerate(classes)}
    fig = go.Figure()
    for gi, name in enumerate(names):
        for c in classes:
            m = (g == gi) & (y == c)
            if not m.any():
                continue
            fig.add_trace(go.Scatter(x=Z[m, 0], y=Z[m, 1], mode="markers", name=f"{cname(c)} · {name}",
                                     legendgroup=str(name), legendgrouptitle_text=str(name),
                                     marker=dict(color=color[c], size=5, opacity=0.6,
                                                 symbol=_SYMBOLS[gi % len(_SYMBOLS)])))
    if mark_means:
        shown = None if label_classes is None else {int(c) for c in np.asarray(label_classes).reshape(-1)}
        every_mean = np.array([Z[(g == gi) & (y == c)].mean(0) for gi in range(len(names)) for c in classes
                               if ((g == gi) & (y == c)).any()])
        for gi, name in enumerate(names):
            cs = [c for c in classes if ((g == gi) & (y == c)).any()]
            means = np.array([Z[(g == gi) & (y == c)].mean(0) for c in cs])
            if not cs:
                continue
            named = [gi == 0 and (shown is None or int(c) in shown) for c in cs]
            text = [cname(c) if n else "" for c, n in zip(cs, named)]
            fig.add_trace(go.Scatter(x=means[:, 0], y=means[:, 1], mode="markers+text" if any(named) else "markers",
                                     text=text, textposition=_label_positions(means, text, Z, every_mean),
                                     hovertext=[f"{cname(c)} · {name} mean" for c in cs], hoverinfo="text",
                                     name=f"class means · {name}", legendgroup=f"means {name}",
                                     marker=dict(color=[color[c] for c in cs], size=16,
                                                 symbol=_MEAN_SYMBOLS[gi % len(_MEAN_SYMBOLS)],
                                                 line=dict(color="black", width=1.5))))
    label = {"tsne": "t-SNE", "umap": "UMAP", "pca": "PCA", "auto": "UMAP" if umap_available() else "t-SNE"}.get(method, method)
    fig.update_xaxes(title=f"{label} 1", showticklabels=False)
    fig.update_yaxes(title=f"{label} 2", showticklabels=False)
    return _layout(fig, title or f"{label} of {', '.join(map(str, names))}", height=600)


# -- class semantics ----------------------------------------------------------------------------
def attribute_heatmap(source, class_names=None, attribute_names=None, unseen=None, raw: bool = False,
                      max_attributes: int | None = None, title: str | None = None) -> go.Figure:
    """The class × attribute matrix as a heatmap, seen classes first, unseen classes marked ★.

    source : a `ZSLData` (its class embeddings), a `ClassSemantics` (e.g.
    ``zslkit.datasets.load("awa2-semantics")``) or a (C, A) matrix. raw : show the raw values
    (``original`` of ClassSemantics, ``info["original_att"]`` of ``digits``) instead of the
    L2-normalised embeddings. max_attributes : keep the attributes that vary most across classes.
    """
    M, cn, an, unseen = _semantics(source, class_names, attribute_names, unseen, raw)
    order, n_seen = _class_order(M.shape[0], unseen)
    cols = np.arange(M.shape[1])
    if max_attributes is not None and max_attributes < M.shape[1]:
        cols = np.sort(np.argsort(-M.std(axis=0))[:max_attributes])
    unseen_set = set(int(u) for u in np.asarray(unseen).reshape(-1))
    rows = [f"{cn[c]} ★" if int(c) in unseen_set else str(cn[c]) for c in order]
    fig = go.Figure(go.Heatmap(z=M[np.ix_(order, cols)], x=[an[a] for a in cols], y=rows, colorscale="Viridis",
                               colorbar=dict(title="value"),
                               hovertemplate="class %{y}<br>attribute %{x}<br>value %{z:.3f}<extra></extra>"))
    if 0 < n_seen < order.size:
        fig.add_hline(y=n_seen - 0.5, line=dict(color="white", width=3))
    fig.update_yaxes(autorange="reversed", title="class (★ = unseen)")
    fig.update_xaxes(title="attribute", tickangle=-60)
    name = getattr(source, "name", "")
    return _layout(fig, title or f"Class semantics {name}".strip(), height=max(400, min(1400, 14 * len(rows) + 200)))


def similarity_heatmap(source, class_names=None, unseen=None, title: str | None = None) -> go.Figure:
    """Cosine similarity between the class embeddings, seen classes first, unseen marked ★.

    source : a `ZSLData`, a `ClassSemantics` or a (C, k) matrix of class embeddings. The
    unseen × seen block shows which seen classes each unseen class can borrow knowledge from.
    """
    M, cn, _, unseen = _semantics(source, class_names, None, unseen)
    Mn = M / np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-12)
    order, n_seen = _class_order(M.shape[0], unseen)
    unseen_set = set(int(u) for u in np.asarray(unseen).reshape(-1))
    labels = [f"{cn[c]} ★" if int(c) in unseen_set else str(cn[c]) for c in order]
    S = (Mn @ Mn.T)[np.ix_(order, order)]
    fig = go.Figure(go.Heatmap(z=S, x=labels, y=labels, colorscale="RdBu_r", zmid=0, colorbar=dict(title="cosine"),
                               hovertemplate="%{y} vs %{x}<br>cosine %{z:.3f}<extra></extra>"))
    if 0 < n_seen < order.size:
        fig.add_hline(y=n_seen - 0.5, line=dict(color="black", width=2))
        fig.add_vline(x=n_seen - 0.5, line=dict(color="black", width=2))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-60)
    size = max(450, min(1100, 14 * len(labels) + 250))
    name = getattr(source, "name", "")
    return _layout(fig, title or f"Class similarity {name}".strip(), height=size, width=size + 100)


# -- retrieval ----------------------------------------------------------------------------------
def ap_per_class(results: Mapping, class_names=None, title: str | None = "Retrieval: AP of each unseen class") -> go.Figure:
    """Grouped bars of the average precision of each unseen-class query, one colour per model.

    results : ``{model: Evaluation | {class index: AP}}`` (``Evaluation.per_class_ap``); the
    legend shows each model's mAP (the mean over the unseen classes).
    """
    fig = go.Figure()
    for i, (name, result) in enumerate(results.items()):
        aps = result.per_class_ap if hasattr(result, "per_class_ap") else dict(result)
        classes = sorted(aps)
        labels = [str(class_names[c]) if class_names is not None else str(c) for c in classes]
        fig.add_trace(go.Bar(x=labels, y=[100 * aps[c] for c in classes], marker_color=color_of(name, i),
                             name=f"{name} (mAP {100 * np.mean(list(aps.values())):.1f})"))
    fig.update_yaxes(title="AP (%)", range=[0, 100])
    fig.update_xaxes(title="query: unseen class")
    return _layout(fig, title, barmode="group", legend_title="model")


def retrieval_ranking(scores, labels, query_class: int, class_names=None, top_k: int = 30,
                      title: str | None = None) -> go.Figure:
    """The ``top_k`` database items ranked by one query's score, relevant ones in green.

    scores : (N, C) scores of the database items (e.g. ``model.scores(data.X("test_unseen"))``);
    labels : (N,) their true classes; query_class : the column ranked. The title gives the
    precision among the top ``top_k``.
    """
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels).reshape(-1)
    s = scores[:, int(query_class)]
    top = np.argsort(-s, kind="stable")[:top_k]
    hit = labels[top] == query_class
    name = (lambda c: str(class_names[int(c)])) if class_names is not None else str
    fig = go.Figure(go.Bar(x=np.arange(1, top.size + 1), y=s[top],
                           marker_color=np.where(hit, "#2ca02c", "#d62728"),
                           customdata=[name(c) for c in labels[top]],
                           hovertemplate="rank %{x}<br>score %{y:.3f}<br>true class %{customdata}<extra></extra>"))
    fig.update_xaxes(title="rank")
    fig.update_yaxes(title=f"score of class {name(query_class)}")
    precision = float(hit.mean()) if hit.size else 0.0
    return _layout(fig, title or f"Query {name(query_class)}: top {top.size}, precision {100 * precision:.0f}% "
                                 "(green = relevant)")


def image_grid(images, titles=None, correct=None, ncols: int = 10, title: str | None = None,
               size: int = 80) -> go.Figure:
    """Small images in a grid, a title above each (e.g. the top retrieved ``digits`` or critters).

    images : (n, h, w) grey levels (high = dark ink, as ``digits``) or (n, h, w, 3) RGB uint8;
    titles : one string per image; correct : optional booleans, marking each title ✓ (green)
    or ✗ (red). One ``go.Image`` mosaic with a band above every row for its titles, so a title
    never overlaps the images above it; ``size`` is the width of one tile in pixels.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        grey = images.astype(float)
        lo, hi = float(grey.min()), float(grey.max())
        ink = (grey - lo) / (hi - lo) if hi > lo else np.zeros_like(grey)
        images = np.repeat((255 * (1 - ink)).astype(np.uint8)[..., None], 3, axis=-1)
    elif not (images.ndim == 4 and images.shape[-1] == 3):
        raise ValueError(f"images must be (n, h, w) or (n, h, w, 3), got shape {images.shape}.")
    n, h, w = images.shape[:3]
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    titles = [str(t) for t in titles] if titles is not None else [""] * n
    if correct is not None:
        titles = [f"{t} {'✓' if ok else '✗'}" for t, ok in zip(titles, correct)]
    band, gap = max(4, h // 3), max(1, w // 16)  # title band above each row, gap between columns
    mosaic = np.full((nrows * (h + band), ncols * (w + gap) - gap, 3), 255, dtype=np.uint8)
    fig = go.Figure()
    for i in range(n):
        r, c = divmod(i, ncols)
        top, left = r * (h + band) + band, c * (w + gap)
        mosaic[top:top + h, left:left + w] = images[i].astype(np.uint8)
        if titles[i]:
            colour = None if correct is None else ("#2ca02c" if correct[i] else "#d62728")
            fig.add_annotation(x=left + w / 2, y=top - band / 2, text=titles[i], showarrow=False,
                               font=dict(size=11, color=colour), xref="x", yref="y")
    fig.add_trace(go.Image(z=mosaic, hoverinfo="skip"))
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, showgrid=False, zeroline=False)
    scale = size / w
    fig = _layout(fig, title, height=int(mosaic.shape[0] * scale) + (70 if title else 30),
                  width=int(mosaic.shape[1] * scale) + 40)
    return fig.update_layout(margin=dict(l=20, r=20, t=60 if title else 20, b=10))


def critter_grid(data, classes=None, per_class: int = 8, split: str | None = None, seed: int = 0,
                 pixels: int = 72) -> go.Figure:
    """Rendered `critters` images: one row per class, its name (and "unseen") on the left.

    data : a `critters` `ZSLData` (images are re-rendered from ``data.info["seeds"]``).
    classes : class indices or names (default: 4 seen and 4 unseen classes).
    split : draw images from this split only (default: any of the class's images).
    One RGB mosaic in a single ``go.Image``, so row labels never overlap the pictures.
    """
    from .data.critters import images as render_images

    names = list(data.class_names)
    if classes is None:
        classes = list(data.seen_classes[:4]) + list(data.unseen_classes[:4])
    idx = [names.index(c) if isinstance(c, str) else int(c) for c in classes]
    pool = np.arange(data.labels.size) if split is None else data._split(split)
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for c in idx:
        mine = pool[data.labels[pool] == c]
        if mine.size == 0:
            raise ValueError(f"class {names[c]!r} has no images{'' if split is None else f' in {split!r}'}.")
        pick = np.sort(rng.choice(mine, size=min(per_class, mine.size), replace=False))
        tiles = render_images(data, pick)
        pad = np.full((per_class - len(pick),) + tiles.shape[1:], 255, dtype=np.uint8)
        rows.append(np.concatenate(list(np.concatenate([tiles, pad])), axis=1))
        unseen = c in set(data.unseen_classes.tolist())
        labels.append(f"{names[c].replace('+', ' ')}{' (unseen)' if unseen else ''}")
    mosaic = np.concatenate(rows, axis=0)
    h = mosaic.shape[0] // len(idx)
    fig = go.Figure(go.Image(z=mosaic, hoverinfo="skip"))
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(tickmode="array", tickvals=[h * (i + 0.5) for i in range(len(idx))], ticktext=labels)
    fig = _layout(fig, None, height=int(len(idx) * pixels) + 40, width=int(per_class * pixels) + 190)
    return fig.update_layout(margin=dict(l=170, r=10, t=20, b=10))
