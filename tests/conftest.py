"""Fixtures every test module can ask for by name."""

from __future__ import annotations

import pytest


@pytest.fixture
def torch_one_thread():
    """torch on one intra-op thread for the duration of a test (the models are tiny; two threads on a
    loaded two-core machine are slower), restored afterwards. Imports torch only when used."""
    torch = pytest.importorskip("torch", reason="torch not installed (pip install 'robtheory[torch]')")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
