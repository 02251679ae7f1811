"""The development PKI: a root CA, a carrier CA, a TSA, organisation and leader keys, revocation answers.

Plain files in one directory (`settings.SIGNING_DEV_PKI_DIR`, `var/pki/` by default); never used under production
settings. Certificates carry OCSP/CRL URLs under `<base_url>/xac-thuc/pki/`; the app answers those itself
(`signing.views`) and, in-process, `signing.revocation` builds the same answers without any network.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "DevKey",
    "DevPki",
    "issue_carrier_certificate",
]

# Liberation 2.x has the precomposed Vietnamese letters (U+1EA0-1EF9); 1.x does not.
FONT_DIR = Path("/usr/share/fonts/truetype/liberation2")
VALIDITY = dt.timedelta(days=3650)
ROOT_NAME = "vanthu Dev Root CA"
CARRIER_CA_NAME = "vanthu Dev Carrier CA"


@dataclass(frozen=True)
class DevKey:
    """One development signing key: where its PKCS#12 and password live, and its images."""

    key_id: str
    common_name: str
    p12_path: Path
    password_path: Path
    signature_image: Path | None = None
    seal_image: Path | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _write_atomic(path: Path, data: bytes, *, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    tmp.write_bytes(data)
    if private:
        tmp.chmod(0o600)
    tmp.replace(path)


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _fit(value: str, limit: int = 64) -> str:
    """X.520 caps CN/O at 64 characters, and cryptography counts UTF-8 bytes: cut on a character boundary."""
    while len(value.encode()) > limit:
        value = value[:-1]
    return value.strip()


def _name(common_name: str, *, organisation: str = "", uid: str = "", email: str = "") -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if organisation:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, _fit(organisation)))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, _fit(common_name)))
    if uid:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, uid))
    if email:
        attrs.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, email))
    return x509.Name(attrs)


