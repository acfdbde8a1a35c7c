"""Degrees of freedom and covariance of beta for MMRM contrasts.

Methods (``df=`` in `fit_mmrm`):

``satterthwaite`` (default; SAS DDFM=SATTERTHWAITE, mmrm "Satterthwaite")
    For a row l: nu = 2 (l Phi l')^2 / (g' W g), g_k = l (dPhi/dtheta_k) l',
    dPhi/dtheta_k = Phi X'V^-1 (dV/dtheta_k) V^-1 X Phi, W the covariance of the covariance
    parameters (2 H^-1 with H the observed Hessian of -2l; ``information="expected"`` uses the
    expected information instead). Multi-row contrasts: the eigen-decomposition method of
    SAS / lmerTest (F = mean of the squared orthogonal t's, df from E = sum nu_k / (nu_k - 2)).
``kenward-roger`` (SAS DDFM=KR)
    Adjusted covariance Phi_A = Phi + 2 Phi [sum_ij W_ij (Q_ij - P_i Phi P_j - R_ij / 4)] Phi
    and the Kenward & Roger (1997) scaled F with its denominator df. The second-derivative term
    R is taken in SAS's parameterisation of each structure: it vanishes for UN, CS and TOEP
    (linear in their covariances) and is kept for CSH, AR1, AR1H and TOEPH, as SAS does.
``kenward-roger-linear`` (SAS DDFM=KR(LINEAR), mmrm "Kenward-Roger-Linear")
    The same with R = 0 for every structure. Without R the adjustment does not depend on the
    parameterisation, which is why mmrm's linear variant matches SAS for UN.
``residual``
    N - rank(X) for every contrast (SAS DDFM=RESIDUAL).
``between-within`` (SAS DDFM=BETWITHIN, simplified)
    Between-subject df = subjects - rank(X_between), within-subject df = N - subjects -
    (rank(X) - rank(X_between)); a term is within-subject if any of its columns varies within
    a subject, and a contrast gets the within df if it loads on any within-subject column.
    SAS additionally splits the within df between several within-subject class effects; that
    split is not done here.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from .likelihood import Likelihood, State

DF_METHODS = ("satterthwaite", "kenward-roger", "kenward-roger-linear", "residual",
              "between-within")
_ALIASES = {"sat": "satterthwaite", "satterth": "satterthwaite", "kr": "kenward-roger",
            "kenwardroger": "kenward-roger", "kr-linear": "kenward-roger-linear",
            "kr(linear)": "kenward-roger-linear", "resid": "residual", "bw": "between-within",
            "betwithin": "between-within", "between_within": "between-within"}


def normalise_df_method(name: str) -> str:
    key = str(name).strip().lower().replace("_", "-").replace(" ", "-")
    key = _ALIASES.get(key, key)
    if key not in DF_METHODS:
        raise ValueError(f"unknown degrees-of-freedom method {name!r}; choose one of "
                         f"{', '.join(DF_METHODS)}")
    return key


class Inference:
    """Quantities at the optimum that every df method draws on, computed once and cached."""

    def __init__(self, lik: Likelihood, st: State, hessian: np.ndarray, X: np.ndarray,
                 subject: np.ndarray, term_columns: dict[str, list[int]],
                 information: str = "observed"):
        self.lik = lik
        self.st = st
        self.structure = lik.structure
        self.phi = st.phi
        self.beta = st.beta
        self.p = len(st.beta)
        self.N = lik.N
        self.n_subjects = lik.n_subjects
        self.dsigma = self.structure.dsigma(st.theta)           # (K, m, m)
        self.information = information
        self.X = X
        self._zz = self._embedded_zz()                            # (m, m, p, p)
        self.M = np.einsum("kab,abpq->kpq", self.dsigma, self._zz)  # X'V^-1 dV_k V^-1 X
        if information == "observed":
            self.W = 2 * _inv_sym(hessian)
        elif information == "expected":
            self.W = _inv_sym(self._expected_information())
        else:
            raise ValueError(f"information must be 'observed' or 'expected', not {information!r}")
        self.dphi = np.einsum("pq,kqr,rs->kps", self.phi, self.M, self.phi)
        self._within = _within_columns(X, subject, term_columns)
        self._bw = None
        self._kr = {}

    # ---- shared pieces --------------------------------------------------------------------
    def _group_z(self):
        for g, Ci, xw in zip(self.lik.groups, self.st.cinv, self.st.xw):
            z = np.tensordot(Ci.T, xw, axes=(1, 0))  # V^-1 X per subject, (s, n, p)
            yield g, Ci.T @ Ci, z

    def _embedded_zz(self):
        m, p = self.structure.m, self.p
        out = np.zeros((m, m, p, p))
        for g, _, z in self._group_z():
            s, n, _ = z.shape
            zt = z.transpose(1, 0, 2).reshape(n, s * p)
            b = (zt.T @ zt).reshape(s, p, s, p).transpose(0, 2, 1, 3)
            out[np.ix_(g.visits, g.visits)] += b
        return out

    def _expected_information(self):
        trace, _, _ = self.lik.second_order_terms(self.st, self.dsigma, quadratic=False)
        return 0.5 * trace

    # ---- single-row Satterthwaite ---------------------------------------------------------
    def satterthwaite_row(self, l: np.ndarray) -> float:
        v = float(l @ self.phi @ l)
        g = np.einsum("p,kpq,q->k", l, self.dphi, l)
        den = float(g @ self.W @ g)
        return 2 * v * v / den if den > 0 else np.inf

    # ---- Kenward-Roger --------------------------------------------------------------------
    def kr_phi(self, linear: bool) -> np.ndarray:
        """The Kenward-Roger adjusted covariance of beta."""
        if linear in self._kr:
            return self._kr[linear]
        W, phi, M = self.W, self.phi, self.M
        Qw = np.zeros((self.p, self.p))
        for g, vinv, z in self._group_z():
            D = self.dsigma[:, g.visits][:, :, g.visits]
            WD = np.einsum("ij,jab->iab", W, D)
            E = np.einsum("iab,bc,icd->ad", D, vinv, WD)
            Qw += np.tensordot(z, np.tensordot(E, z, axes=(1, 0)), axes=([0, 1], [0, 1]))
        PPw = np.einsum("ij,ipq,qr,jrs->ps", W, M, phi, M, optimize=True)
        inner = Qw - PPw
        if not linear and not self.structure.sas_linear():
            inner = inner - 0.25 * np.tensordot(self._sas_second_derivative_sum(), self._zz,
                                                axes=([0, 1], [0, 1]))
        out = phi + 2 * phi @ inner @ phi
        self._kr[linear] = 0.5 * (out + out.T)
        return self._kr[linear]

    def _sas_second_derivative_sum(self) -> np.ndarray:
        """sum_ij W^phi_ij d2Sigma / dphi_i dphi_j in SAS's parameters phi (m x m)."""
        s = self.structure
        theta = self.st.theta
        phi0 = s.sas_parameters(theta)
        J = np.empty((len(phi0), len(theta)))  # dphi/dtheta by complex step
        for k in range(len(theta)):
            t = theta.astype(complex)
            t[k] += 1e-20j
            J[:, k] = s.sas_parameters(t).imag / 1e-20
        Wphi = J @ self.W @ J.T

        def dsig(phi):
            out = np.empty((len(phi), s.m, s.m))
            for k in range(len(phi)):
                q = phi.astype(complex)
                q[k] += 1e-20j
                out[k] = s.sigma(s.from_sas(q)).imag / 1e-20
            return out

        total = np.zeros((s.m, s.m))
        for j in range(len(phi0)):
            h = 1e-5 * max(1.0, abs(phi0[j]))
            e = np.zeros(len(phi0))
            e[j] = h
            d2 = (dsig(phi0 + e) - dsig(phi0 - e)) / (2 * h)  # (K, m, m): d2Sigma/dphi_i dphi_j
            total += np.tensordot(Wphi[:, j], d2, axes=(0, 0))
        return 0.5 * (total + total.T)

    def kr_test(self, L: np.ndarray, linear: bool) -> tuple[float, float, float]:
        """(F statistic, numerator df, denominator df) of H0: L beta = 0 (Kenward-Roger)."""
        L = np.atleast_2d(L)
        ell = L.shape[0]
        phi, W = self.phi, self.W
        phiA = self.kr_phi(linear)
        theta_mat = L.T @ np.linalg.solve(L @ phi @ L.T, L)
        P = -self.M
        TP = np.einsum("pq,qr,krs,st->kpt", theta_mat, phi, P, phi, optimize=True)  # Theta Phi P_k Phi
        tr = np.einsum("kpp->k", TP)
        A1 = float(tr @ W @ tr)
        A2 = float(np.einsum("ij,ipq,jqp->", W, TP, TP, optimize=True))
        B = (A1 + 6 * A2) / (2 * ell)
        g = ((ell + 1) * A1 - (ell + 4) * A2) / ((ell + 2) * A2)
        d = 3 * ell + 2 * (1 - g)
        c1, c2, c3 = g / d, (ell - g) / d, (ell + 2 - g) / d
        Estar = 1 / (1 - A2 / ell)
        Vstar = 2 / ell * (1 + c1 * B) / ((1 - c2 * B) ** 2 * (1 - c3 * B))
        rho = Vstar / (2 * Estar ** 2)
        m = 4 + (ell + 2) / (ell * rho - 1)
        lam = m / (Estar * (m - 2))
        est = L @ self.beta
        F = lam / ell * float(est @ np.linalg.solve(L @ phiA @ L.T, est))
        return F, float(ell), float(m)

    # ---- residual / between-within --------------------------------------------------------
    def residual_df(self) -> float:
        return float(self.N - np.linalg.matrix_rank(self.X))

    def bw_df(self, l: np.ndarray) -> float:
        if self._bw is None:
            X = self.X
            between = ~self._within
            rank_b = np.linalg.matrix_rank(X[:, between]) if between.any() else 0
            rank = np.linalg.matrix_rank(X)
            self._bw = (float(self.n_subjects - rank_b),
                        float(self.N - self.n_subjects - (rank - rank_b)))
        return self._bw[1] if np.any(np.abs(l[self._within]) > 0) else self._bw[0]


