"""ipywidgets panels for exploring hyperparameters, with plain functions behind every button.

The callbacks are ordinary library functions, tested without a browser:

``weight_sliders(method)``     one slider per Greek loss weight (from ``loss_weights()``)
``slider_values(sliders)``     the current values as ``{name: float}``
``retrain(key, weights, data)`` fit with those weights on a small budget, return the `Evaluation`
``sweep(key, name, values, data)``  retrain over the values of one weight (a precomputed view)
``result_html(evaluation)``    the S / U / H line the panel shows

`HyperparameterPanel` wires them together: a method selector, the sliders, an epoch budget, a
split selector and a Run button; each run updates S / U / H and overlays its seen–unseen curve
on the previous runs' of the same split. Retraining happens only on the button (never on every
slider move).

Protocol: by default the panel fits on the class-disjoint **validation** problem inside
trainval (`ZSLData.validation_view`) and reports validation S / U / H, so choosing weights by
eye never touches the test split. ``split="test"`` fits on trainval and reports the test
split, for looking only. The panel never draws curves of both splits in one figure: switching
the split redraws the figure with that split's runs only (none yet: an empty figure).

Budgets are counted in updates, as in `zslkit.select`: a validation fit trains on fewer images
than a refit on trainval, so by default (``match_updates=True``) it runs the updates that its
``epochs`` give on all of trainval (`NeuralMethod.fit(..., budget_images=...)`). The same epochs
then mean the same training on both splits, and a preset chosen on validation (the ``"quick"``
presets were) is run on validation as it was chosen.

Widgets need JupyterLab 4 with ipywidgets 8 (its extension ships prebuilt); figures are plain
plotly figures displayed in an ``Output`` widget (no ``FigureWidget``, no extra package).
"""
from __future__ import annotations

import math
import time

from . import plots
from .evaluate import Evaluation, evaluate
from .methods import available_methods, create, method_class

__all__ = ["weight_sliders", "slider_values", "retrain", "sweep", "result_html", "HyperparameterPanel",
           "hyperparameter_panel", "preset_for", "GREEK"]

#: how each loss-weight field is written in the papers
GREEK = {"alpha": "α", "alpha1": "α₁", "alpha2": "α₂", "beta": "β", "gamma": "γ", "delta": "δ",
         "lambda_": "λ", "lambda_gp": "λ_GP"}


def _cls(method):
    return method_class(method) if isinstance(method, str) else method


def preset_for(method, preset: str | None) -> str | None:
    """``preset`` if the method has it, else None (e.g. ESZSL has no ``"quick"`` preset)."""
    cls = _cls(method)
    return preset if preset is not None and preset in getattr(cls, "presets", {}) else None


def default_weights(method, preset: str | None = None) -> dict:
    """The method's loss weights: paper defaults, overridden by ``preset`` where it sets them."""
    cls = _cls(method)
    weights = dict(cls.loss_weights())
    p = preset_for(cls, preset)
    if p is not None:
        weights.update({k: v for k, v in cls.presets[p].items() if k in weights})
    return weights


def weight_sliders(method, preset: str | None = None, decades: int = 2) -> dict:
    """One slider per loss weight of ``method`` (a key or a method class), keyed by field name.

    A positive default v gets a logarithmic slider over [v·10⁻ᵈ, v·10ᵈ] (d = ``decades``); a zero
    default a linear slider over [0, 1]; an unset (None) default, such as ESZSL's γ and λ that
    are chosen on validation, a logarithmic slider over [10⁻³, 10³] starting at 1.
    Sliders do not update continuously: the panel retrains only when Run is pressed.
    """
    import ipywidgets as w

    sliders = {}
    for name, value in default_weights(method, preset).items():
        label = GREEK.get(name, name)
        style = {"description_width": "initial"}
        if value is None or (isinstance(value, (int, float)) and value > 0):
            v = 1.0 if value is None else float(value)
            lo, hi = (-3.0, 3.0) if value is None else (math.floor(math.log10(v)) - decades,
                                                      math.ceil(math.log10(v)) + decades)
            sliders[name] = w.FloatLogSlider(value=v, base=10, min=lo, max=hi, step=0.1, description=label,
                                             continuous_update=False, readout_format=".3g", style=style)
        else:
            sliders[name] = w.FloatSlider(value=float(value), min=0.0, max=1.0, step=0.01, description=label,
                                          continuous_update=False, readout_format=".3g", style=style)
    return sliders


