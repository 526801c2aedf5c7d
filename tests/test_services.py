"""Services in the API server and kubectl: ClusterIP allocation, defaulting, validation messages, the `kubernetes`
Service at boot with its endpoints, the v1 Endpoints deprecation warning, expose / create service, get and
describe; the embedded kubectl compared with the pinned real kubectl against `kubeteach serve`."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import real_kubectl, serve_cli

from kubeteach.apiserver.services import (
    APISERVER_ADDRESS,
    ENDPOINTS_WARNING,
    allocate_next,
    node_port_offset,
    range_offset,
)
from kubeteach.kubectl.services import describe_service, endpointslice_row, format_endpoint_slices

WARNING = f"Warning: {ENDPOINTS_WARNING}\n"
SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
{spec}"""


class Draws:
    """An RNG stand-in whose draws are given: each `intn(n)` returns the next value."""

    def __init__(self, *values: int):
        self.values = list(values)

    def intn(self, n: int) -> int:
        value = self.values.pop(0)
        assert 0 <= value < n
        return value


@pytest.fixture
def cluster():  # -> kubeteach.cluster.Cluster
    from kubeteach.cluster import Cluster

    return Cluster(components=[])


def write(tmp_path: Path, name: str, spec: str) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SERVICE.format(name=name, spec=spec))
    return str(path)


def create(cluster, tmp_path: Path, name: str, *spec: str):  # -> kubeteach.kubectl.Result
    """`kubectl create -f` of a Service named `name` whose spec has the given lines."""
    return cluster.kubectl("create -f " + write(tmp_path, name, "\n".join(f"  {line}" for line in spec)))


# --- the allocator ----------------------------------------------------------------------------------------------

def test_range_offset_is_calculate_range_offset():
    assert range_offset(2 ** 20) == 256          # 10.96.0.0/12: the first 256 addresses are for static IPs
    assert range_offset(256) == 16               # a /24: min(max(16, 16), 256)
    assert range_offset(8192) == 256 and range_offset(1024) == 64
    assert range_offset(15) == 0
    assert node_port_offset(2768) == 86          # 30000-32767: min(max(16, 2768/32), 128)


def test_the_upper_band_first_then_the_lower_band_then_full():
    cidr = "10.0.0.0/27"                          # .1-.30 usable; offset 16: upper .17-.30, lower .1-.16
    assert allocate_next(cidr, set(), Draws(0)) == "10.0.0.17"
    assert allocate_next(cidr, set(), Draws(13)) == "10.0.0.30"
    assert allocate_next(cidr, {"10.0.0.30"}, Draws(13)) == "10.0.0.17"      # scans up, wrapping in its band
    upper = {f"10.0.0.{i}" for i in range(17, 31)}
    assert allocate_next(cidr, upper, Draws(5, 3)) == "10.0.0.4"              # upper full: the lower band
    assert allocate_next(cidr, upper | {f"10.0.0.{i}" for i in range(1, 17)}, Draws(0, 0)) is None


def test_a_dynamic_ip_comes_from_the_upper_band_of_the_kubeadm_range():
    rnd = random.Random(1)

    class R:
        def intn(self, n: int) -> int:
            return rnd.randrange(n)
    for _ in range(50):
        ip = allocate_next("10.96.0.0/12", set(), R())
        a, b, c, d = map(int, ip.split("."))
        assert a == 10 and 96 <= b <= 111 and (b, c, d) > (96, 1, 0), ip


def test_the_same_seed_gives_the_same_cluster_ip(tmp_path):
    from kubeteach.cluster import Cluster

    ips = []
    for _ in range(2):
        c = Cluster(components=[])
        assert c.kubectl(f"create -f {write(tmp_path, 'web', '  ports: [{port: 80}]')}").returncode == 0
        ips.append(c.get("service", "web")["spec"]["clusterIP"])
    assert ips[0] == ips[1] and ips[0].startswith("10.")


# --- defaulting -------------------------------------------------------------------------------------------------

