"""Signing and validation speed against stock pyHanko usage, on the same 2-page PDF, in one run.

    .venv/bin/python benchmarks/signing.py [--n 30]

Cases (medians of n runs, ms):
- `bb_visible`: PAdES B-B with the full ND30 main-document appearance (the leader's signature image), key parsed
  once per process (what `signing.services.sign_pdf` does after its cache lookup). Baseline `bb_visible_stock`:
  `SimpleSigner.load_pkcs12` + `signers.sign_pdf` fresh per document with a Vietnamese TTF text stamp (the usual
  way to get a visible stamp with stock pyHanko).
- `bt_visible`: the same at B-T with the development TSA. Baseline `bt_visible_stock`.
- `bb_seal`: the organisation's B-B signature after the leader's (ND30: the red seal over the left third of the
  leader's box), on the leader-signed PDF. Baseline `bb_seal_stock`: stock pyHanko, key loaded per document, the
  seal PNG as the background of a text stamp. Leader + seal, the whole ND30 main document, is the sum.
- `bb_drawn_text_stamp`: the pledge path (`workflows.pledges.services.sign_simple`): key `org-system`, B-B, a
  different drawn PNG per signature (validated and encoded, as `sign_pdf` does) above three Vietnamese stamp lines
  in the embedded TrueType font. Baseline `bb_drawn_text_stamp_stock`: stock pyHanko, key loaded per document,
  `GlyphAccumulatorFactory` TTF text stamp with the PNG as its background.
- `validate_blt`: `validate_pdf` of a B-LT document (child-process isolation included). Baseline
  `validate_blt_stock`: stock `validate_pdf_signature` with a validation context built from the file's DSS.
- `csc_remote_bt`: PAdES B-T through the remote signing provider (CSC API: token, credentials/info,
  credentials/authorize with the PIN, signatures/signHash) — `signing.devcsc`, i.e. certomancer-csc-dummy in
  its own process on loopback — with that provider's TSA over HTTP. Baseline `csc_local_bt`: the same B-T
  (same TSA over HTTP, no appearance) with a local key parsed once. The ratio is the price of the remote round
  trips. `csc_remote_bt_batch10`: 10 documents in one authorisation, per document.
- `raw_rsa_sign`: one RSA-2048 PKCS#1 v1.5 signature, the floor.
Throughput: B-B visible signatures and pledge signatures per second with 2 worker processes, ours and stock.
Every output is first checked: our validator (TOTAL_PASSED), poppler's pdfsig and `qpdf --check`.
Besides the wall-clock rows, the JSON line has `cpu_median_ms` per case (the process's CPU time: on a busy 2-core
machine the wall clock also counts waiting for a core; for `validate_blt` the work happens in the validation child
process, so its CPU figure is only the parent's share) and the `load_average` at the end of the run.

Runs with development settings in a throw-away VANTHU_VAR_DIR (its own dev PKI); needs no database.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VANTHU_VAR_DIR", tempfile.mkdtemp(prefix="vanthu-bench-signing-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from signing import csc, engine, services  # noqa: E402
from signing.devpki import DevPki  # noqa: E402
from signing.keys import load_pkcs12_bytes  # noqa: E402
from tests.signing_support import sample_pdf  # noqa: E402

KEY_ID = "user-giamdoc"
PDF = sample_pdf(2)
BOX = (360.0, 120.0, 530.0, 200.0)


def _pki() -> DevPki:
    pki = DevPki(settings.SIGNING_DEV_PKI_DIR, base_url=settings.SITE_URL, agency=settings.SIGNING_DEV_AGENCY_NAME)
    pki.ensure()
    pki.ensure_key(KEY_ID, common_name="Nguyễn Quang Huy", organisation=settings.SIGNING_DEV_AGENCY_NAME)
    return pki


_keys: dict[str, tuple] = {}


def _loaded_key(key_id: str, common_name: str):
    """(LoadedKey, DevKey), parsed once per process as `signing.keys.load_key` does."""
    if key_id not in _keys:
        key = _pki().ensure_key(key_id, common_name=common_name, organisation=settings.SIGNING_DEV_AGENCY_NAME)
        _keys[key_id] = (load_pkcs12_bytes(key.p12_path.read_bytes(), key.password_path.read_bytes().strip()), key)
    return _keys[key_id]


def _sign(pdf: bytes, loaded, request: engine.SignRequest) -> bytes:
    return engine.sign_with_signer(
        pdf,
        signer=loaded.signer,
        chain_der=[loaded.certificate_der, *loaded.chain_der],
        request=request,
        env=services.sign_environment(),
    )


def ours(level: str) -> bytes:
    """`sign_pdf` minus the key-record query: cached key, ND30 signature image, cached image encoding."""
    loaded, key = _loaded_key(KEY_ID, "Nguyễn Quang Huy")
    plan = services.appearance_plan(
        "signature", page=None, box=BOX, text_lines=None, signer_name="", signature_image=str(key.signature_image)
    )
    return _sign(PDF, loaded, engine.SignRequest(level=level, plan=plan))


SEAL_KEY = "org-seal"
_leader_signed: list[bytes] = []
_seal_rect_cache: list[int] = []


def _leader_pdf() -> bytes:
    if not _leader_signed:
        _leader_signed.append(ours("B-B"))
    return _leader_signed[0]


def _seal_rect() -> list[int]:
    """Where ours puts the seal (the stock baseline signs the same rectangle)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not _seal_rect_cache:
        sig = PdfFileReader(BytesIO(ours_seal()), strict=False).embedded_regular_signatures[-1]
        _seal_rect_cache.extend(int(float(v)) for v in sig.sig_field["/Rect"])
    return _seal_rect_cache