def slider_values(sliders: dict) -> dict:
    """``{field name: float}`` from `weight_sliders`."""
    return {name: float(s.value) for name, s in sliders.items()}


def retrain(key: str, weights: dict, data, epochs: int | None = None, seed: int = 0, preset: str | None = "quick",
            split: str = "validation", device="cpu", progress: bool = False, match_updates: bool = True) -> Evaluation:
    """Fit method ``key`` with the given loss ``weights`` and return its `Evaluation`.

    preset : the budget to start from (``"quick"`` by default; ignored when the method lacks it);
    epochs : overrides the preset's epochs. split : ``"validation"`` fits on
    ``data.validation_view()`` and evaluates its held-out classes (model selection); ``"test"``
    fits on trainval and evaluates the test splits (look, do not tune).
    match_updates : on the validation split, train for the updates ``epochs`` give on all of
    ``data``'s trainval (``fit(budget_images=...)``, as `zslkit.select` does), so that a budget
    means the same training on both splits; False trains ``epochs`` passes over the smaller
    validation training set (fewer updates). Closed-form methods ignore it.
    The fitted model, the seconds it took and the split are attached as ``evaluation.model``,
    ``evaluation.seconds`` and ``evaluation.split``.
    """
    if split not in ("validation", "test"):
        raise ValueError(f"split must be 'validation' or 'test', got {split!r}.")
    target = data.validation_view() if split == "validation" else data
    budget = len(data.y("trainval")) if split == "validation" and match_updates else None
    t0 = time.perf_counter()
    model = create(key, preset=preset_for(key, preset), **(weights or {}))
    model.fit(target, epochs=epochs, seed=seed, device=device, progress=progress, budget_images=budget)
    result = evaluate(model, target)
    result.model, result.seconds, result.split = model, time.perf_counter() - t0, split
    return result


def sweep(key: str, parameter: str, values, data, *, weights: dict | None = None, epochs: int | None = None,
          seeds=(0,), preset: str | None = "quick", split: str = "validation", device="cpu",
          match_updates: bool = True) -> list:
    """Retrain over ``values`` of one loss weight (the others at ``weights`` or their defaults).

    Returns one list of `Evaluation` (one per seed) per value, ready for `plots.sweep_plot`.
    Sweeps default to the validation split: they are model selection (budgets matched in
    updates, see `retrain`).
    """
    if parameter not in _cls(key).loss_weights():
        raise ValueError(f"{key}: {parameter!r} is not a loss weight; loss weights: {list(_cls(key).loss_weights())}.")
    out = []
    for v in values:
        w = {**(weights or {}), parameter: float(v)}
        out.append([retrain(key, w, data, epochs=epochs, seed=s, preset=preset, split=split, device=device,
                            match_updates=match_updates) for s in seeds])
    return out


def result_html(result: Evaluation, label: str = "", split: str = "validation") -> str:
    """One line of HTML with S, U, H (and AUSUC) in %, naming the split they come from."""
    secs = getattr(result, "seconds", None)
    timing = f" · {secs:.1f} s" if secs is not None else ""
    head = f"<b>{label}</b> · " if label else ""
    return (f"{head}{split}: S <b>{100 * result.S:.1f}</b> · U <b>{100 * result.U:.1f}</b> · "
            f"H <b>{100 * result.H:.1f}</b> · AUSUC {100 * result.AUSUC:.1f}{timing}")


