#!/usr/bin/env python3
"""Computes the RDP accountant test vectors in rdp_vectors.json ONCE (committed; tests never run Python).

References:
  - Google's dp-accounting 0.6.0 (pip install dp-accounting==0.6.0): RdpAccountant with its
    default orders, PoissonSampledDpEvent(q, GaussianDpEvent(sigma)) self-composed `steps` times,
    and mechanism_calibration.calibrate_dp_mechanism for the noise solver.
  - Opacus 1.6.0's RDP analysis (opacus/accountants/analysis/rdp.py) with Opacus's default
    alphas. Opacus itself imports torch; its RDP analysis module needs only numpy and scipy, so it
    is loaded straight from the wheel without installing torch:
        pip download --no-deps opacus==1.6.0 -d /tmp/opdl

Command used:
    /tmp/refenv/bin/python make_rdp_vectors.py /tmp/opdl/opacus-1.6.0-py3-none-any.whl > rdp_vectors.json
"""
import importlib.util
import json
import math
import sys
import tempfile
import zipfile

import dp_accounting
from dp_accounting.rdp import rdp_privacy_accountant as rdp_mod

wheel = sys.argv[1]
with zipfile.ZipFile(wheel) as z, tempfile.TemporaryDirectory() as tmp:
    path = z.extract("opacus/accountants/analysis/rdp.py", tmp)
    spec = importlib.util.spec_from_file_location("opacus_rdp_analysis", path)
    opacus_rdp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(opacus_rdp)
OPACUS_ALPHAS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))  # RDPAccountant.DEFAULT_ALPHAS

# (sampling rate q, noise multiplier sigma, steps T, delta)
CASES = [
    (256 / 60000, 1.1, 14062, 1e-5),   # MNIST DP-SGD: batch 256, 60 epochs (Abadi et al.)
    (0.01, 1.1, 10000, 1e-5),
    (0.001, 0.8, 1000, 1e-6),
    (0.1, 2.0, 100, 1e-5),
    (1.0, 5.0, 10, 1e-5),              # no subsampling
    (0.05, 0.7, 500, 1e-5),            # large epsilon, low orders
    (0.02, 4.0, 50, 1e-3),             # small epsilon, high orders
    (0.5, 1.5, 20, 1e-5),
    (0.1, 1.0, 100, 1e-3),             # DP-FedAvg: 10 of 100 clients per round
    (0.001, 10.0, 10, 1e-5),           # tiny epsilon
    (0.3, 0.5, 1000, 1e-5),            # very large epsilon
    (0.004, 0.6, 250000, 1e-6),
]

ORDERS_TO_CHECK = [1.5, 2.0, 2.5, 3.7, 8.0, 10.9, 20.0, 63.0, 256.0, 1024.0]

cases = []
for q, sigma, steps, delta in CASES:
    acc = dp_accounting.rdp.RdpAccountant()
    acc.compose(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps)
    eps, order = acc.get_epsilon_and_optimal_order(delta)
    rdp_single = rdp_mod._compute_rdp_poisson_subsampled_gaussian(q, sigma, ORDERS_TO_CHECK)
    op_rdp = opacus_rdp.compute_rdp(q=q, noise_multiplier=sigma, steps=steps, orders=OPACUS_ALPHAS)
    op_eps, op_alpha = opacus_rdp.get_privacy_spent(orders=OPACUS_ALPHAS, rdp=op_rdp, delta=delta)
    cases.append({
        "sampling_rate": q, "noise_multiplier": sigma, "steps": steps, "delta": delta,
        "dp_accounting_epsilon": float(eps), "dp_accounting_order": float(order),
        "opacus_epsilon": float(op_eps), "opacus_order": float(op_alpha),
        "rdp_orders": ORDERS_TO_CHECK,
        # null where dp-accounting's fractional series did not converge (it then returns inf).
        "rdp_single_step": [float(x) if math.isfinite(x) else None for x in rdp_single],
    })

# Noise solver: the sigma dp-accounting's calibrate_dp_mechanism finds for a target epsilon.
SOLVE = [
    (3.0, 256 / 60000, 14062, 1e-5),
    (1.0, 0.01, 1000, 1e-5),
    (8.0, 0.1, 100, 1e-5),
    (0.5, 0.001, 10000, 1e-6),
    (2.0, 0.1, 50, 1e-3),
]
solved = []
for target, q, steps, delta in SOLVE:
    sigma = dp_accounting.calibrate_dp_mechanism(
        dp_accounting.rdp.RdpAccountant,
        lambda s: dp_accounting.SelfComposedDpEvent(
            dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(s)), steps),
        target, delta, tol=1e-9)
    solved.append({"target_epsilon": target, "sampling_rate": q, "steps": steps, "delta": delta,
                   "dp_accounting_noise_multiplier": float(sigma)})

json.dump({"generator": "make_rdp_vectors.py (dp-accounting 0.6.0, opacus 1.6.0 analysis/rdp.py)",
           "opacus_alphas": OPACUS_ALPHAS, "cases": cases, "noise": solved}, sys.stdout, indent=1, allow_nan=False)
print()
