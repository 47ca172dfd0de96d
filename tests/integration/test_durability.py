"""Crash safety, torn writes and memory use of a real server."""
import hashlib
import http.client
import os
import random
import threading
import time
import unittest

from lib import Server, sign_manually


def count_files(path):
    return sum(len(files) for _, _, files in os.walk(path))


def signed_headers(server, method, path, length):
    headers, *_ = sign_manually(server, method, path, {"Content-Length": str(length)},
                                "UNSIGNED-PAYLOAD")
    return headers


class DurabilityTests(unittest.TestCase):
    def setUp(self):
        self.server = Server().start()
        self.s3 = self.server.client()
        self.s3.create_bucket(Bucket="durable")

    def tearDown(self):
        self.server.cleanup()

    def restart(self):
        self.server.start()
        self.s3 = self.server.client()

    def test_kill9_during_put_stream(self):
        acked = {}          # key -> md5 of the acknowledged body
        attempted = {}      # key -> set of md5s that were attempted
        lock = threading.Lock()
        stop = threading.Event()

        def writer(n):
            rng = random.Random(n)
            s3 = self.server.client()
            i = 0
            while not stop.is_set():
                key = "w%d/%d" % (n, i % 40)  # keys are overwritten too
                # Empty, small (kept in the metadata store) and large (files) bodies.
                size = rng.choice([0, rng.randint(1, 16 << 10), rng.randint(128 << 10, 2 << 20)])
                data = os.urandom(size)
                digest = hashlib.md5(data).hexdigest()
                with lock:
                    attempted.setdefault(key, set()).add(digest)
                try:
                    s3.put_object(Bucket="durable", Key=key, Body=data)
                except Exception:
                    return  # the server died mid-request
                with lock:
                    acked[key] = digest
                i += 1

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        time.sleep(3)
        self.server.kill9()
        stop.set()
        for t in threads:
            t.join()
        self.assertGreater(len(acked), 10)

        self.restart()
        for key, digest in acked.items():
            body = self.s3.get_object(Bucket="durable", Key=key)["Body"].read()
            got = hashlib.md5(body).hexdigest()
            # An acknowledged write may have been overwritten by a later, unacknowledged
            # one that committed before the kill; either way the object is whole.
            self.assertIn(got, attempted[key], key)
        listed = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket="durable"):
            listed += [o["Key"] for o in page.get("Contents", [])]
        for key in listed:
            self.assertIn(key, attempted)
            body = self.s3.get_object(Bucket="durable", Key=key)["Body"].read()
            self.assertIn(hashlib.md5(body).hexdigest(), attempted[key])
        # Nothing half-written is left behind: staging is empty and every live body file
        # belongs to a listed object (empty objects have no body, bodies up to 64 KiB
        # live in the metadata store).
        blobs = os.path.join(self.server.data, "blobs")
        self.assertEqual(os.listdir(os.path.join(blobs, "staging")), [])
        large = sum(1 for k in listed
                    if self.s3.head_object(Bucket="durable", Key=k)["ContentLength"] > 64 << 10)
        self.assertEqual(count_files(os.path.join(blobs, "live")), large)

    def test_put_cut_mid_body_leaves_nothing(self):
        path = "/durable/cut"
        total = 10 << 20
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for k, v in signed_headers(self.server, "PUT", path, total).items():
            conn.putheader(k, v)
        conn.endheaders()
        conn.send(os.urandom(1 << 20))
        time.sleep(0.3)
        staging = os.path.join(self.server.data, "blobs", "staging")
        self.assertEqual(len(os.listdir(staging)), 1)  # the body is being written
        self.server.kill9()
        conn.close()
        self.restart()
        self.assertEqual(os.listdir(staging), [])
        with self.assertRaises(Exception):
            self.s3.head_object(Bucket="durable", Key="cut")
        self.assertEqual(count_files(os.path.join(self.server.data, "blobs", "live")), 0)

    def test_client_disconnect_mid_body(self):
        path = "/durable/gone"
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for k, v in signed_headers(self.server, "PUT", path, 4 << 20).items():
            conn.putheader(k, v)
        conn.endheaders()
        conn.send(os.urandom(1 << 20))
        conn.close()
        time.sleep(0.5)
        staging = os.path.join(self.server.data, "blobs", "staging")
        self.assertEqual(os.listdir(staging), [])
        with self.assertRaises(Exception):
            self.s3.head_object(Bucket="durable", Key="gone")

    def test_concurrent_puts_to_one_key_never_tear(self):
        bodies = [bytes([i]) * (256 << 10) for i in range(8)]
        errors = []

        def put(i):
            s3 = self.server.client()
            for _ in range(20):
                try:
                    s3.put_object(Bucket="durable", Key="hot", Body=bodies[i])
                except Exception as e:  # pragma: no cover - reported below
                    errors.append(e)

        def read():
            s3 = self.server.client()
            for _ in range(40):
                try:
                    data = s3.get_object(Bucket="durable", Key="hot")["Body"].read()
                except self.s3.exceptions.NoSuchKey:
                    continue
                self.assertIn(data, bodies)

        threads = [threading.Thread(target=put, args=(i,)) for i in range(8)]
        threads.append(threading.Thread(target=read))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        data = self.s3.get_object(Bucket="durable", Key="hot")["Body"].read()
        self.assertIn(data, bodies)
        self.assertEqual(count_files(os.path.join(self.server.data, "blobs", "live")), 1)


