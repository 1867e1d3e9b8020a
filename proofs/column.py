"""The "proof" verdict column of ``robtheory verify``: re-runs the proof scripts behind a claim.

Each claim's record names the proof modules of this package that establish it (or the closed
forms it rests on: ``Claim.proofs``); the column builds those certificates afresh (sympy and interval
arithmetic, nothing read from disk) and passes when every step of every one is proved and
the steps that conclude the claim (:data:`CONCLUDED_BY`) are among them. Claims with no
machine proof show ``-``.

Where the certificates cover a claim only in part, the verdict is ``PARTIAL`` and the
detail says ``partial (certified: ...; not certified: ...)`` (:data:`PARTIAL`): a ``PASS``
in this column means the whole claim, on its whole region, is certified.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from robtheory._ahead import Ahead
from robtheory.claims import REGISTRY, CheckResult, Claim, column_registered

__all__ = ["CONCLUDED_BY", "PARTIAL", "PROOFS_OF", "ProofColumn", "ProofResult", "registered"]

#: claim name -> proof modules (in this package) that certify it (read from the records: ``Claim.proofs``).
PROOFS_OF: dict[str, tuple[str, ...]] = {c.name: c.proofs for c in REGISTRY if c.proofs}

#: claim name -> "module:step" labels that conclude the claim; each must exist and pass (``Claim.proof_steps``).
CONCLUDED_BY: dict[str, tuple[str, ...]] = {c.name: c.proof_steps for c in REGISTRY if c.proof_steps}

#: claim name -> (certified, not certified), for claims the certificates cover in part (``Claim.proof_partial``).
PARTIAL: dict[str, tuple[str, str]] = {c.name: c.proof_partial for c in REGISTRY if c.proof_partial}


def _faces(claim: Claim) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, str] | None]:
    """(proofs, concluding steps, partial) of ``claim``: the tables above for a registered name,
    else the record's own fields (a claim not in the registry)."""
    if claim.name in {c.name for c in REGISTRY}:
        return PROOFS_OF.get(claim.name, ()), CONCLUDED_BY.get(claim.name, ()), PARTIAL.get(claim.name)
    return claim.proofs, claim.proof_steps, claim.proof_partial


@dataclass(frozen=True)
class ProofResult(CheckResult):
    """A :class:`CheckResult` that may be partial: ``partial`` says what is and is not certified."""

    partial: str = ""

    @property
    def mark(self) -> str:
        return "FAIL" if not self.passed else ("PARTIAL" if self.partial else "PASS")

    def to_dict(self) -> dict:
        d = {"passed": self.passed, "n_points": self.n_points, "detail": self.detail}
        if self.partial:
            d["partial"] = self.partial
            d["mark"] = self.mark
        return d


#: The certificates the helper process has built (it lives for one ProofColumn): each built once.
_HELPER_BUILT: dict[str, Any] = {}


def _built(name: str) -> dict:
    """The certificate of proof module ``name``, built afresh (once in this process:
    :func:`robtheory.proofs._certificate.shared_builds`), as its JSON record (run in a helper process)."""
    from ._certificate import build_of, shared_builds  # sympy: only where a certificate is built

    with shared_builds(_HELPER_BUILT):
        return build_of(name).to_dict()


class ProofColumn:
    """Callable ``Claim -> ProofResult | None``; each certificate is built once per run.

    It counts its verdicts (:attr:`counts`) for the summary line of ``robtheory verify``.

    Parameters
    ----------
    claims : sequence of Claim, optional
        With ``ahead=True``: the claims whose certificates to build ahead (default: the registry).
    ahead : bool, default False
        Build the certificates in a helper process (spawned, one worker) while the calling process
        computes other columns; a verdict then waits only for its own certificates. The records
        are those of the same ``build()`` calls (the certificates are deterministic); a helper that
        cannot start or fails falls back to building here, as does ``ROBTHEORY_VERIFY_PROCESSES=0``.
    """

    def __init__(self, claims: Sequence[Claim] | None = None, *, ahead: bool = False):
        self._cache: dict[str, Any] = {}
        self._records: dict[str, dict] = {}
        self.counts = {"PASS": 0, "PARTIAL": 0, "FAIL": 0}
        names = [m for c in (REGISTRY if claims is None else claims) for m in _faces(c)[0]] if ahead else []
        self._ahead = Ahead(_built, names)

    def certificate(self, name: str):
        """The certificate object of proof module ``name`` (built here, once)."""
        if name not in self._cache:
            from ._certificate import build_of, shared_builds  # sympy: only where a certificate is built

            with shared_builds(self._cache):  # a certificate built inside another one is kept too
                self._cache[name] = build_of(name)
        return self._cache[name]

    def record(self, name: str) -> dict:
        """The JSON record of proof module ``name``'s certificate: from the helper process when it
        built it, else built here."""
        if name not in self._records:
            self._records[name] = self._ahead.get(name, lambda: self.certificate(name).to_dict())
        return self._records[name]

    def close(self) -> None:
        """Stop the helper process (the certificates not yet collected are built here on demand)."""
        self._ahead.close()

    def __call__(self, claim: Claim) -> ProofResult | None:
        names, concluded_by, partial_pair = _faces(claim)
        if not names:
            return None
        parts, ok, steps = [], True, 0
        for name in names:
            d = self.record(name)
            proved = sum(bool(s["verdict"]) for s in d["steps"])
            ok &= bool(d["passed"])
            steps += len(d["steps"])
            asserted = len(d["asserted_steps"])
            parts.append(f"{name}: {proved}/{len(d['steps'])} steps" + (f", {asserted} asserted" if asserted else ""))
        missing = []
        for label in concluded_by:
            module, step = label.split(":", 1)
            verdicts = {s["step"]: s["verdict"] for s in self.record(module)["steps"]}
            if not verdicts.get(step, False):
                missing.append(label)
        ok = ok and not missing
        detail = "certificates rebuilt -- " + "; ".join(parts)
        if missing:
            detail += "; concluding steps missing or failed: " + ", ".join(missing)
        partial = ""
        if partial_pair is not None:
            certified, not_certified = partial_pair
            partial = f"partial (certified: {certified}; not certified: {not_certified})"
            detail = partial + " -- " + detail
        result = ProofResult(ok, steps, detail, partial)
        self.counts[result.mark] += 1
        return result

    def summary(self) -> str:
        """One line: how many claims are certified in full, in part, or fail."""
        c = self.counts
        return (f"proof column: {c['PASS']} certified in full, {c['PARTIAL']} partial, {c['FAIL']} failed "
                f"({sum(c.values())} claims with a certificate)")


@contextlib.contextmanager
def registered(column: ProofColumn | None = None):
    """Register the column as ``"proof"`` for the duration of a ``with`` block."""
    with column_registered("proof", column or ProofColumn()) as col:
        yield col
