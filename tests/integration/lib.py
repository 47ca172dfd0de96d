"""Helpers for Coffer's integration tests: start a real server, make real clients.

Every test module runs under /usr/bin/python3 (Debian's, which has boto3) with
COFFER_BIN pointing at the built binary.
"""
import datetime
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import boto3
import botocore
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

COFFER_BIN = os.environ.get("COFFER_BIN", os.path.abspath("build/release/coffer"))
ROOT_KEY = "AKIAINTEGRATIONTEST0"
ROOT_SECRET = "integrationSecretKey/0123456789abcdefghij"
REGION = "us-east-1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def md5(data):
    return hashlib.md5(data).hexdigest()


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret, date, region=REGION):
    k = sign(("AWS4" + secret).encode(), date)
    k = sign(k, region)
    k = sign(k, "s3")
    return sign(k, "aws4_request")


def sign_manually(server, method, path, headers, payload_hash, when=None):
    """Adds SigV4 headers for `payload_hash` (which botocore would replace), dated `when`
    (default now); returns (headers, seed signature, signing key, amz date, scope)."""
    amz_date = (when or datetime.datetime.utcnow()).strftime("%Y%m%dT%H%M%SZ")
    scope = "%s/%s/s3/aws4_request" % (amz_date[:8], server.region)
    headers = dict(headers, Host="127.0.0.1:%d" % server.port)
    headers["x-amz-date"] = amz_date
    headers["x-amz-content-sha256"] = payload_hash
    lower = {k.lower(): v.strip() for k, v in headers.items()}
    signed = sorted(lower)
    canonical = "\n".join([method, path, "", "".join("%s:%s\n" % (k, lower[k]) for k in signed),
                           ";".join(signed), payload_hash])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(canonical.encode()).hexdigest()])
    key = signing_key(ROOT_SECRET, amz_date[:8], server.region)
    seed = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
                                "Signature=%s" % (ROOT_KEY, scope, ";".join(signed), seed))
    return headers, seed, key, amz_date, scope



class Server:
    """A coffer server process on a fresh (or given) data directory."""

    def __init__(self, tls=False, region=REGION, data=None, extra_args=(), env=None):
        self.tmp = tempfile.mkdtemp(prefix="coffer-it-")
        self.data = data or os.path.join(self.tmp, "data")
        self.tls = tls
        self.region = region
        self.extra_args = list(extra_args)
        self.env = dict(os.environ, COFFER_ROOT_ACCESS_KEY=ROOT_KEY,
                        COFFER_ROOT_SECRET_KEY=ROOT_SECRET)
        if env:
            self.env.update(env)
        self.port = free_port()
        self.proc = None
        self.log_path = os.path.join(self.tmp, "server.log")

    @property
    def scheme(self):
        return "https" if self.tls else "http"

    @property
    def endpoint(self):
        return "%s://127.0.0.1:%d" % (self.scheme, self.port)

    @property
    def ca(self):
        return os.path.join(self.data, "tls", "ca.pem")

    def admin(self, *args):
        out = subprocess.run([COFFER_BIN, "admin", "--data", self.data, *args],
                             capture_output=True, text=True, env=self.env, timeout=60)
        if out.returncode != 0:
            raise RuntimeError("coffer admin %s failed: %s" % (args, out.stderr))
        return json.loads(out.stdout)

    def add_account(self, name):
        """Before the first start: initializes the data folder (a start and a stop), then
        creates another account; returns (its id, its root access key)."""
        self.start()
        self.stop()
        account = self.admin("create-account", "--name", name)["AccountId"]
        return account, self.admin("create-access-key", "--account", account)

    def start(self):
        args = [COFFER_BIN, "server", "--data", self.data,
                "--address", "127.0.0.1:%d" % self.port, "--region", self.region]
        if not self.tls:
            args.append("--no-tls")
        args += self.extra_args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=self.env)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.read_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start: " + self.read_log())

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def stop(self):
        """SIGTERM and wait; returns the exit code."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        code = self.proc.returncode if self.proc else None
        self.proc = None
        self.log.close()
        return code

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None
        self.log.close()

    def cleanup(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def aws(self, *args, key=ROOT_KEY, secret=ROOT_SECRET, check=True, env=None):
        """Runs Debian's aws CLI against this server; raises when it fails and `check`."""
        full_env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                        AWS_DEFAULT_REGION=self.region, AWS_CONFIG_FILE="/dev/null",
                        AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
        if self.tls:
            full_env["AWS_CA_BUNDLE"] = self.ca
        full_env.update(env or {})
        out = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.endpoint, *args],
                             capture_output=True, text=True, env=full_env, timeout=300)
        if check and out.returncode != 0:
            raise AssertionError("aws %s failed: %s" % (" ".join(args), out.stderr))
        return out

    def client(self, key=ROOT_KEY, secret=ROOT_SECRET, region=None, **config):
        cfg = Config(retries={"total_max_attempts": 1}, **config)
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=key,
                            aws_secret_access_key=secret, region_name=region or self.region,
                            verify=self.ca if self.tls else None, config=cfg)

    def signed_request(self, method, path, body=b"", headers=None, key=ROOT_KEY,
                       secret=ROOT_SECRET, payload_hash=None, region=None):
        """A SigV4-signed raw request (botocore's signer); returns (status, headers, body)."""
        url = self.endpoint + path
        req = AWSRequest(method=method, url=url, data=body, headers=headers or {})
        if payload_hash is not None:
            req.headers["X-Amz-Content-SHA256"] = payload_hash
        S3SigV4Auth(Credentials(key, secret), "s3", region or self.region).add_auth(req)
        return send_raw(self, method, path, body, dict(req.headers.items()))


def send_raw(server, method, path, body, headers):
    import http.client
    import ssl
    if server.tls:
        ctx = ssl.create_default_context(cafile=server.ca)
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, context=ctx, timeout=30)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), data


def error_code(body):
    import re
    m = re.search(rb"<Code>([^<]*)</Code>", body)
    return m.group(1).decode() if m else None


class ServerTestCase(unittest.TestCase):
    """One server per test class (plain HTTP unless TLS = True)."""
    TLS = False
    REGION = REGION

    @classmethod
    def setUpClass(cls):
        cls.server = Server(tls=cls.TLS, region=cls.REGION)
        cls.prepare(cls.server)
        cls.server.start()
        cls.s3 = cls.server.client()

    @classmethod
    def prepare(cls, server):
        """Runs before the server starts (coffer admin needs it stopped)."""

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.server.cleanup()
        assert code == 0, "server exit code %r" % code

    _counter = 0

    def bucket(self, create=True):
        ServerTestCase._counter += 1
        name = "it-%s-%d" % (self.id().split(".")[-1].replace("_", "-")[:40].lower(),
                             ServerTestCase._counter)
        if create:
            self.s3.create_bucket(Bucket=name)
        return name

    def assertError(self, fn, status, code, **kwargs):
        with self.assertRaises(ClientError) as cm:
            fn(**kwargs)
        err = cm.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
        if code is not None:
            self.assertEqual(err["Error"]["Code"], code, err)
        return err
