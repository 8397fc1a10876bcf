"""deploy/ renders (with `kubectl kustomize`) to a pod that runs gateway-proxy
the way the README says: a native sidecar on loopback, started with flags the
built binary has, its API key read from the Secret the kustomization
generates, under the restricted Pod Security Standard, with resources set.

Needs kubectl (scripts/install-deps.sh installs Debian's kubernetes-client
where there is none), python3-yaml, and GATEWAY_PROXY_BIN: the built binary,
whose --help is the list of real flags. No cluster and no network."""

import ipaddress
import os
import posixpath
import re
import shutil
import subprocess
import unittest
from fractions import Fraction

import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEPLOY_DIR = os.path.join(REPO, "deploy")
PROXY_BIN = os.environ["GATEWAY_PROXY_BIN"]
PROXY_CONTAINER = "gateway-proxy"

# Volume types the restricted Pod Security Standard allows.
RESTRICTED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                           "persistentVolumeClaim", "projected", "secret"}
PROBES = ("startupProbe", "livenessProbe", "readinessProbe")


def render():
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise AssertionError("kubectl is not installed: run scripts/install-deps.sh "
                             "(it installs Debian's kubernetes-client)")
    result = subprocess.run([kubectl, "kustomize", DEPLOY_DIR], capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize deploy/ exited {result.returncode}:\n"
                             f"{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def binary_flags():
    """{flag name: default as --help prints it} for every flag --help lists."""
    result = subprocess.run([PROXY_BIN, "--help"], capture_output=True, text=True,
                            timeout=30)
    text = result.stdout + result.stderr
    flags = {}
    # One block per flag: "    --name (description); default: value;", wrapped.
    for block in re.split(r"\n(?= {4}--)", text):
        match = re.match(r" {4}--(\w+) \(.*\);\s+default: (.*?);", block, re.S)
        if match:
            flags[match.group(1)] = match.group(2)
    if "listen" not in flags:
        raise AssertionError(f"could not read the flags from {PROXY_BIN} --help:\n{text}")
    return flags


def parse_args(args, known):
    """The container's args as {flag: value}; problems as a list of strings.
    Accepts absl's forms: --flag=value, --flag value, and --noflag for a bool."""
    values, problems = {}, []
    i = 0
    while i < len(args):
        arg = str(args[i])
        i += 1
        if not arg.startswith("--"):
            problems.append(f"{arg!r} is not a flag (the binary takes no positional arguments)")
            continue
        name, eq, value = arg[2:].partition("=")
        if not eq and name not in known and name.startswith("no") and name[2:] in known:
            name, value = name[2:], "false"
        elif not eq:
            if i < len(args) and not str(args[i]).startswith("--"):
                value = str(args[i])
                i += 1
        if name not in known:
            problems.append(f"--{name} is not a flag of {os.path.basename(PROXY_BIN)} "
                            f"(its --help lists: {', '.join('--' + f for f in sorted(known))})")
            continue
        values[name] = value
    return values, problems


def split_host_port(address):
    """("127.0.0.1", 50051) from "127.0.0.1:50051" or "[::1]:50051"; None for unix:."""
    if address.startswith("unix:"):
        return None
    match = re.fullmatch(r"\[([^\]]*)\]:(\d+)|([^:\[\]]*):(\d+)", address)
    if match is None:
        raise AssertionError(f"cannot parse listen address {address!r}")
    host = match.group(1) if match.group(1) is not None else match.group(3)
    return host, int(match.group(2) or match.group(4))


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def listeners(values, known, defaults=True):
    """{flag: (host, port)} for --listen and every other *_listen flag set to a
    TCP address (or, with defaults, defaulting to one)."""
    out = {}
    for name, default in known.items():
        if name != "listen" and not name.endswith("_listen"):
            continue
        if name not in values and not (defaults or name == "listen"):
            continue
        address = values.get(name, default.strip('"'))
        if address:
            host_port = split_host_port(address)
            if host_port is not None:
                out[name] = host_port
    return out


def quantity(text):
    """A Kubernetes resource quantity as an exact number."""
    suffixes = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3,
                "M": 10**6, "G": 10**9, "T": 10**12, "m": Fraction(1, 1000), "": 1}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", str(text))
    if match is None or match.group(2) not in suffixes:
        raise AssertionError(f"not a resource quantity: {text!r}")
    return Fraction(match.group(1)) * suffixes[match.group(2)]