class HyperparameterPanel:
    """Method selector + loss-weight sliders + Run button → S / U / H and seen–unseen curves.

    Parameters
    ----------
    data : the `ZSLData` to train on (small: a subsample of ``critters``, or ``digits``).
    methods : method keys offered (default: every registered method).
    preset, epochs, seed, device, match_updates : the budget of each run (see `retrain`).
    split : ``"validation"`` (default, model selection) or ``"test"`` (look only).
    keep : how many earlier runs of the same split stay overlaid on the curve.

    ``panel.run()`` is what the button calls; ``panel.runs`` holds ``(label, Evaluation)`` of
    every run (``Evaluation.split`` says which split it was evaluated on) and ``panel.figure``
    the current curve figure: only runs of the split the toggle shows, never both splits in one
    figure (switching the toggle redraws it, or clears it until a run on that split exists).
    """

    def __init__(self, data, methods=None, preset: str | None = "quick", epochs: int | None = None, seed: int = 0,
                 split: str = "validation", device="cpu", keep: int = 4, method: str | None = None,
                 match_updates: bool = True):
        import ipywidgets as w

        self.data, self.preset, self.seed, self.device, self.keep = data, preset, seed, device, keep
        self.match_updates = match_updates
        methods = list(methods) if methods is not None else available_methods()
        if not methods:
            raise ValueError("no methods to choose from.")
        self.runs, self.figure = [], None
        self.method = w.Dropdown(options=methods, value=method or methods[0], description="method")
        self.epochs = w.BoundedIntText(value=self._default_epochs(self.method.value, epochs), min=0, max=10_000,
                                       description="epochs", layout=w.Layout(width="180px"))
        self._fixed_epochs = epochs
        self.split = w.ToggleButtons(options=["validation", "test"], value=split, description="evaluate on",
                                     tooltips=["fit on the validation problem inside trainval (model selection)",
                                               "fit on trainval, report the test split (look, do not tune)"])
        self.run_button = w.Button(description="Run", button_style="primary", icon="play")
        self.sliders_box = w.VBox()
        self.summary = w.HTML(value="Press <b>Run</b> to train with these weights.")
        self.output = w.Output()
        self.sliders = {}
        self._build_sliders()
        self.method.observe(self._on_method, names="value")
        self.split.observe(self._on_split, names="value")
        self.run_button.on_click(lambda _: self.run())
        controls = w.VBox([self.method, self.sliders_box, w.HBox([self.epochs, self.run_button]), self.split])
        self.widget = w.VBox([controls, self.summary, self.output])

    def _default_epochs(self, key, epochs):
        if epochs is not None:
            return int(epochs)
        cls = method_class(key)
        p = preset_for(cls, self.preset)
        return int(cls.presets[p].get("epochs", cls.Config().epochs) if p else cls.Config().epochs)

    def _build_sliders(self):
        self.sliders = weight_sliders(self.method.value, self.preset)
        self.sliders_box.children = list(self.sliders.values())

    def _on_method(self, change):
        self._build_sliders()
        self.epochs.value = self._default_epochs(change["new"], self._fixed_epochs)

    def _on_split(self, change):
        """The split changed: show only that split's runs (or nothing), never both splits."""
        shown = self.runs_of(change["new"])
        self.summary.value = (result_html(shown[-1][1], shown[-1][0], change["new"]) if shown else
                              f"Now evaluating on the <b>{change['new']}</b> split: press <b>Run</b>. "
                              f"Curves of the {change['old']} split are not drawn with {change['new']} curves.")
        self._draw(change["new"])

    def runs_of(self, split: str) -> list:
        """``(label, Evaluation)`` of the runs evaluated on ``split``, oldest first."""
        return [(label, r) for label, r in self.runs if getattr(r, "split", None) == split]

    def _draw(self, split: str):
        from IPython.display import clear_output, display

        recent = dict(self.runs_of(split)[-self.keep:])
        self.figure = plots.seen_unseen_curves(recent, title=f"Seen–unseen curves ({split} split)") if recent else None
        if self.figure is not None:
            self.figure.update_layout(legend_title_text=f"model ({split} split)")
        with self.output:
            clear_output(wait=self.figure is not None)   # wait=True would keep the old figure when none follows
            if self.figure is not None:
                display(self.figure)

    def run(self) -> Evaluation:
        """Retrain with the current widget values; update the summary line and the curves."""
        key, weights, split = self.method.value, slider_values(self.sliders), self.split.value
        self.summary.value = f"training <b>{key}</b> for {self.epochs.value} epochs on the {split} split …"
        self.run_button.disabled = True
        try:
            result = retrain(key, weights, self.data, epochs=self.epochs.value, seed=self.seed, preset=self.preset,
                             split=split, device=self.device, match_updates=self.match_updates)
        except Exception as exc:  # show the error in the panel, keep the panel usable
            self.summary.value = f"<span style='color:#d62728'>{type(exc).__name__}: {exc}</span>"
            raise
        finally:
            self.run_button.disabled = False
        shown = ", ".join(f"{GREEK.get(k, k)}={v:.3g}" for k, v in weights.items())
        label = f"{len(self.runs) + 1}: {key}" + (f" ({shown})" if shown else "")
        self.runs.append((label, result))
        self.summary.value = result_html(result, label, split)
        self._draw(split)
        return result

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget)


def hyperparameter_panel(data, **kwargs) -> HyperparameterPanel:
    """Build a `HyperparameterPanel` (display it by leaving it as a cell's last expression)."""
    return HyperparameterPanel(data, **kwargs)
