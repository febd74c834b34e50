"""Presets as data: ``zslkit/presets.toml``, one table of method × dataset → hyperparameters.

A method module holds its paper's defaults (its ``Config``); everything chosen for a dataset lives
in the TOML file, each entry with a one-line ``provenance``, and the full selection history in
``results/selection/README.md``.

A preset's epochs count passes over the data it was chosen on. A preset chosen on data smaller
than the data it is meant for (the real-benchmark presets of SP-AEN, MIANet and two-level, chosen
on 3,840-image synthetic data standing in for AWA2's 23,527 images) says so with ``budget_images``
(`budget_of`): fit then trains for the UPDATES those epochs gave there, as a fold does in
`zslkit.select` (epochs you give yourself stay passes over your data).

An entry may start from another preset of the same method with ``same_as = "NAME"`` (AWA1 and
APY take AWA2's values, which were the ones selected): its own keys, and its own ``provenance``,
override the copy. One level only, so an entry never hides where its values come from.

A dataset with no preset (a user's own data) gets the **size rule**, the preset ``"auto"``
(`size_rule`): the paper defaults assume 2048-d ResNet features and ~470 batches per epoch,
which on small data train far too long and weigh the summed loss terms wrongly. The rule takes
the validated preset of the bundled dataset nearest in feature dimension d and trainval size n
(`ANCHORS`: each preset was chosen on 5 class-disjoint validation folds of its dataset), trains
for the same number of UPDATES that preset makes on its own dataset (`NeuralMethod.fit`'s
``budget_images``: warm-ups and learning-rate steps stretch alike), and rescales the one weight
that grows with d (CADA-VAE's KL weight β, because its reconstruction terms are sums over d).
At the benchmarks' shape (d ≥ 1024 and n ≥ 10,000) the nearest anchor is the paper itself: the
defaults, untouched. `zslkit select` on the user's own validation folds does better; the CLI
says which settings a run used and points there.

>>> from zslkit import presets
>>> presets.presets_of("cada-vae")["AWA2"]
{'classifier_epochs': 29}
>>> presets.provenance("eszsl", "xian2018")[:27]
"Xian et al. 2018's protocol"
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

__all__ = ["PRESETS_FILE", "table", "presets_of", "provenance", "budget_of", "ANCHORS", "size_rule"]

PRESETS_FILE = Path(__file__).with_name("presets.toml")

#: keys of a preset entry that describe it rather than set a hyperparameter
_ABOUT_THE_PRESET = ("provenance", "budget_images")


def _resolve_same_as(data: dict) -> dict:
    """Each ``same_as = "NAME"`` entry becomes NAME's entry updated with its own keys."""
    resolved = {}
    for key, entries in data.items():
        resolved[key] = {}
        for name, entry in entries.items():
            source = entry.get("same_as")
            if source is None:
                resolved[key][name] = entry
                continue
            where = f"{PRESETS_FILE}: [{key}.{name}] same_as = {source!r}"
            if not isinstance(source, str):
                raise ValueError(f"{where}: same_as must be a preset name in quotes, e.g. same_as = \"AWA2\".")
            if source not in entries:
                raise ValueError(f"{where}: {key} has no preset {source!r} (it has: {', '.join(entries)}).")
            if "same_as" in entries[source]:
                raise ValueError(f"{where}: that preset is itself a same_as entry; point to the one it copies.")
            own = {k: v for k, v in entry.items() if k != "same_as"}
            resolved[key][name] = {**entries[source], **own}
    return resolved


@lru_cache(maxsize=None)
def table() -> dict:
    """The whole file: ``{method key: {preset name: {hyperparameter: value, "provenance": str}}}``,
    with every ``same_as`` entry written out in full."""
    with open(PRESETS_FILE, "rb") as f:
        data = tomllib.load(f)
    for key, entries in data.items():
        for name, entry in entries.items():
            if not isinstance(entry.get("provenance"), str) or not entry["provenance"].strip():
                raise ValueError(f"{PRESETS_FILE}: [{key}.{name}] has no one-line provenance.")
            budget = entry.get("budget_images")
            if budget is not None and (not isinstance(budget, int) or isinstance(budget, bool) or budget < 1):
                raise ValueError(f"{PRESETS_FILE}: [{key}.{name}] budget_images must be a positive whole number "
                                 f"of images, got {budget!r}.")
    return _resolve_same_as(data)


