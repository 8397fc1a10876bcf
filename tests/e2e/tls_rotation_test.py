#!/usr/bin/env python3
"""The built binary's listener certificate rotates without a restart: the
certificate and key files are swapped the way the kubelet updates a mounted
Secret (a new directory, then the `..data` symlink renamed over the old one),
and new connections present the new certificate within the refresh interval.
With --tls_client_ca the rotated listener still requires a client
certificate from that CA, and a rewritten client CA file is followed too."""

import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e_test import PROXY_BIN, Server  # noqa: E402

# proxy/app/server.cc's kTlsFilesRefreshSeconds, and room for a loaded machine.
REFRESH_S = 10
MARGIN_S = 10
SERIAL_A = 0xA1
SERIAL_B = 0xB2
NEW_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class Pki:
    """A throwaway CA and certificates it signs, in `work`."""

    def __init__(self, work):
        self.work = work
        self.ca_key = self.path("ca.key")
        self.ca_cert = self.path("ca.crt")
        openssl("req", "-x509", *NEW_KEY, "-days", "1", "-subj", "/CN=Rotation Test CA",
                "-keyout", self.ca_key, "-out", self.ca_cert)

    def path(self, name):
        return os.path.join(self.work, name)

    def issue(self, name, serial, extensions):
        """(cert, key) paths of a certificate with `serial`, signed by the CA."""
        key, csr, cert, ext = (self.path(f"{name}.{suffix}")
                               for suffix in ("key", "csr", "crt", "ext"))
        with open(ext, "w") as out:
            out.write(extensions)
        openssl("req", "-new", *NEW_KEY, "-subj", f"/CN={name}", "-keyout", key, "-out", csr)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey",
                self.ca_key, "-set_serial", str(serial), "-days", "1",
                "-extfile", ext, "-out", cert)
        return cert, key

    def server(self, name, serial):
        return self.issue(name, serial, "subjectAltName=IP:127.0.0.1\n"
                          "extendedKeyUsage=serverAuth\n")

    def client(self, name, serial):
        return self.issue(name, serial, "extendedKeyUsage=clientAuth\n")


class MountedSecret:
    """tls.crt and tls.key as the kubelet lays out a Secret volume:
    tls.crt -> ..data/tls.crt, ..data -> ..<version>/."""

    def __init__(self, root):
        self.root = root
        os.mkdir(root)
        self.version = 0
        for name in ("tls.crt", "tls.key"):
            os.symlink(os.path.join("..data", name), os.path.join(root, name))

    @property
    def cert(self):
        return os.path.join(self.root, "tls.crt")

    @property
    def key(self):
        return os.path.join(self.root, "tls.key")

    def publish(self, cert, key):
        """Writes a new version's directory, then renames a new ..data
        symlink over the old one: readers see the old pair or the new."""
        self.version += 1
        version = f"..v{self.version}"
        os.mkdir(os.path.join(self.root, version))
        for source, name in ((cert, "tls.crt"), (key, "tls.key")):
            with open(source, "rb") as src, \
                    open(os.path.join(self.root, version, name), "wb") as dst:
                dst.write(src.read())
        staged = os.path.join(self.root, "..data_tmp")
        os.symlink(version, staged)
        os.rename(staged, os.path.join(self.root, "..data"))


