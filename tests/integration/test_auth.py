"""SigV4 in its every form against a real server, with AWS's exact errors."""
import base64
import datetime
import hashlib
import hmac
import time
import unittest
import urllib.error
import urllib.request
import zlib

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from lib import ServerTestCase, error_code, send_raw, sign_manually, ROOT_KEY, ROOT_SECRET

REGION = "us-east-1"

REGION = "us-east-1"


class AuthTests(ServerTestCase):
    def setUp(self):
        self.b = self.bucket()

    def test_wrong_secret(self):
        bad = self.server.client(secret="x" * 40)
        self.assertError(bad.list_buckets, 403, "SignatureDoesNotMatch")
        self.assertError(bad.put_object, 403, "SignatureDoesNotMatch", Bucket=self.b, Key="k",
                         Body=b"x")

    def test_unknown_access_key(self):
        bad = self.server.client(key="AKIANOSUCHKEY0000000")
        self.assertError(bad.list_buckets, 403, "InvalidAccessKeyId")

    def test_anonymous(self):
        self.s3.put_object(Bucket=self.b, Key="k", Body=b"x")
        status, _, body = send_raw(self.server, "GET", "/%s/k" % self.b, b"", {})
        self.assertEqual((status, error_code(body)), (403, "AccessDenied"))
        status, _, body = send_raw(self.server, "GET", "/no-such-bucket-anon/k", b"", {})
        self.assertEqual((status, error_code(body)), (404, "NoSuchBucket"))

    def test_tampered_body(self):
        # Signed for one body, sent with another of the same length.
        req = AWSRequest(method="PUT", url=self.server.endpoint + "/%s/t" % self.b,
                         data=b"original")
        S3SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "s3", REGION).add_auth(req)
        status, _, body = send_raw(self.server, "PUT", "/%s/t" % self.b, b"tampered",
                                   dict(req.headers.items()))
        self.assertEqual((status, error_code(body)), (400, "XAmzContentSHA256Mismatch"))
        self.assertError(self.s3.head_object, 404, "404", Bucket=self.b, Key="t")

    def test_skewed_clock(self):
        past = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
        headers, *_ = sign_manually(self.server, "GET", "/", {},
                                    hashlib.sha256(b"").hexdigest(), when=past)
        status, _, body = send_raw(self.server, "GET", "/", b"", headers)
        self.assertEqual((status, error_code(body)), (403, "RequestTimeTooSkewed"))
        fresh, *_ = sign_manually(self.server, "GET", "/", {}, hashlib.sha256(b"").hexdigest())
        self.assertEqual(send_raw(self.server, "GET", "/", b"", fresh)[0], 200)

    def test_presigned_get_put_and_expiry(self):
        s3v4 = self.server.client(signature_version="s3v4")
        put = s3v4.generate_presigned_url("put_object", Params={"Bucket": self.b, "Key": "p"},
                                          ExpiresIn=60)
        urllib.request.urlopen(urllib.request.Request(put, data=b"presigned", method="PUT"))
        get = s3v4.generate_presigned_url("get_object", Params={"Bucket": self.b, "Key": "p"},
                                          ExpiresIn=60)
        self.assertEqual(urllib.request.urlopen(get).read(), b"presigned")
        short = s3v4.generate_presigned_url("get_object", Params={"Bucket": self.b, "Key": "p"},
                                            ExpiresIn=1)
        time.sleep(2)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(short)
        self.assertEqual(cm.exception.code, 403)
        self.assertEqual(error_code(cm.exception.read()), "AccessDenied")
        tampered = get.replace("/p?", "/q?")
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(tampered)
        self.assertEqual((cm.exception.code, error_code(cm.exception.read())),
                         (403, "SignatureDoesNotMatch"))

    def test_signature_version_2(self):
        # boto3 presigns with SigV2 unless told otherwise; older clients sign with it.
        default = self.server.client()
        put = default.generate_presigned_url("put_object", Params={"Bucket": self.b, "Key": "v2"},
                                             ExpiresIn=60)
        self.assertIn("AWSAccessKeyId=", put)
        # urllib would add a form Content-Type the URL was not signed with.
        urllib.request.urlopen(urllib.request.Request(put, data=b"sigv2 body", method="PUT",
                                                      headers={"Content-Type": ""}))
        get = default.generate_presigned_url("get_object", Params={"Bucket": self.b, "Key": "v2"},
                                             ExpiresIn=60)
        self.assertEqual(urllib.request.urlopen(get).read(), b"sigv2 body")
        expired = default.generate_presigned_url("get_object",
                                                 Params={"Bucket": self.b, "Key": "v2"},
                                                 ExpiresIn=-5)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(expired)
        self.assertEqual((cm.exception.code, error_code(cm.exception.read())),
                         (403, "AccessDenied"))

        v2 = self.server.client(signature_version="s3")
        v2.put_object(Bucket=self.b, Key="v2/header", Body=b"signed v2", Metadata={"m": "1"})
        self.assertEqual(v2.get_object(Bucket=self.b, Key="v2/header")["Body"].read(),
                         b"signed v2")
        self.assertIn("v2/header", [o["Key"] for o in v2.list_objects(Bucket=self.b)["Contents"]])
        bad = self.server.client(signature_version="s3", secret="y" * 40)
        self.assertError(bad.list_buckets, 403, "SignatureDoesNotMatch")

    def _streaming_put(self, key, chunks, corrupt_chunk=None):
        sizes = [len(c) for c in chunks] + [0]
        body_len = sum(len("%x;chunk-signature=%s\r\n" % (n, "0" * 64)) + n + 2 for n in sizes)
        path = "/%s/%s" % (self.b, key)
        headers, prev, key_bytes, amz_date, scope = sign_manually(
            self.server, "PUT", path,
            {"x-amz-decoded-content-length": str(sum(len(c) for c in chunks)),
             "Content-Encoding": "aws-chunked", "Content-Length": str(body_len)},
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
        empty = hashlib.sha256(b"").hexdigest()
        framing = []
        for i, data in enumerate(list(chunks) + [b""]):
            chunk_sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty,
                                   hashlib.sha256(data).hexdigest()])
            sig = hmac.new(key_bytes, chunk_sts.encode(), hashlib.sha256).hexdigest()
            prev = sig
            if corrupt_chunk == i:
                sig = "0" * 64
            framing.append(b"%x;chunk-signature=%s\r\n%s\r\n" % (len(data), sig.encode(), data))
        return send_raw(self.server, "PUT", path, b"".join(framing), headers)

    def test_streaming_signed_chunks(self):
        chunks = [b"a" * 65536, b"b" * 65536, b"c" * 1000]
        status, _, body = self._streaming_put("chunked", chunks)
        self.assertEqual(status, 200, body)
        got = self.s3.get_object(Bucket=self.b, Key="chunked")
        self.assertEqual(got["Body"].read(), b"".join(chunks))
        self.assertNotIn("ContentEncoding", got)
        status, _, body = self._streaming_put("badchunk", chunks, corrupt_chunk=1)
        self.assertEqual((status, error_code(body)), (403, "SignatureDoesNotMatch"))
        self.assertError(self.s3.head_object, 404, "404", Bucket=self.b, Key="badchunk")

    def _trailer_put(self, key, data, crc):
        body = b"%x\r\n%s\r\n0\r\nx-amz-checksum-crc32:%s\r\n\r\n" % (len(data), data, crc)
        path = "/%s/%s" % (self.b, key)
        headers, *_ = sign_manually(
            self.server, "PUT", path,
            {"x-amz-trailer": "x-amz-checksum-crc32", "Content-Encoding": "aws-chunked",
             "x-amz-decoded-content-length": str(len(data)), "Content-Length": str(len(body))},
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
        return send_raw(self.server, "PUT", path, body, headers)

    def test_unsigned_payload_with_checksum_trailer(self):
        data = b"hello trailer" * 1000
        crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big"))
        status, _, body = self._trailer_put("trail", data, crc)
        self.assertEqual(status, 200, body)
        self.assertEqual(self.s3.get_object(Bucket=self.b, Key="trail")["Body"].read(), data)
        wrong = base64.b64encode((zlib.crc32(data) ^ 1).to_bytes(4, "big"))
        status, _, body = self._trailer_put("trail-bad", data, wrong)
        self.assertEqual((status, error_code(body)), (400, "BadDigest"))
        self.assertError(self.s3.head_object, 404, "404", Bucket=self.b, Key="trail-bad")

    def test_checksum_header(self):
        data = b"checksummed"
        good = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        status, headers, _ = self.server.signed_request(
            "PUT", "/%s/ck" % self.b, body=data, headers={"x-amz-checksum-crc32": good})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("x-amz-checksum-crc32"), good)
        status, _, body = self.server.signed_request(
            "PUT", "/%s/ck2" % self.b, body=data, headers={"x-amz-checksum-crc32": "AAAAAA=="})
        self.assertEqual((status, error_code(body)), (400, "BadDigest"))


if __name__ == "__main__":
    unittest.main()
