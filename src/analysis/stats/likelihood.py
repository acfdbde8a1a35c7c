"""REML / ML likelihood of the MMRM with beta profiled out by GLS, its gradient and Hessian.

Model: y_i = X_i beta + e_i, e_i ~ N(0, Sigma[S_i, S_i]) where S_i are the visits subject i
was seen at (missing visits simply drop out of the subject's block: the MAR likelihood).

With V the block-diagonal covariance, A = X' V^-1 X, beta = A^-1 X' V^-1 y, r = y - X beta,

    -2 l_ML   = N log(2 pi) + log|V| + r' V^-1 r
    -2 l_REML = (N - p) log(2 pi) + log|V| + log|A| + r' V^-1 r

(the SAS "-2 Res Log Likelihood"). The gradient comes from the matrix derivative

    d(-2l) = sum_ab G_ab dSigma_ab,
    G = sum_i embed_i( V_i^-1 - V_i^-1 r_i r_i' V_i^-1 - [REML] V_i^-1 X_i A^-1 X_i' V_i^-1 )

chained with dSigma/dtheta from the structure. Subjects are grouped by missingness pattern so
each pattern's block is factorised once per evaluation and every sum over the subjects of a
pattern is one matrix product. The Hessian is a central difference of this analytic gradient.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import linalg, optimize

from .structures import Structure

LOG2PI = np.log(2 * np.pi)


@dataclass
class Group:
    """Subjects sharing one missingness pattern."""

    visits: np.ndarray   # visit indices observed (s,)
    rows: np.ndarray     # data row numbers (s, n)
    Y: np.ndarray        # (s, n)
    X: np.ndarray        # (s, n, p)


def build_groups(y: np.ndarray, X: np.ndarray, subject: np.ndarray, visit: np.ndarray,
                 m: int) -> list[Group]:
    n_sub = int(subject.max()) + 1
    pos = np.full((n_sub, m), -1, dtype=np.int64)
    pos[subject, visit] = np.arange(len(y))
    mask = pos >= 0
    patterns, inverse = np.unique(mask, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    groups = []
    for g, pattern in enumerate(patterns):
        subs = np.flatnonzero(inverse == g)
        S = np.flatnonzero(pattern)
        rows = pos[np.ix_(subs, S)].T
        groups.append(Group(visits=S, rows=rows, Y=y[rows], X=X[rows]))
    return groups


@dataclass
class State:
    """Everything computed at one theta."""

    theta: np.ndarray
    sigma: np.ndarray
    beta: np.ndarray
    phi: np.ndarray          # A^-1, the model-based covariance of beta
    f: float                 # -2 log-likelihood (REML or ML)
    chol: list = field(default_factory=list)   # per group Cholesky factor of V_S
    xw: list = field(default_factory=list)     # per group C^-1 X  (s, n, p)
    yw: list = field(default_factory=list)     # per group C^-1 Y  (s, n)


class Likelihood:
    """-2 log-likelihood of one data set under one covariance structure."""

    def __init__(self, y, X, subject, visit, structure: Structure, reml: bool = True):
        self.structure = structure
        self.reml = reml
        self.N, self.p = X.shape
        self.groups = build_groups(y, X, subject, visit, structure.m)
        self.n_subjects = int(subject.max()) + 1
        self.n_evals = 0

    def state(self, theta) -> State:
        """Factorise every pattern block at ``theta`` and solve the GLS for beta."""
        self.n_evals += 1
        theta = np.asarray(theta, dtype=float)
        sigma = self.structure.sigma(theta)
        p = self.p
        A = np.zeros((p, p))
        b = np.zeros(p)
        logdet_v = 0.0
        st = State(theta=theta, sigma=sigma, beta=b, phi=A, f=np.inf)
        for g in self.groups:
            s, n = g.Y.shape
            C = np.linalg.cholesky(sigma[np.ix_(g.visits, g.visits)])
            xw = linalg.solve_triangular(C, g.X.reshape(s, n * p), lower=True,
                                         check_finite=False).reshape(s, n, p)
            yw = linalg.solve_triangular(C, g.Y, lower=True, check_finite=False)
            logdet_v += 2 * n * np.log(np.diag(C)).sum()
            x2 = xw.reshape(s * n, p)
            A += x2.T @ x2
            b += x2.T @ yw.ravel()
            st.chol.append(C)
            st.xw.append(xw)
            st.yw.append(yw)
        cA = linalg.cho_factor(A, lower=True, check_finite=False)
        st.beta = linalg.cho_solve(cA, b, check_finite=False)
        st.phi = linalg.cho_solve(cA, np.eye(p), check_finite=False)
        rss = sum(float(np.sum((yw - xw @ st.beta) ** 2)) for xw, yw in zip(st.xw, st.yw))
        if self.reml:
            st.f = ((self.N - p) * LOG2PI + logdet_v + 2 * np.log(np.diag(cA[0])).sum() + rss)
        else:
            st.f = self.N * LOG2PI + logdet_v + rss
        return st

    def sigma_gradient(self, st: State) -> np.ndarray:
        """G = d(-2l)/dSigma (m x m, symmetric), at a state."""
        m = self.structure.m
        G = np.zeros((m, m))
        for g, C, xw, yw in zip(self.groups, st.chol, st.xw, st.yw):
            s, n = yw.shape
            rw = yw - xw @ st.beta
            M = n * np.eye(s) - rw @ rw.T
            if self.reml:
                M -= np.tensordot(xw @ st.phi, xw, axes=([1, 2], [1, 2]))
            Ci = linalg.solve_triangular(C, np.eye(s), lower=True, check_finite=False)
            G[np.ix_(g.visits, g.visits)] += Ci.T @ M @ Ci
        return G

    def fun_grad(self, theta):
        """(-2l, gradient) for scipy; a non-positive-definite point returns +inf."""
        try:
            st = self.state(theta)
        except np.linalg.LinAlgError:
            return np.inf, np.zeros(len(theta))
        G = self.sigma_gradient(st)
        grad = np.tensordot(self.structure.dsigma(theta), G, axes=([1, 2], [0, 1]))
        return st.f, grad

    def gradient(self, theta) -> np.ndarray:
        return self.fun_grad(theta)[1]

    def hessian(self, theta, h: float = 1e-4) -> np.ndarray:
        """Observed Hessian of -2l: central differences of the analytic gradient."""
        theta = np.asarray(theta, dtype=float)
        K = len(theta)
        H = np.empty((K, K))
        for k in range(K):
            e = np.zeros(K)
            e[k] = h
            H[:, k] = (self.gradient(theta + e) - self.gradient(theta - e)) / (2 * h)
        return 0.5 * (H + H.T)


@dataclass
class Optimum:
    theta: np.ndarray
    converged: bool
    message: str
    n_iter: int
    grad: np.ndarray
    hessian: np.ndarray
    hessian_pd: bool
    criterion: float  # Newton decrement g' H^-1 g at the end


def optimise(lik: Likelihood, theta0, *, maxiter: int = 200, tol: float = 1e-8,
             newton_steps: int = 10) -> Optimum:
    """Minimise -2l: BFGS from ``theta0``, then Newton steps on the finite-difference Hessian.

    Converged means: within ``maxiter`` iterations (BFGS plus Newton), a positive definite
    Hessian and a Newton decrement g' H^-1 g below ``tol`` (in -2 log-likelihood units, like
    SAS's relative Hessian criterion scaled by the objective).
    """
    res = optimize.minimize(lik.fun_grad, np.asarray(theta0, dtype=float), jac=True,
                            method="BFGS", options={"maxiter": maxiter, "gtol": 1e-6})
    theta = res.x
    n_iter = int(res.nit)
    message = f"BFGS: {res.message}"
    capped = n_iter >= maxiter
    g = lik.gradient(theta)
    H = lik.hessian(theta)
    crit, pd = _newton_decrement(g, H)
    steps = 0
    while not capped and (not pd or crit > tol * 1e-4) and steps < newton_steps:
        if n_iter >= maxiter:
            capped = True
            break
        if pd:
            step = -np.linalg.solve(H, g)
        else:  # shift the spectrum: a damped step downhill
            w, U = np.linalg.eigh(H)
            step = -U @ ((U.T @ g) / np.maximum(np.abs(w), 1e-6 * max(1.0, np.abs(w).max())))
        f0 = lik.fun_grad(theta)[0]
        t, slope = 1.0, float(g @ step)
        if slope >= 0:
            break
        while t > 1e-10:
            f1 = lik.fun_grad(theta + t * step)[0]
            if np.isfinite(f1) and f1 <= f0 + 1e-4 * t * slope:
                break
            t /= 2
        else:
            break
        theta = theta + t * step
        n_iter += 1
        steps += 1
        g = lik.gradient(theta)
        H = lik.hessian(theta)
        crit, pd = _newton_decrement(g, H)
    if steps:
        message += f"; {steps} Newton step(s)"
    converged = bool(pd and crit <= tol and not capped and np.all(np.isfinite(theta)))
    if capped and not (pd and crit <= tol):
        message += f"; iteration limit (maxiter={maxiter}) reached"
    elif not pd:
        message += "; Hessian not positive definite"
    elif crit > tol:
        message += f"; convergence criterion {crit:.3g} > {tol:g}"
    else:
        message += f"; converged (g'H^-1g = {crit:.2g})"
    return Optimum(theta=theta, converged=converged, message=message, n_iter=n_iter, grad=g,
                   hessian=H, hessian_pd=pd, criterion=crit)


def _newton_decrement(g, H) -> tuple[float, bool]:
    try:
        c = np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        return float("inf"), False
    z = linalg.solve_triangular(c, g, lower=True)
    return float(z @ z), True


def starting_sigma(y, X, subject, visit, m: int) -> np.ndarray:
    """A positive definite covariance from OLS residuals (pairwise-complete moments)."""
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    r = y - X @ beta
    R = np.full((int(subject.max()) + 1, m), np.nan)
    R[subject, visit] = r
    ok = ~np.isnan(R)
    Z = np.where(ok, R, 0.0)
    counts = ok.T.astype(float) @ ok.astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        S = (Z.T @ Z) / counts
    overall = float(np.mean(r ** 2))
    d = np.diag(S).copy()
    d[~np.isfinite(d) | (d <= 0)] = overall
    S[~np.isfinite(S)] = 0.0
    S[np.diag_indices(m)] = d
    w, U = np.linalg.eigh(S)
    w = np.maximum(w, 1e-2 * w.max())
    return (U * w) @ U.T
