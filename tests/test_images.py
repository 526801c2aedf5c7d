"""The registry serves every released tag of the catalogue's repositories (#16, item 11): `nginx:1.28` pulls, with a
size and pull time derived from the tag; typos and unknown repositories fail with containerd's messages, through
the kubelet's ErrImagePull; a pull can still be broken on purpose (a tag past the newest release, break_image)."""

from __future__ import annotations

import pytest
from conftest import ROOT

import kubeteach as kt
from kubeteach.kubelet.images import PullError, Registry, parse_image, released_tag, tag_factor

DATA = ROOT / "data"


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict]:
    return kt.Cluster().images


@pytest.mark.parametrize("tag", ["1.28", "1.29", "1.29.3", "1.29.3-alpine", "1.28.0-perl", "stable", "mainline",
                                 "latest", "alpine", "alpine-slim", "alpine3.22", "stable-alpine", "mainline-otel",
                                 "1", "1.9", "1.25.5-bookworm"])
def test_released_looking_nginx_tags_are_served(catalogue, tag: str):
    assert released_tag(catalogue["nginx"], tag)


@pytest.mark.parametrize("tag", ["1.99", "1.30", "1.29.4", "1.255", "2", "1.8", "0.0-missing", "lates", "1.28-alpne",
                                 "stabel", "alpine-", "-alpine", "1.28.", "v1.28", "does-not-exist", ""])
def test_typos_and_unreleased_nginx_tags_are_not(catalogue, tag: str):
    assert not released_tag(catalogue["nginx"], tag)


def test_other_repositories_have_their_own_releases(catalogue):
    assert released_tag(catalogue["busybox"], "1.37.0-musl") and released_tag(catalogue["busybox"], "stable-glibc")
    assert not released_tag(catalogue["busybox"], "1.38")
    assert released_tag(catalogue["redis"], "8.2.3-alpine") and not released_tag(catalogue["redis"], "9.0")
    assert released_tag(catalogue["httpd"], "2.4.65") and not released_tag(catalogue["httpd"], "2.4.66")
    assert released_tag(catalogue["registry.k8s.io/pause"], "3.10.1") and \
        not released_tag(catalogue["registry.k8s.io/pause"], "latest")


def test_pinned_tags_keep_their_catalogue_numbers_and_others_a_stable_hash(catalogue):
    reg = Registry(catalogue)
    assert reg.resolve(parse_image("nginx:1.25")) == (72195292, 2.41)
    assert reg.resolve(parse_image("nginx@sha256:" + "0" * 64)) == (72195292, 2.41)
    ref = parse_image("nginx:1.28")
    factor = tag_factor(ref)
    assert 0.8 <= factor < 1.2 and factor == tag_factor(parse_image("docker.io/library/nginx:1.28"))
    assert reg.resolve(ref) == (int(72195292 * factor), round(2.41 * factor, 3)) == (71971486, 2.403)
    assert reg.resolve(parse_image("nginx:1.29.3-alpine")) != reg.resolve(ref)
    assert Registry(kt.Cluster(seed=7).images).resolve(ref) == reg.resolve(ref)     # the tag decides, not the seed


def _missing_repo(full: str) -> str:
    return (f'rpc error: code = Unknown desc = failed to pull and unpack image "{full}": failed to resolve reference '
            f'"{full}": pull access denied, repository does not exist or may require authorization: server message: '
            "insufficient_scope: authorization failed")


def _missing_tag(full: str) -> str:
    return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{full}": failed to resolve reference '
            f'"{full}": {full}: not found')


@pytest.mark.parametrize(("image", "message"), [
    ("ngnix:1.25", _missing_repo("docker.io/library/ngnix:1.25")),
    ("example/ngnix", _missing_repo("docker.io/example/ngnix:latest")),
    ("nginx:1.99", _missing_tag("docker.io/library/nginx:1.99")),
    ("nginx:lates", _missing_tag("docker.io/library/nginx:lates")),
    ("registry.k8s.io/pause:9.9", _missing_tag("registry.k8s.io/pause:9.9")),
    ("quay.io/nobody/nothing:1.0", _missing_tag("quay.io/nobody/nothing:1.0")),
])
def test_failed_pulls_are_worded_as_containerd_words_them(catalogue, image: str, message: str):
    with pytest.raises(PullError) as err:
        Registry(catalogue).resolve(parse_image(image))
    assert str(err.value) == message


def _run(c: kt.Cluster, name: str, image: str) -> None:
    """A bare pod (the embedded kubectl has no `run`)."""
    c.client("admin").create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                                      "spec": {"containers": [{"name": name, "image": image}]}}, "default")


def _events(c: kt.Cluster, pod: str) -> list[tuple[str, str, str]]:
    return [(e["type"], e["reason"], e["message"]) for e in c.list("events")
            if e["involvedObject"]["name"] == pod]


