"""Authentication: x509 client certificates signed by the cluster CA (CN = user, O = groups) and bearer tokens.

Mirrors apiserver/pkg/authentication: a union of authenticators; anonymous requests are refused (401), as with
`--anonymous-auth=false`.

A cluster CA is one of two kinds. The lesson CA of the embedded cluster (`CertificateAuthority(seed)`) derives its
keys from the seed and dates its certificates from the virtual epoch, so a lesson's kubeconfig is the same bytes on
every run; anyone who knows the seed can forge its certificates. The CA of a served cluster
(`CertificateAuthority.generate()`, kept on disk by `ClusterDirectory`) has a random key and dates certificates on
the real clock with kubeadm's lifetimes, because the real kubectl checks them against the real clock.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import ipaddress
import os
import secrets
import string
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..objects import EPOCH

# cmd/kubeadm/app/constants/constants.go: CertificateBackdate, CertificateValidityPeriod, CACertificateValidityPeriod
CERTIFICATE_BACKDATE = _dt.timedelta(minutes=5)
CERTIFICATE_VALIDITY = _dt.timedelta(days=365)
CA_CERTIFICATE_VALIDITY = _dt.timedelta(days=365 * 10)
_EPOCH_SECONDS = EPOCH.timestamp()
#: the bootstrap-token alphabet (kubeadm's `[a-z0-9]{6}.[a-z0-9]{16}`), for the served cluster's random tokens
TOKEN_ALPHABET = string.ascii_lowercase + string.digits


class CAError(ValueError):
    """A cluster directory's CA that cannot be used (missing, unreadable, mismatched or expired)."""


@dataclass(frozen=True)
class UserInfo:
    """user.Info: the name and groups the rest of the pipeline sees."""

    name: str
    groups: tuple[str, ...] = ()
    method: str = ""          # how it was proven: "x509 client certificate" or "bearer token"
    # user.Info.GetExtra() as (key, values) pairs; not part of equality (an identity is its name, groups and method)
    extra: tuple[tuple[str, tuple[str, ...]], ...] = field(default=(), compare=False)

    def facts(self) -> dict:
        """Who was authenticated and how, for the trace: `by` (x509, token) names the sentence (`authn:<by>`), and
        a certificate's organizations (its groups) are kept."""
        if self.method.startswith("x509"):
            return {"by": "x509", "user": self.name,
                    "orgs": [g for g in self.groups if g != "system:authenticated"]}
        return {"by": "token", "user": self.name}


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


def _real_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _random_serial() -> int:
    """A uniform serial in [1, MaxInt64), as kubeadm's pkiutil.NewSignedCert draws it."""
    return secrets.randbelow(2**63 - 2) + 1


def random_token() -> str:
    """A fresh bearer token shaped like a kubeadm bootstrap token (6 + 16 characters of [a-z0-9]), from `secrets`."""
    pick = lambda n: "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(n))  # noqa: E731
    return f"{pick(6)}.{pick(16)}"


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    """KeyEncipherment | DigitalSignature (| CertSign for a CA), as kubeadm sets them."""
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=True,
                         data_encipherment=False, key_agreement=False, key_cert_sign=cert_sign, crl_sign=False,
                         encipher_only=False, decipher_only=False)