def _within_columns(X, subject, term_columns) -> np.ndarray:
    """Columns of terms that vary within at least one subject."""
    order = np.argsort(subject, kind="stable")
    xs, ss = X[order], subject[order]
    same = ss[1:] == ss[:-1]
    varies = np.any((xs[1:] != xs[:-1]) & same[:, None], axis=0)
    within = np.zeros(X.shape[1], dtype=bool)
    for cols in term_columns.values():
        if np.any(varies[cols]):
            within[cols] = True
    return within


def _inv_sym(H: np.ndarray) -> np.ndarray:
    try:
        return linalg.cho_solve(linalg.cho_factor(H), np.eye(len(H)))
    except linalg.LinAlgError:
        return np.linalg.pinv(H)


def contrast_df(inf: Inference, method: str, L: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row (covariance-of-beta diagonal for the SEs, df) of the rows of L."""
    L = np.atleast_2d(L)
    if method.startswith("kenward-roger"):
        linear = method == "kenward-roger-linear"
        phiA = inf.kr_phi(linear)
        var = np.einsum("rp,pq,rq->r", L, phiA, L)
        df = np.array([inf.kr_test(l[None, :], linear)[2] for l in L])
        return var, df
    var = np.einsum("rp,pq,rq->r", L, inf.phi, L)
    if method == "satterthwaite":
        df = np.array([inf.satterthwaite_row(l) for l in L])
    elif method == "residual":
        df = np.full(len(L), inf.residual_df())
    else:
        df = np.array([inf.bw_df(l) for l in L])
    return var, df


def f_test(inf: Inference, method: str, L: np.ndarray) -> tuple[float, float, float]:
    """(F, numerator df, denominator df) for H0: L beta = 0 under ``method``."""
    L = np.atleast_2d(np.asarray(L, dtype=float))
    r = np.linalg.matrix_rank(L)
    if r < L.shape[0]:
        raise ValueError(f"contrast matrix has {L.shape[0]} rows but rank {r}; drop the "
                         "redundant rows")
    if method.startswith("kenward-roger"):
        return inf.kr_test(L, method == "kenward-roger-linear")
    est = L @ inf.beta
    C = L @ inf.phi @ L.T
    F = float(est @ np.linalg.solve(C, est)) / r
    if method == "residual":
        return F, float(r), inf.residual_df()
    if method == "between-within":
        return F, float(r), min(inf.bw_df(l) for l in L)
    w, U = np.linalg.eigh(C)
    rows = U.T @ L
    nu = np.array([inf.satterthwaite_row(l) for l in rows])
    if r == 1:
        return F, 1.0, float(nu[0])
    big = nu > 2
    E = float(np.sum(nu[big] / (nu[big] - 2)))
    ddf = 2 * E / (E - r) if E > r else float(np.min(nu))
    return F, float(r), float(ddf)