def test_a_minimal_service_is_defaulted_as_kube_apiserver_does(cluster, tmp_path):
    path = write(tmp_path, "web", "  selector: {app: web}\n  ports:\n  - port: 80\n")
    assert cluster.kubectl(f"create -f {path}").stdout == "service/web created\n"
    svc = cluster.get("service", "web")
    ip = svc["spec"].pop("clusterIP")
    assert svc["spec"] == {"clusterIPs": [ip], "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"],
                           "ipFamilyPolicy": "SingleStack", "ports": [{"port": 80, "protocol": "TCP",
                                                                       "targetPort": 80}],
                           "selector": {"app": "web"}, "sessionAffinity": "None", "type": "ClusterIP"}
    assert svc["status"] == {"loadBalancer": {}}
    assert "externalTrafficPolicy" not in svc["spec"]       # only for Services reachable from outside


def test_client_ip_affinity_gets_its_timeout_and_a_headless_selectorless_service_require_dual_stack(cluster,
                                                                                                    tmp_path):
    create(cluster, tmp_path, "a", "sessionAffinity: ClientIP", "ports: [{port: 80}]")
    assert cluster.get("service", "a")["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    create(cluster, tmp_path, "b", "clusterIP: None")
    spec = cluster.get("service", "b")["spec"]
    assert (spec["clusterIPs"], spec["ipFamilyPolicy"]) == (["None"], "RequireDualStack")


# --- the kubernetes Service -------------------------------------------------------------------------------------

def test_the_kubernetes_service_and_its_endpoints_exist_at_boot(cluster):
    svc = cluster.get("service", "kubernetes")
    assert svc["metadata"]["labels"] == {"component": "apiserver", "provider": "kubernetes"}
    assert svc["spec"]["clusterIPs"] == ["10.96.0.1"] and "selector" not in svc["spec"]
    assert svc["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]
    eps = cluster.get("endpointslice", "kubernetes")
    assert eps["metadata"]["labels"] == {"kubernetes.io/service-name": "kubernetes"}
    assert "generateName" not in eps["metadata"] and "ownerReferences" not in eps["metadata"]
    assert eps["endpoints"] == [{"addresses": [APISERVER_ADDRESS], "conditions": {"ready": True}}]
    assert eps["ports"] == [{"name": "https", "port": 6443, "protocol": "TCP"}]
    ep = cluster.get("endpoints", "kubernetes")
    assert ep["subsets"] == [{"addresses": [{"ip": APISERVER_ADDRESS}],
                              "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]
    nodes = {a["address"] for n in cluster.list("nodes") for a in n["status"]["addresses"]}
    assert APISERVER_ADDRESS.startswith("172.18.") and APISERVER_ADDRESS not in nodes


def test_a_definition_service_subnet_moves_the_range():
    from kubeteach.assembly import default_definition
    from kubeteach.cluster import Cluster

    definition = default_definition()
    definition.setdefault("cluster", {})["serviceSubnet"] = "10.100.0.0/16"
    c = Cluster(definition=definition, components=[])
    assert c.get("service", "kubernetes")["spec"]["clusterIP"] == "10.100.0.1"
    r = c.kubectl("create service clusterip web --tcp=80 --clusterip=10.96.0.10")
    assert "The range of valid IPs is 10.100.0.0/16" in r.stderr


def test_boot_objects_take_no_draws_from_the_main_rng(monkeypatch):
    """The `kubernetes` Service's objects draw their UIDs aside: the seed's pod names stay as they were."""
    import kubeteach.assembly as assembly
    from kubeteach.cluster import Cluster

    with_service = Cluster(components=[]).rnd.rng.getstate()
    monkeypatch.setattr(assembly, "kubernetes_service", lambda client, api, definition: None)
    without = Cluster(components=[])
    assert without.get("service", "kubernetes") is None
    assert without.rnd.rng.getstate() == with_service


# --- validation and allocation errors ---------------------------------------------------------------------------

BAD = [
    ("  selector: {app: web}", 'The Service "web" is invalid: spec.ports: Required value'),
    ("  ports: [{port: 65536, targetPort: 80}]", 'The Service "web" is invalid: spec.ports[0].port: Invalid value: '
     "65536: must be between 1 and 65535, inclusive"),
    ("  ports: [{port: 80, name: http}, {port: 81, name: http}]",
     'The Service "web" is invalid: spec.ports[1].name: Duplicate value: "http"'),
    ("  ports: [{port: 80, targetPort: http_port}]",
     'The Service "web" is invalid: spec.ports[0].targetPort: Invalid value: "http_port": must contain only '
     "alpha-numeric characters (a-z, 0-9), and hyphens (-)"),
    ("  ports: [{port: 80}, {port: 81, name: b}]",
     'The Service "web" is invalid: spec.ports[0].name: Required value'),
    ("  clusterIP: 1.1.1.1\n  ports: [{port: 80}]",
     'The Service "web" is invalid: spec.clusterIPs: Invalid value: ["1.1.1.1"]: failed to allocate IP 1.1.1.1: '
     "the provided IP (1.1.1.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"),
    ("  clusterIP: 10.96.0.1\n  ports: [{port: 80}]",
     'The Service "web" is invalid: spec.clusterIPs: Invalid value: ["10.96.0.1"]: failed to allocate IP '
     "10.96.0.1: provided IP is already allocated"),
    ("  type: Foo\n  ports: [{port: 80}]",
     'The Service "web" is invalid: spec.type: Unsupported value: "Foo": supported values: "ClusterIP", '
     '"ExternalName", "LoadBalancer", "NodePort"'),
]


@pytest.mark.parametrize("spec,stderr", BAD)
def test_bad_services_get_kube_apiservers_messages_and_write_nothing(cluster, tmp_path, spec, stderr):
    revision = cluster.etcd.revision
    r = cluster.kubectl(f"create -f {write(tmp_path, 'web', spec)}")
    assert (r.returncode, r.stderr) == (1, stderr + "\n")
    assert cluster.etcd.revision == revision


def test_several_causes_print_one_per_line_and_the_name_is_a_dns1035_label(cluster, tmp_path):
    r = create(cluster, tmp_path, "web", "ports: [{port: 0}, {port: 70000}]")
    # a targetPort left out defaults to the port, so a bad port is reported twice (SetDefaults_Service)
    assert r.stderr == ('The Service "web" is invalid: \n* spec.ports[0].name: Required value\n'
                        "* spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive\n"
                        "* spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive\n"
                        "* spec.ports[1].name: Required value\n"
                        "* spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive\n"
                        "* spec.ports[1].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive\n")
    r = create(cluster, tmp_path, "1web", "ports: [{port: 80}]")
    assert r.stderr.startswith('The Service "1web" is invalid: metadata.name: Invalid value: "1web": a DNS-1035 '
                               "label must consist of lower case alphanumeric characters or '-', start with an "
                               "alphabetic character")


def test_strict_decoding_names_unknown_fields(cluster, tmp_path):
    r = create(cluster, tmp_path, "web", "foo: 1", "ports: [{port: 80, x: 1}]")
    assert r.stderr.endswith('Service in version "v1" cannot be handled as a Service: strict decoding error: '
                             'unknown field "spec.foo", unknown field "spec.ports[0].x"\n')


def test_a_deleted_service_releases_its_ip_and_an_update_keeps_it(cluster, tmp_path):
    path = write(tmp_path, "web", "  clusterIP: 10.96.0.10\n  ports: [{port: 80}]")
    assert cluster.kubectl(f"create -f {path}").returncode == 0
    taken = create(cluster, tmp_path, "dns", "clusterIP: 10.96.0.10", "ports: [{port: 53}]")
    assert "already allocated" in taken.stderr
    assert cluster.kubectl("label service web tier=front").returncode == 0
    assert cluster.get("service", "web")["spec"]["clusterIPs"] == ["10.96.0.10"]
    r = cluster.kubectl("""patch service web -p '{"spec":{"clusterIP":"10.96.0.11","clusterIPs":["10.96.0.11"]}}'""")
    assert r.stderr == ('The Service "web" is invalid: spec.clusterIPs[0]: Invalid value: ["10.96.0.11"]: may not '
                        "change once set\n")
    r = cluster.kubectl("patch service web --type=merge -p '{\"spec\":{\"clusterIP\":\"10.96.0.12\"}}'")
    assert "spec.clusterIPs[0]: Invalid value: [\"10.96.0.12\"]: may not change once set" in r.stderr
    r = cluster.kubectl("patch service web --type=merge -p '{\"spec\":{\"clusterIP\":\"x\",\"clusterIPs\":[\"x\"]}}'")
    assert "spec.clusterIPs[0]: Invalid value: \"x\": must be a valid IP address" in r.stderr
    assert cluster.kubectl("delete service web").returncode == 0
    assert cluster.kubectl(f"create -f {path}").returncode == 0


def test_node_ports_are_allocated_in_range_and_checked(cluster):
    assert cluster.kubectl("create service nodeport np --tcp=80:8080").returncode == 0
    port = cluster.get("service", "np")["spec"]["ports"][0]["nodePort"]
    assert 30000 + 86 <= port <= 32767                          # the upper band first
    assert cluster.kubectl("create service nodeport fixed --tcp=80:8080 --node-port=30080").returncode == 0
    row = cluster.kubectl("get svc fixed").stdout.splitlines()[1].split()
    assert row[1] == "NodePort" and row[4] == "80:30080/TCP"
    assert cluster.kubectl("create service nodeport again --tcp=80 --node-port=30080").stderr == (
        'error: failed to create NodePort service: Service "again" is invalid: spec.ports[0].nodePort: Invalid '
        "value: 30080: provided port is already allocated\n")
    assert cluster.kubectl("create service nodeport low --tcp=80 --node-port=80").stderr.endswith(
        "provided port is not in the valid range. The range of valid ports is 30000-32767\n")
    assert cluster.get("service", "fixed")["spec"]["externalTrafficPolicy"] == "Cluster"


def test_endpoint_slice_and_endpoints_writes_are_validated(cluster, tmp_path):
    bad = tmp_path / "eps.yaml"
    bad.write_text("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s}\n"
                   "addressType: IPv5\nendpoints: [{addresses: []}]\n")
    assert cluster.kubectl(f"create -f {bad}").stderr == (
        'The EndpointSlice "s" is invalid: \n* addressType: Unsupported value: "IPv5": supported values: "FQDN", '
        '"IPv4", "IPv6"\n* endpoints[0].addresses: Required value: must contain at least 1 address\n')
    ep = tmp_path / "ep.yaml"
    ep.write_text("apiVersion: v1\nkind: Endpoints\nmetadata: {name: e}\nsubsets: [{addresses: [{ip: x}], "
                  "ports: [{port: 80}]}]\n")
    assert cluster.kubectl(f"create -f {ep}").stderr == (
        WARNING + 'The Endpoints "e" is invalid: subsets[0].addresses[0].ip: Invalid value: "x": must be a valid IP '
        "address, (e.g. 10.9.8.7 or 2001:db8::ffff)\n")


# --- the deprecation warning ------------------------------------------------------------------------------------

def test_every_v1_endpoints_request_warns_once_and_endpointslices_do_not(cluster):
    r = cluster.kubectl("get endpoints")
    assert r.stderr == WARNING
    assert r.stdout == "NAME         ENDPOINTS         AGE\nkubernetes   172.18.0.1:6443   0s\n"
    assert cluster.kubectl("get ep kubernetes -o yaml").stderr == WARNING
    assert cluster.kubectl("get ep nosuch").stderr == WARNING + (
        'Error from server (NotFound): endpoints "nosuch" not found\n')
    assert cluster.kubectl("get endpointslices").stderr == ""
    assert cluster.kubectl("describe svc kubernetes").stderr == ""          # describe reads EndpointSlices
    assert cluster.kubectl("get ep,ep").stderr.count("Warning:") == 1


# --- kubectl expose and create service --------------------------------------------------------------------------

def test_expose_a_deployment(cluster):
    cluster.kubectl("create deployment nginx --image=nginx:1.25")
    assert cluster.kubectl("expose deployment nginx").stderr == (
        "error: couldn't find port via --port flag or introspection\n")
    assert cluster.kubectl("expose deployment nginx --port 80").stdout == "service/nginx exposed\n"
    svc = cluster.get("service", "nginx")
    assert svc["metadata"]["labels"] == {"app": "nginx"} and svc["spec"]["selector"] == {"app": "nginx"}
    assert svc["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert cluster.kubectl("expose deployment nginx --port 80 --name x --session-affinity foo").stderr == (
        "error: unknown session affinity: foo\n")
    assert cluster.kubectl("expose node node-1").stderr == "error: cannot expose a Node\n"


def test_expose_introspects_container_ports_and_names_several(cluster, tmp_path):
    cluster.kubectl("create deployment web --image=nginx:1.25 --port=8080")
    assert cluster.kubectl("expose deploy/web --target-port=http --name=web2 --dry-run=client -o yaml").stdout == (
        "apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    app: web\n  name: web2\nspec:\n  ports:\n"
        "  - port: 8080\n    protocol: TCP\n    targetPort: http\n  selector:\n    app: web\nstatus:\n"
        "  loadBalancer: {}\n")
    out = cluster.kubectl("expose deployment web --port=80,443 --dry-run=client -o yaml").stdout
    assert "  - name: port-1\n    port: 80\n" in out and "  - name: port-2\n    port: 443\n" in out


def test_create_service_clusterip(cluster):
    assert cluster.kubectl("create service clusterip my-cs --tcp=5678:8080").stdout == "service/my-cs created\n"
    spec = cluster.get("service", "my-cs")["spec"]
    assert spec["ports"] == [{"name": "5678-8080", "port": 5678, "protocol": "TCP", "targetPort": 8080}]
    assert spec["selector"] == {"app": "my-cs"}
    assert cluster.kubectl("create service clusterip x").stderr == (
        "error: at least one tcp port specifier must be provided\n")
    assert cluster.kubectl("create service clusterip x --tcp=80:http_x").stderr == (
        "error: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)\n")


# --- get and describe -------------------------------------------------------------------------------------------

def _slice(*endpoints: tuple[str, bool | None], port: int = 80, name: str = "") -> dict:
    return {"metadata": {"name": "web-x", "creationTimestamp": "2026-01-01T00:00:00Z"}, "addressType": "IPv4",
            "ports": [{"name": name, "port": port, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": {} if ready is None else {"ready": ready}}
                          for ip, ready in endpoints]}


def test_describe_endpoints_come_from_the_slices_ready_only():
    ready = [(f"10.244.1.{i}", True) for i in range(1, 6)]
    assert format_endpoint_slices([], "") == "<none>"
    assert format_endpoint_slices([_slice(("10.244.1.9", False))], "") == ""
    assert format_endpoint_slices([_slice(("10.244.1.9", None))], "") == "10.244.1.9:80"
    assert format_endpoint_slices([_slice(*ready)], "") == "10.244.1.1:80,10.244.1.2:80,10.244.1.3:80 + 2 more..."
    assert format_endpoint_slices([_slice(*ready, name="http")], "") == ""      # another port's slice
    row = endpointslice_row(_slice(*ready), 0.0, False)
    assert row[1:4] == ["IPv4", "80", "10.244.1.1,10.244.1.2,10.244.1.3 + 2 more..."]


def test_describe_service_with_a_hand_made_slice(cluster, tmp_path):
    create(cluster, tmp_path, "web", "clusterIP: 10.96.5.5", "selector: {app: web}",
           "ports: [{port: 80, targetPort: 8080}]")
    eps = tmp_path / "eps.yaml"
    eps.write_text("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-abcde\n  labels:\n"
                   "    kubernetes.io/service-name: web\naddressType: IPv4\nendpoints:\n"
                   "- addresses: [10.244.1.5]\n  conditions: {ready: true}\n  nodeName: node-1\n"
                   "  targetRef: {kind: Pod, name: web-1, namespace: default}\n"
                   "- addresses: [10.244.2.6]\n  conditions: {ready: false}\nports:\n- port: 8080\n")
    assert cluster.kubectl(f"create -f {eps}").returncode == 0
    assert cluster.kubectl("describe svc web").stdout == (
        "Name:                     web\nNamespace:                default\nLabels:                   <none>\n"
        "Annotations:              <none>\nSelector:                 app=web\nType:                     ClusterIP\n"
        "IP Family Policy:         SingleStack\nIP Families:              IPv4\nIP:                       10.96.5.5\n"
        "IPs:                      10.96.5.5\nPort:                     <unset>  80/TCP\n"
        "TargetPort:               8080/TCP\nEndpoints:                10.244.1.5:8080\n"
        "Session Affinity:         None\nInternal Traffic Policy:  Cluster\nEvents:                   <none>\n")
    assert cluster.kubectl("get endpointslices web-abcde").stdout.splitlines()[1].split()[:4] == [
        "web-abcde", "IPv4", "8080", "10.244.1.5,10.244.2.6"]
    out = cluster.kubectl("describe endpointslice web-abcde").stdout
    assert ("Endpoints:\n  - Addresses:  10.244.1.5\n    Conditions:\n      Ready:    true\n"
            "    Hostname:   <unset>\n    TargetRef:  Pod/web-1\n    NodeName:   node-1\n    Zone:       <unset>\n"
            "  - Addresses:  10.244.2.6\n") in out


def test_get_svc_wide_and_describe_without_slices():
    svc = {"metadata": {"name": "web", "namespace": "default"}, "spec": {
        "type": "ClusterIP", "clusterIP": "10.96.5.5", "clusterIPs": ["10.96.5.5"], "ports": [
            {"port": 80, "protocol": "TCP", "targetPort": "http", "name": "web"}], "sessionAffinity": "None"}}
    text = describe_service(svc, [], None, 0.0)
    assert "Port:              web  80/TCP\nTargetPort:        http/TCP\nEndpoints:         <none>\n" in text
    assert "IP Families:       <none>\n" in text


# --- against the real kubectl -----------------------------------------------------------------------------------

REAL = ["get svc", "get svc -o wide", "get endpoints", "get ep kubernetes -o yaml", "get endpointslices",
        "get endpointslice kubernetes -o yaml", "get svc kubernetes -o yaml", "describe svc kubernetes",
        "describe endpointslice kubernetes", "describe endpoints kubernetes", "get ep nosuch",
        "create deployment nginx --image=nginx:1.25", "expose deployment nginx",
        "expose deploy/nginx --port 8080 --name web --target-port http --dry-run=client -o yaml",
        "expose node node-1", "create service clusterip x --tcp 80 --clusterip 10.96.0.1",
        "create service clusterip x --tcp 80 --clusterip 1.1.1.1", "create service clusterip y --tcp=0",
        "create service nodeport np --tcp=80:8080 --dry-run=client -o yaml",
        "expose deployment nginx --port 80 --name Bad", "explain service.spec.ports",
        "explain endpointslice.endpoints.conditions", "api-resources --api-group=discovery.k8s.io"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """`kubeteach serve`, once for this module: its kubeconfig's path."""
    tmp = tmp_path_factory.mktemp("services")
    kubeconfig = tmp / "kubeconfig"
    with serve_cli(tmp, kubeconfig, speed=1):
        yield kubeconfig


@pytest.fixture(scope="module")
def real(served: Path):  # -> the pinned kubectl against `served`
    return real_kubectl(served, served.parent, cwd=served.parent)


def _served_get(kubeconfig: Path, path: str) -> tuple[int, list[str]]:
    """GET `path` from the served API as the kubeconfig's admin: the status and the Warning headers."""
    import base64
    import http.client
    import ssl

    import yaml

    cfg = yaml.safe_load(kubeconfig.read_text())
    user, server = cfg["users"][0]["user"], cfg["clusters"][0]["cluster"]
    ca = kubeconfig.parent / "ca.pem"
    ca.write_bytes(base64.b64decode(server["certificate-authority-data"]))
    cert, key = kubeconfig.parent / "cert.pem", kubeconfig.parent / "key.pem"
    cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
    key.write_bytes(base64.b64decode(user["client-key-data"]))
    ctx = ssl.create_default_context(cafile=str(ca))
    ctx.load_cert_chain(str(cert), str(key))
    conn = http.client.HTTPSConnection(server["server"].split("//")[1], context=ctx, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, response.headers.get_all("Warning") or []


def test_serve_sends_the_deprecation_warning_header_on_reads_and_watches_of_v1_endpoints(served):
    header = f'299 - "{ENDPOINTS_WARNING}"'
    assert _served_get(served, "/api/v1/namespaces/default/endpoints/kubernetes") == (200, [header])
    assert _served_get(served, "/api/v1/endpoints?watch=true&timeoutSeconds=1") == (200, [header])
    assert _served_get(served, "/api/v1/namespaces/default/endpoints/nosuch") == (404, [header])
    assert _served_get(served, "/apis/discovery.k8s.io/v1/endpointslices") == (200, [])
    assert _served_get(served, "/api/v1/services") == (200, [])


def test_the_embedded_kubectl_prints_what_the_real_one_prints(real, tmp_path, monkeypatch):
    from kubeteach.cluster import Cluster

    monkeypatch.chdir(tmp_path)
    c = Cluster()
    ages = re.compile(r"\b\d+s\b")
    for command in REAL:
        got, want = c.kubectl(command), real(*command.split())
        assert (got.returncode, ages.sub("AGE", got.stdout), got.stderr) == (
            want.returncode, ages.sub("AGE", want.stdout), want.stderr), command
    assert real("get", "endpoints").stderr == WARNING


def test_server_side_apply_keys_ports_by_port_and_protocol_and_yaml_has_no_anchors(cluster, tmp_path):
    path = write(tmp_path, "web", "  selector: {app: web}\n  ports: [{port: 80}]\n")
    assert cluster.kubectl(f"apply --server-side -f {path}").stdout == "service/web serverside-applied\n"
    out = cluster.kubectl("get svc web -o yaml --show-managed-fields").stdout
    assert 'k:{"port":80,"protocol":"TCP"}:' in out and "&id" not in out and "*id" not in out
    ip = cluster.get("service", "web")["spec"]["clusterIP"]
    assert cluster.kubectl(f"apply --server-side -f {path}").returncode == 0
    assert cluster.get("service", "web")["spec"]["clusterIP"] == ip          # an apply keeps the allocated IP


def test_services_and_endpoint_slices_round_trip_through_protobuf():
    """discovery.k8s.io/v1 is in the protobuf data (scripts/protobuf_data.py, k8s.io/api generated.proto)."""
    from kubeteach.server import protobuf

    eps = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
           "metadata": {"name": "web-abcde", "namespace": "default", "creationTimestamp": None,
                        "labels": {"kubernetes.io/service-name": "web"}},
           "addressType": "IPv4", "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {
               "ready": True, "serving": True, "terminating": False}, "nodeName": "node-1",
               "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-1"}}],
           "ports": [{"name": "", "protocol": "TCP", "port": 8080}]}
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "creationTimestamp": None},
           "spec": {"ports": [{"protocol": "TCP", "port": 80, "targetPort": "http", "nodePort": 30080}],
                    "clusterIP": "10.96.5.5", "clusterIPs": ["10.96.5.5"], "type": "NodePort",
                    "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack"},
           "status": {"loadBalancer": {}}}
    for obj in (eps, svc):
        body = protobuf.encode(obj)
        assert body is not None and body.startswith(b"k8s\x00")
        assert protobuf.decode(body, (obj["apiVersion"], obj["kind"])) == obj


