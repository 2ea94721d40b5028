"""Settings: base.py reads the environment; dev.py and test.py only adjust it."""
