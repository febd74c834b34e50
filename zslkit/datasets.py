"""``zslkit.datasets``: the dataset loaders by name (an alias of `zslkit.data`)."""
from .data import *  # noqa: F401,F403
from .data import __all__  # noqa: F401
