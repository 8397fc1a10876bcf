"""deploy/ renders (with `kubectl kustomize`) to pods that run gateway-proxy
the way the README says, and its component drops into any Deployment.

Every overlay in deploy/overlays, and the components in deploy/components
applied to a workload that is not the sample app (fixtures/worker.yaml, in
every combination), render and pass the Kubernetes schemas
(manifest_schemas.py). In each, the pod runs gateway-proxy as a native
sidecar on loopback, started with flags the built binary has, its API key
read from the Secret the kustomization generates, its security context on
its own container under the restricted Pod Security Standard, with
resources, probes and scrape annotations that match its listeners. On the
other workload the component adds exactly the sidecar, its volume and the
annotations, and leaves everything else as it was. README's kustomization
for a workload of your own renders as written.

Needs kubectl (scripts/install-deps.sh installs Debian's kubernetes-client
where there is none), python3-yaml, node and npm (for the schemas; see
manifest_schemas.py), BUILD_DIR, and GATEWAY_PROXY_BIN: the built binary,
whose --help is the list of real flags. No cluster; the network only for a
first `npm ci`."""

import copy
import functools
import ipaddress
import itertools
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import unittest
from fractions import Fraction

import yaml

import manifest_schemas

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEPLOY_DIR = os.path.join(REPO, "deploy")
OVERLAYS_DIR = os.path.join(DEPLOY_DIR, "overlays")
COMPONENTS_DIR = os.path.join(DEPLOY_DIR, "components")
SIDECAR_COMPONENT = "gateway-proxy"
POD_MONITOR_COMPONENT = "pod-monitor"
FIXTURE = os.path.join(HERE, "fixtures", "worker.yaml")
FIXTURE_NAMESPACE = "billing"
PROXY_BIN = os.environ["GATEWAY_PROXY_BIN"]
PROXY_CONTAINER = "gateway-proxy"
SECRET = "gateway-api-key"
SCRAPE_ANNOTATIONS = ("prometheus.io/scrape", "prometheus.io/port", "prometheus.io/path")
SIDECAR_LABEL = ("gateway-proxy/sidecar", "true")

# Volume types the restricted Pod Security Standard allows.
RESTRICTED_VOLUME_TYPES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                           "persistentVolumeClaim", "projected", "secret"}
PROBES = ("startupProbe", "livenessProbe", "readinessProbe")
MIN_KUSTOMIZE_MAJOR = 4


