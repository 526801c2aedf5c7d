"""Authentication: x509 client certificates signed by the cluster CA (CN = user, O = groups) and bearer tokens.

Mirrors apiserver/pkg/authentication: a union of authenticators; anonymous requests are refused (401), as with
`--anonymous-auth=false`. Keys are derived from the cluster seed so a cluster's certificates are reproducible.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ..objects import EPOCH


@dataclass(frozen=True)
class UserInfo:
    """user.Info: the name and groups the rest of the pipeline sees."""

    name: str
    groups: tuple[str, ...] = ()
    method: str = ""          # how it was proven: "x509 client certificate" or "bearer token"
    # user.Info.GetExtra() as (key, values) pairs; not part of equality (an identity is its name, groups and method)
    extra: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), compare=False)

    def describe(self) -> str:
        if self.method.startswith("x509"):
            org = ", ".join(f"O={g}" for g in self.groups if g != "system:authenticated")
            return f'"{self.name}" by x509 client certificate (CN={self.name}{", " + org if org else ""})'
        return f'"{self.name}" by bearer token'


@dataclass(frozen=True)
class Credentials:
    """What a client presents: a client certificate (PEM) and key, or a bearer token, or nothing."""

    cert_pem: bytes | None = None
    key_pem: bytes | None = None
    token: str | None = None

    @property
    def kind(self) -> str:
        return "x509" if self.cert_pem else "token" if self.token else "none"


def _derive_key(seed: int, label: str) -> ec.EllipticCurvePrivateKey:
    digest = hashlib.sha256(f"kubeteach/{seed}/{label}".encode()).digest()
    return ec.derive_private_key(int.from_bytes(digest, "big") % (2**255), ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@dataclass
class CertificateAuthority:
    """The cluster CA (`kubernetes`), as kubeadm makes it: it signs every client certificate."""

    seed: int
    key: ec.EllipticCurvePrivateKey = field(init=False)
    cert: x509.Certificate = field(init=False)
    _serial: int = field(default=1, init=False)

    def __post_init__(self) -> None:
        self.key = _derive_key(self.seed, "ca")
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
        self.cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                     .public_key(self.key.public_key()).serial_number(1)
                     .not_valid_before(EPOCH - _dt.timedelta(days=1))
                     .not_valid_after(EPOCH + _dt.timedelta(days=3650))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256(), ecdsa_deterministic=True))

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def issue(self, user: str, groups: tuple[str, ...] = (), *, server_names: tuple[str, ...] = ()
              ) -> tuple[bytes, bytes]:
        """A certificate with CN=user and one O per group (or a serving certificate for `server_names`)."""
        key = _derive_key(self.seed, f"cert/{user}")
        self._serial += 1
        attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, user))
        builder = (x509.CertificateBuilder().subject_name(x509.Name(attrs)).issuer_name(self.cert.subject)
                   .public_key(key.public_key()).serial_number(self._serial)
                   .not_valid_before(EPOCH - _dt.timedelta(days=1))
                   .not_valid_after(EPOCH + _dt.timedelta(days=365)))
        if server_names:
            import ipaddress

            alt: list[x509.GeneralName] = []
            for n in server_names:
                try:
                    alt.append(x509.IPAddress(ipaddress.ip_address(n)))
                except ValueError:
                    alt.append(x509.DNSName(n))
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        cert = builder.sign(self.key, hashes.SHA256(), ecdsa_deterministic=True)   # same seed, same bytes
        return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)


class Authenticator:
    """The union authenticator: client certificate first, then the static token file."""

    def __init__(self, ca: CertificateAuthority):
        self.ca = ca
        self.tokens: dict[str, UserInfo] = {}
        self._verified: dict[bytes, UserInfo | None] = {}

    def add_token(self, token: str, user: str, groups: tuple[str, ...] = ()) -> None:
        self.tokens[token] = UserInfo(user, (*groups, "system:authenticated"), "bearer token")

    def authenticate(self, creds: Credentials | None) -> UserInfo | None:
        """The user behind the credentials, or None (the API server then answers 401 Unauthorized)."""
        if creds is None:
            return None
        if creds.cert_pem:
            if creds.cert_pem not in self._verified:
                self._verified[creds.cert_pem] = self._verify_cert(creds.cert_pem)
            return self._verified[creds.cert_pem]
        if creds.token:
            return self.tokens.get(creds.token)
        return None

    def _verify_cert(self, pem: bytes) -> UserInfo | None:
        try:
            cert = x509.load_pem_x509_certificate(pem)
            cert.verify_directly_issued_by(self.ca.cert)
        except Exception:
            return None
        cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not cn:
            return None
        groups = tuple(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
        # the x509 authenticator names the credential by its fingerprint (user.CredentialIDKey, "X509SHA256=")
        fingerprint = "X509SHA256=" + cert.fingerprint(hashes.SHA256()).hex()
        return UserInfo(str(cn[0].value), (*groups, "system:authenticated"), "x509 client certificate",
                        (("authentication.kubernetes.io/credential-id", (fingerprint,)),))
