"""Presets as data: ``zslkit/presets.toml``, one table of method × dataset → hyperparameters.

A method module holds its paper's defaults (its ``Config``); everything chosen for a dataset lives
in the TOML file, each entry with a one-line ``provenance``, and the full selection history in
``results/selection/README.md``.

>>> from zslkit import presets
>>> presets.presets_of("cada-vae")["AWA2"]
{'classifier_epochs': 29}
>>> presets.provenance("eszsl", "xian2018")[:27]
"Xian et al. 2018's protocol"
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

__all__ = ["PRESETS_FILE", "table", "presets_of", "provenance"]

PRESETS_FILE = Path(__file__).with_name("presets.toml")


@lru_cache(maxsize=None)
def table() -> dict:
    """The whole file: ``{method key: {preset name: {hyperparameter: value, "provenance": str}}}``."""
    with open(PRESETS_FILE, "rb") as f:
        data = tomllib.load(f)
    for key, entries in data.items():
        for name, entry in entries.items():
            if not isinstance(entry.get("provenance"), str) or not entry["provenance"].strip():
                raise ValueError(f"{PRESETS_FILE}: [{key}.{name}] has no one-line provenance.")
    return data


def _as_python(value):
    return tuple(_as_python(v) for v in value) if isinstance(value, list) else value


def presets_of(key: str) -> dict:
    """Preset name → hyperparameters (arrays as tuples) of one method; ``{}`` when it has none."""
    return {name: {k: _as_python(v) for k, v in entry.items() if k != "provenance"}
            for name, entry in table().get(key, {}).items()}


def provenance(key: str, name: str) -> str:
    """The one-line provenance of preset ``name`` of method ``key``."""
    try:
        return table()[key][name]["provenance"]
    except KeyError:
        raise KeyError(f"no preset {name!r} for {key!r} in {PRESETS_FILE.name}.") from None