def ours_seal() -> bytes:
    """The organisation's signature after the leader's: the red seal over the left third of the leader's box."""
    loaded, key = _loaded_key(SEAL_KEY, settings.SIGNING_DEV_AGENCY_NAME)
    plan = services.appearance_plan(
        "seal", page=None, box=BOX, text_lines=None, signer_name="", seal_image=str(key.seal_image)
    )
    return _sign(_leader_pdf(), loaded, engine.SignRequest(level="B-B", plan=plan))


def _stock_sign(pdf: bytes, key, style, *, field: str, page: int, box: tuple, timestamper=None) -> bytes:
    """Stock pyHanko's signing of `pdf` into a new field, the key loaded from its PKCS#12 for this document."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12(str(key.p12_path), passphrase=key.password_path.read_bytes().strip())
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    out = BytesIO()
    signers.PdfSigner(
        meta,
        signer,
        timestamper=timestamper,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(field, on_page=page, box=box),
    ).sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), output=out)
    return out.getvalue()


def stock_seal() -> bytes:
    """Stock pyHanko: key loaded per document, the seal PNG as the background of a text stamp with no text."""
    from PIL import Image
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.stamp import TextStampStyle

    key = _pki().dev_key(SEAL_KEY)
    with Image.open(key.seal_image) as img:
        style = TextStampStyle(stamp_text="", background=PdfImage(img.convert("RGBA")), border_width=0)
        return _stock_sign(_leader_pdf(), key, style, field="Seal", page=1, box=tuple(_seal_rect()))


SYSTEM_KEY = "org-system"
DRAWN_BOX = (297.64, 90.0, 552.76, 190.0)
_drawn_pngs: list[bytes] = []
_counter = iter(range(10**9))


def _drawn_png(i: int) -> bytes:
    """A different drawn signature for every pledge (as each carrier draws their own); made before timing."""
    from signing.devpki import signature_png

    if not _drawn_pngs:
        _drawn_pngs.extend(signature_png(f"Nguyễn Văn Bình {k}") for k in range(64))
    return _drawn_pngs[i % 64]


def _drawn_lines(i: int) -> list[str]:
    return ["Ký điện tử, xác thực OTP", f"Người đại diện: Nguyễn Văn Bình {i % 64}", "Thời điểm: {time}"]


def ours_drawn() -> bytes:
    """The pledge path (`sign_simple`): a new drawn PNG, Vietnamese text lines, key org-system, B-B."""
    loaded, _key = _loaded_key(SYSTEM_KEY, "Hệ thống văn thư điện tử")
    i = next(_counter)
    # `sign_pdf` validates and encodes the caller's PNG in `_plan`, per signature: measured here too
    plan = services.appearance_plan(
        "text", page=0, box=DRAWN_BOX, text_lines=_drawn_lines(i), signer_name="", drawn_image=_drawn_png(i)
    )
    return _sign(PDF, loaded, engine.SignRequest(level="B-B", plan=plan, reason="Ký điện tử, xác thực OTP"))


def stock_drawn() -> bytes:
    """Stock pyHanko for the same stamp: key loaded per document, TTF text stamp with the PNG as its background."""
    from PIL import Image
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.images import PdfImage
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    key = _pki().dev_key(SYSTEM_KEY)
    i = next(_counter)
    lines = [line.replace("{time}", engine.signing_time_text()) for line in _drawn_lines(i)]
    with Image.open(BytesIO(_drawn_png(i))) as img:
        style = TextStampStyle(
            stamp_text="\n".join(lines),
            text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(settings.SIGNING_STAMP_FONT), font_size=10),
            background=PdfImage(img.convert("RGBA")),
        )
        return _stock_sign(PDF, key, style, field="Sig", page=0, box=tuple(int(v) for v in DRAWN_BOX))


def stock(level: str) -> bytes:
    """Stock pyHanko: key loaded per document, Vietnamese TTF text stamp, size-estimating dry run."""
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    style = TextStampStyle(
        stamp_text="Ký bởi: %(signer)s\nThời gian: %(ts)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(settings.SIGNING_STAMP_FONT)),
    )
    ts = services._timestamper() if level == "B-T" else None
    return _stock_sign(
        PDF, _pki().dev_key(KEY_ID), style, field="Sig", page=1, box=tuple(int(v) for v in BOX), timestamper=ts
    )


def validate_stock(data: bytes):
    """Stock pyHanko: a fresh reader, a validation context from the file's DSS, `validate_pdf_signature`."""
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    reader = PdfFileReader(BytesIO(data), strict=False)
    (sig,) = reader.embedded_regular_signatures
    roots = [x509.Certificate.load(r) for r in services.configured_trust_roots()]
    vc = DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": roots, "revocation_mode": "hard-fail", "allow_fetching": False}
    )
    status = validate_pdf_signature(sig, vc)
    assert status.bottom_line
    return status


