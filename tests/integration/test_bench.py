"""coffer-bench, the load generator of bench/compare.sh, against a real server: every
operation completes without errors or wrong bytes and leaves what it claims on the server,
and failures are reported with the AWS error the server sent."""
import json
import os
import subprocess
import tempfile
import unittest

from lib import ROOT_KEY, ROOT_SECRET, ServerTestCase

BENCH = os.path.join(os.path.dirname(os.environ.get("COFFER_BIN", "build/release/coffer")),
                     "coffer-bench")


class BenchTests(ServerTestCase):
    TLS = True

    def run_bench(self, *args, key=ROOT_KEY, secret=ROOT_SECRET, expect_exit=0):
        """Runs coffer-bench with `args`; returns its JSON result (None if it wrote none)."""
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as out:
            proc = subprocess.run(
                [BENCH, "--endpoint", self.server.endpoint, "--ca", self.server.ca,
                 "--json", out.name, *args],
                capture_output=True, text=True, timeout=120,
                env=dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret))
            self.assertEqual(proc.returncode, expect_exit, proc.stdout + proc.stderr)
            self.last_stderr = proc.stderr
            with open(out.name) as f:
                lines = f.read().splitlines()
        return json.loads(lines[-1]) if lines else None

    def assertClean(self, result, ops):
        self.assertEqual(result["ops"], ops, result)
        self.assertEqual(result["errors"], 0, result)
        self.assertEqual(result["wrong_bytes"], 0, result)
        self.assertGreater(result["ops_per_s"], 0)
        self.assertLessEqual(result["p50_ms"], result["p99_ms"])

    def test_object_operations_in_every_sse_mode(self):
        for sse in ["none", "s3", "kms", "kms-bucket-key", "dsse", "ssec"]:
            with self.subTest(sse=sse):
                bucket = self.bucket(create=False)
                common = ["--bucket", bucket, "--sse", sse, "--size", "5000", "--objects", "4",
                          "--concurrency", "2"]
                self.assertClean(self.run_bench("--op", "put", "--count", "8", *common), 8)
                # The objects were written with the mode asked for. (The bench's SSE-C
                # key is its own, random per run: without it, S3 refuses the HEAD.)
                if sse == "ssec":
                    self.assertError(self.s3.head_object, 400, "400", Bucket=bucket,
                                     Key="obj-5000-0")
                else:
                    head = self.s3.head_object(Bucket=bucket, Key="obj-5000-0")
                    self.assertEqual(head["ContentLength"], 5000)
                    self.assertEqual(head["ServerSideEncryption"], {
                        "none": "AES256", "s3": "AES256", "kms": "aws:kms",
                        "kms-bucket-key": "aws:kms", "dsse": "aws:kms:dsse"}[sse])
                    self.assertEqual(head.get("BucketKeyEnabled", False), sse == "kms-bucket-key")
                for op in ["get", "range-get", "head"]:
                    extra = ["--range-size", "1000"] if op == "range-get" else []
                    self.assertClean(self.run_bench("--op", op, "--count", "8", *common, *extra), 8)

    def test_list_delete_multipart_and_mixed(self):
        bucket = self.bucket(create=False)
        common = ["--bucket", bucket, "--concurrency", "2"]
        self.assertClean(self.run_bench("--op", "delete", "--count", "6", "--objects", "6",
                                        *common), 6)
        self.assertEqual(self.s3.list_objects_v2(Bucket=bucket)["KeyCount"], 0)
        self.assertClean(self.run_bench("--op", "multipart", "--size", "6MiB", "--part-size",
                                        "5MiB", "--objects", "1", "--count", "1", *common), 1)
        head = self.s3.head_object(Bucket=bucket, Key="obj-6291456-0")
        self.assertEqual(head["ContentLength"], 6 << 20)
        self.assertTrue(head["ETag"].endswith('-2"'), head["ETag"])
        self.assertClean(self.run_bench("--op", "list", "--count", "3", *common), 3)
        result = self.run_bench("--op", "mixed", "--mix", "get=50,put=30,head=20", "--objects",
                                "4", "--count", "30", *common)
        self.assertClean(result, 30)
        self.assertEqual(result["op"], "mixed")

    def test_kms_operations(self):
        for op in ["kms-generate-data-key", "kms-encrypt", "kms-decrypt"]:
            with self.subTest(op=op):
                self.assertClean(self.run_bench("--op", op, "--count", "10", "--concurrency", "2",
                                                "--bucket", self.bucket(create=False)), 10)

    def test_http_get_yardstick(self):
        # A signed GET / is ListBuckets: a 2xx.
        self.assertClean(self.run_bench("--op", "http-get", "--count", "5"), 5)
        # Anything else is counted as an error, by status and AWS error code.
        result = self.run_bench("--op", "http-get", "--path", "/no-such-bucket-here",
                                "--count", "5")
        self.assertEqual(result["ops"], 0)
        self.assertEqual(result["errors"], 5)
        self.assertEqual(result["error_kinds"], {"404 NoSuchBucket": 5})
        self.run_bench("--op", "http-get", "--path", "no-slash", expect_exit=1)
        self.assertIn("--path must start with /", self.last_stderr)

    def test_failures_name_the_aws_error(self):
        # A wrong secret: the bucket cannot be made, and the bench says why.
        self.assertIsNone(self.run_bench("--op", "put", "--count", "1", "--bucket",
                                         self.bucket(create=False), secret="wrong" * 8,
                                         expect_exit=1))
        self.assertIn("create bucket: 403 SignatureDoesNotMatch", self.last_stderr)
        # An unknown key for SSE-KMS: every PUT fails with S3's answer.
        result = self.run_bench("--op", "put", "--count", "3", "--sse", "kms", "--kms-key-id",
                                "alias/no-such-key", "--bucket", self.bucket(create=False))
        self.assertEqual(result["ops"], 0)
        self.assertEqual(result["error_kinds"], {"400 KMS.NotFoundException": 3})


if __name__ == "__main__":
    unittest.main()
