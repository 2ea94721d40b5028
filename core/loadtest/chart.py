"""A ramp's PNG chart, like the seed tutorial's graph: update gap against connected players."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, ScalarFormatter

from .client import Stats

LINES = (("p50", "p50", "#1f77b4"), ("p95", "p95", "#ff7f0e"), ("p99", "p99", "#d62728"), ("max", "max", "#7f7f7f"))
TICKS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]


def write_chart(path: Path, steps: list[Stats], title: str) -> Path:
    """Draw p50/p95/p99/max gap (ms, log scale) per step at its connected players; write a PNG to ``path``."""
    figure = Figure(figsize=(9, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    x = [s["connected"] for s in steps]
    for key, label, color in LINES:
        axes.plot(x, [s[key] for s in steps], marker="o", markersize=4, label=label, color=color)
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
    axes.set_ylim(bottom=min([10.0] + [s["p50"] * 0.8 for s in steps if s["p50"] > 0]))
    axes.set_xlim(left=0)
    axes.set_xlabel("connected players")
    axes.set_ylabel("gap between updates (ms)")
    axes.set_title(title, fontsize=10)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(loc="upper left", fontsize=8)
    figure.savefig(path, format="png")
    return path
