"""finml: FinOps cost optimizer and ML resource profiler.

The public Python API is small on purpose: the model, money and errors here, the training-run
profiler in :mod:`profiler` (``finml.profile_run``), everything else through the CLI.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "profile_run"]


def profile_run(*args: Any, **kwargs: Any) -> Any:
    """Profile a training run (context manager and decorator); see :mod:`profiler`."""
    from profiler import profile_run as _profile_run  # type: ignore[attr-defined]

    return _profile_run(*args, **kwargs)
