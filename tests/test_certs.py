"""Certificates and credentials of `kubeteach serve` (issue #13, items 1 and 11): every certificate a real client
sees is dated on the real clock with kubeadm's lifetimes; the served cluster's CA, client keys and tokens are its
own (kept in --dir), not derived from the seed; a seed-derived CA stays on loopback, with a warning.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import os
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from conftest import KUBECTL, serve_cli
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

from kubeteach.apiserver import APIError, Credentials
from kubeteach.apiserver.authentication import CertificateAuthority, ClusterDirectory
from kubeteach.client import Client
from kubeteach.cluster import Cluster
from kubeteach.objects import EPOCH
from kubeteach.server import Server
from kubeteach.server.command import is_loopback

YEAR = dt.timedelta(days=365)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@contextmanager
def _served(cluster: Cluster, kubeconfig: Path, address: str = "127.0.0.1") -> Iterator[Server]:
    server = Server(cluster, port=0, address=address, speed=10).start()
    try:
        server.write_kubeconfig(kubeconfig)
        yield server
    finally:
        server.stop()


def _fresh_cluster(directory: Path) -> Cluster:
    """What `kubeteach serve --dir DIR` builds: the directory's CA and tokens."""
    d = ClusterDirectory(directory)
    cluster = Cluster(ca=d.ca(), tokens=d.tokens())
    d.save_tokens(cluster.api.authn.tokens)
    return cluster


def _kubeconfig_certs(path: Path) -> dict[str, x509.Certificate]:
    config = yaml.safe_load(path.read_text())
    certs = {"ca": x509.load_pem_x509_certificate(
        base64.b64decode(config["clusters"][0]["cluster"]["certificate-authority-data"]))}
    for u in config["users"]:
        if "client-certificate-data" in u["user"]:
            certs[u["name"]] = x509.load_pem_x509_certificate(base64.b64decode(u["user"]["client-certificate-data"]))
    return certs


