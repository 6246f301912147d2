"""Plot plumbing shared by every PNG learna writes: an off-screen figure, and an atomic PNG write."""

from __future__ import annotations

import io
from pathlib import Path

from learna.errors import InputFileError
from learna.fileio import atomic_write_bytes


def figure(width: float = 7.0, height: float = 4.5):
    """A matplotlib (figure, axes) on the Agg canvas: no display, no global pyplot state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=120)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def png_bytes(fig) -> bytes:
    """The figure rendered as PNG."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def save_png(fig, path: str | Path) -> None:
    """Render to memory, then write atomically (a reader never sees half a PNG)."""
    try:
        atomic_write_bytes(Path(path), png_bytes(fig))
    except OSError as exc:
        raise InputFileError(f"cannot write the plot to {path}: {exc.strerror or exc}") from None