def check_with_tools(name: str, data: bytes) -> None:
    """poppler's pdfsig says every signature is valid and `qpdf --check` is clean (when they are installed)."""
    import shutil
    import subprocess

    if not (shutil.which("pdfsig") and shutil.which("qpdf")):
        return
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["pdfsig", "-nocert", f.name], capture_output=True, text=True, timeout=60).stdout
        count = out.count("Signature #")
        assert count and out.count("Signature is Valid") == count, (name, out)
        qpdf = subprocess.run(["qpdf", "--check", f.name], capture_output=True, text=True, timeout=60)
        assert qpdf.returncode == 0, (name, qpdf.stdout)


def stock_timed(fn, n: int) -> Samples:
    """Baselines run with pyHanko/asn1crypto exactly as shipped (every patch of `signing.compat` switched off)."""
    from signing import compat

    compat.uninstall()
    try:
        return timed(fn, n)
    finally:
        compat.install()


class Samples(list):
    """Wall-clock milliseconds per run, with the process's CPU milliseconds per run in `cpu` (on a shared
    machine the wall clock also counts waiting for a core; CPU time is what the code costs)."""

    cpu: list[float]


def timed(fn, n: int) -> Samples:
    fn()  # warm-up (imports, caches, the validation worker)
    samples, samples.cpu = Samples(), []
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
        samples.cpu.append((time.process_time() - c) * 1000)
    return samples


CPU_MEDIANS: dict[str, float] = {}


def summary(case: str, samples: Samples, baseline: tuple[str, Samples] | None = None) -> dict:
    def p95(values):
        return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]

    row = {
        "case": case,
        "n": len(samples),
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(p95(samples), 3),
        "baseline_case": None,
        "baseline_median_ms": None,
        "speedup": None,
    }
    CPU_MEDIANS[case] = round(statistics.median(samples.cpu), 3)
    if baseline is not None:
        name, base = baseline
        CPU_MEDIANS[name] = round(statistics.median(base.cpu), 3)
        row["baseline_case"] = name
        row["baseline_median_ms"] = round(statistics.median(base), 3)
        row["speedup"] = round(statistics.median(base) / statistics.median(samples), 2)
    return row