def test_the_trace_says_what_the_allocators_picked(cluster):
    cluster.kubectl("create deployment nginx --image=nginx:1.25")
    start = len(cluster.trace)
    cluster.kubectl("create service nodeport np --tcp=80")
    cluster.kubectl("create service clusterip s --tcp=80 --clusterip=10.96.0.50")
    records = [r for r in cluster.trace[start:] if r.action == "allocated"]
    np, s = cluster.get("service", "np")["spec"], cluster.get("service", "s")["spec"]
    assert [str(r).split("kube-apiserver", 1)[1].strip() for r in records] == [
        f'allocated for Service "np": ClusterIP {np["clusterIP"]} (a random free address of 10.96.0.0/12, upper '
        f'band first); nodePort {np["ports"][0]["nodePort"]} (random free port of 30000-32767)',
        'allocated for Service "s": ClusterIP 10.96.0.50 (requested; inside 10.96.0.0/12 and free)']
    assert s["clusterIPs"] == ["10.96.0.50"]


def test_a_terminal_shows_the_warning_before_the_table(cluster):
    r = cluster.kubectl("get endpoints")
    assert str(r).splitlines()[:2] == [WARNING.strip(), "NAME         ENDPOINTS         AGE"]
    assert r.stderr == WARNING and r.stdout.startswith("NAME")
    assert str(cluster.kubectl("get ep nosuch")) == (WARNING + 'Error from server (NotFound): endpoints "nosuch" '
                                                     "not found")


