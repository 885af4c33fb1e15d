"""The runnable examples in the public docstrings run."""

import doctest

import pytest

import clockreader
from clockreader import time as cr_time
from clockreader.render import scene
from clockreader.runtime import reader


@pytest.mark.parametrize("module", [clockreader, cr_time, scene, reader], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
