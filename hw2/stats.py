"""Statistics shared by the notebooks: means with standard errors, confidence intervals for differences over seeds."""
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


def mean_and_se(values: list[float]) -> tuple[float, float]:
    """(mean, standard error of the mean): the sample sd (ddof 1) over sqrt(n); 0 for a single value."""
    v = np.asarray(values, float)
    se = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0
    return float(v.mean()), se


def interval_verdict(low: float, high: float) -> str:
    """The verdict an interval for a difference (a - b) allows: 'helps' above 0, 'hurts' below 0, else unclear."""
    return "helps" if low > 0 else "hurts" if high < 0 else "no clear difference"


def paired_interval(a: list[float], b: list[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean(a - b), low, high): the t confidence interval for the mean of paired differences (a[i] with b[i])."""
    d = np.asarray(a, float) - np.asarray(b, float)
    half = stats.t.ppf(0.5 + level / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.inf
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)
