"""Kubernetes objects checked against the schemas of their API, offline:
validate_manifests.js with npm's kubernetes-models (the core API) and
@kubernetes-models/prometheus-operator (PodMonitor and the operator's other
CRDs), pinned in package.json and package-lock.json beside this file.

The packages are installed with `npm ci` into BUILD_DIR/deploy-validation
(found through NODE_PATH), so the source tree stays clean. The install runs
only when that directory was not installed from the current package.json and
lock; npm's own cache (~/.npm) makes a repeat install work offline. No node,
no npm or a failed install raises: scripts/install-deps.sh provides node and
npm."""

import hashlib
import json
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
VALIDATOR = os.path.join(HERE, "validate_manifests.js")
MANIFESTS = ("package.json", "package-lock.json")
NPM_CI_TIMEOUT_S = 240


def _install_dir():
    return os.path.join(os.environ["BUILD_DIR"], "deploy-validation")


def _manifest_hash():
    digest = hashlib.sha256()
    for name in MANIFESTS:
        with open(os.path.join(HERE, name), "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()


def install():
    """`npm ci` into BUILD_DIR/deploy-validation unless it already holds this
    lock's packages. Returns the node_modules directory."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise AssertionError(f"{tool} is not on PATH: run scripts/install-deps.sh")
    install_dir = _install_dir()
    modules = os.path.join(install_dir, "node_modules")
    # Written into node_modules after a successful `npm ci` (which starts by
    # deleting node_modules): the hash of the files it installed from.
    stamp = os.path.join(modules, ".gateway-proxy-installed-from")
    wanted = _manifest_hash()
    try:
        with open(stamp, encoding="ascii") as f:
            if f.read() == wanted:
                return modules
    except FileNotFoundError:
        pass
    os.makedirs(install_dir, exist_ok=True)
    for name in MANIFESTS:
        shutil.copyfile(os.path.join(HERE, name), os.path.join(install_dir, name))
    # --ignore-scripts: none of these packages needs an install script.
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--prefer-offline"],
        cwd=install_dir, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=NPM_CI_TIMEOUT_S)
    if result.returncode != 0:
        raise AssertionError(f"npm ci in {install_dir} failed ({result.returncode}); is "
                             f"the npm registry reachable?\n{result.stdout}{result.stderr}")
    with open(stamp, "w", encoding="ascii") as f:
        f.write(wanted)
    return modules


def problems(objects, modules):
    """[("apiVersion kind name", [schema errors])] for each object with
    errors, in input order. modules: what install() returned."""
    result = subprocess.run(["node", VALIDATOR], input=json.dumps(objects),
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "NODE_PATH": modules})
    if result.returncode != 0:
        raise AssertionError(f"{VALIDATOR} exited {result.returncode}:\n{result.stderr}")
    report = json.loads(result.stdout)
    if len(report) != len(objects):
        raise AssertionError(f"{VALIDATOR} reported on {len(report)} of {len(objects)} "
                             "objects")
    return [(entry["object"], entry["errors"]) for entry in report if entry["errors"]]