def _as_python(value):
    return tuple(_as_python(v) for v in value) if isinstance(value, list) else value


def presets_of(key: str) -> dict:
    """Preset name → hyperparameters (arrays as tuples) of one method; ``{}`` when it has none."""
    return {name: {k: _as_python(v) for k, v in entry.items() if k not in _ABOUT_THE_PRESET}
            for name, entry in table().get(key, {}).items()}


def provenance(key: str, name: str) -> str:
    """The one-line provenance of preset ``name`` of method ``key``."""
    try:
        return table()[key][name]["provenance"]
    except KeyError:
        raise KeyError(f"no preset {name!r} for {key!r} in {PRESETS_FILE.name}.") from None


def budget_of(key: str, name: str) -> int | None:
    """The training images whose updates preset ``name`` of ``key`` makes (``fit(budget_images=)``),
    or None: its epochs are passes over whatever data it is fitted on.

    >>> budget_of("cada-vae", "AWA2") is None      # the official code's epochs, as they are
    True
    """
    provenance(key, name)  # an unknown preset raises a clear KeyError
    return table()[key][name].get("budget_images")


#: The size rule's anchors: bundled dataset → (feature dimension d, trainval images n). Their
#: presets were chosen on 5 class-disjoint validation folds; "paper" stands for the defaults
#: (2048-d ResNet-101 features; n = AWA2's 23,527 trainval images). tests/test_presets.py checks
#: d and n against the datasets.
ANCHORS = {"digits": (64, 1011), "critters": (128, 7680), "awa2-synthetic": (512, 3840),
           "cub-synthetic": (512, 7200), "paper": (2048, 23527)}

#: hyperparameters that scale with the feature dimension d (summed loss terms), per method
_SCALES_WITH_DIM = {"cada-vae": ("beta",)}


def size_rule(key: str, feature_dim: int, n_images: int) -> dict:
    """The settings of preset ``"auto"`` for method ``key`` on data of this shape.

    The anchor a minimises |ln(d / d_a)| + |ln(n / n_a)| over the `ANCHORS` for which ``key`` has
    a preset (or "paper"). Returns ``{"anchor": a, "hyperparameters": {...}, "budget_images":
    n_a or None}``: the anchor's preset with the d-dependent weights multiplied by d / d_a, and
    the image count whose updates the training should make (None for "paper": the defaults'
    epochs as they are).

    >>> size_rule("cada-vae", 128, 7000)["anchor"]
    'critters'
    >>> rule = size_rule("cada-vae", 256, 5000)       # between critters and awa2-synthetic
    >>> rule["anchor"], rule["budget_images"]
    ('awa2-synthetic', 3840)
    >>> size_rule("acmr", 2048, 30000)
    {'anchor': 'paper', 'hyperparameters': {}, 'budget_images': None}
    """
    import math

    if feature_dim < 1 or n_images < 1:
        raise ValueError(f"size_rule needs a positive feature dimension and image count, got {feature_dim}, {n_images}.")
    own = presets_of(key)
    candidates = [name for name in ANCHORS if name == "paper" or name in own]

    def distance(name):
        d, n = ANCHORS[name]
        return abs(math.log(feature_dim / d)) + abs(math.log(n_images / n))

    anchor = min(candidates, key=distance)
    if anchor == "paper":
        hyperparameters, budget = {}, None
        if feature_dim != ANCHORS["paper"][0] and _SCALES_WITH_DIM.get(key):
            from .methods import method_class
            defaults = {f.name: f.default for f in dataclasses.fields(method_class(key).Config)}
            hyperparameters = {name: defaults[name] for name in _SCALES_WITH_DIM[key]}
    else:
        hyperparameters, budget = dict(own[anchor]), ANCHORS[anchor][1]
    for name in _SCALES_WITH_DIM.get(key, ()):
        if name in hyperparameters:
            hyperparameters[name] = hyperparameters[name] * feature_dim / ANCHORS[anchor][0]
    return {"anchor": anchor, "hyperparameters": hyperparameters, "budget_images": budget}
