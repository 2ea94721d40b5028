"""Load testing the arena: a client that simulates players, its statistics, and a chart (``manage.py loadtest``)."""
