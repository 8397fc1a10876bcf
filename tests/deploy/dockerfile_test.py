"""The Dockerfile builds the way CI does, with only install-deps.sh's build
group and without the tests, and ships a runtime stage with exactly the Debian
packages the binary needs: every shared library `ldd` lists for
the built binary (GATEWAY_PROXY_BIN) belongs to a package the runtime stage
installs or to one of their dependencies, and each package it installs ships
one of those libraries (ca-certificates aside: the upstream's TLS needs it).

Dependencies are read from this machine's dpkg database, so this checks the
Debian 12 packages the binary was built against, the same ones the image's
build stage installs. No docker and no network: scripts/image-test.sh builds
and runs the image itself."""

import json
import os
import re
import shlex
import subprocess
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROXY_BIN = os.environ["GATEWAY_PROXY_BIN"]
# Both stages on one pinned Debian 12 point release (debian:12.N), the
# runtime one slim.
BUILD_BASE = re.compile(r"^debian:12\.[0-9]+$")
RUNTIME_BASE = re.compile(r"^debian:12\.[0-9]+-slim$")
# The build stage configures as CI does plus this: no tests, so none of the
# test group's packages (GTest, cpp-httplib) are needed.
BUILD_ONLY_OPTIONS = ["-DGATEWAY_PROXY_BUILD_TESTS=OFF"]
# Needed though no library links it: libcurl verifies the upstream with it.
NOT_A_LIBRARY = {"ca-certificates"}
SEPARATORS = {"&&", "||", ";", "|", "&"}


def dockerfile_stages(path):
    """[{"from": image, "name": alias, "instructions": [(KEYWORD, args)]}]."""
    stages, pending = [], ""
    with open(path) as f:
        for line in f:
            stripped = line.strip()
            if stripped.startswith("#") or (not stripped and not pending):
                continue  # Docker drops comment lines, inside continuations too.
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            keyword, _, args = (pending + stripped).partition(" ")
            pending = ""
            keyword, args = keyword.upper(), args.strip()
            if keyword == "FROM":
                words = args.split()
                alias = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
                stages.append({"from": words[0], "name": alias, "instructions": []})
            elif stages:
                stages[-1]["instructions"].append((keyword, args))
    return stages


def shell_commands(script):
    """The simple commands of a shell line, each as its list of words."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands, current = [], []
    for token in lexer:
        if token in SEPARATORS:
            if current:
                commands.append(current)
            current = []
        else:
            current.append(token)
    if current:
        commands.append(current)
    return commands


def run_commands(stage):
    return [c for keyword, args in stage["instructions"] if keyword == "RUN"
            for c in shell_commands(args)]


def cmake_configure(commands):
    """(generator, sorted -D options, build dir) of the `cmake -S` command."""
    for words in commands:
        if words[:2] == ["cmake", "-S"]:
            generator = words[words.index("-G") + 1] if "-G" in words else None
            build_dir = words[words.index("-B") + 1] if "-B" in words else None
            return generator, sorted(w for w in words if w.startswith("-D")), build_dir
    return None


def installed_packages(stage):
    """(packages, options) of the stage's `apt-get install` commands."""
    packages, options = [], set()
    for words in run_commands(stage):
        if words[:2] == ["apt-get", "install"]:
            options.update(w for w in words[2:] if w.startswith("-"))
            packages.extend(w for w in words[2:] if not w.startswith("-"))
    return packages, options


def install_groups():
    """{group: [package]} of scripts/install-deps.sh's NAME_packages=( ... )
    arrays (the words of each, comments dropped)."""
    with open(os.path.join(REPO, "scripts", "install-deps.sh")) as f:
        script = f.read()
    groups = {}
    for name, body in re.findall(r"^(\w+)_packages=\((.*?)^\)", script, re.S | re.M):
        groups[name] = [w for line in body.splitlines()
                        for w in line.split("#")[0].split()]
    return groups


