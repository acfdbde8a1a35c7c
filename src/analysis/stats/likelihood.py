"""REML / ML likelihood of the MMRM with beta profiled out by GLS, its gradient and Hessian.

Model: y_i = X_i beta + e_i, e_i ~ N(0, Sigma[S_i, S_i]) where S_i are the visits subject i
was seen at (missing visits simply drop out of the subject's block: the MAR likelihood).

With V the block-diagonal covariance, A = X' V^-1 X, beta = A^-1 X' V^-1 y, r = y - X beta,

    -2 l_ML   = N log(2 pi) + log|V| + r' V^-1 r
    -2 l_REML = (N - p) log(2 pi) + log|V| + log|A| + r' V^-1 r

(the SAS "-2 Res Log Likelihood"). The gradient comes from the matrix derivative

    d(-2l) = sum_ab G_ab dSigma_ab,
    G = sum_i embed_i( V_i^-1 - V_i^-1 r_i r_i' V_i^-1 - [REML] V_i^-1 X_i A^-1 X_i' V_i^-1 )

chained with dSigma/dtheta from the structure. The observed Hessian is analytic too (see
`Likelihood.hessian`), so the optimiser is Newton's method. Subjects are grouped by
missingness pattern so each pattern's block is factorised (and its inverse Cholesky factor
formed) once per evaluation and every sum over the subjects of a pattern is a matrix product.
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
    cinv: list = field(default_factory=list)   # per group inverse Cholesky factor C^-1 of V_S
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
            Ci = np.linalg.inv(C)  # lower triangular; cheaper than scipy for s x s
            xw = (Ci @ g.X.reshape(s, n * p)).reshape(s, n, p)
            yw = Ci @ g.Y
            logdet_v += 2 * n * np.log(np.diag(C)).sum()
            x2 = xw.reshape(s * n, p)
            A += x2.T @ x2
            b += x2.T @ yw.ravel()
            st.cinv.append(Ci)
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
        for g, Ci, xw, yw in zip(self.groups, st.cinv, st.xw, st.yw):
            s, n = yw.shape
            rw = yw - xw @ st.beta
            M = n * np.eye(s) - rw @ rw.T
            if self.reml:
                M -= np.tensordot(xw @ st.phi, xw, axes=([1, 2], [1, 2]))
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

    def hessian(self, theta) -> np.ndarray:
        """Observed Hessian of -2l, analytically (P the REML projection, V_i = dV/dtheta_i):

            H_ij = tr(P V_ij) - y'P V_ij P y - tr(P V_i P V_j) + 2 y'P V_i P V_j P y

        with P -> V^-1 in the traces for ML. The first two terms are sum(G * d2Sigma_ij).
        """
        theta = np.asarray(theta, dtype=float)
        st = self.state(theta)
        d1 = self.structure.dsigma(theta)
        H = np.einsum("ijab,ab->ij", self.structure.d2sigma(theta), self.sigma_gradient(st))
        trace, quad, za = self.second_order_terms(st, d1)
        H += -trace + 2 * (quad - za @ st.phi @ za.T)
        return 0.5 * (H + H.T)

    def second_order_terms(self, st: State, d1: np.ndarray, quadratic: bool = True):
        """Pieces of the Hessian and of the expected information at a state:

        trace = tr(P V_i P V_j) (ML: tr(V^-1 V_i V^-1 V_j)); the expected information of l
        is trace / 2. With B = V^-1 X Phi X' V^-1, P = V^-1 - B and, per pattern, T = sum of
        the subjects' blocks of B and D_i = V^-1 V_i:
            tr(P V_i P V_j) = sum_patterns tr(D_i (n I - 2 T V) D_j) + tr(Phi M_i Phi M_j),
        M_i = X'V^-1 V_i V^-1 X. quad = sum_s (V_i u)' V^-1 (V_j u) and za = Z' V_i u with
        u = V^-1 r and Z = V^-1 X, so y'P V_i P V_j P y = quad - za Phi za'.
        """
        K, p, m = d1.shape[0], self.p, self.structure.m
        trace = np.zeros((K, K))
        quad = np.zeros((K, K))
        za = np.zeros((K, p))
        zz = np.zeros((m, m, p, p)) if self.reml else None
        for g, Ci, xw, yw in zip(self.groups, st.cinv, st.xw, st.yw):
            s, n = yw.shape
            V = st.sigma[np.ix_(g.visits, g.visits)]
            dS = d1[:, g.visits][:, :, g.visits]                       # (K, s, s)
            D = np.matmul(Ci.T @ Ci, dS)                               # V^-1 V_k
            z = np.tensordot(Ci.T, xw, axes=(1, 0))                    # V^-1 X, (s, n, p)
            Y = n * np.eye(s)
            if self.reml:
                Y = Y - 2 * np.tensordot(z @ st.phi, z, axes=([1, 2], [1, 2])) @ V
                zt = z.transpose(1, 0, 2).reshape(n, s * p)
                zz[np.ix_(g.visits, g.visits)] += (zt.T @ zt).reshape(s, p, s, p).transpose(
                    0, 2, 1, 3)
            trace += D.reshape(K, -1) @ np.matmul(Y, D).transpose(0, 2, 1).reshape(K, -1).T
            if quadratic:
                u = Ci.T @ (yw - xw @ st.beta)                         # V^-1 r, (s, n)
                a = np.matmul(dS, u)                                   # V_k V^-1 r
                b = np.matmul(Ci, a).reshape(K, -1)
                quad += b @ b.T
                za += np.einsum("snp,ksn->kp", z, a)
        if self.reml:
            PM = np.matmul(st.phi, np.einsum("kab,abpq->kpq", d1, zz))
            trace += np.einsum("kpq,lqp->kl", PM, PM)
        return 0.5 * (trace + trace.T), quad, za

    def hessian_fd(self, theta, h: float = 1e-4) -> np.ndarray:
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
             max_step: float = 2.0) -> Optimum:
    """Minimise -2l by Newton's method on the analytic Hessian, with BFGS as a rescue.

    Each iteration takes the Newton step (on |eigenvalues| floored away from zero where the
    Hessian is not positive definite), shortened to at most ``max_step`` in any parameter
    (log-sd and atanh scales), with Armijo backtracking. If the line search stalls far from
    the optimum, BFGS continues from there and Newton resumes. Near the optimum (g'H^-1g below
    ``tol``) full Newton steps polish the estimate to rounding level.

    Converged means: within ``maxiter`` iterations (Newton plus BFGS), a positive definite
    Hessian and a Newton decrement g'H^-1g below ``tol`` (-2 log-likelihood units; SAS's
    relative Hessian criterion times the objective).
    """
    theta = np.asarray(theta0, dtype=float)
    f, g = lik.fun_grad(theta)
    if not np.isfinite(f):
        raise np.linalg.LinAlgError("the starting covariance is not positive definite")
    H = lik.hessian(theta)
    crit, pd = _newton_decrement(g, H)
    n_iter, polish, rescued = 0, 0, False
    notes: list[str] = []
    capped = False
    while not (pd and crit <= tol * 1e-4):
        if n_iter >= maxiter:
            capped = True
            break
        if pd and crit <= tol:  # at the optimum up to rounding: full steps, no line search
            if polish >= 3:
                break
            step = -np.linalg.solve(H, g)
            f1, g1 = lik.fun_grad(theta + step)
            if not np.isfinite(f1) or f1 > f + 1e-9 * (1 + abs(f)):
                break
            theta, f, g, polish = theta + step, f1, g1, polish + 1
        else:
            step = _newton_step(g, H, pd, max_step)
            t, slope = 1.0, float(g @ step)
            while t > 1e-8:
                f1, g1 = lik.fun_grad(theta + t * step)
                if np.isfinite(f1) and f1 <= f + 1e-4 * t * slope:
                    break
                t /= 2
            else:
                if rescued:
                    notes.append("line search failed")
                    break
                res = optimize.minimize(lik.fun_grad, theta, jac=True, method="BFGS",
                                        options={"maxiter": max(1, maxiter - n_iter),
                                                 "gtol": 1e-6})
                notes.append(f"BFGS rescue after {n_iter} Newton step(s): {res.message}")
                rescued = True
                theta, n_iter = res.x, n_iter + int(res.nit)
                f, g = lik.fun_grad(theta)
                H = lik.hessian(theta)
                crit, pd = _newton_decrement(g, H)
                continue
            theta, f, g = theta + t * step, f1, g1
        n_iter += 1
        H = lik.hessian(theta)
        crit, pd = _newton_decrement(g, H)
    converged = bool(pd and crit <= tol and np.all(np.isfinite(theta)))
    message = f"Newton: {n_iter} iteration(s)" + "".join(f"; {n}" for n in notes)
    if converged:
        message += f"; converged (g'H^-1g = {crit:.2g})"
    elif capped:
        message += f"; iteration limit (maxiter={maxiter}) reached"
    elif not pd:
        message += "; Hessian not positive definite"
    else:
        message += f"; convergence criterion g'H^-1g = {crit:.3g} > {tol:g}"
    return Optimum(theta=theta, converged=converged, message=message, n_iter=n_iter, grad=g,
                   hessian=H, hessian_pd=pd, criterion=crit)


def _newton_step(g, H, pd: bool, max_step: float) -> np.ndarray:
    if pd:
        step = -np.linalg.solve(H, g)
    else:
        w, U = np.linalg.eigh(H)
        floor = 1e-6 * max(1.0, float(np.abs(w).max()))
        step = -U @ ((U.T @ g) / np.maximum(np.abs(w), floor))
    biggest = float(np.abs(step).max())
    return step * (max_step / biggest) if biggest > max_step else step


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