class CertificateAuthority:
    """The cluster CA (`kubernetes`), as kubeadm makes it: it signs every client certificate and the serving one.

    `CertificateAuthority(seed)` is a lesson CA (keys from the seed, certificates dated from the virtual epoch and
    signed deterministically: same seed, same bytes); `real_clock=True` dates them on the real clock instead;
    `generate()` makes a CA with a random key on the real clock, `read()` loads one that `write()` stored."""

    NAME = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])

    def __init__(self, seed: int | None = None, *, real_clock: bool = False,
                 key: ec.EllipticCurvePrivateKey | None = None, cert: x509.Certificate | None = None,
                 virtual_now: Callable[[], float] | None = None):
        self.seed = seed
        #: virtual seconds since EPOCH, against which the certificates dated from the virtual epoch are checked
        self.virtual_now: Callable[[], float] = virtual_now or (lambda: 0.0)
        self._serial = 1
        self._virtual_serials: set[int] = set()
        if key is None:
            key = _derive_key(seed, "ca") if seed is not None else ec.generate_private_key(ec.SECP256R1())
        self.key = key
        self.real_clock = real_clock or cert is not None
        if cert is not None:
            self.cert = cert
        elif self.real_clock:
            self.cert = self._real_ca_cert()
        else:
            self._virtual_serials.add(1)
            self.cert = (x509.CertificateBuilder().subject_name(self.NAME).issuer_name(self.NAME)
                         .public_key(key.public_key()).serial_number(1)
                         .not_valid_before(EPOCH - _dt.timedelta(days=1))
                         .not_valid_after(EPOCH + _dt.timedelta(days=3650))
                         .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                         .sign(key, hashes.SHA256(), ecdsa_deterministic=True))

    @classmethod
    def generate(cls) -> CertificateAuthority:
        """A new CA with a random key, dated on the real clock (kubeadm init's `ca`)."""
        return cls(real_clock=True)

    @property
    def seeded(self) -> bool:
        """Whether the keys derive from the seed: then anyone who knows the seed can forge this CA's certificates."""
        return self.seed is not None

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def _real_ca_cert(self) -> x509.Certificate:
        """client-go certutil.NewSelfSignedCACert as kubeadm's pkiutil.NewCertificateAuthority calls it: NotBefore
        backdated by CertificateBackdate, valid CACertificateValidityPeriod from now."""
        now = _real_now()
        return (x509.CertificateBuilder().subject_name(self.NAME).issuer_name(self.NAME)
                .public_key(self.key.public_key()).serial_number(_random_serial())
                .not_valid_before(now - CERTIFICATE_BACKDATE).not_valid_after(now + CA_CERTIFICATE_VALIDITY)
                .add_extension(_key_usage(cert_sign=True), critical=True)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
                .sign(self.key, hashes.SHA256(), ecdsa_deterministic=True))

    def use_real_clock(self) -> None:
        """Date certificates on the real clock from now on, for serving a lesson CA's cluster to real clients: the
        CA certificate is remade for the same key and name, so the certificates issued before still verify."""
        if not self.real_clock:
            self.real_clock = True
            self.cert = self._real_ca_cert()

    def issue(self, user: str, groups: tuple[str, ...] = (), *, server_names: tuple[str, ...] = ()
              ) -> tuple[bytes, bytes]:
        """A certificate with CN=user and one O per group (or a serving certificate for `server_names`)."""
        key = _derive_key(self.seed, f"cert/{user}") if self.seed is not None else \
            ec.generate_private_key(ec.SECP256R1())
        attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, g) for g in groups]
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, user))
        builder = (x509.CertificateBuilder().subject_name(x509.Name(attrs)).issuer_name(self.cert.subject)
                   .public_key(key.public_key()))
        if self.real_clock:
            # kubeadm pkiutil.NewSignedCert: random serial, NotBefore = the CA's NotBefore, one year from now,
            # ClientAuth or ServerAuth usage
            usage = ExtendedKeyUsageOID.SERVER_AUTH if server_names else ExtendedKeyUsageOID.CLIENT_AUTH
            builder = (builder.serial_number(_random_serial())
                       .not_valid_before(self.cert.not_valid_before_utc)
                       .not_valid_after(_real_now() + CERTIFICATE_VALIDITY)
                       .add_extension(_key_usage(cert_sign=False), critical=True)
                       .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
                       .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                       .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                                      critical=False))
        else:
            self._serial += 1
            self._virtual_serials.add(self._serial)
            builder = (builder.serial_number(self._serial)
                       .not_valid_before(EPOCH - _dt.timedelta(days=1))
                       .not_valid_after(EPOCH + _dt.timedelta(days=365)))
        if server_names:
            alt: list[x509.GeneralName] = []
            for n in server_names:
                try:
                    alt.append(x509.IPAddress(ipaddress.ip_address(n)))
                except ValueError:
                    alt.append(x509.DNSName(n))
            builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
        cert = builder.sign(self.key, hashes.SHA256(), ecdsa_deterministic=True)   # same seed, same bytes
        return cert.public_bytes(serialization.Encoding.PEM), _pem_key(key)

    def clock_for(self, cert: x509.Certificate) -> Callable[[], float]:
        """The clock (POSIX seconds) a certificate of this CA is checked against: the virtual one for those dated
        from the virtual epoch (the simulation's own), the real one for those dated on it (what real clients hold)."""
        if cert.serial_number in self._virtual_serials:
            return self._virtual_posix_now
        return time.time

    def _virtual_posix_now(self) -> float:
        """POSIX seconds on the virtual clock (a bound method, not a closure, so a copied cluster reads its own)."""
        return _EPOCH_SECONDS + self.virtual_now()

    # --- on disk, as kubeadm keeps /etc/kubernetes/pki ---------------------------------------------------------

    def write(self, directory: str | Path) -> None:
        """Store ca.crt (0644) and ca.key (0600, created with that mode: never readable by others)."""
        d = Path(directory)
        fd = os.open(d / "ca.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(_pem_key(self.key))
        (d / "ca.crt").write_bytes(self.cert_pem)
        (d / "ca.crt").chmod(0o644)

    @classmethod
    def read(cls, directory: str | Path) -> CertificateAuthority:
        """Load ca.crt and ca.key; CAError if they are missing, unreadable, of two different keys, or not valid now."""
        d = Path(directory)
        try:
            cert = x509.load_pem_x509_certificate((d / "ca.crt").read_bytes())
            key = serialization.load_pem_private_key((d / "ca.key").read_bytes(), password=None)
        except (OSError, ValueError) as err:
            raise CAError(f"cannot read the cluster CA in {d}: {err}") from err
        if not isinstance(key, ec.EllipticCurvePrivateKey) or \
                key.public_key().public_numbers() != cert.public_key().public_numbers():
            raise CAError(f"{d / 'ca.key'} is not the key of {d / 'ca.crt'}")
        now = _real_now()
        if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
            raise CAError(f"the cluster CA {d / 'ca.crt'} is valid from {cert.not_valid_before_utc:%Y-%m-%d %H:%M} "
                          f"to {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC, not now; move {d} away to make a "
                          "new one")
        return cls(key=key, cert=cert)


class ClusterDirectory:
    """A served cluster's own credentials on disk, laid out like kubeadm's /etc/kubernetes: pki/ca.crt and
    pki/ca.key (0600) in a 0700 pki/, and tokens.csv (kube-apiserver's --token-auth-file format, 0600). Made on
    first use and reused after, so a kubeconfig written earlier keeps working."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.pki = self.path / "pki"
        self.tokens_file = self.path / "tokens.csv"
        self.created = False

    def ca(self) -> CertificateAuthority:
        """The directory's CA: read, or generated now. A new pki/ is written in a temporary directory and renamed
        into place, so two servers starting at once in one directory agree on one CA."""
        if not self.pki.exists():
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
            ca = CertificateAuthority.generate()
            tmp = Path(tempfile.mkdtemp(prefix=".pki-", dir=self.path))      # mode 0700
            ca.write(tmp)
            try:
                os.rename(tmp, self.pki)
                self.created = True
                return ca
            except OSError:                 # another server made pki/ first: use its CA
                for f in tmp.iterdir():
                    f.unlink()
                tmp.rmdir()
        return CertificateAuthority.read(self.pki)

    def tokens(self) -> dict[str, str]:
        """user -> token from tokens.csv (token,user,uid,"group1,group2" per line), or {} before the first start."""
        try:
            text = self.tokens_file.read_text()
        except FileNotFoundError:
            return {}
        return {row[1]: row[0] for row in csv.reader(io.StringIO(text)) if len(row) >= 3}

    def save_tokens(self, tokens: dict[str, UserInfo]) -> None:
        """Write the static token file an Authenticator accepts (`authn.tokens`) to tokens.csv, 0600 and replaced
        whole, unless it already holds just that."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for token, info in tokens.items():
            groups = ",".join(g for g in info.groups if g != "system:authenticated")
            writer.writerow([token, info.name, info.name, *([groups] if groups else [])])
        if self.tokens_file.exists() and self.tokens_file.read_text() == buf.getvalue():
            return
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path)         # mode 0600
        with os.fdopen(fd, "w") as f:
            f.write(buf.getvalue())
        os.replace(tmp, self.tokens_file)


