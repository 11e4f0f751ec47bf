"""Text summary and plain-dict export of an :class:`Assessment`."""

from __future__ import annotations

import dataclasses

__all__ = ["summary_text", "as_dict"]


def _plain(value):
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    return value


def _estimate_dict(result):
    if result is None:
        return None
    return {"min_entropy": float(result.min_entropy), **_plain(result.values)}


def as_dict(assessment) -> dict:
    s = assessment.samples
    out = {"samples": s.size, "bits_per_symbol": s.bits_per_symbol,
           "alphabet": [int(a) for a in s.alphabet]}
    if assessment.non_iid is not None:
        r = assessment.non_iid
        out["non_iid"] = {
            "literal": {n: _estimate_dict(e) for n, e in r.literal.items()},
            "bitstring": {n: _estimate_dict(e) for n, e in r.bitstring.items()},
            "H_original": r.h_original, "H_bitstring": r.h_bitstring, "assessed": r.assessed}
    if assessment.iid is not None:
        r = assessment.iid
        out["iid"] = {
            "mcv_literal": _estimate_dict(r.mcv_literal),
            "mcv_bitstring": _estimate_dict(r.mcv_bitstring),
            "assessed": r.assessed,
            "chi_square_independence": dataclasses.asdict(r.independence),
            "chi_square_goodness_of_fit": dataclasses.asdict(r.goodness_of_fit),
            "lrs_test": dataclasses.asdict(r.lrs),
            "permutation": None if r.permutation is None else {
                "unpermuted": r.permutation.unpermuted,
                "counts": {k: list(v) for k, v in r.permutation.counts.items()},
                "permutations": r.permutation.permutations, "passed": r.permutation.passed},
            "iid_plausible": r.iid_plausible}
    return _plain(out)


def _line(label, result, unit):
    if result is None:
        return f"  {label:<24} (not run)"
    return f"  {label:<24} {result.min_entropy:9.6f} {unit}"


def summary_text(assessment) -> str:
    s = assessment.samples
    lines = [f"SP 800-90B assessment of {s.size:,} samples, {s.bits_per_symbol}-bit symbols, "
             f"{s.alphabet_size} distinct values"]
    r = assessment.non_iid
    if r is not None:
        lines.append("Non-IID track (min-entropy):")
        for name, est in r.literal.items():
            lines.append(_line(f"{name} (literal)", est, "bits/sample"))
        for name, est in r.bitstring.items():
            lines.append(_line(f"{name} (bitstring)", est, "bits/bit"))
        lines.append(f"  H_original = {r.h_original:.6f} bits/sample")
        if r.h_bitstring is not None:
            lines.append(f"  H_bitstring = {r.h_bitstring:.6f} bits/bit")
        lines.append(f"  assessed = {r.assessed:.6f} bits/sample "
                     f"({r.assessed / s.bits_per_symbol:.6f} per bit)")
    r = assessment.iid
    if r is not None:
        lines.append("IID track:")
        lines.append(_line("MCV (literal)", r.mcv_literal, "bits/sample"))
        if r.mcv_bitstring is not None:
            lines.append(_line("MCV (bitstring)", r.mcv_bitstring, "bits/bit"))
        lines.append(f"  assessed = {r.assessed:.6f} bits/sample")
        for label, c in (("chi-square independence", r.independence),
                         ("chi-square goodness of fit", r.goodness_of_fit)):
            lines.append(f"  {label}: T = {c.T:.4f}, df = {c.df}, p = {c.p_value:.4f} "
                         f"({'pass' if c.passed else 'FAIL'})")
        lines.append(f"  longest repeated substring: W = {r.lrs.W}, Pr(X >= 1) = "
                     f"{r.lrs.probability_at_least_one:.4f} ({'pass' if r.lrs.passed else 'FAIL'})")
        if r.permutation is not None:
            p = r.permutation
            verdict = "pass" if p.passed else "FAIL: " + ", ".join(p.failed)
            lines.append(f"  permutation tests: {p.permutations} shuffles ({verdict})")
        lines.append(f"  IID assumption {'not rejected' if r.iid_plausible else 'REJECTED'}")
    return "\n".join(lines)
