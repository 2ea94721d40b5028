"""A ramp's PNG chart, like the seed tutorial's graph: update gap against connected players."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator, NullFormatter, ScalarFormatter

from .client import Stats

LINES = (("p50", "#1f77b4"), ("p95", "#ff7f0e"), ("p99", "#d62728"), ("max", "#7f7f7f"))
TICKS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]


def write_chart(path: Path, steps: list[Stats], title: str) -> Path:
    """Draw p50/p95/p99/max gap (ms, log scale) per step at its connected players; write a PNG to ``path``."""
    figure = Figure(figsize=(9, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    x = [s["connected"] for s in steps]
    for order, (key, color) in enumerate(LINES):  # p50 drawn on top
        axes.plot(x, [s[key] for s in steps], marker="o", markersize=4, label=key, color=color, zorder=6 - order)
    axes.axhline(50, color="black", linestyle="--", linewidth=1, label="tick (50 ms)")
    axes.axhline(60, color="#ff7f0e", linestyle=":", linewidth=1, label="p95 limit (60 ms)")
    axes.axhline(100, color="#d62728", linestyle=":", linewidth=1, label="p99 limit (100 ms)")
    bound = [s for s in steps if s["client_bound"]]
    if bound:
        axes.scatter([s["connected"] for s in bound], [s["max"] for s in bound], s=120, facecolors="none",
                     edgecolors="purple", label="client CPU > 80 %", zorder=3)  # fmt: skip
    axes.set_yscale("log")
    axes.yaxis.set_major_locator(FixedLocator(TICKS))
    axes.yaxis.set_major_formatter(ScalarFormatter())
    axes.yaxis.set_minor_formatter(NullFormatter())
    values = [s[key] for s in steps for key in ("p50", "max") if s[key] > 0]  # NaN compares false: left out
    axes.set_ylim(min([10.0, *values]) * 0.8, max([200.0, *values]) * 1.3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(left=0)
    axes.set_xlabel("connected players")
    axes.set_ylabel("gap between updates (ms)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    figure.savefig(path, format="png")
    return path
