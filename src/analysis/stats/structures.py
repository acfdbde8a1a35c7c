"""Within-subject covariance structures for the MMRM engine, on unconstrained parameters.

Each structure maps an unconstrained vector ``theta`` to an m x m covariance matrix over the
visits, positive definite for every finite ``theta``, so the optimiser never needs bounds:

======  ==========================  =====================================================
name    parameters (len)            theta
======  ==========================  =====================================================
UN      m(m+1)/2                    log of the Cholesky diagonal, then the strictly lower
                                    Cholesky entries row by row (log-Cholesky)
CS      2                           log sd, logit-scaled rho in (-1/(m-1), 1)
CSH     m + 1                       log sd per visit, as CS
AR1     2                           log sd, atanh(rho)
AR1H    m + 1                       log sd per visit, atanh(rho)
TOEP    m                           log sd, atanh of the m-1 partial autocorrelations
TOEPH   2m - 1                      log sd per visit, as TOEP
======  ==========================  =====================================================

Toeplitz correlations come from partial autocorrelations through the Durbin-Levinson
recursion, which keeps the band matrix positive definite. AR1 and TOEP use the visit index
(equally spaced visits), like SAS TYPE=AR(1)/TOEP and nlme corAR1 on an integer time.

Derivatives of the covariance matrix are taken by complex step (the maps use only analytic
operations), which is exact to rounding; second derivatives are central differences of
those. `sas_parameters` gives the parameters SAS PROC MIXED reports (covariances for UN, CS,
TOEP; variances and correlations for the others), which the Kenward-Roger adjustment needs.

>>> import numpy as np
>>> s = get_structure("AR1", 3)
>>> np.round(s.sigma(np.array([0.0, np.arctanh(0.5)])), 3)
array([[1.  , 0.5 , 0.25],
       [0.5 , 1.  , 0.5 ],
       [0.25, 0.5 , 1.  ]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRUCTURES = ("UN", "CS", "CSH", "AR1", "AR1H", "TOEP", "TOEPH")
_CLIP = 0.95  # starting correlations are kept inside (-0.95, 0.95)


def _expit(z):
    return 1.0 / (1.0 + np.exp(-z))


def _pacf_to_acf(pacf):
    """Autocorrelations rho_1..rho_q from partial autocorrelations (Durbin-Levinson); complex-safe."""
    q = len(pacf)
    rho = []
    phi = []  # phi_{k-1, 1..k-1}
    for k in range(q):
        pk = pacf[k]
        if k == 0:
            r = pk
            phi = [pk]
        else:
            s1 = sum(phi[j] * rho[k - 1 - j] for j in range(k))
            s2 = sum(phi[j] * rho[j] for j in range(k))
            r = s1 + pk * (1 - s2)
            phi = [phi[j] - pk * phi[k - 1 - j] for j in range(k)] + [pk]
        rho.append(r)
    return rho


def _acf_to_pacf(rho, clip: float | None = None):
    """Partial autocorrelations from autocorrelations (inverse Durbin-Levinson).

    Complex-safe without ``clip``; with it each partial autocorrelation is clipped to
    (-clip, clip) and the later lags are computed from the clipped ones (starting values).
    """
    rho = list(rho)
    pacf, phi = [], []
    for k in range(len(rho)):
        if k == 0:
            pk = rho[0]
        else:
            num = rho[k] - sum(phi[j] * rho[k - 1 - j] for j in range(k))
            den = 1 - sum(phi[j] * rho[j] for j in range(k))
            pk = num / den
        if clip is not None:
            pk = float(np.clip(np.real(pk), -clip, clip))
        phi = [phi[j] - pk * phi[k - 1 - j] for j in range(k)] + [pk]
        pacf.append(pk)
        if clip is not None:
            rho[k] = _pacf_to_acf(pacf)[k]
    return np.array(pacf)


def _lags(m: int) -> np.ndarray:
    i = np.arange(m)
    return np.abs(i[:, None] - i[None, :])


def _toeplitz(acf_with_one, m):
    """m x m matrix with entry (i, j) = acf[|i - j|] (acf[0] = 1); complex-safe."""
    vals = np.array(acf_with_one)
    return vals[_lags(m)]


def _ar1_corr(rho, m):
    powers = [1.0 + 0 * rho]
    for _ in range(m - 1):
        powers.append(powers[-1] * rho)
    return _toeplitz(powers, m)


def _cs_bounds(m: int) -> float:
    return 1.0 / (m - 1)


def _cs_rho(z, m):
    a = _cs_bounds(m)
    return -a + (1 + a) * _expit(z)


def _cs_z(rho, m):
    a = _cs_bounds(m)
    u = (np.clip(rho, -a * 0.9, _CLIP) + a) / (1 + a)
    return float(np.log(u / (1 - u)))


def _empirical_sd_corr(S):
    sd = np.sqrt(np.clip(np.diag(S), 1e-12, None))
    R = S / np.outer(sd, sd)
    return sd, R


def _mean_by_lag(R):
    m = R.shape[0]
    lags = _lags(m)
    return np.array([R[lags == k].mean() for k in range(1, m)])


@dataclass(frozen=True)
class Structure:
    """A covariance structure over m visits; see the module docstring for the parameters."""

    name: str
    m: int

    def __post_init__(self):
        if self.name not in STRUCTURES:
            raise ValueError(f"unknown covariance structure {self.name!r}; "
                             f"choose one of {', '.join(STRUCTURES)}")
        if self.m < 2:
            raise ValueError("a within-subject covariance structure needs at least 2 visits")

    @property
    def heterogeneous(self) -> bool:
        return self.name in ("UN", "CSH", "AR1H", "TOEPH")

    @property
    def n_params(self) -> int:
        m = self.m
        return {"UN": m * (m + 1) // 2, "CS": 2, "CSH": m + 1, "AR1": 2, "AR1H": m + 1,
                "TOEP": m, "TOEPH": 2 * m - 1}[self.name]

    def param_names(self, visits) -> list[str]:
        v = [str(x) for x in visits]
        m = self.m
        if self.name == "UN":
            return ([f"log_chol[{a},{a}]" for a in v]
                    + [f"chol[{v[i]},{v[j]}]" for i in range(m) for j in range(i)])
        sds = [f"log_sd[{a}]" for a in v] if self.heterogeneous else ["log_sd"]
        if self.name in ("CS", "CSH"):
            return sds + ["logit_rho"]
        if self.name in ("AR1", "AR1H"):
            return sds + ["atanh_rho"]
        return sds + [f"atanh_pacf[{k}]" for k in range(1, m)]

    # ---- theta -> Sigma -------------------------------------------------------------------
    def _split(self, theta):
        k = self.m if self.heterogeneous else 1
        logsd = theta[:k]
        sd = np.exp(logsd) if k > 1 else np.exp(logsd[0]) * np.ones(self.m)
        return sd, theta[k:]

    def corr(self, rest):
        m = self.m
        if self.name in ("CS", "CSH"):
            rho = _cs_rho(rest[0], m)
            return (1 - rho) * np.eye(m) + rho * np.ones((m, m))
        if self.name in ("AR1", "AR1H"):
            return _ar1_corr(np.tanh(rest[0]), m)
        acf = _pacf_to_acf([np.tanh(z) for z in rest])
        return _toeplitz([1.0 + 0 * rest[0]] + acf, m)

    def sigma(self, theta) -> np.ndarray:
        """The m x m covariance matrix at ``theta`` (complex ``theta`` allowed)."""
        theta = np.asarray(theta)
        if self.name == "UN":
            m = self.m
            L = np.zeros((m, m), dtype=theta.dtype)
            L[np.diag_indices(m)] = np.exp(theta[:m])
            L[np.tril_indices(m, -1)] = theta[m:]
            return L @ L.T
        sd, rest = self._split(theta)
        return self.corr(rest) * np.outer(sd, sd)

    def dsigma(self, theta, step: float = 1e-20) -> np.ndarray:
        """d Sigma / d theta_k as a (K, m, m) array, by complex step (exact to rounding)."""
        theta = np.asarray(theta, dtype=float)
        out = np.empty((len(theta), self.m, self.m))
        for k in range(len(theta)):
            t = theta.astype(complex)
            t[k] += 1j * step
            out[k] = self.sigma(t).imag / step
        return out

    def d2sigma(self, theta, h: float = 1e-5) -> np.ndarray:
        """Second derivatives (K, K, m, m): analytic for UN, otherwise central differences of
        the complex-step first derivatives."""
        theta = np.asarray(theta, dtype=float)
        K = len(theta)
        if self.name == "UN":
            return self._un_d2sigma(theta)
        out = np.empty((K, K, self.m, self.m))
        for j in range(K):
            e = np.zeros(K)
            e[j] = h
            out[:, j] = (self.dsigma(theta + e) - self.dsigma(theta - e)) / (2 * h)
        return 0.5 * (out + out.transpose(1, 0, 2, 3))

    def _un_d2sigma(self, theta) -> np.ndarray:
        """Sigma = L L': d2Sigma_ij = dL_i dL_j' + dL_j dL_i' + d2L_ij L' + L d2L_ij'."""
        m, K = self.m, len(theta)
        L = np.zeros((m, m))
        L[np.diag_indices(m)] = np.exp(theta[:m])
        L[np.tril_indices(m, -1)] = theta[m:]
        rows = np.concatenate([np.arange(m), np.tril_indices(m, -1)[0]])
        cols = np.concatenate([np.arange(m), np.tril_indices(m, -1)[1]])
        dL = np.zeros((K, m, m))
        dL[np.arange(K), rows, cols] = np.concatenate([np.exp(theta[:m]), np.ones(K - m)])
        out = np.einsum("iab,jcb->ijac", dL, dL)
        out = out + out.transpose(0, 1, 3, 2)
        for k in range(m):  # only d2L/dtheta_k^2 on the log-diagonal is non-zero (= dL_k)
            extra = dL[k] @ L.T
            out[k, k] += extra + extra.T
        return out

    # ---- starting values ------------------------------------------------------------------
    def start(self, S: np.ndarray) -> np.ndarray:
        """Starting theta from an empirical (positive definite) covariance matrix ``S``."""
        m = self.m
        if self.name == "UN":
            L = np.linalg.cholesky(S)
            return np.concatenate([np.log(np.diag(L)), L[np.tril_indices(m, -1)]])
        sd, R = _empirical_sd_corr(S)
        logsd = np.log(sd) if self.heterogeneous else np.array([np.log(np.sqrt(np.mean(sd ** 2)))])
        lag = _mean_by_lag(R)
        if self.name in ("CS", "CSH"):
            rest = [_cs_z(R[np.triu_indices(m, 1)].mean(), m)]
        elif self.name in ("AR1", "AR1H"):
            rest = [np.arctanh(np.clip(lag[0], -_CLIP, _CLIP))]
        else:
            rest = list(np.arctanh(_acf_to_pacf(lag, _CLIP)))
        return np.concatenate([logsd, rest])

    # ---- the parameters SAS reports ------------------------------------------------------
    def sas_parameters(self, theta) -> np.ndarray:
        """SAS PROC MIXED covariance parameters at ``theta`` (complex-safe)."""
        theta = np.asarray(theta)
        m = self.m
        S = self.sigma(theta)
        if self.name == "UN":
            return S[np.tril_indices(m)]  # UN(1,1), UN(2,1), UN(2,2), ...
        if self.name == "CS":
            return np.array([S[0, 1], S[0, 0] - S[0, 1]])  # CS covariance, residual
        if self.name == "TOEP":
            return np.array([S[0, k] for k in range(m)])  # variance, lag-k covariances
        sd, rest = self._split(theta)
        R = self.corr(rest)
        var = sd ** 2 if self.heterogeneous else np.array([sd[0] ** 2])
        if self.name in ("CSH", "AR1", "AR1H"):
            return np.concatenate([var, [R[0, 1]]])
        return np.concatenate([var, [R[0, k] for k in range(1, m)]])  # TOEPH

    def from_sas(self, phi) -> np.ndarray:
        """Inverse of `sas_parameters` (complex-safe where the structure allows)."""
        phi = np.asarray(phi)
        m = self.m
        if self.name == "UN":
            S = np.zeros((m, m), dtype=phi.dtype)
            S[np.tril_indices(m)] = phi
            S = S + S.T - np.diag(np.diag(S))
            L = _cholesky_generic(S)
            return np.concatenate([np.log(np.diag(L)), L[np.tril_indices(m, -1)]])
        if self.name == "CS":
            var = phi[0] + phi[1]
            rho = phi[0] / var
            a = _cs_bounds(m)
            u = (rho + a) / (1 + a)
            return np.array([0.5 * np.log(var), np.log(u / (1 - u))])
        if self.name == "TOEP":
            var = phi[0]
            acf = [phi[k] / var for k in range(1, m)]
            return np.concatenate([[0.5 * np.log(var)], np.arctanh(_acf_to_pacf(acf))])
        k = m if self.heterogeneous else 1
        logsd = 0.5 * np.log(phi[:k])
        rest = phi[k:]
        if self.name in ("CSH",):
            a = _cs_bounds(m)
            u = (rest[0] + a) / (1 + a)
            return np.concatenate([logsd, [np.log(u / (1 - u))]])
        if self.name in ("AR1", "AR1H"):
            return np.concatenate([logsd, [np.arctanh(rest[0])]])
        return np.concatenate([logsd, np.arctanh(_acf_to_pacf(list(rest)))])

    def sas_linear(self) -> bool:
        """True where Sigma is linear in the SAS parameters (second derivatives vanish)."""
        return self.name in ("UN", "CS", "TOEP")


def _cholesky_generic(S):
    """Cholesky factor by the textbook recursion (works for complex-perturbed S)."""
    m = S.shape[0]
    L = np.zeros_like(S)
    for j in range(m):
        d = S[j, j] - np.sum(L[j, :j] ** 2)
        L[j, j] = np.sqrt(d)
        for i in range(j + 1, m):
            L[i, j] = (S[i, j] - np.sum(L[i, :j] * L[j, :j])) / L[j, j]
    return L


def get_structure(name: str, m: int) -> Structure:
    """The structure called ``name`` (case-insensitive) over ``m`` visits."""
    return Structure(str(name).upper(), int(m))