class MemoryTests(unittest.TestCase):
    SIZE = int(os.environ.get("COFFER_BIG_OBJECT_MIB", "1024")) << 20

    def test_large_streamed_object_keeps_rss_flat(self):
        server = Server().start()
        try:
            s3 = server.client()
            s3.create_bucket(Bucket="big")
            path = "/big/large"
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
            for k, v in signed_headers(server, "PUT", path, self.SIZE).items():
                conn.putheader(k, v)
            conn.endheaders()
            piece = os.urandom(1 << 20)
            up = hashlib.md5()
            for i in range(self.SIZE >> 20):
                chunk = piece[i % 7:] + piece[:i % 7]
                up.update(chunk)
                conn.send(chunk)
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200, resp.read())
            self.assertEqual(resp.getheader("ETag"), '"%s"' % up.hexdigest())
            conn.close()

            down = hashlib.md5()
            body = s3.get_object(Bucket="big", Key="large")["Body"]
            for chunk in iter(lambda: body.read(1 << 20), b""):
                down.update(chunk)
            self.assertEqual(down.hexdigest(), up.hexdigest())

            with open("/proc/%d/status" % server.proc.pid) as f:
                hwm = [l for l in f if l.startswith("VmHWM")][0]
            peak_kib = int(hwm.split()[1])
            print("server peak RSS for a %d MiB object: %d MiB" % (self.SIZE >> 20,
                                                                   peak_kib >> 10))
            self.assertLess(peak_kib, 256 << 10)
        finally:
            server.stop()
            server.cleanup()


if __name__ == "__main__":
    unittest.main()


class FullDiskTests(unittest.TestCase):
    """A data disk that fills up: new bodies get 507 InsufficientStorage, what is stored
    stays readable, deletes still work and free room again, and the server stays up."""

    def expect_full(self, call):
        with self.assertRaises(Exception) as caught:
            call()
        self.assertEqual(caught.exception.response["Error"]["Code"], "InsufficientStorage")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 507)

    def test_reserve_refuses_new_bodies_but_not_reads_or_deletes(self):
        # A reserve larger than any disk: no body fits, everything else works.
        server = Server(extra_args=["--min-free", "1000TiB"])
        self.addCleanup(server.cleanup)
        s3 = server.start().client()
        s3.create_bucket(Bucket="full")
        self.expect_full(lambda: s3.put_object(Bucket="full", Key="k", Body=b"x" * 100))
        self.expect_full(lambda: s3.put_object(Bucket="full", Key="big", Body=b"x" * (3 << 20)))
        uid = s3.create_multipart_upload(Bucket="full", Key="mp")["UploadId"]
        self.expect_full(lambda: s3.upload_part(Bucket="full", Key="mp", UploadId=uid,
                                                PartNumber=1, Body=b"y" * (5 << 20)))
        s3.abort_multipart_upload(Bucket="full", Key="mp", UploadId=uid)
        self.assertEqual(s3.list_objects_v2(Bucket="full")["KeyCount"], 0)
        s3.delete_object(Bucket="full", Key="k")
        self.assertEqual(s3.head_bucket(Bucket="full")["ResponseMetadata"]["HTTPStatusCode"], 200)

    @unittest.skipUnless(os.geteuid() == 0, "mounting a small tmpfs needs root")
    def test_small_disk_fills_up_and_recovers(self):
        import subprocess
        import tempfile
        mount = tempfile.mkdtemp(prefix="coffer-full-")
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", mount],
                                 capture_output=True, text=True)
        if mounted.returncode != 0:  # root in a container without CAP_SYS_ADMIN
            os.rmdir(mount)
            self.skipTest("cannot mount a tmpfs here: " + mounted.stderr.strip())
        self.addCleanup(lambda: (subprocess.run(["umount", "-l", mount]), os.rmdir(mount)))
        server = Server(data=os.path.join(mount, "data"))
        self.addCleanup(server.cleanup)
        s3 = server.start().client()
        s3.create_bucket(Bucket="full")
        # Files: 1 MiB bodies until the disk says no.
        body = os.urandom(1 << 20)
        stored = []
        for i in range(100):
            try:
                s3.put_object(Bucket="full", Key="f%03d" % i, Body=body)
                stored.append("f%03d" % i)
            except Exception as e:
                self.assertEqual(e.response["Error"]["Code"], "InsufficientStorage")
                self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 507)
                break
        else:
            self.fail("a 48 MiB disk took 100 MiB")
        self.assertGreater(len(stored), 10)
        # Small bodies (kept in the metadata store) until it says no too.
        small = os.urandom(60 << 10)
        for i in range(1000):
            try:
                s3.put_object(Bucket="full", Key="s%04d" % i, Body=small)
            except Exception as e:
                self.assertEqual(e.response["Error"]["Code"], "InsufficientStorage")
                break
        else:
            self.fail("a full disk took 60 MiB more")
        # Nothing stored was harmed, and nothing half-written was left behind.
        for key in stored:
            self.assertEqual(s3.get_object(Bucket="full", Key=key)["Body"].read(), body)
        self.assertEqual(os.listdir(os.path.join(server.data, "blobs", "staging")), [])
        # Deletes work on the full disk and make room for new bodies.
        for key in stored[:8]:
            s3.delete_object(Bucket="full", Key=key)
        deadline = time.time() + 10
        while True:
            try:
                s3.put_object(Bucket="full", Key="after", Body=body)
                break
            except Exception as e:
                self.assertEqual(e.response["Error"]["Code"], "InsufficientStorage")
                self.assertLess(time.time(), deadline, "deleting 8 MiB freed no room")
                time.sleep(0.2)
        self.assertEqual(s3.get_object(Bucket="full", Key="after")["Body"].read(), body)
        self.assertIsNone(server.proc.poll(), "the server died on the full disk")
