"""The layers of proxy/ (README, Design) hold: in what each file includes, and
in what the pure core's programs link.

  layers_test.py includes SOURCE_DIR
  layers_test.py links BINARY...

`includes`: a file in proxy/LAYER/ includes proxy headers only from its own
layer or one below it, and the core includes no libcurl, gRPC or
prometheus-cpp header. `links`: each BINARY (the core's test programs, linked
against gateway_proxy_core alone, so they would not link at all should the
core call into a library it does not name) needs no libcurl, gRPC,
prometheus-cpp or OpenSSL library at run time.
"""
import pathlib
import re
import subprocess
import sys
import unittest

# Lowest first: a layer may include only itself and the layers before it.
LAYERS = ["core", "observability", "upstream", "edge", "app"]
CORE_FORBIDDEN_HEADERS = re.compile(r"^(curl/|grpc/|grpcpp/|grpc\+\+/|prometheus/|openssl/)")
FORBIDDEN_LIBRARIES = re.compile(r"^lib(curl|grpc|gpr|prometheus|ssl|crypto)")
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.MULTILINE)

SOURCE_DIR = None
BINARIES = []


def includes_of(path):
    return INCLUDE.findall(path.read_text(encoding="utf-8"))


class IncludesTest(unittest.TestCase):
    def sources(self):
        proxy = pathlib.Path(SOURCE_DIR) / "proxy"
        files = sorted(p for p in proxy.rglob("*") if p.suffix in (".h", ".cc"))
        self.assertTrue(files, f"no sources under {proxy}")
        return proxy, files

    def test_every_source_sits_in_a_layer(self):
        proxy, files = self.sources()
        outside = [str(p.relative_to(proxy)) for p in files
                   if p.relative_to(proxy).parts[0] not in LAYERS]
        self.assertEqual(outside, [])

    def test_a_layer_includes_only_itself_and_the_layers_below(self):
        proxy, files = self.sources()
        wrong = []
        for path in files:
            layer = path.relative_to(proxy).parts[0]
            if layer not in LAYERS:
                continue  # test_every_source_sits_in_a_layer reports it
            allowed = LAYERS[: LAYERS.index(layer) + 1]
            for header in includes_of(path):
                if not header.startswith("proxy/"):
                    continue
                target = header.split("/")[1]
                if target not in allowed:
                    wrong.append(f"proxy/{path.relative_to(proxy)} includes {header}")
        self.assertEqual(wrong, [])

    def test_project_headers_are_included_with_their_layer(self):
        proxy, files = self.sources()
        names = {p.name for p in files if p.suffix == ".h"}
        bare = [f"proxy/{path.relative_to(proxy)} includes \"{header}\""
                for path in files for header in includes_of(path) if header in names]
        self.assertEqual(bare, [])

    def test_the_core_includes_no_transport_or_metrics_library(self):
        proxy, files = self.sources()
        wrong = [f"proxy/{path.relative_to(proxy)} includes {header}"
                 for path in files if path.relative_to(proxy).parts[0] == "core"
                 for header in includes_of(path) if CORE_FORBIDDEN_HEADERS.match(header)]
        self.assertEqual(wrong, [])


class LinksTest(unittest.TestCase):
    def test_core_programs_need_no_transport_or_metrics_library(self):
        self.assertTrue(BINARIES, "no core programs given")
        for binary in BINARIES:
            out = subprocess.run(["readelf", "-d", binary], check=True,
                                 capture_output=True, text=True).stdout
            needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
            with self.subTest(binary=pathlib.Path(binary).name):
                self.assertIn("libc.so.6", needed)
                self.assertEqual([n for n in needed if FORBIDDEN_LIBRARIES.match(n)], [])


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "includes":
        SOURCE_DIR = args[0]
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(IncludesTest)
    elif mode == "links":
        BINARIES = args
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(LinksTest)
    else:
        sys.exit(f"unknown mode {mode!r}: includes or links")
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)
