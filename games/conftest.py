import pytest


@pytest.fixture(autouse=True)
async def _fresh_runtime(fresh_runtime: None) -> None:
    """Every game test that touches the runtime starts with it empty."""
