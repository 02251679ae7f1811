"""Remote signing (CSC API v2) against a local key and the raw RSA floor, on the same 2-page PDF, in one run.

    .venv/bin/python benchmarks/csc_remote.py [--n 20]

Cases (medians of n runs, ms):
- `csc_v2_bt`: PAdES B-T through the development remote provider (`signing.devcsc`: certomancer-csc-dummy in its
  own process on loopback, CSC API v2): service token, `credentials/info`, `credentials/authorize` with the
  signer's PIN for the hash, `signatures/signHash`, and the provider's TSA over HTTP. Baseline `local_key_bt`:
  the same B-T (same TSA over HTTP, no appearance) with a local key parsed once (`speedup` < 1: remote is slower;
  the difference is the price of the round trips and the provider's work).
- `csc_v1_bt`: the same through CSC API v1 (what pyHanko's CSCSigner speaks), baseline `csc_v2_bt`.
- `csc_v2_bt_batch10`: 10 documents under one authorisation, per document, baseline `csc_v2_bt`.
- `raw_rsa_sign`: one RSA-2048 PKCS#1 v1.5 signature, the floor; the JSON line also has `csc_v2_bt_over_floor`.
Every measured output is first checked: our validator (TOTAL_PASSED, B-T), poppler's pdfsig and `qpdf --check`.
The last line is one JSON object. Uses the helpers of `benchmarks/signing.py` (development settings, throw-away
VANTHU_VAR_DIR, no database).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import os
import statistics
from pathlib import Path

_spec = importlib.util.spec_from_file_location("bench_signing", Path(__file__).with_name("signing.py"))
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)  # django.setup() with development settings, the sample PDF, the dev PKI helpers

from signing import csc, services  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    n = parser.parse_args().n
    bench._pki()
    remote = bench._RemoteProvider()
    try:
        v1, v2 = (dataclasses.replace(remote.provider, api_version=v) for v in ("v1", "v2"))

        def sign(provider: csc.CscProvider, count: int = 1) -> list[bytes]:
            remote.provider = provider
            return remote.remote(count)

        roots = [remote.root, *services.configured_trust_roots()]
        for name, data in (("csc_v2_bt", sign(v2)[0]), ("csc_v1_bt", sign(v1)[0]), ("local_key_bt", remote.local())):
            report = services.validate_pdf(data, trust_roots=roots)
            assert report.indication == "TOTAL_PASSED" and report.signatures[0].pades_level == "B-T", name
            bench.check_with_tools(name, data)
        assert all(services.validate_pdf(d, trust_roots=roots).indication == "TOTAL_PASSED" for d in sign(v2, 10))

        v2_samples = bench.timed(lambda: sign(v2), n)
        results = [
            bench.summary("csc_v2_bt", v2_samples, ("local_key_bt", bench.timed(remote.local, n))),
            bench.summary("csc_v1_bt", bench.timed(lambda: sign(v1), n), ("csc_v2_bt", v2_samples)),
        ]
        per_doc = bench.timed(lambda: sign(v2, 10), max(3, n // 5))
        per_doc[:] = [v / 10 for v in per_doc]
        per_doc.cpu = [v / 10 for v in per_doc.cpu]
        results.append(bench.summary("csc_v2_bt_batch10", per_doc, ("csc_v2_bt", v2_samples)))
    finally:
        remote.stop()

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    private = bench._loaded_key(bench.KEY_ID, "Nguyễn Quang Huy")[0].signer.signing_key
    rsa_key = load_der_private_key(private.dump(), password=None)
    floor = bench.timed(lambda: rsa_key.sign(b"x" * 32, padding.PKCS1v15(), hashes.SHA256()), n * 10)
    results.append(bench.summary("raw_rsa_sign", floor))
    for row in results:
        print(
            f"{row['case']:>20}: {row['median_ms']:9.3f} ms (baseline {row['baseline_median_ms']}, x{row['speedup']})"
        )
    print(
        json.dumps(
            {
                "benchmark": "csc_remote",
                "results": results,
                "csc_v2_bt_over_floor": round(statistics.median(v2_samples) / statistics.median(floor), 1),
                "cpu_median_ms": bench.CPU_MEDIANS,
                "load_average": [round(v, 2) for v in os.getloadavg()],
            }
        )
    )
    services._isolated().close()


if __name__ == "__main__":
    main()
