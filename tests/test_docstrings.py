"""The runnable examples in the docstrings are part of the documentation: they must run."""
import doctest
import importlib
import pkgutil

import pytest

import zslkit

MODULES = sorted(m.name for m in pkgutil.walk_packages(zslkit.__path__, "zslkit.") if m.name != "zslkit.__main__")


@pytest.mark.parametrize("name", ["zslkit", *MODULES])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples in {name} failed"