def linked_libraries(binary):
    """{soname: resolved path} of every shared library the loader maps for it."""
    result = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise AssertionError(f"ldd {binary} exited {result.returncode}: {result.stderr}")
    libraries = {}
    for line in result.stdout.splitlines():
        line = line.strip()
        if "=>" in line:
            soname, _, rest = line.partition(" => ")
            if rest.startswith("not found"):
                raise AssertionError(f"ldd: {soname} not found for {binary}")
            libraries[soname] = rest.split(" (")[0]
        elif line.startswith("/"):  # the dynamic loader itself
            path = line.split(" (")[0]
            libraries[os.path.basename(path)] = path
        # linux-vdso.so.1 is the kernel's and has no file.
    return libraries


def owning_packages(paths):
    """{path: package} via one `dpkg -S`, trying each path as ldd printed it,
    resolved, and with and without /usr (Debian 12 merges /lib into /usr/lib,
    while dpkg records each file where its package put it)."""
    candidates = {}
    for path in paths:
        names = []
        for p in (path, os.path.realpath(path)):
            names += [p, p[len("/usr"):] if p.startswith("/usr/") else "/usr" + p]
        candidates[path] = names
    every = sorted({n for names in candidates.values() for n in names})
    result = subprocess.run(["dpkg", "-S", *every], capture_output=True, text=True,
                            timeout=30)
    owner_of = {}
    for line in result.stdout.splitlines():
        match = re.match(r"(.+?): (/.*)$", line)
        if match and not line.startswith("diversion by"):
            owner_of[match.group(2)] = match.group(1).split(",")[0].strip().split(":")[0]
    return {path: next((owner_of[n] for n in names if n in owner_of), None)
            for path, names in candidates.items()}


def dependency_closure(roots):
    """Every installed package that installing `roots` brings in through
    Depends and Pre-Depends (the first installed choice of an alternative; a
    virtual package through its installed providers)."""
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t${Status}\t${Provides}\t${Depends}, "
         "${Pre-Depends}\n"], capture_output=True, text=True, timeout=30, check=True)
    depends, providers = {}, {}
    for line in result.stdout.splitlines():
        package, status, provides, deps = line.split("\t")
        if not status.endswith(" installed"):
            continue
        providers.setdefault(package, set()).add(package)
        for virtual in filter(None, (p.split("(")[0].strip() for p in provides.split(","))):
            providers.setdefault(virtual, set()).add(package)
        depends.setdefault(package, []).extend(
            [re.sub(r"\(.*?\)|:\S+", "", alternative).strip()
             for alternative in group.split("|")]
            for group in deps.split(",") if group.strip())
    closure, todo = set(), list(roots)
    while todo:
        package = todo.pop()
        if package in closure:
            continue
        closure.add(package)
        for alternatives in depends.get(package, []):
            chosen = next((providers[a] for a in alternatives if a in providers), set())
            todo.extend(chosen)
    return closure, set(depends)


class DockerfileTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.stages = dockerfile_stages(os.path.join(REPO, "Dockerfile"))
        if len(cls.stages) < 2:
            raise AssertionError(f"Dockerfile has {len(cls.stages)} stage(s); expected a "
                                 "build stage and a runtime stage")
        cls.runtime = cls.stages[-1]
        copies = [args.split() for keyword, args in cls.runtime["instructions"]
                  if keyword == "COPY" and args.startswith("--from=")]
        if len(copies) != 1 or len(copies[0]) != 3:
            raise AssertionError(f"expected one `COPY --from=STAGE SRC DEST` in the runtime "
                                 f"stage, found {copies}")
        build_name = copies[0][0][len("--from="):]
        cls.binary_src, cls.binary_dest = copies[0][1], copies[0][2]
        cls.build = next((s for s in cls.stages if s["name"] == build_name), None)
        if cls.build is None:
            raise AssertionError(f"COPY --from={build_name}: no stage is named {build_name}")
        with open(os.path.join(REPO, "scripts", "test.sh")) as f:
            cls.ci_commands = [c for line in f if not line.lstrip().startswith("#")
                               for c in shell_commands(line)]

    def test_build_stage_installs_only_the_build_group(self):
        installs = [words for words in run_commands(self.build)
                    if "scripts/install-deps.sh" in words]
        self.assertEqual(installs, [["bash", "scripts/install-deps.sh", "build"]])
        self.assertEqual(installed_packages(self.build), ([], set()),
                         "the build stage installs packages outside install-deps.sh")

    def test_install_script_has_the_build_group_apart_from_the_test_group(self):
        groups = install_groups()
        self.assertIn("build-essential", groups["build"])
        for test_only in ("libgtest-dev", "libcpp-httplib-dev", "python3-grpcio",
                          "nginx"):
            self.assertIn(test_only, groups["test"])
            self.assertNotIn(test_only, groups["build"])

    def test_build_stage_configures_like_ci_and_builds_the_binary(self):
        ci = cmake_configure(self.ci_commands)
        self.assertIsNotNone(ci, "no `cmake -S` in scripts/test.sh")
        image = cmake_configure(run_commands(self.build))
        self.assertIsNotNone(image, "no `cmake -S` in the build stage")
        self.assertEqual(image[:2], (ci[0], sorted(ci[1] + BUILD_ONLY_OPTIONS)),
                         "the build stage's generator and -D options differ from CI's "
                         f"plus {BUILD_ONLY_OPTIONS}")
        self.assertIn(["cmake", "--build", image[2], "--target", "gateway-proxy"],
                      run_commands(self.build))
        self.assertTrue(any(self.binary_src in words for words in run_commands(self.build)),
                        f"the build stage never makes {self.binary_src}, which the runtime "
                        "stage copies")

    def test_stages_are_one_pinned_debian_12_point_release(self):
        self.assertRegex(self.build["from"], BUILD_BASE)
        self.assertRegex(self.runtime["from"], RUNTIME_BASE)
        self.assertEqual(self.runtime["from"], self.build["from"] + "-slim")

    def test_runtime_stage_cleans_apt_itself(self):
        commands = run_commands(self.runtime)
        install = next(i for i, words in enumerate(commands)
                       if words[:2] == ["apt-get", "install"])
        self.assertIn(["apt-get", "clean"], commands[install + 1:])
        self.assertIn(["rm", "-rf", "/var/lib/apt/lists/*"], commands[install + 1:])

    def test_runtime_user_is_numeric_and_not_root(self):
        users = [args for keyword, args in self.runtime["instructions"] if keyword == "USER"]
        self.assertEqual(len(users), 1, f"USER instructions in the runtime stage: {users}")
        uid = users[0].split(":")[0]
        # Numeric, so Kubernetes' runAsNonRoot can check it.
        self.assertRegex(uid, r"^[0-9]+$")
        self.assertNotEqual(int(uid), 0, "USER is root")

    def test_entrypoint_is_the_binary(self):
        entrypoints = [args for keyword, args in self.runtime["instructions"]
                       if keyword == "ENTRYPOINT"]
        self.assertEqual(len(entrypoints), 1)
        self.assertEqual(json.loads(entrypoints[0]), [self.binary_dest])

    def test_runtime_packages_provide_every_linked_library(self):
        packages, options = installed_packages(self.runtime)
        # Recommends would bring packages the closure below does not count.
        self.assertIn("--no-install-recommends", options)
        closure, installed = dependency_closure(packages)
        self.assertEqual([p for p in packages if p not in installed], [],
                         "runtime packages not installed here, so not checkable")
        libraries = linked_libraries(PROXY_BIN)
        owners = owning_packages(libraries.values())
        unowned = sorted(f"{soname} ({path})" for soname, path in libraries.items()
                         if owners[path] is None)
        if unowned:
            self.fail("libraries no Debian package ships: " + ", ".join(unowned))
        missing = sorted(f"{soname} from {owners[path]}" for soname, path in libraries.items()
                         if owners[path] not in closure)
        if missing:
            self.fail(f"the runtime stage's packages {packages} do not bring in: "
                      + ", ".join(missing))

    def test_runtime_installs_only_what_the_binary_needs(self):
        packages, _ = installed_packages(self.runtime)
        self.assertEqual(len(packages), len(set(packages)), f"listed twice: {packages}")
        self.assertIn("ca-certificates", packages,
                      "without ca-certificates the upstream's TLS cannot be verified")
        libraries = linked_libraries(PROXY_BIN)
        needed = set(owning_packages(libraries.values()).values())
        unneeded = sorted(set(packages) - needed - NOT_A_LIBRARY)
        if unneeded:
            self.fail(f"the runtime stage installs {unneeded}, which ship none of the "
                      f"libraries ldd lists (those come from {sorted(needed)})")


if __name__ == "__main__":
    unittest.main(verbosity=2)
