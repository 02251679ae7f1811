"""The development TSA: pyHanko's in-process RFC 3161 time-stamper, with its key parsed once, not per token."""

from __future__ import annotations

from asn1crypto import cms, core
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

__all__ = ["DevTimeStamper"]


class DevTimeStamper(DummyTimeStamper):
    _pyca_key: RSAPrivateKey | None = None

    def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str, dt) -> tuple[bytes, cms.CMSAttributes]:
        # same attributes as DummyTimeStamper._sign_tst_info (pyHanko 0.38)
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        signed_attrs = cms.CMSAttributes(
            [
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
                simple_cms_attribute("message_digest", md.finalize()),
            ]
        )
        if self._pyca_key is None:
            key = serialization.load_der_private_key(self.tsa_key.dump(), password=None)
            if not isinstance(key, RSAPrivateKey):
                raise NotImplementedError("the development TSA is RSA-only")
            self._pyca_key = key
        signature = self._pyca_key.sign(
            signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm.upper())
        )
        return signature, signed_attrs
