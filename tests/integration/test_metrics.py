"""Prometheus metrics and `coffer admin stats`: the bearer-token endpoint on the API port, the separate plain
address, that promtool accepts the exposition, and that counters move with requests
(S3 operations, KMS calls direct and via S3, Bucket Key cache, SSE modes)."""
import json
import os
import re
import shutil
import subprocess
import unittest
import urllib.error
import urllib.request
import ssl

import boto3
from botocore.config import Config

from lib import ROOT_KEY, ROOT_SECRET, ServerTestCase, free_port


def parse(text):
    """{(name, frozenset(labels)): value} from the Prometheus text format."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$', line)
        assert m, line
        labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


class MetricsTests(ServerTestCase):
    TLS = True

    @classmethod
    def prepare(cls, server):
        cls.metrics_port = free_port()
        server.extra_args += ["--metrics-address", "127.0.0.1:%d" % cls.metrics_port]

    def scrape_plain(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.metrics_port) as r:
            self.assertEqual(r.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
            return r.read().decode()

    def scrape_api(self, token):
        ctx = ssl.create_default_context(cafile=self.server.ca)
        req = urllib.request.Request(self.server.endpoint + "/_coffer/metrics")
        if token is not None:
            req.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(req, context=ctx) as r:
            return r.read().decode()

    def value(self, metrics, name, **labels):
        return metrics.get((name, frozenset(labels.items())), 0)

    def test_token_endpoint_and_plain_address(self):
        with open(os.path.join(self.server.data, "metrics-token")) as f:
            token = f.read().strip()
        self.assertEqual(os.stat(os.path.join(self.server.data, "metrics-token")).st_mode & 0o777,
                         0o600)
        for wrong in (None, "nope"):
            with self.assertRaises(urllib.error.HTTPError) as cm:
                self.scrape_api(wrong)
            self.assertEqual(cm.exception.code, 401)
            self.assertEqual(cm.exception.headers["WWW-Authenticate"], 'Bearer realm="coffer metrics"')
        self.assertIn("# TYPE coffer_requests_total counter", self.scrape_api(token))
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen("http://127.0.0.1:%d/other" % self.metrics_port)
        self.assertEqual(cm.exception.code, 404)
        # A bucket cannot be named "_coffer": S3 answers for its own names as before.
        self.assertError(self.s3.create_bucket, 400, "InvalidBucketName", Bucket="_coffer")

    @unittest.skipUnless(shutil.which("promtool"), "needs promtool (Debian's prometheus)")
    def test_promtool_accepts_the_exposition(self):
        self.s3.create_bucket(Bucket="promtool-check")
        text = self.scrape_plain()
        out = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)

    def test_counters_move_with_requests(self):
        kms = boto3.client("kms", endpoint_url=self.server.endpoint, aws_access_key_id=ROOT_KEY,
                           aws_secret_access_key=ROOT_SECRET, region_name="us-east-1",
                           verify=self.server.ca, config=Config(retries={"max_attempts": 1}))
        before = parse(self.scrape_plain())
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="k", Body=b"x" * 1000, ServerSideEncryption="aws:kms")
        self.s3.get_object(Bucket=b, Key="k")["Body"].read()
        for i in range(3):
            self.s3.put_object(Bucket=b, Key="bk%d" % i, Body=b"y", ServerSideEncryption="aws:kms",
                               BucketKeyEnabled=True)
        self.assertError(self.s3.get_object, 404, "NoSuchKey", Bucket=b, Key="missing")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.encrypt(KeyId=key, Plaintext=b"p")
        after = parse(self.scrape_plain())

        def moved(name, **labels):
            return self.value(after, name, **labels) - self.value(before, name, **labels)

        self.assertEqual(moved("coffer_requests_total", service="s3", operation="PutObject",
                               status="200"), 4)
        self.assertEqual(moved("coffer_requests_total", service="s3", operation="GetObject",
                               status="200"), 1)
        self.assertEqual(moved("coffer_requests_total", service="s3", operation="GetObject",
                               status="404"), 1)
        self.assertEqual(moved("coffer_requests_total", service="kms", operation="Encrypt",
                               status="200"), 1)
        self.assertEqual(moved("coffer_kms_calls_total", operation="Encrypt", caller="direct"), 1)
        self.assertEqual(moved("coffer_kms_calls_total", operation="CreateKey", caller="direct"), 1)
        # One data key for the plain SSE-KMS object, one bucket key for three objects.
        self.assertEqual(moved("coffer_kms_calls_total", operation="GenerateDataKey", caller="s3"), 2)
        self.assertEqual(moved("coffer_kms_calls_total", operation="Decrypt", caller="s3"), 1)
        self.assertEqual(moved("coffer_bucket_key_cache_total", result="miss"), 1)
        self.assertEqual(moved("coffer_bucket_key_cache_total", result="hit"), 2)
        self.assertEqual(moved("coffer_sse_requests_total", mode="sse-kms", direction="write"), 1)
        self.assertEqual(moved("coffer_sse_requests_total", mode="sse-kms-bucket-key",
                               direction="write"), 3)
        self.assertEqual(moved("coffer_sse_requests_total", mode="sse-kms", direction="read"), 1)
        self.assertGreaterEqual(moved("coffer_received_bytes_total", service="s3"), 1003)
        self.assertGreaterEqual(moved("coffer_sent_bytes_total", service="s3"), 1000)
        self.assertEqual(moved("coffer_request_duration_seconds_count", service="s3",
                               operation="PutObject"), 4)


if __name__ == "__main__":
    unittest.main()


class StatsTests(ServerTestCase):
    """coffer admin stats: SSE requests per mode, account and bucket, and buckets with
    SSE-KMS default encryption, like Storage Lens."""
    TLS = True

    def test_stats_count_requests_and_default_encryption(self):
        kms_bucket, plain_bucket = self.bucket(), self.bucket()
        self.s3.put_bucket_encryption(Bucket=kms_bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"},
                       "BucketKeyEnabled": True}]})
        for i in range(3):  # the default: SSE-KMS with a Bucket Key
            self.s3.put_object(Bucket=kms_bucket, Key="k%d" % i, Body=b"x")
        self.s3.get_object(Bucket=kms_bucket, Key="k0")["Body"].read()
        self.s3.put_object(Bucket=plain_bucket, Key="s3", Body=b"x")
        self.s3.put_object(Bucket=plain_bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms")
        self.s3.put_object(Bucket=plain_bucket, Key="c", Body=b"x", SSECustomerAlgorithm="AES256",
                           SSECustomerKey=os.urandom(32))
        self.assertEqual(self.server.stop(), 0)  # saves the counters
        out = subprocess.run([os.environ.get("COFFER_BIN"), "admin", "--data", self.server.data,
                              "stats", "--json"], capture_output=True, text=True,
                             env=self.server.env, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        stats = json.loads(out.stdout)
        buckets = {b["Bucket"]: b for b in stats["Buckets"]}
        k = buckets[kms_bucket]
        self.assertEqual((k["DefaultEncryption"], k["SseKmsDefault"], k["BucketKeyEnabled"]),
                         ("sse-kms-bucket-key", True, True))
        self.assertEqual(k["RequestsByMode"]["sse-kms-bucket-key"], 4)
        self.assertEqual((k["Requests"], k["SseKmsRequests"], k["SseKmsRequestShare"]), (4, 4, 1.0))
        p = buckets[plain_bucket]
        self.assertEqual((p["DefaultEncryption"], p["SseKmsDefault"]), ("sse-s3", False))
        self.assertEqual({m: n for m, n in p["RequestsByMode"].items() if n},
                         {"sse-s3": 1, "sse-kms": 1, "sse-c": 1})
        account = [a for a in stats["Accounts"] if a["Buckets"] >= 2][0]
        self.assertEqual(account["SseKmsDefaultBuckets"], 1)
        self.assertEqual(account["SseKmsDefaultBucketShare"], 0.5)
        self.assertEqual((account["Requests"], account["SseKmsRequests"]), (7, 5))
        table = subprocess.run([os.environ.get("COFFER_BIN"), "admin", "--data", self.server.data,
                                "stats"], capture_output=True, text=True, env=self.server.env,
                               timeout=60).stdout
        self.assertIn("SSE-KMS-DEFAULT", table)
        self.assertIn(kms_bucket, table)
        self.server.start()