class DevPki:
    """A development PKI rooted in `directory`. `ensure()` creates whatever is missing (idempotent)."""

    def __init__(self, directory: Path | str, *, base_url: str = "http://127.0.0.1:8000", agency: str = ""):
        self.dir = Path(directory)
        self.base_url = base_url.rstrip("/")
        self.agency = agency or "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"

    # --- paths -----------------------------------------------------------------------------------
    def cert_path(self, name: str) -> Path:
        return self.dir / "ca" / f"{name}.crt.pem"

    def key_path(self, name: str) -> Path:
        return self.dir / "ca" / f"{name}.key.pem"

    @property
    def revoked_path(self) -> Path:
        return self.dir / "revoked.json"

    def ocsp_url(self) -> str:
        return f"{self.base_url}/xac-thuc/pki/ocsp/"

    def crl_url(self, ca: str) -> str:
        return f"{self.base_url}/xac-thuc/pki/crl/{ca}.crl"

    def ca_issuer_url(self, ca: str) -> str:
        return f"{self.base_url}/xac-thuc/pki/ca/{ca}.crt"

    def tsa_url(self) -> str:
        return f"{self.base_url}/xac-thuc/pki/tsa/"

    # --- loading ---------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.cert_path("root").exists() and self.cert_path("tsa").exists()

    def load_cert(self, name: str) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_path(name).read_bytes())

    def load_key(self, name: str) -> rsa.RSAPrivateKey:
        key = serialization.load_pem_private_key(self.key_path(name).read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key

    def ca_names(self) -> list[str]:
        return ["root", "carrier-ca"]

    def root_der(self) -> bytes:
        return self.ca_cert_der("root")

    def ca_cert_der(self, name: str) -> bytes:
        return self.load_cert(name).public_bytes(serialization.Encoding.DER)

    def revoked(self) -> dict[int, str]:
        if not self.revoked_path.exists():
            return {}
        return {int(k): v for k, v in json.loads(self.revoked_path.read_text()).items()}

    def revoke(self, serial: int, *, when: dt.datetime | None = None) -> None:
        """Mark a certificate serial as revoked (development only)."""
        data = {str(k): v for k, v in self.revoked().items()}
        data[str(serial)] = (when or _now()).isoformat()
        _write_atomic(self.revoked_path, json.dumps(data).encode())

    # --- issuing ---------------------------------------------------------------------------------
    def _issue(
        self,
        *,
        subject: x509.Name,
        public_key,
        issuer: str | None,
        ca: bool = False,
        path_length: int | None = None,
        eku: list | None = None,
        key_usage: str = "sign",
        not_after: dt.datetime | None = None,
    ) -> x509.Certificate:
        now = _now()
        if issuer is None:
            issuer_name, issuer_key, aki_key = subject, None, public_key
        else:
            issuer_cert = self.load_cert(issuer)
            issuer_name, issuer_key, aki_key = issuer_cert.subject, self.load_key(issuer), issuer_cert.public_key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(not_after or now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(aki_key), critical=False)
        )
        if ca:
            usage = {"key_cert_sign": True, "crl_sign": True, "digital_signature": True}
        elif key_usage == "tsa":
            usage = {"digital_signature": True}
        else:
            usage = {"digital_signature": True, "content_commitment": True}
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=usage.get("digital_signature", False),
                content_commitment=usage.get("content_commitment", False),
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=usage.get("key_cert_sign", False),
                crl_sign=usage.get("crl_sign", False),
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        if eku:
            builder = builder.add_extension(x509.ExtendedKeyUsage(eku), critical=key_usage == "tsa")
        if issuer is not None:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            x509.AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(self.ocsp_url())
                        ),
                        x509.AccessDescription(
                            x509.AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(self.ca_issuer_url(issuer)),
                        ),
                    ]
                ),
                critical=False,
            ).add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(self.crl_url(issuer))],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
        signing_key = issuer_key if issuer_key is not None else self._pending_root_key
        return builder.sign(signing_key, hashes.SHA256())

    def _make_ca(self, name: str, common_name: str, issuer: str | None) -> None:
        if self.cert_path(name).exists():
            return
        key = _new_key()
        self._pending_root_key = key
        cert = self._issue(
            subject=_name(common_name, organisation="vanthu development PKI"),
            public_key=key.public_key(),
            issuer=issuer,
            ca=True,
            path_length=None if issuer is None else 0,
        )
        _write_atomic(
            self.key_path(name),
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            private=True,
        )
        _write_atomic(self.cert_path(name), cert.public_bytes(serialization.Encoding.PEM))

    def _make_tsa(self) -> None:
        if self.cert_path("tsa").exists():
            return
        key = _new_key()
        cert = self._issue(
            subject=_name("vanthu Dev TSA", organisation="vanthu development PKI"),
            public_key=key.public_key(),
            issuer="root",
            eku=[ExtendedKeyUsageOID.TIME_STAMPING],
            key_usage="tsa",
        )
        _write_atomic(
            self.key_path("tsa"),
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ),
            private=True,
        )
        _write_atomic(self.cert_path("tsa"), cert.public_bytes(serialization.Encoding.PEM))

    def issue_pkcs12(
        self,
        *,
        common_name: str,
        organisation: str = "",
        uid: str = "",
        email: str = "",
        issuer: str = "root",
        password: bytes | None = None,
        not_after: dt.datetime | None = None,
    ) -> tuple[bytes, bytes]:
        """A fresh key and certificate under `issuer`, as (PKCS#12 bytes, password); chain included.
        `not_after` shortens its life (tests of certificates that expire after signing)."""
        key = _new_key()
        cert = self._issue(
            subject=_name(common_name, organisation=organisation, uid=uid, email=email),
            public_key=key.public_key(),
            issuer=issuer,
            eku=[ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH],
            not_after=not_after,
        )
        chain = [self.load_cert(issuer)] + ([self.load_cert("root")] if issuer != "root" else [])
        password = password or secrets.token_urlsafe(18).encode()
        data = pkcs12.serialize_key_and_certificates(
            name=common_name.encode(),
            key=key,
            cert=cert,
            cas=chain,
            encryption_algorithm=serialization.BestAvailableEncryption(password),
        )
        return data, password

    def dev_key(self, key_id: str) -> DevKey:
        images = self.dir / "images"
        return DevKey(
            key_id=key_id,
            common_name="",
            p12_path=self.dir / "keys" / f"{key_id}.p12",
            password_path=self.dir / "keys" / f"{key_id}.pass",
            signature_image=images / f"{key_id}-signature.png",
            seal_image=images / "seal.png",
        )

    def ensure_key(
        self, key_id: str, *, common_name: str, organisation: str = "", uid: str = "", signature_text: str = ""
    ) -> DevKey:
        """Create `keys/<key_id>.p12` (+ `.pass`) and its signature image unless present."""
        key = self.dev_key(key_id)
        if not key.p12_path.exists():
            data, password = self.issue_pkcs12(common_name=common_name, organisation=organisation, uid=uid)
            _write_atomic(key.password_path, password, private=True)
            _write_atomic(key.p12_path, data, private=True)
        if key.signature_image and not key.signature_image.exists():
            _write_atomic(key.signature_image, signature_png(signature_text or common_name))
        return DevKey(**{**key.__dict__, "common_name": common_name})

    def ensure(self) -> None:
        """Root CA, carrier CA, TSA and the seal image; keys are added with `ensure_key`."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self._make_ca("root", ROOT_NAME, None)
        self._make_ca("carrier-ca", CARRIER_CA_NAME, "root")
        self._make_tsa()
        seal = self.dir / "images" / "seal.png"
        if not seal.exists():
            _write_atomic(seal, seal_png(self.agency))


def issue_carrier_certificate(
    *,
    name: str,
    tax_code: str,
    email: str = "",
    directory: Path | str | None = None,
    password: bytes | None = None,
) -> tuple[bytes, bytes]:
    """A certificate for a demo business (subject UID `MST:<tax_code>`), by the carrier CA: (PKCS#12, password)."""
    from django.conf import settings

    pki = DevPki(directory or settings.SIGNING_DEV_PKI_DIR, base_url=settings.SITE_URL)
    pki.ensure()
    return pki.issue_pkcs12(
        common_name=name, organisation=name, uid=f"MST:{tax_code}", email=email, issuer="carrier-ca", password=password
    )


# --- images ----------------------------------------------------------------------------------------
def signature_png(text: str) -> bytes:
    """A blue handwritten-looking signature on a transparent background (development stand-in)."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    width, height = 600, 240
    img = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    blue = (18, 45, 160, 255)
    last = text.split()[-1] if text.split() else text
    font = ImageFont.truetype(str(FONT_DIR / "LiberationSerif-Italic.ttf"), 120)
    draw.text((60, 20), last, font=font, fill=blue)
    points = [(40 + i * 5, 190 - 30 * math.sin(i / 14) - i * 0.2) for i in range(105)]
    draw.line(points, fill=blue, width=6, joint="curve")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def seal_png(agency: str, *, size: int = 600) -> bytes:
    """A red round seal: agency name around the ring, a star in the middle, transparent background."""
    import io

    from PIL import Image, ImageDraw, ImageFont

    red = (210, 20, 30, 235)
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    c = size / 2
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    draw.ellipse((size * 0.22, size * 0.22, size * 0.78, size * 0.78), outline=red, width=6)
    star = []
    for i in range(10):
        r = size * 0.17 if i % 2 == 0 else size * 0.07
        a = -math.pi / 2 + i * math.pi / 5
        star.append((c + r * math.cos(a), c + r * math.sin(a)))
    draw.polygon(star, fill=red)
    text = f"{agency.upper()} • "
    radius = size * 0.39
    # letters as large as the ring allows (about 0.62 em per capital in Liberation Sans Bold)
    font_px = int(min(size * 0.085, 2 * math.pi * radius / (len(text) * 0.66)))
    font = ImageFont.truetype(str(FONT_DIR / "LiberationSans-Bold.ttf"), max(14, font_px))
    step = 2 * math.pi / max(len(text), 1)
    for i, ch in enumerate(text):
        angle = -math.pi / 2 + i * step
        glyph = Image.new("RGBA", (80, 80), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((40, 40), ch, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle + math.pi / 2), resample=Image.Resampling.BICUBIC)
        x = c + radius * math.cos(angle) - 40
        y = c + radius * math.sin(angle) - 40
        img.alpha_composite(glyph, (int(x), int(y)))
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=True)
    return out.getvalue()


def read_password(path: Path) -> bytes:
    return path.read_bytes().strip()