def _serving_cert(server: Server, kubeconfig: Path) -> x509.Certificate:
    """The certificate the server shows in the TLS handshake, verified (by OpenSSL, on the real clock) against the
    CA of the kubeconfig, as a real client does."""
    ctx = ssl.create_default_context(cadata=_kubeconfig_certs(kubeconfig)["ca"].public_bytes(
        serialization.Encoding.PEM).decode())
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw, \
            ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def _https_get(server: Server, kubeconfig: Path, path: str, cert: bytes, key: bytes, tmp: Path) -> int:
    """GET `path` presenting a client certificate; the HTTP status."""
    ctx = ssl.create_default_context(cadata=_kubeconfig_certs(kubeconfig)["ca"].public_bytes(
        serialization.Encoding.PEM).decode())
    (tmp / "client.crt").write_bytes(cert)
    (tmp / "client.key").write_bytes(key)
    ctx.load_cert_chain(tmp / "client.crt", tmp / "client.key")
    conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def _kubectl(kubeconfig: Path, args: list[str], home: Path) -> subprocess.CompletedProcess:
    assert Path(KUBECTL).exists(), f"{KUBECTL} is missing: run `bash scripts/kubectl.sh` (make test does)"
    return subprocess.run([KUBECTL, "--kubeconfig", str(kubeconfig), *args], capture_output=True, text=True,
                          timeout=60, env={"HOME": str(home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")})


def _with_user(kubeconfig: Path, out: Path, name: str, user: dict) -> Path:
    """A copy of the kubeconfig whose user `name` holds other credentials."""
    config = yaml.safe_load(kubeconfig.read_text())
    for u in config["users"]:
        if u["name"] == name:
            u["user"] = user
    out.write_text(yaml.safe_dump(config))
    return out


# --- the lesson CA stays as it was --------------------------------------------------------------------------------

def test_the_lesson_ca_is_seed_derived_dated_from_the_virtual_epoch_and_the_same_bytes_every_run():
    a, b = Cluster(components=[]), Cluster(components=[])
    assert a.ca.cert_pem == b.ca.cert_pem and a.kubeconfig() == b.kubeconfig()
    assert a.ca.seeded and not a.ca.real_clock
    assert a.ca.cert.not_valid_before_utc == EPOCH - dt.timedelta(days=1)
    admin = x509.load_pem_x509_certificate(a.users["admin"].credentials.cert_pem)
    assert admin.not_valid_after_utc == EPOCH + YEAR
    # the fingerprint lesson 01 prints (auth whoami's credential-id)
    assert admin.fingerprint(hashes.SHA256()).hex() == \
        "4b77db905785f7f65b26334a00bedecbaa2be2d49b8716673701a318f9403aa8"
    assert a.users["dev"].credentials.token == b.users["dev"].credentials.token


# --- no time bomb: every certificate served is valid now and for a year -------------------------------------------

@pytest.mark.parametrize("ca", ["fresh", "lesson"])
def test_every_served_certificate_is_valid_now_and_for_a_year(tmp_path, ca):
    before = _now().replace(microsecond=0)           # certificate times have whole seconds
    cluster = _fresh_cluster(tmp_path / "kt") if ca == "fresh" else Cluster()
    with _served(cluster, tmp_path / "kubeconfig") as server:
        served = {"serving": _serving_cert(server, tmp_path / "kubeconfig"),
                  **_kubeconfig_certs(tmp_path / "kubeconfig")}
    after = _now()
    assert set(served) == {"serving", "ca", "admin"}
    for name, cert in served.items():
        assert cert.not_valid_before_utc <= after, f"{name} is not valid yet: {cert.not_valid_before_utc}"
        assert cert.not_valid_after_utc >= before + YEAR, f"{name} expires {cert.not_valid_after_utc}"
    # kubeadm's lifetimes: the CA ten years from now, backdated 5 minutes; leaves one year, from the CA's NotBefore
    assert served["ca"].not_valid_after_utc >= before + 10 * YEAR
    assert before - dt.timedelta(minutes=5) <= served["ca"].not_valid_before_utc <= after - dt.timedelta(minutes=5)
    assert served["admin"].not_valid_after_utc <= after + YEAR
    assert served["admin"].not_valid_before_utc == served["ca"].not_valid_before_utc
    usage = {n: c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value for n, c in served.items()
             if n != "ca"}
    assert list(usage["serving"]) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert list(usage["admin"]) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_the_authenticator_checks_validity_on_the_clock_each_certificate_was_dated_on(tmp_path):
    lesson = Cluster(components=[])
    admin = lesson.users["admin"].credentials
    assert lesson.api.authn.authenticate(admin).name == "admin"
    lesson.loop.now = (YEAR + dt.timedelta(days=1)).total_seconds()     # virtual time past the certificate's year
    assert lesson.api.authn.authenticate(admin) is None
    lesson.loop.now = 0.0

    # served: the users' certificates move to the real clock; the control plane's own stay on the virtual one
    kcm = lesson.system_client("system:kube-controller-manager", (), "kube-controller-manager").credentials
    lesson.use_real_clock_certificates()
    assert lesson.users["admin"].credentials != admin
    assert lesson.api.authn.authenticate(lesson.users["admin"].credentials).name == "admin"
    assert lesson.api.authn.authenticate(kcm).name == "system:kube-controller-manager"
    lesson.loop.now = (YEAR + dt.timedelta(days=1)).total_seconds()
    assert lesson.api.authn.authenticate(kcm) is None
    assert lesson.api.authn.authenticate(lesson.users["admin"].credentials).name == "admin"

    fresh = _fresh_cluster(tmp_path / "kt")
    ca = fresh.ca
    admin_cert = x509.load_pem_x509_certificate(fresh.users["admin"].credentials.cert_pem)
    expired = (x509.CertificateBuilder().subject_name(admin_cert.subject).issuer_name(ca.cert.subject)
               .public_key(admin_cert.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(_now() - 2 * YEAR).not_valid_after(_now() - dt.timedelta(minutes=1))
               .sign(ca.key, hashes.SHA256()))
    pem = expired.public_bytes(serialization.Encoding.PEM)
    assert fresh.api.authn.authenticate(Credentials(cert_pem=pem)) is None
    serving, serving_key = ca.issue("kube-apiserver", (), server_names=("127.0.0.1",))
    assert fresh.api.authn.authenticate(Credentials(cert_pem=serving, key_pem=serving_key)) is None


# --- the served cluster's CA is its own --------------------------------------------------------------------------

def _serve_cli(tmp_path: Path, kubeconfig: Path, *flags: str):
    """`kubeteach serve` in a subprocess (cwd tmp_path, so its default CA directory is the test's)."""
    return serve_cli(tmp_path, kubeconfig, *flags, speed=10, cwd=tmp_path, state_dir=False)


def test_the_real_kubectl_trusts_a_fresh_ca_and_a_kubeconfig_keeps_working_after_a_restart(tmp_path):
    first = tmp_path / "first.kubeconfig"
    with _serve_cli(tmp_path, first, "--dir", "kt") as proc:
        nodes = _kubectl(first, ["get", "nodes", "-o", "name"], tmp_path)
        assert (nodes.returncode, nodes.stdout) == (0, "node/node-1\nnode/node-2\nnode/node-3\n"), nodes.stderr
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert f"kubeteach: cluster CA made in {Path('kt') / 'pki'}\n" in out
    ca_files = {n: (tmp_path / "kt/pki" / n).read_bytes() for n in ("ca.crt", "ca.key")}

    second = tmp_path / "second.kubeconfig"
    with _serve_cli(tmp_path, second, "--dir", "kt") as proc:
        # the first kubeconfig, pointed at the new port: its client certificate and token still authenticate
        port = yaml.safe_load(second.read_text())["clusters"][0]["cluster"]["server"]
        config = yaml.safe_load(first.read_text())
        config["clusters"][0]["cluster"]["server"] = port
        first.write_text(yaml.safe_dump(config))
        nodes = _kubectl(first, ["get", "nodes", "-o", "name"], tmp_path)
        assert (nodes.returncode, nodes.stdout) == (0, "node/node-1\nnode/node-2\nnode/node-3\n"), nodes.stderr
        whoami = _kubectl(first, ["--context", "dev", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
                          tmp_path)
        assert (whoami.returncode, whoami.stdout) == (0, "dev"), whoami.stderr
        proc.terminate()
        out = proc.communicate(timeout=10)[0]
    assert f"kubeteach: cluster CA reused from {Path('kt') / 'pki'}\n" in out
    assert {n: (tmp_path / "kt/pki" / n).read_bytes() for n in ("ca.crt", "ca.key")} == ca_files
    # the token is random, not the seed's
    assert yaml.safe_load(first.read_text())["users"][1]["user"]["token"] != \
        Cluster(components=[]).users["dev"].credentials.token


def test_the_ca_files_are_reused_in_one_dir_and_differ_between_two(tmp_path):
    kubeconfigs = []
    for run, name in enumerate(("a", "a", "b")):
        with _served(_fresh_cluster(tmp_path / name), tmp_path / f"kubeconfig-{run}"):
            kubeconfigs.append(yaml.safe_load((tmp_path / f"kubeconfig-{run}").read_text()))
    ca = [k["clusters"][0]["cluster"]["certificate-authority-data"] for k in kubeconfigs]
    token = [k["users"][1]["user"]["token"] for k in kubeconfigs]
    assert ca[0] == ca[1] and ca[0] != ca[2]
    assert token[0] == token[1] and token[0] != token[2]
    pki = tmp_path / "a/pki"
    assert {p.name: p.stat().st_mode & 0o777 for p in pki.iterdir()} == {"ca.crt": 0o644, "ca.key": 0o600}
    assert pki.stat().st_mode & 0o777 == 0o700 and (tmp_path / "a/tokens.csv").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "kubeconfig-0").stat().st_mode & 0o777 == 0o600
    assert ClusterDirectory(tmp_path / "a").ca().key.private_numbers() != \
        ClusterDirectory(tmp_path / "b").ca().key.private_numbers()
    assert (tmp_path / "a/tokens.csv").read_text() == f"{token[0]},dev,dev,developers\n"


def test_what_someone_who_knows_the_seed_can_make_is_rejected_by_a_fresh_ca(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    with _served(_fresh_cluster(tmp_path / "kt"), kubeconfig) as server:
        admin = server.cluster.users["admin"].credentials
        assert _https_get(server, kubeconfig, "/api/v1/nodes", admin.cert_pem, admin.key_pem, tmp_path) == 200
        for forger in (CertificateAuthority(0), CertificateAuthority(0, real_clock=True)):
            cert, key = forger.issue("admin", ("system:masters",))
            forged = Credentials(cert_pem=cert, key_pem=key)
            with server.lock, pytest.raises(APIError) as err:      # the API server's authenticator: 401
                Client(server.cluster.api, forged, "kubectl").list("pods", "default")
            assert (err.value.code, err.value.reason) == (401, "Unauthorized")
            # over HTTPS the TLS layer already refuses a certificate the cluster CA did not sign: no HTTP answer
            with pytest.raises(OSError):           # ssl.SSLError (an alert) or the connection closed
                _https_get(server, kubeconfig, "/api/v1/nodes", cert, key, tmp_path)
        seed_token = Cluster(components=[]).users["dev"].credentials.token
        result = _kubectl(_with_user(kubeconfig, tmp_path / "forged", "dev", {"token": seed_token}),
                          ["--context", "dev", "auth", "whoami"], tmp_path)
        assert (result.returncode, result.stderr) == (1, "error: You must be logged in to the server (Unauthorized)\n")


# --- a seed-derived CA: loopback only, and said loudly -------------------------------------------------------------

def test_a_seed_derived_ca_is_refused_off_loopback(tmp_path):
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("192.0.2.1")
    with pytest.raises(ValueError, match=r"^refusing to serve on 0\.0\.0\.0: the cluster CA is derived from the "
                                         r"seed \(0\), so anyone who knows the seed can forge"):
        Server(Cluster(components=[]), port=0, address="0.0.0.0")
    # a CA of its own may listen anywhere
    Server(_fresh_cluster(tmp_path / "kt"), port=0, address="0.0.0.0").start().stop()

    result = subprocess.run([sys.executable, "-m", "kubeteach.cli", "serve", "--seeded-ca", "--address", "0.0.0.0",
                             "--port", "0", "--kubeconfig", str(tmp_path / "kubeconfig")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and not (tmp_path / "kubeconfig").exists()
    assert result.stderr.splitlines()[1].startswith(
        "kubeteach: error: refusing to serve on 0.0.0.0: the cluster CA is derived from the seed (0)")


def test_seeded_ca_warns_that_it_is_for_reproducible_lessons_only(tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    with _serve_cli(tmp_path, kubeconfig, "--seeded-ca") as proc:
        nodes = _kubectl(kubeconfig, ["get", "nodes", "-o", "name"], tmp_path)
        assert nodes.returncode == 0, nodes.stderr
        proc.terminate()
        err = proc.communicate(timeout=10)[1]
    assert err.splitlines()[0] == (
        "kubeteach: WARNING: --seeded-ca: the cluster CA, the client keys and the tokens are derived from the seed "
        "(0), so anyone who knows the seed can forge a certificate or token for this API. For reproducible lessons "
        "only, on a loopback address; without --seeded-ca the cluster gets a fresh CA of its own in --dir.")
    assert not (tmp_path / ".kubeteach").exists()           # nothing kept: everything comes from the seed
    config = yaml.safe_load(kubeconfig.read_text())
    assert config["users"][1]["user"]["token"] == Cluster(components=[]).users["dev"].credentials.token
    assert _kubeconfig_certs(kubeconfig)["ca"].public_key() == CertificateAuthority(0).cert.public_key()