SIGNERS = {
    "ours": lambda: ours("B-B"),
    "stock": lambda: stock("B-B"),
    "ours_drawn": lambda: ours_drawn(),
    "stock_drawn": lambda: stock_drawn(),
}


def _worker_sign(args: tuple[str, int]) -> int:
    kind, count = args
    fn = SIGNERS[kind]
    if kind.startswith("stock"):
        from signing import compat

        compat.uninstall()
    fn()
    for _ in range(count):
        fn()
    return count


def throughput(kind: str, per_worker: int) -> float:
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_worker_sign, [(kind, 1), (kind, 1)]))  # start and warm both workers
        t = time.perf_counter()
        done = sum(pool.map(_worker_sign, [(kind, per_worker), (kind, per_worker)]))
        return done / (time.perf_counter() - t)


class _RemoteProvider:
    """signing.devcsc (certomancer-csc-dummy with a PIN) in a child process on a free loopback port."""

    PIN = "24681357"
    CREDENTIAL = "csc-dev/bench"

    def __init__(self) -> None:
        import subprocess

        from signing import devcsc

        self.dir = devcsc.ensure(
            Path(tempfile.mkdtemp(prefix="vanthu-bench-csc-")),
            accounts=[
                devcsc.DevAccount(user_id="bench", common_name="Nguyễn Quang Huy", credentials=("bench",), pin=self.PIN)
            ],
            client_id="bench",
            client_secret="bench-secret",  # noqa: S106 - the throw-away dev provider of this run
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "signing.devcsc", str(self.dir)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.proc.stdout.readline()
        self.proc.stdout.close()
        assert line.startswith("READY "), line
        url = line.split()[1]
        self.root = devcsc.root_certificate_der(self.dir)
        self.provider = csc.CscProvider(
            name="bench",
            label="bench",
            base_url=url,
            auth="client_credentials",
            client_id="bench",
            client_secret="bench-secret",  # noqa: S106 - the throw-away dev provider of this run
        )
        from pyhanko.sign.timestamps import HTTPTimeStamper

        tsa = devcsc.tsa_url(url)
        self.env = engine.SignEnvironment(timestamper=lambda: HTTPTimeStamper(tsa, timeout=10), trust_roots=[self.root])

    def remote(self, count: int = 1) -> list[bytes]:
        requests = [engine.SignRequest(level="B-T") for _ in range(count)]
        return csc.sign_batch(
            [PDF] * count,
            requests=requests,
            provider=self.provider,
            credential_id=self.CREDENTIAL,
            pin=self.PIN,
            env=self.env,
        )

    def local(self) -> bytes:
        loaded, _key = _loaded_key(KEY_ID, "Nguyễn Quang Huy")
        return engine.sign_with_signer(
            PDF,
            signer=loaded.signer,
            chain_der=[loaded.certificate_der, *loaded.chain_der],
            request=engine.SignRequest(level="B-T"),
            env=self.env,
        )

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=30)
    args = parser.parse_args()
    n = args.n
    _pki()

    from signing.validation import ValidationOptions, validate_bytes

    # correctness first: every measured output validates (and poppler and qpdf accept it)
    outputs = {
        "bb_visible": ours("B-B"),
        "bt_visible": ours("B-T"),
        "bb_seal": ours_seal(),
        "bb_drawn_text_stamp": ours_drawn(),
        "bb_visible_stock": stock("B-B"),
        "bt_visible_stock": stock("B-T"),
        "bb_seal_stock": stock_seal(),
        "bb_drawn_text_stamp_stock": stock_drawn(),
    }
    for name, data in outputs.items():
        report = services.validate_pdf(data)
        assert report.indication == "TOTAL_PASSED", (name, report.to_dict())
        check_with_tools(name, data)
    key = _pki().dev_key(KEY_ID)
    blt = services.sign_pdf_with_pkcs12(
        PDF, pkcs12=key.p12_path.read_bytes(), password=key.password_path.read_bytes().strip(), level="B-LT"
    )
    assert services.validate_pdf(blt).indication == "TOTAL_PASSED"
    anchors, intermediates, labels = services.validation_trust()  # the trust store, as `validate_pdf` uses it
    options = ValidationOptions(
        trust_roots=anchors, intermediates=intermediates, labels=labels, dev_pki_dir=str(_pki().dir)
    )
    remote = _RemoteProvider()
    roots = [remote.root, *services.configured_trust_roots()]
    for name, data in (("csc_remote_bt", remote.remote()[0]), ("csc_local_bt", remote.local())):
        report = services.validate_pdf(data, trust_roots=roots)
        assert report.indication == "TOTAL_PASSED" and report.signatures[0].pades_level == "B-T", name
        check_with_tools(name, data)
    batch = remote.remote(10)
    assert all(services.validate_pdf(d, trust_roots=roots).indication == "TOTAL_PASSED" for d in batch)

    results = [
        summary(
            "bb_visible", timed(lambda: ours("B-B"), n), ("bb_visible_stock", stock_timed(lambda: stock("B-B"), n))
        ),
        summary(
            "bt_visible", timed(lambda: ours("B-T"), n), ("bt_visible_stock", stock_timed(lambda: stock("B-T"), n))
        ),
        summary("bb_seal", timed(ours_seal, n), ("bb_seal_stock", stock_timed(stock_seal, n))),
        summary(
            "bb_drawn_text_stamp",
            timed(ours_drawn, n),
            ("bb_drawn_text_stamp_stock", stock_timed(stock_drawn, n)),
        ),
        summary(
            "validate_blt",
            timed(lambda: services.validate_pdf(blt), n),
            ("validate_blt_stock", stock_timed(lambda: validate_stock(blt), n)),
        ),
        summary("validate_blt_in_process", timed(lambda: validate_bytes(blt, options), n)),
        summary("csc_remote_bt", timed(remote.remote, n), ("csc_local_bt", timed(remote.local, n))),
    ]
    per_doc = timed(lambda: remote.remote(10), max(3, n // 5))
    per_doc[:] = [v / 10 for v in per_doc]
    per_doc.cpu = [v / 10 for v in per_doc.cpu]
    results.append(summary("csc_remote_bt_batch10", per_doc))
    remote.stop()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    private = _loaded_key(KEY_ID, "Nguyễn Quang Huy")[0].signer.signing_key
    from cryptography.hazmat.primitives.serialization import load_der_private_key

    rsa_key = load_der_private_key(private.dump(), password=None)
    results.append(
        summary("raw_rsa_sign", timed(lambda: rsa_key.sign(b"x" * 32, padding.PKCS1v15(), hashes.SHA256()), n * 10))
    )

    per_worker = max(10, n)
    ours_rate = throughput("ours", per_worker)
    stock_rate = throughput("stock", max(5, per_worker // 3))
    drawn_rate = throughput("ours_drawn", per_worker)
    stock_drawn_rate = throughput("stock_drawn", max(5, per_worker // 3))
    for row in results:
        print(
            f"{row['case']:>24}: median {row['median_ms']:8.2f} ms  p95 {row['p95_ms']:8.2f} ms"
            f"  (CPU {CPU_MEDIANS[row['case']]:.2f} ms)"
            + (
                f"  vs {row['baseline_case']} {row['baseline_median_ms']:.2f} ms (x{row['speedup']})"
                if row["baseline_case"]
                else ""
            )
        )
    print(f"throughput with 2 workers: {ours_rate:.1f} signatures/s (stock {stock_rate:.1f}/s)")
    print(f"pledge signatures with 2 workers: {drawn_rate:.1f}/s (stock {stock_drawn_rate:.1f}/s)")
    print(
        json.dumps(
            {
                "benchmark": "signing",
                "results": results,
                "throughput_2_workers_sig_per_s": round(ours_rate, 1),
                "throughput_2_workers_stock_sig_per_s": round(stock_rate, 1),
                "throughput_speedup": round(ours_rate / stock_rate, 2),
                "throughput_2_workers_drawn_text_stamp_sig_per_s": round(drawn_rate, 1),
                "throughput_2_workers_drawn_text_stamp_stock_sig_per_s": round(stock_drawn_rate, 1),
                "cpu_median_ms": CPU_MEDIANS,
                "load_average": [round(v, 2) for v in os.getloadavg()],
            }
        )
    )
    services._isolated().close()


if __name__ == "__main__":
    main()