def probe_problems(container, listen_ports):
    """Why each of the container's probes cannot reach a listener kubelet can
    dial. listen_ports: {flag: (host, port)} of the process in the container.
    kubelet dials a probe at the pod IP, so it needs a declared port whose
    listener is not on loopback."""
    problems = []
    declared = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    reachable = {port: flag for flag, (host, port) in listen_ports.items()
                 if not is_loopback(host)}
    for kind in PROBES:
        probe = container.get(kind)
        if probe is None:
            continue
        if "exec" in probe:
            problems.append(f"{kind}: exec needs a program in the image, and the "
                            "gateway-proxy image has only the binary")
            continue
        handler = next((probe[h] for h in ("grpc", "tcpSocket", "httpGet") if h in probe), None)
        if handler is None:
            problems.append(f"{kind}: no grpc, tcpSocket or httpGet handler")
            continue
        if "host" in handler:
            problems.append(f"{kind}: host {handler['host']!r} is dialled from the node, "
                            "not inside the pod")
        port = handler.get("port")
        if isinstance(port, str):
            if port not in declared:
                problems.append(f"{kind}: port {port!r} names no declared containerPort")
                continue
            port = declared[port]
        if port not in declared.values():
            problems.append(f"{kind}: port {port} is not a declared containerPort "
                            f"(declared: {sorted(declared.values())})")
        if port not in reachable:
            listening = {flag: f"{h}:{p}" for flag, (h, p) in listen_ports.items()}
            problems.append(f"{kind}: port {port} is not a listener kubelet can reach at "
                            f"the pod IP (listeners: {listening})")
    return problems


class KustomizeTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.docs = render()
        cls.flags = binary_flags()
        with open(os.path.join(DEPLOY_DIR, "kustomization.yaml")) as f:
            cls.kustomization = yaml.safe_load(f)
        deployments = [d for d in cls.docs if d.get("kind") == "Deployment"]
        if len(deployments) != 1:
            raise AssertionError(f"deploy/ renders {len(deployments)} Deployments, "
                                 "expected exactly 1")
        cls.pod = deployments[0]["spec"]["template"]["spec"]
        proxies = [c for c in cls.pod.get("initContainers", [])
                   if c["name"] == PROXY_CONTAINER]
        if len(proxies) != 1:
            raise AssertionError(f"expected one init container named {PROXY_CONTAINER!r}, "
                                 f"found {len(proxies)} (initContainers: "
                                 f"{[c['name'] for c in cls.pod.get('initContainers', [])]})")
        cls.proxy = proxies[0]
        cls.values, cls.arg_problems = parse_args(cls.proxy.get("args", []), cls.flags)

    def all_containers(self):
        return self.pod.get("initContainers", []) + self.pod.get("containers", [])

    def listen(self):
        return split_host_port(self.values.get("listen", self.flags["listen"].strip('"')))

    def test_proxy_is_a_native_sidecar_beside_the_app(self):
        self.assertEqual(self.proxy.get("restartPolicy"), "Always",
                         "the proxy must be an init container with restartPolicy Always "
                         "(a native sidecar), or the app never starts")
        self.assertNotIn(PROXY_CONTAINER, [c["name"] for c in self.pod["containers"]])
        self.assertGreaterEqual(len(self.pod["containers"]), 1, "no app container")
        self.assertNotIn("command", self.proxy,
                         "the image's ENTRYPOINT is the binary; args alone configure it")

    def test_every_flag_is_a_flag_of_the_built_binary(self):
        if self.arg_problems:
            self.fail("\n".join(self.arg_problems))
        self.assertIn("api_key_file", self.values)

    def test_listen_port_is_the_declared_container_port(self):
        host, port = self.listen()
        declared = sorted(p["containerPort"] for p in self.proxy.get("ports", []))
        expected = sorted(p for _, p in
                          listeners(self.values, self.flags, defaults=False).values())
        self.assertEqual(declared, expected,
                         f"containerPorts {declared} must be exactly the ports of the "
                         f"listeners the args configure, {expected} (--listen={host}:{port})")

    def test_a_listener_that_adds_the_api_key_is_loopback_or_needs_client_certificates(self):
        host, port = self.listen()
        if not is_loopback(host):
            self.assertTrue(self.values.get("tls_client_ca"),
                            f"--listen={host}:{port} is reachable from outside the pod and "
                            "adds this pod's API key to every call: keep it on loopback "
                            "or require client certificates (--tls_client_ca)")

    def test_app_dials_the_proxy_address(self):
        host, port = self.listen()
        addresses = [e["value"] for c in self.pod["containers"] for e in c.get("env", [])
                     if e["name"] == "GATEWAY_ADDRESS"]
        self.assertEqual(addresses, [f"{host}:{port}"])

    def test_api_key_file_is_in_a_volume_of_the_generated_secret(self):
        key_file = self.values["api_key_file"]
        mount_dir, file_name = posixpath.split(key_file)
        mounts = [m for m in self.proxy.get("volumeMounts", [])
                  if m["mountPath"].rstrip("/") == mount_dir]
        self.assertEqual(len(mounts), 1,
                         f"expected one volumeMount at {mount_dir} (--api_key_file={key_file}), "
                         f"mounts: {[m['mountPath'] for m in self.proxy.get('volumeMounts', [])]}")
        mount = mounts[0]
        self.assertNotIn("subPath", mount,
                         "a subPath mount never sees a rotated Secret; mount the directory")
        self.assertIs(mount.get("readOnly"), True)

        volume = next(v for v in self.pod["volumes"] if v["name"] == mount["name"])
        self.assertIn("secret", volume, f"volume {volume['name']} is not a Secret")
        secret_name = volume["secret"]["secretName"]
        generated = [g["name"] for g in self.kustomization.get("secretGenerator", [])]
        self.assertTrue(any(re.fullmatch(re.escape(g) + r"-[a-z0-9]+", secret_name)
                            for g in generated),
                        f"secretName {secret_name!r} is not one of the generated Secrets "
                        f"{generated} with kustomize's hash suffix")
        secrets = {d["metadata"]["name"]: d for d in self.docs if d.get("kind") == "Secret"}
        self.assertIn(secret_name, secrets, "the volume names a Secret deploy/ does not render")

        items = volume["secret"].get("items")
        if items:
            item = next((i for i in items if i["path"] == file_name), None)
            self.assertIsNotNone(item, f"no item of the Secret volume is at {file_name}")
            key, mode = item["key"], item.get("mode")
        else:
            key, mode = file_name, None
        data = {**secrets[secret_name].get("data", {}),
                **secrets[secret_name].get("stringData", {})}
        self.assertIn(key, data, f"Secret {secret_name} has no key {key!r} "
                      f"(keys: {sorted(data)}) for --api_key_file={key_file}")

        # Secret files are owned by root, and by the pod's fsGroup when it has one.
        if mode is None:
            mode = volume["secret"].get("defaultMode", 0o644)
        readable = bool(mode & 0o004) or (bool(mode & 0o040) and
                                           "fsGroup" in self.pod.get("securityContext", {}))
        self.assertTrue(readable, f"mode {mode:#o} does not let the non-root proxy read the key")

    def test_pod_and_containers_meet_the_restricted_profile(self):
        pod_sc = self.pod.get("securityContext", {})
        self.assertIs(pod_sc.get("runAsNonRoot"), True, "pod securityContext.runAsNonRoot")
        self.assertNotEqual(pod_sc.get("runAsUser"), 0, "pod securityContext.runAsUser")
        self.assertEqual(pod_sc.get("seccompProfile", {}).get("type"), "RuntimeDefault",
                         "pod securityContext.seccompProfile.type")
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            self.assertFalse(self.pod.get(field, False), field)
        for volume in self.pod.get("volumes", []):
            kinds = set(volume) - {"name"}
            self.assertLessEqual(kinds, RESTRICTED_VOLUME_TYPES,
                                 f"volume {volume['name']} has a type the profile forbids")

        for container in self.all_containers():
            with self.subTest(container=container["name"]):
                sc = container.get("securityContext", {})
                self.assertIs(sc.get("allowPrivilegeEscalation"), False,
                              "securityContext.allowPrivilegeEscalation")
                self.assertIs(sc.get("readOnlyRootFilesystem"), True,
                              "securityContext.readOnlyRootFilesystem")
                self.assertIn("ALL", sc.get("capabilities", {}).get("drop", []),
                              "securityContext.capabilities.drop")
                self.assertLessEqual(set(sc.get("capabilities", {}).get("add", [])),
                                     {"NET_BIND_SERVICE"}, "securityContext.capabilities.add")
                self.assertFalse(sc.get("privileged", False), "securityContext.privileged")
                # A container may override the pod; it must not undo it.
                self.assertNotEqual(sc.get("runAsNonRoot"), False, "runAsNonRoot")
                self.assertNotEqual(sc.get("runAsUser"), 0, "runAsUser")
                self.assertIn(sc.get("seccompProfile", {}).get("type", "RuntimeDefault"),
                              ("RuntimeDefault", "Localhost"), "seccompProfile.type")
                for port in container.get("ports", []):
                    self.assertNotIn("hostPort", port)

    def test_every_container_has_requests_and_a_memory_limit(self):
        for container in self.all_containers():
            with self.subTest(container=container["name"]):
                resources = container.get("resources", {})
                requests, limits = resources.get("requests", {}), resources.get("limits", {})
                self.assertEqual(sorted(set(requests) & {"cpu", "memory"}), ["cpu", "memory"],
                                 f"resources.requests: {requests}")
                self.assertIn("memory", limits, f"resources.limits: {limits}")
                for name, limit in limits.items():
                    if name in requests:
                        self.assertGreaterEqual(quantity(limit), quantity(requests[name]),
                                                f"{name} limit below its request")

    def test_probes_dial_a_listener_kubelet_can_reach(self):
        # There are none today (see the comment in deploy/deployment.yaml);
        # any added later must reach a declared, non-loopback listener.
        problems = probe_problems(self.proxy, listeners(self.values, self.flags))
        if problems:
            self.fail("\n".join(problems))

    def test_a_probe_of_the_loopback_listener_is_refused(self):
        # The check above, on a probe that could never succeed.
        container = {"ports": [{"name": "grpc", "containerPort": 50051}],
                     "livenessProbe": {"grpc": {"port": 50051}},
                     "readinessProbe": {"tcpSocket": {"host": "127.0.0.1", "port": "grpc"}},
                     "startupProbe": {"exec": {"command": ["true"]}}}
        problems = probe_problems(container, {"listen": ("127.0.0.1", 50051)})
        self.assertEqual(problems, [
            "startupProbe: exec needs a program in the image, and the gateway-proxy image "
            "has only the binary",
            "livenessProbe: port 50051 is not a listener kubelet can reach at the pod IP "
            "(listeners: {'listen': '127.0.0.1:50051'})",
            "readinessProbe: host '127.0.0.1' is dialled from the node, not inside the pod",
            "readinessProbe: port 50051 is not a listener kubelet can reach at the pod IP "
            "(listeners: {'listen': '127.0.0.1:50051'})",
        ])


if __name__ == "__main__":
    unittest.main(verbosity=2)