@dataclass(frozen=True)
class _Verified:
    """A certificate that verified against the CA: its user, validity period (POSIX seconds) and clock."""

    user: UserInfo
    not_before: float
    not_after: float
    clock: Callable[[], float]


class Authenticator:
    """The union authenticator: client certificate first, then the static token file."""

    def __init__(self, ca: CertificateAuthority):
        self.ca = ca
        self.tokens: dict[str, UserInfo] = {}
        # service account tokens (the controllers'), kept apart from the static token file serve saves
        self.service_account_tokens: dict[str, UserInfo] = {}
        self._verified: dict[bytes, _Verified] = {}

    def add_token(self, token: str, user: str, groups: tuple[str, ...] = ()) -> None:
        self.tokens[token] = UserInfo(user, (*groups, "system:authenticated"), "bearer token")

    def add_service_account_token(self, token: str, namespace: str, name: str) -> None:
        """A token the serviceaccount authenticator accepts as system:serviceaccount:<namespace>:<name> with its
        groups (pkg/serviceaccount/util.go); a random string where the real one is a signed JWT."""
        groups = ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated")
        self.service_account_tokens[token] = UserInfo(f"system:serviceaccount:{namespace}:{name}", groups,
                                                      "bearer token")

    def authenticate(self, creds: Credentials | None) -> UserInfo | None:
        """The user behind the credentials, or None (the API server then answers 401 Unauthorized)."""
        if creds is None:
            return None
        if creds.cert_pem:
            verified = self._verified.get(creds.cert_pem)
            if verified is None:
                verified = self._verify_cert(creds.cert_pem)
                if verified is None:
                    return None
                self._verified[creds.cert_pem] = verified
            # the validity period is checked on every request (apiserver/pkg/authentication/request/x509/x509.go:
            # AuthenticateRequest verifies the chain at the current time), on the clock the certificate was dated on
            if not verified.not_before <= verified.clock() <= verified.not_after:
                return None
            return verified.user
        if creds.token:
            return self.tokens.get(creds.token) or self.service_account_tokens.get(creds.token)
        return None

    def _verify_cert(self, pem: bytes) -> _Verified | None:
        try:
            cert = x509.load_pem_x509_certificate(pem)
            cert.verify_directly_issued_by(self.ca.cert)
        except Exception:
            return None
        try:      # x509.go DefaultVerifyOptions: KeyUsages ClientAuth; a certificate for other uses is refused
            usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
            if ExtendedKeyUsageOID.CLIENT_AUTH not in usages and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE \
                    not in usages:
                return None
        except x509.ExtensionNotFound:
            pass
        cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if not cn:
            return None
        groups = tuple(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
        # the x509 authenticator names the credential by its fingerprint (user.CredentialIDKey, "X509SHA256=")
        fingerprint = "X509SHA256=" + cert.fingerprint(hashes.SHA256()).hex()
        user = UserInfo(str(cn[0].value), (*groups, "system:authenticated"), "x509 client certificate",
                        (("authentication.kubernetes.io/credential-id", (fingerprint,)),))
        return _Verified(user, cert.not_valid_before_utc.timestamp(), cert.not_valid_after_utc.timestamp(),
                         self.ca.clock_for(cert))