def presented_serial(address, ca_cert, client=None):
    """The serial of the certificate a new TLS connection (ALPN h2) gets,
    verified against `ca_cert` for 127.0.0.1."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(ca_cert)
    context.set_alpn_protocols(["h2"])
    if client is not None:
        context.load_cert_chain(*client)
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            assert tls.selected_alpn_protocol() == "h2", tls.selected_alpn_protocol()
            return int(tls.getpeercert()["serialNumber"], 16)


def health_over_tls(address, ca_cert, client=None):
    """grpc.health.v1 Check's status over a new TLS channel (1 SERVING)."""
    with open(ca_cert, "rb") as f:
        root = f.read()
    key = chain = None
    if client is not None:
        with open(client[0], "rb") as f:
            chain = f.read()
        with open(client[1], "rb") as f:
            key = f.read()
    credentials = grpc.ssl_channel_credentials(root, key, chain)
    # A channel of its own: a new connection, never one from before.
    with grpc.secure_channel(address, credentials,
                             options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
        reply = channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
    return reply[1] if len(reply) == 2 and reply[0] == 0x08 else None


def await_serial(address, ca_cert, want, client=None):
    """Polls new connections until one presents `want`, for at most the
    refresh interval and the margin; the last serial seen."""
    deadline = time.monotonic() + REFRESH_S + MARGIN_S
    got = presented_serial(address, ca_cert, client)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = presented_serial(address, ca_cert, client)
    return got


class TlsRotationTest(unittest.TestCase):

    def setUp(self):
        self._work = tempfile.TemporaryDirectory()
        self.work = self._work.name
        self.addCleanup(self._work.cleanup)
        self.pki = Pki(self.work)
        self.cert_a = self.pki.server("server-a", SERIAL_A)
        self.cert_b = self.pki.server("server-b", SERIAL_B)
        self.secret = MountedSecret(os.path.join(self.work, "secret"))
        self.secret.publish(*self.cert_a)
        # Upstream: a port bound but never listening (no call goes there).
        upstream = socket.socket()
        upstream.bind(("127.0.0.1", 0))
        self.addCleanup(upstream.close)
        self.upstream = f"http://127.0.0.1:{upstream.getsockname()[1]}"

    def start(self, *flags):
        proxy = Server("gateway-proxy",
                       [PROXY_BIN, "--listen=127.0.0.1:0", f"--upstream={self.upstream}",
                        "--noaccess_log", f"--tls_cert={self.secret.cert}",
                        f"--tls_key={self.secret.key}", *flags], self.work)
        self.addCleanup(proxy.stop)
        return proxy

    def test_new_connections_present_the_swapped_certificate_without_a_restart(self):
        proxy = self.start()
        self.assertEqual(presented_serial(proxy.address, self.pki.ca_cert), SERIAL_A)
        self.assertEqual(health_over_tls(proxy.address, self.pki.ca_cert), 1)

        self.secret.publish(*self.cert_b)
        self.assertEqual(await_serial(proxy.address, self.pki.ca_cert, SERIAL_B), SERIAL_B,
                         proxy.log())
        self.assertEqual(health_over_tls(proxy.address, self.pki.ca_cert), 1)
        self.assertIsNone(proxy.process.poll())

    def test_mutual_tls_still_requires_a_client_certificate_after_a_rotation(self):
        client = self.pki.client("client", 0xC3)
        proxy = self.start(f"--tls_client_ca={self.pki.ca_cert}")
        self.assertEqual(presented_serial(proxy.address, self.pki.ca_cert, client), SERIAL_A)

        self.secret.publish(*self.cert_b)
        self.assertEqual(await_serial(proxy.address, self.pki.ca_cert, SERIAL_B, client),
                         SERIAL_B, proxy.log())
        self.assertEqual(health_over_tls(proxy.address, self.pki.ca_cert, client), 1)
        with self.assertRaises(grpc.RpcError) as refused:
            health_over_tls(proxy.address, self.pki.ca_cert)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)

    def test_a_rewritten_client_ca_file_is_followed(self):
        other_dir = os.path.join(self.work, "other")
        os.mkdir(other_dir)
        other = Pki(other_dir)
        client_of_other = other.client("client-of-other", 0xD4)
        client_ca = os.path.join(self.work, "client-ca.crt")
        with open(self.pki.ca_cert, "rb") as src, open(client_ca, "wb") as dst:
            dst.write(src.read())
        proxy = self.start(f"--tls_client_ca={client_ca}")
        with self.assertRaises(grpc.RpcError) as refused:
            health_over_tls(proxy.address, self.pki.ca_cert, client_of_other)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.UNAVAILABLE)

        staged = client_ca + ".new"
        with open(other.ca_cert, "rb") as src, open(staged, "wb") as dst:
            dst.write(src.read())
        os.replace(staged, client_ca)
        deadline = time.monotonic() + REFRESH_S + MARGIN_S
        while True:
            try:
                status = health_over_tls(proxy.address, self.pki.ca_cert, client_of_other)
                break
            except grpc.RpcError as error:
                if time.monotonic() >= deadline:
                    raise AssertionError(f"still refused: {error}\n{proxy.log()}")
                time.sleep(0.1)
        self.assertEqual(status, 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