def test_set_image_to_a_newer_nginx_rolls_out():
    c = kt.Cluster()
    c.kubectl(f"create -f {DATA / 'deployment.yaml'}")
    c.run()
    assert str(c.kubectl("set image deployment/nginx nginx=nginx:1.28")) == "deployment.apps/nginx image updated"
    c.run()
    pods = c.list("pods")
    assert len(pods) == 1 and pods[0]["spec"]["containers"][0]["image"] == "nginx:1.28"
    status = pods[0]["status"]["containerStatuses"][0]
    assert status["ready"] and status["image"] == "docker.io/library/nginx:1.28"
    pulled = [m for _, reason, m in _events(c, pods[0]["metadata"]["name"]) if reason == "Pulled"]
    assert pulled == ['Successfully pulled image "nginx:1.28" in 2.403s (2.403s including waiting). '
                      "Image size: 71971486 bytes."]
    c.run(seconds=15)                                           # the next node status report lists it
    node = c.get("node", pods[0]["spec"]["nodeName"])
    assert {"names": [status["imageID"], "docker.io/library/nginx:1.28"], "sizeBytes": 71971486} in \
        node["status"]["images"]


def test_a_typo_in_the_repository_gives_err_image_pull_with_containerds_message():
    c = kt.Cluster()
    _run(c, "web", "ngnix:1.25")
    c.run(seconds=1)
    err = _missing_repo("docker.io/library/ngnix:1.25")
    waiting = c.get("pod", "web")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {"reason": "ErrImagePull", "message": err}
    assert ("Warning", "Failed", f'Failed to pull image "ngnix:1.25": {err}') in _events(c, "web")
    assert ("Warning", "Failed", "Error: ErrImagePull") in _events(c, "web")
    c.run(seconds=5)
    waiting = c.get("pod", "web")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {"reason": "ImagePullBackOff", "message": 'Back-off pulling image "ngnix:1.25"'}


def test_break_image_fails_a_released_tag_on_purpose_and_refuses_unknown_ones():
    c = kt.Cluster()
    c.faults.break_image("nginx:1.26")
    assert "1.26" not in c.images["nginx"]["tags"] and c.images["nginx"]["removed"] == ["1.26"]
    c.faults.break_image("nginx:1.28")
    assert c.images["nginx"]["removed"] == ["1.26", "1.28"]
    _run(c, "web", "nginx:1.28")
    _run(c, "old", "nginx:1.25")
    c.run(seconds=5)
    waiting = c.get("pod", "web")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] in ("ErrImagePull", "ImagePullBackOff")
    assert ("Warning", "Failed", 'Failed to pull image "nginx:1.28": '
            + _missing_tag("docker.io/library/nginx:1.28")) in _events(c, "web")
    assert c.get("pod", "old")["status"]["phase"] == "Running"
    with pytest.raises(KeyError, match="is not in the registry"):
        c.faults.break_image("nginx:1.99")
    with pytest.raises(KeyError, match="is not in the registry"):
        c.faults.break_image("ngnix")
    assert c.images["nginx"]["removed"] == ["1.26", "1.28"]
    with pytest.raises(KeyError, match="is not in the registry"):
        c.faults.break_image("nginx:1.26")                     # broken already


def test_the_real_kubectl_updates_to_nginx_1_28_and_sees_a_typo_fail(tmp_path):
    """Against `kubeteach serve`: the rollout to a tag the catalogue does not pin finishes; a typo in the
    repository leaves the new pod in ErrImagePull / ImagePullBackOff with containerd's message in its events."""
    import time

    from conftest import real_kubectl, serve_cli

    kubeconfig = tmp_path / "kubeconfig"
    with serve_cli(tmp_path, kubeconfig):
        run = real_kubectl(kubeconfig, tmp_path, timeout=60)
        assert run("create", "-f", "data/deployment.yaml").returncode == 0
        assert run("rollout", "status", "deployment/nginx", "--timeout=60s").returncode == 0
        done = run("set", "image", "deployment/nginx", "nginx=nginx:1.28")
        assert done.stdout == "deployment.apps/nginx image updated\n", done.stderr
        assert run("rollout", "status", "deployment/nginx", "--timeout=60s").returncode == 0
        images = run("get", "pods", "-o", "jsonpath={.items[*].status.containerStatuses[*].image}").stdout
        assert images == "docker.io/library/nginx:1.28"
        assert run("set", "image", "deployment/nginx", "nginx=ngnix:1.28").returncode == 0
        message = 'Failed to pull image "ngnix:1.28": ' + _missing_repo("docker.io/library/ngnix:1.28")
        for _ in range(100):
            events = run("get", "events", "--field-selector", "reason=Failed", "-o",
                         "jsonpath={range .items[*]}{.message}{'\\n'}{end}").stdout.splitlines()
            if message in events:
                break
            time.sleep(0.2)
        assert message in events and "Error: ErrImagePull" in events
        assert sorted(run("get", "pods", "-l", "app=nginx", "-o", "jsonpath={.items[*].spec.containers[*].image}"
                          ).stdout.split()) == ["nginx:1.28", "ngnix:1.28"]