@functools.lru_cache(maxsize=None)
def kubectl_with_components():
    """kubectl's path, once its kustomize is known to take Components."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        raise AssertionError("kubectl is not installed: run scripts/install-deps.sh "
                             "(it installs Debian's kubernetes-client)")
    result = subprocess.run([kubectl, "version", "--client"], capture_output=True,
                            text=True, timeout=60)
    # "Kustomize Version: v5.5.0" from kubectl 1.24 on; older ones print none.
    match = re.search(r"^Kustomize Version: v(\d+)\.", result.stdout, re.M)
    if match is None or int(match.group(1)) < MIN_KUSTOMIZE_MAJOR:
        # Debian 12 ships no kustomize that reads Components (its
        # kubernetes-client 1.20 embeds v2) and nothing else is installable
        # here: the renderings cannot be checked on such a machine, which is
        # a skip, said plainly, not a failure.
        raise unittest.SkipTest(
            f"{kubectl}'s kustomize is older than v{MIN_KUSTOMIZE_MAJOR}, which deploy/'s "
            "Components and targeted patches need (Debian 12's kubernetes-client 1.20 "
            f"embeds kustomize v2); use a kubectl of 1.24 or later:\n{result.stdout}")
    return kubectl


def kustomize(directory):
    """The objects `kubectl kustomize DIRECTORY` renders."""
    kubectl = kubectl_with_components()
    result = subprocess.run([kubectl, "kustomize", directory], capture_output=True,
                            text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {os.path.relpath(directory, REPO)} "
                             f"exited {result.returncode}:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def overlays():
    """The directories under deploy/overlays that hold a kustomization."""
    return sorted(name for name in os.listdir(OVERLAYS_DIR)
                  if os.path.isfile(os.path.join(OVERLAYS_DIR, name, "kustomization.yaml")))


def components():
    return sorted(name for name in os.listdir(COMPONENTS_DIR)
                  if os.path.isfile(os.path.join(COMPONENTS_DIR, name, "kustomization.yaml")))


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def render_fixture_with(names, workdir):
    """fixtures/worker.yaml with the named components, in a kustomization of
    its own as a user would write it: the workload's namespace, and the
    Secret the sidecar component expects."""
    os.makedirs(workdir)
    shutil.copyfile(FIXTURE, os.path.join(workdir, "worker.yaml"))
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": FIXTURE_NAMESPACE,
        "resources": ["worker.yaml"],
        # kustomize takes relative paths only.
        "components": [os.path.relpath(os.path.join(COMPONENTS_DIR, n), workdir)
                       for n in names],
        "secretGenerator": [{"name": SECRET,
                             "literals": ["api-key=placeholder-for-tests"]}],
    }
    with open(os.path.join(workdir, "kustomization.yaml"), "w") as f:
        yaml.safe_dump(kustomization, f)
    return kustomize(workdir)


def readme_deploy_section():
    with open(os.path.join(REPO, "README.md")) as f:
        readme = f.read()
    section = re.search(r"^## Deploy.*?(?=^## )", readme, re.S | re.M)
    if section is None:
        raise AssertionError("README has no Deploy section")
    return section.group(0)


def only(docs, kind, what):
    found = [d for d in docs if d.get("kind") == kind]
    if len(found) != 1:
        raise AssertionError(f"{what} renders {len(found)} {kind}s, expected exactly 1")
    return found[0]


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


class Rendering:
    """One rendered kustomization whose Deployment runs the sidecar."""

    def __init__(self, label, docs, flags):
        self.label, self.docs = label, docs
        self.deployment = only(docs, "Deployment", label)
        self.namespace = self.deployment["metadata"].get("namespace")
        self.pod = self.deployment["spec"]["template"]["spec"]
        proxies = [c for c in self.pod.get("initContainers", [])
                   if c["name"] == PROXY_CONTAINER]
        if len(proxies) != 1:
            raise AssertionError(
                f"{label}: expected one init container named {PROXY_CONTAINER!r}, found "
                f"{len(proxies)} (initContainers: "
                f"{[c['name'] for c in self.pod.get('initContainers', [])]})")
        self.proxy = proxies[0]
        self.values, self.arg_problems = parse_args(self.proxy.get("args", []), flags)
        self.listen = split_host_port(self.values.get("listen", flags["listen"].strip('"')))

    def all_containers(self):
        return self.pod.get("initContainers", []) + self.pod.get("containers", [])

    def app_containers(self):
        return [c for c in self.all_containers() if c is not self.proxy]


def without_sidecar(deployment, labelled):
    """deployment as it was before the components: a copy without the
    sidecar, its volume, the scrape annotations and (labelled) the
    pod-monitor component's label. Each must be there to be taken out;
    what was taken out comes back too, for the caller to check."""
    before = copy.deepcopy(deployment)
    template = before["spec"]["template"]
    spec = template["spec"]
    init = spec["initContainers"]
    if init[0]["name"] != PROXY_CONTAINER:
        raise AssertionError(f"the sidecar is not the first init container: "
                             f"{[c['name'] for c in init]}")
    removed = {"sidecar": init.pop(0)}
    if not init:
        del spec["initContainers"]
    volumes = spec["volumes"]
    [removed["volume"]] = [v for v in volumes if v["name"] == SECRET]
    volumes.remove(removed["volume"])
    if not volumes:
        del spec["volumes"]
    annotations = template["metadata"]["annotations"]
    removed["annotations"] = {k: annotations.pop(k) for k in SCRAPE_ANNOTATIONS}
    if not annotations:
        del template["metadata"]["annotations"]
    if labelled:
        key = SIDECAR_LABEL[0]
        removed["label"] = (key, template["metadata"]["labels"].pop(key))
    return before, removed


class KustomizeTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.flags = binary_flags()
        workdir = tempfile.mkdtemp(prefix="kustomize_test.")
        cls.addClassCleanup(shutil.rmtree, workdir)
        # label -> the objects it renders; every overlay, and the fixture with
        # each combination of the components.
        cls.rendered = {f"overlays/{name}": kustomize(os.path.join(OVERLAYS_DIR, name))
                        for name in overlays()}
        cls.fixture_components = {}
        names = components()
        for count in range(1, len(names) + 1):
            for subset in itertools.combinations(names, count):
                label = "worker + " + " + ".join(subset)
                cls.fixture_components[label] = subset
                cls.rendered[label] = render_fixture_with(
                    subset, os.path.join(workdir, "-".join(subset)))
        # Those that run the sidecar: every overlay, and the fixture with it.
        cls.cases = [Rendering(label, docs, cls.flags) for label, docs in cls.rendered.items()
                     if label not in cls.fixture_components
                     or SIDECAR_COMPONENT in cls.fixture_components[label]]

    # What renders.

    def test_every_overlay_and_combination_renders_its_objects(self):
        def name(doc):
            # A generated Secret's name ends in a hash of its contents.
            if doc["kind"] == "Secret":
                return re.sub(r"-[a-z0-9]{10}$", "-<hash>", doc["metadata"]["name"])
            return doc["metadata"]["name"]
        found = {label: sorted((d["kind"], name(d), d["metadata"].get("namespace"))
                               for d in docs)
                 for label, docs in self.rendered.items()}
        app = [("Deployment", "example-app", None), ("Secret", SECRET + "-<hash>", None)]
        worker = [("Deployment", "billing-worker", FIXTURE_NAMESPACE),
                  ("Secret", SECRET + "-<hash>", FIXTURE_NAMESPACE)]
        monitor = [("PodMonitor", "gateway-proxy", None)]
        worker_monitor = [("PodMonitor", "gateway-proxy", FIXTURE_NAMESPACE)]
        self.assertEqual(found, {
            "overlays/example": app,
            "overlays/example-pod-monitor": sorted(app + monitor),
            "worker + gateway-proxy": worker,
            "worker + pod-monitor": sorted(worker + worker_monitor),
            "worker + gateway-proxy + pod-monitor": sorted(worker + worker_monitor),
        })

    def test_every_rendering_passes_the_kubernetes_schemas(self):
        modules = manifest_schemas.install()
        for label, docs in self.rendered.items():
            with self.subTest(label):
                self.assertEqual(manifest_schemas.problems(docs, modules), [])

    def test_the_schemas_reject_what_the_api_server_would(self):
        # The check above, on objects the API server refuses.
        modules = manifest_schemas.install()
        deployment = copy.deepcopy(only(self.rendered["overlays/example"], "Deployment",
                                        "overlays/example"))
        deployment["spec"]["replicas"] = "2"
        pod = deployment["spec"]["template"]["spec"]
        pod["initContainers"][0]["ports"][0]["containerPort"] = "50051"
        pod["initContainers"][0]["imagePullPolicy"] = "Sometimes"
        del pod["containers"][0]["name"]
        pod_monitor = copy.deepcopy(only(self.rendered["overlays/example-pod-monitor"],
                                         "PodMonitor", "overlays/example-pod-monitor"))
        pod_monitor["spec"]["podMetricsEndpoints"][0]["interval"] = 30
        misspelt = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitr",
                    "metadata": {"name": "gateway-proxy"}}
        self.assertEqual(manifest_schemas.problems([deployment, pod_monitor, misspelt],
                                                   modules), [
            ("apps/v1 Deployment example-app", [
                "/spec/replicas must be integer",
                "/spec/template/spec/containers/0 must have required property name",
                "/spec/template/spec/initContainers/0/imagePullPolicy must be equal to one "
                "of the allowed values (Always, IfNotPresent, Never)",
                "/spec/template/spec/initContainers/0/ports/0/containerPort must be integer",
            ]),
            ("monitoring.coreos.com/v1 PodMonitor gateway-proxy", [
                "/spec/podMetricsEndpoints/0/interval must be string",
            ]),
            ("monitoring.coreos.com/v1 PodMonitr gateway-proxy",
             ["no schema for monitoring.coreos.com/v1 PodMonitr"]),
        ])

    # The component on a workload of its own.

    def test_component_adds_only_the_sidecar_its_volume_and_annotations(self):
        worker = load_yaml(FIXTURE)
        patch = load_yaml(os.path.join(COMPONENTS_DIR, SIDECAR_COMPONENT, "sidecar.yaml"))
        patch_pod = patch["spec"]["template"]
        for label, subset in self.fixture_components.items():
            if SIDECAR_COMPONENT not in subset:
                continue
            with self.subTest(label):
                rendered = only(self.rendered[label], "Deployment", label)
                labelled = POD_MONITOR_COMPONENT in subset
                before, removed = without_sidecar(rendered, labelled)
                # The workload's own pod securityContext, init container,
                # volumes, annotations, app container: all as they were.
                self.assertEqual(before, worker)
                # The sidecar first, so the workload's own init containers
                # can call through it too; exactly the component's container.
                self.assertEqual(removed["sidecar"], patch_pod["spec"]["initContainers"][0])
                self.assertEqual(removed["annotations"], patch_pod["metadata"]["annotations"])
                secret = removed["volume"]["secret"]
                self.assertRegex(secret.pop("secretName"), "^" + SECRET + "-[a-z0-9]{10}$")
                self.assertEqual(removed["volume"], {"name": SECRET,
                                                     "secret": {"defaultMode": 0o444}})
                if labelled:
                    self.assertEqual(removed["label"], SIDECAR_LABEL)

    def test_sample_overlay_is_the_base_app_plus_the_sidecar(self):
        app = only(kustomize(os.path.join(DEPLOY_DIR, "base")), "Deployment", "deploy/base")
        for label, labelled in (("overlays/example", False),
                                ("overlays/example-pod-monitor", True)):
            with self.subTest(label):
                rendered = only(self.rendered[label], "Deployment", label)
                before, _ = without_sidecar(rendered, labelled)
                self.assertEqual(before, app)

    def test_pod_monitor_component_alone_adds_its_label_and_podmonitor(self):
        rendered = only(self.rendered["worker + pod-monitor"], "Deployment", "worker")
        worker = load_yaml(FIXTURE)
        worker["spec"]["template"]["metadata"]["labels"][SIDECAR_LABEL[0]] = SIDECAR_LABEL[1]
        self.assertEqual(rendered, worker)

    # The sidecar, in every rendering.

    def test_proxy_is_a_native_sidecar_beside_the_app(self):
        for case in self.cases:
            with self.subTest(case.label):
                self.assertEqual(case.proxy.get("restartPolicy"), "Always",
                                 "the proxy must be an init container with restartPolicy "
                                 "Always (a native sidecar), or the app never starts")
                self.assertNotIn(PROXY_CONTAINER, [c["name"] for c in case.pod["containers"]])
                self.assertGreaterEqual(len(case.pod["containers"]), 1, "no app container")
                self.assertNotIn("command", case.proxy,
                                 "the image's ENTRYPOINT is the binary; args alone configure it")

    def test_every_flag_is_a_flag_of_the_built_binary(self):
        for case in self.cases:
            with self.subTest(case.label):
                if case.arg_problems:
                    self.fail("\n".join(case.arg_problems))
                self.assertIn("api_key_file", case.values)
                self.assertIn("metrics_listen", case.values)
                self.assertIn("health_listen", case.values)

    def test_listen_ports_are_the_declared_container_ports(self):
        for case in self.cases:
            with self.subTest(case.label):
                declared = sorted(p["containerPort"] for p in case.proxy.get("ports", []))
                expected = sorted(p for _, p in
                                  listeners(case.values, self.flags, defaults=False).values())
                self.assertEqual(declared, expected,
                                 f"containerPorts {declared} must be exactly the ports of the "
                                 f"listeners the args configure, {expected}")

    def test_a_listener_that_adds_the_api_key_is_loopback_or_needs_client_certificates(self):
        for case in self.cases:
            with self.subTest(case.label):
                host, port = case.listen
                if not is_loopback(host):
                    self.assertTrue(case.values.get("tls_client_ca"),
                                    f"--listen={host}:{port} is reachable from outside the pod "
                                    "and adds this pod's API key to every call: keep it on "
                                    "loopback or require client certificates (--tls_client_ca)")

    def test_app_dials_the_proxy_address(self):
        for case in self.cases:
            with self.subTest(case.label):
                host, port = case.listen
                addresses = [e["value"] for c in case.app_containers() for e in c.get("env", [])
                             if e["name"] == "GATEWAY_ADDRESS"]
                self.assertEqual(addresses, [f"{host}:{port}"])

    def test_api_key_file_is_in_a_volume_of_the_generated_secret(self):
        for case in self.cases:
            with self.subTest(case.label):
                key_file = case.values["api_key_file"]
                mount_dir, file_name = posixpath.split(key_file)
                all_mounts = case.proxy.get("volumeMounts", [])
                mounts = [m for m in all_mounts if m["mountPath"].rstrip("/") == mount_dir]
                self.assertEqual(len(mounts), 1,
                                 f"expected one volumeMount at {mount_dir} (--api_key_file="
                                 f"{key_file}), mounts: {[m['mountPath'] for m in all_mounts]}")
                mount = mounts[0]
                self.assertNotIn("subPath", mount, "a subPath mount never sees a rotated "
                                 "Secret; mount the directory")
                self.assertIs(mount.get("readOnly"), True)
                # No other container sees the key.
                for container in case.app_containers():
                    self.assertNotIn(mount["name"], [m["name"] for m in
                                                     container.get("volumeMounts", [])])

                volume = next(v for v in case.pod["volumes"] if v["name"] == mount["name"])
                self.assertIn("secret", volume, f"volume {volume['name']} is not a Secret")
                secret_name = volume["secret"]["secretName"]
                self.assertRegex(secret_name, "^" + SECRET + "-[a-z0-9]{10}$",
                                 "not the generated Secret, with kustomize's hash suffix")
                secrets = {d["metadata"]["name"]: d for d in case.docs
                           if d.get("kind") == "Secret"
                           and d["metadata"].get("namespace") == case.namespace}
                self.assertIn(secret_name, secrets,
                              f"no Secret {secret_name} is rendered in the pod's namespace "
                              f"{case.namespace}")

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

                # Secret files are owned by root, and by the pod's fsGroup when
                # it has one: the proxy's UID is neither.
                if mode is None:
                    mode = volume["secret"].get("defaultMode", 0o644)
                readable = bool(mode & 0o004) or (
                    bool(mode & 0o040) and "fsGroup" in case.pod.get("securityContext", {}))
                self.assertTrue(readable,
                                f"mode {mode:#o} does not let the non-root proxy read the key")

    def test_sidecar_carries_its_own_restricted_security_context(self):
        # On the container, so it holds whatever the pod sets, and the pod's
        # settings stay the workload's.
        for case in self.cases:
            with self.subTest(case.label):
                self.assertEqual(case.proxy.get("securityContext"), {
                    "runAsNonRoot": True,
                    "runAsUser": 65532,
                    "runAsGroup": 65532,
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                    "seccompProfile": {"type": "RuntimeDefault"},
                })

    def test_pod_and_containers_meet_the_restricted_profile(self):
        for case in self.cases:
            with self.subTest(case.label):
                pod_sc = case.pod.get("securityContext", {})
                for field in ("hostNetwork", "hostPID", "hostIPC"):
                    self.assertFalse(case.pod.get(field, False), field)
                for volume in case.pod.get("volumes", []):
                    kinds = set(volume) - {"name"}
                    self.assertLessEqual(kinds, RESTRICTED_VOLUME_TYPES,
                                         f"volume {volume['name']} has a type the profile forbids")
                for container in case.all_containers():
                    sc = container.get("securityContext", {})
                    where = f"{case.label}, container {container['name']}: securityContext"
                    # Set on the container, or inherited from the pod.
                    self.assertIs(sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")), True,
                                  f"{where}.runAsNonRoot")
                    self.assertNotEqual(sc.get("runAsUser", pod_sc.get("runAsUser")), 0,
                                        f"{where}.runAsUser")
                    seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
                    self.assertIn(seccomp.get("type"), ("RuntimeDefault", "Localhost"),
                                  f"{where}.seccompProfile.type")
                    self.assertIs(sc.get("allowPrivilegeEscalation"), False,
                                  f"{where}.allowPrivilegeEscalation")
                    self.assertIs(sc.get("readOnlyRootFilesystem"), True,
                                  f"{where}.readOnlyRootFilesystem")
                    self.assertIn("ALL", sc.get("capabilities", {}).get("drop", []),
                                  f"{where}.capabilities.drop")
                    self.assertLessEqual(set(sc.get("capabilities", {}).get("add", [])),
                                         {"NET_BIND_SERVICE"}, f"{where}.capabilities.add")
                    self.assertFalse(sc.get("privileged", False), f"{where}.privileged")
                    for port in container.get("ports", []):
                        self.assertNotIn("hostPort", port)

    def test_every_container_has_requests_and_a_memory_limit(self):
        for case in self.cases:
            with self.subTest(case.label):
                for container in case.all_containers():
                    resources = container.get("resources", {})
                    requests, limits = resources.get("requests", {}), resources.get("limits", {})
                    where = f"{case.label}, container {container['name']}"
                    self.assertEqual(sorted(set(requests) & {"cpu", "memory"}), ["cpu", "memory"],
                                     f"{where}: resources.requests: {requests}")
                    self.assertIn("memory", limits, f"{where}: resources.limits: {limits}")
                    for name, limit in limits.items():
                        if name in requests:
                            self.assertGreaterEqual(quantity(limit), quantity(requests[name]),
                                                    f"{where}: {name} limit below its request")

    def test_probes_dial_the_health_listener(self):
        for case in self.cases:
            with self.subTest(case.label):
                problems = probe_problems(case.proxy, listeners(case.values, self.flags))
                if problems:
                    self.fail("\n".join(problems))
                _, health_port = split_host_port(case.values["health_listen"])
                for kind in PROBES:
                    self.assertEqual(case.proxy[kind], {**case.proxy[kind],
                                                        "grpc": {"port": health_port}},
                                     f"{kind} is not a gRPC probe of --health_listen")

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

    # Metrics.

    def metrics_port(self, case):
        host, port = split_host_port(case.values["metrics_listen"])
        self.assertFalse(is_loopback(host),
                         f"--metrics_listen={host}:{port}: Prometheus scrapes the pod IP")
        names = [p.get("name") for p in case.proxy["ports"] if p["containerPort"] == port]
        self.assertEqual(names, ["metrics"], "the metrics listener's declared port")
        return port

    def test_scrape_annotations_point_at_the_metrics_listener(self):
        for case in self.cases:
            with self.subTest(case.label):
                annotations = case.deployment["spec"]["template"]["metadata"]["annotations"]
                self.assertEqual({k: annotations.get(k) for k in SCRAPE_ANNOTATIONS}, {
                    "prometheus.io/scrape": "true",
                    "prometheus.io/port": str(self.metrics_port(case)),
                    "prometheus.io/path": "/metrics",
                })

    def test_pod_monitor_scrapes_the_sidecars_metrics_port(self):
        monitored = [case for case in self.cases
                     if any(d["kind"] == "PodMonitor" for d in case.docs)]
        self.assertEqual([c.label for c in monitored],
                         ["overlays/example-pod-monitor", "worker + gateway-proxy + pod-monitor"])
        for case in monitored:
            with self.subTest(case.label):
                monitor = only(case.docs, "PodMonitor", case.label)
                self.assertEqual(monitor["metadata"].get("namespace"), case.namespace,
                                 "a PodMonitor selects pods of its own namespace")
                labels = case.deployment["spec"]["template"]["metadata"]["labels"]
                selector = monitor["spec"]["selector"]
                self.assertEqual(set(selector), {"matchLabels"})
                self.assertLessEqual(selector["matchLabels"].items(), labels.items(),
                                     f"the selector does not match the pod's labels {labels}")
                port = self.metrics_port(case)
                self.assertEqual(monitor["spec"]["podMetricsEndpoints"], [{
                    "port": next(p["name"] for p in case.proxy["ports"]
                                 if p["containerPort"] == port),
                    "path": "/metrics",
                    "interval": "30s",
                    "relabelings": [{
                        "sourceLabels": ["__meta_kubernetes_pod_container_name"],
                        "regex": PROXY_CONTAINER,
                        "action": "keep",
                    }],
                }])

    # The documentation.

    def test_readme_kustomization_for_your_own_workload_renders_as_written(self):
        section = readme_deploy_section()
        blocks = re.findall(r"^```yaml\n(.*?)^```", section, re.S | re.M)
        self.assertEqual(len(blocks), 1, "expected one yaml block in README's Deploy section")
        # Laid out as its paths say: the kustomization in app/, this
        # repository beside it as gateway-proxy/, the workload and the key
        # file next to the kustomization.
        workdir = tempfile.mkdtemp(prefix="kustomize_test.readme.")
        self.addCleanup(shutil.rmtree, workdir)
        app = os.path.join(workdir, "app")
        os.makedirs(app)
        os.symlink(REPO, os.path.join(workdir, "gateway-proxy"))
        with open(os.path.join(app, "kustomization.yaml"), "w") as f:
            f.write(blocks[0])
        shutil.copyfile(FIXTURE, os.path.join(app, "deployment.yaml"))
        with open(os.path.join(app, "api-key.txt"), "w") as f:
            f.write("placeholder-for-tests")
        docs = kustomize(app)

        # The same objects as the fixture with both components, but for the
        # image the kustomization names and the Secret's contents.
        expected = copy.deepcopy(self.rendered["worker + gateway-proxy + pod-monitor"])
        for doc in expected:
            if doc["kind"] == "Deployment":
                doc["spec"]["template"]["spec"]["initContainers"][0]["image"] = (
                    "registry.example.com/gateway-proxy:0.1.0")
        def comparable(objects):
            out = []
            for doc in copy.deepcopy(objects):
                if doc["kind"] == "Secret":
                    doc["metadata"]["name"] = SECRET + "-<hash>"
                    doc["data"] = sorted(doc["data"])
                if doc["kind"] == "Deployment":
                    volume = next(v for v in doc["spec"]["template"]["spec"]["volumes"]
                                  if v["name"] == SECRET)
                    volume["secret"]["secretName"] = SECRET + "-<hash>"
                out.append(doc)
            return sorted(out, key=lambda d: d["kind"])
        self.assertEqual(comparable(docs), comparable(expected))

    def test_readme_deploy_section_names_paths_that_exist(self):
        section = readme_deploy_section()
        paths = set(re.findall(r"(?<![\w/.])deploy/[\w./-]*\w", section))
        for name in overlays():
            self.assertIn(f"kubectl apply -k deploy/overlays/{name}", section)
        for name in components():
            self.assertIn(f"deploy/components/{name}", paths)
        for path in sorted(paths):
            with self.subTest(path):
                self.assertTrue(os.path.exists(os.path.join(REPO, path)),
                                f"README's Deploy section names {path}, which does not exist")


if __name__ == "__main__":
    unittest.main(verbosity=2)
