import pytest


@pytest.fixture(autouse=True)
async def _fresh_runtime(fresh_runtime: None) -> None:
    """Every test here starts with an empty room runtime."""