def test_a_strategic_merge_patch_merges_service_ports_by_port(cluster, tmp_path):
    create(cluster, tmp_path, "web", "clusterIP: 10.96.7.7", "selector: {app: web}",
           "ports: [{name: http, port: 80, targetPort: 8080}, {name: https, port: 443, targetPort: 8443}]")
    assert cluster.kubectl("""patch svc web -p '{"spec":{"ports":[{"port":443,"targetPort":9443}]}}'""").ok
    assert [(p["port"], p["targetPort"]) for p in cluster.get("service", "web")["spec"]["ports"]] == [
        (80, 8080), (443, 9443)]
    assert cluster.kubectl("""patch svc web -p '{"spec":{"ports":[{"$patch":"delete","port":80}]}}'""").ok
    assert [p["name"] for p in cluster.get("service", "web")["spec"]["ports"]] == ["https"]


def test_the_real_kubectls_apply_removes_a_port_the_new_config_drops(real, served):
    one = served.parent / "one.yaml"
    head = "apiVersion: v1\nkind: Service\nmetadata: {name: applied, namespace: kube-public}\nspec:\n"
    one.write_text(head + "  selector: {app: web}\n"
                   "  ports: [{name: http, port: 80, targetPort: 8080}, {name: https, port: 443}]\n")
    two = served.parent / "two.yaml"
    two.write_text(head + "  selector: {app: web}\n"
                   "  ports: [{name: http, port: 80, targetPort: 9090}]\n")
    assert real("apply", "-f", str(one)).stdout == "service/applied created\n"
    assert real("apply", "-f", str(two)).stdout == "service/applied configured\n"
    got = real("get", "svc", "applied", "-n", "kube-public", "-o", "jsonpath={.spec.ports}")
    assert got.stdout == '[{"name":"http","port":80,"protocol":"TCP","targetPort":9090}]'


def test_empty_strings_default_as_go_compares_them_with_empty(cluster, tmp_path):
    assert create(cluster, tmp_path, "web", 'type: ""', 'sessionAffinity: ""',
                  'ports: [{port: 80, protocol: "", targetPort: ""}]').ok
    spec = cluster.get("service", "web")["spec"]
    assert (spec["type"], spec["sessionAffinity"], spec["ports"]) == (
        "ClusterIP", "None", [{"port": 80, "protocol": "TCP", "targetPort": 80}])
