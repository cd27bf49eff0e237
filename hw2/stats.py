"""Statistics shared by the notebooks: confidence intervals for differences measured over seeds."""
from __future__ import annotations

import numpy as np
from scipy import stats


def welch_interval(a: list[float], b: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean(a) - mean(b), low, high): Welch's t confidence interval for the difference of two means."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff, se = a.mean() - b.mean(), np.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1)) if se > 0 else np.inf
    half = stats.t.ppf(0.5 + level / 2, dof) * se
    return float(diff), float(diff - half), float(diff + half)
