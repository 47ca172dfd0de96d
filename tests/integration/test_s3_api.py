"""Buckets, objects and listings through boto3, with AWS's exact errors."""
import hashlib
import os
import socket
import unittest

from botocore.config import Config

from lib import ServerTestCase, md5, error_code, ROOT_KEY, ROOT_SECRET


class BucketTests(ServerTestCase):
    def test_create_list_head_delete(self):
        names = sorted(self.bucket() for _ in range(3))
        listed = self.s3.list_buckets()
        ours = [b["Name"] for b in listed["Buckets"] if b["Name"] in names]
        self.assertEqual(ours, names)  # sorted by name
        self.assertEqual(len(listed["Owner"]["ID"]), 64)
        self.assertIn("CreationDate", listed["Buckets"][0])
        head = self.s3.head_bucket(Bucket=names[0])
        self.assertEqual(head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"], "us-east-1")
        for n in names:
            resp = self.s3.delete_bucket(Bucket=n)
            self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertError(self.s3.delete_bucket, 404, "NoSuchBucket", Bucket=names[0])
        self.assertError(self.s3.head_bucket, 404, "404", Bucket=names[0])

    def test_invalid_names(self):
        for bad in ["ab", "A" * 10, "UpperCase", "-start", "end-", "a..b", "foo.-bar",
                    "192.168.5.4", "xn--abc", "bucket-s3alias", "under_score", "x" * 64]:
            self.assertError(self.s3.create_bucket, 400, "InvalidBucketName", Bucket=bad)

    def test_recreate_own_bucket_in_us_east_1_is_ok(self):
        name = self.bucket()
        resp = self.s3.create_bucket(Bucket=name)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 200)

    def test_location_constraints(self):
        self.assertError(self.s3.create_bucket, 400, "InvalidLocationConstraint",
                         Bucket=self.bucket(create=False),
                         CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
        self.assertError(self.s3.create_bucket, 400, "IllegalLocationConstraintException",
                         Bucket=self.bucket(create=False),
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        name = self.bucket()
        self.assertIsNone(self.s3.get_bucket_location(Bucket=name).get("LocationConstraint"))

    def test_not_empty(self):
        name = self.bucket()
        self.s3.put_object(Bucket=name, Key="k", Body=b"x")
        self.assertError(self.s3.delete_bucket, 409, "BucketNotEmpty", Bucket=name)

    def test_malformed_create_body(self):
        name = self.bucket(create=False)
        status, _, body = self.server.signed_request("PUT", "/" + name, body=b"<Create")
        self.assertEqual((status, error_code(body)), (400, "MalformedXML"))


class OtherRegionTests(ServerTestCase):
    REGION = "eu-west-1"

    def test_bucket_in_server_region(self):
        name = self.bucket(create=False)
        self.s3.create_bucket(Bucket=name,
                              CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertEqual(self.s3.get_bucket_location(Bucket=name)["LocationConstraint"],
                         "eu-west-1")
        self.assertError(self.s3.create_bucket, 409, "BucketAlreadyOwnedByYou", Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        self.assertError(self.s3.create_bucket, 400, "IllegalLocationConstraintException",
                         Bucket=self.bucket(create=False))

    def test_wrong_region_in_signature(self):
        other = self.server.client(region="us-west-2")
        err = self.assertError(other.list_buckets, 400, "AuthorizationHeaderMalformed")
        self.assertEqual(err["Error"].get("Region"), "eu-west-1")


class ObjectTests(ServerTestCase):
    def test_put_get_head_delete(self):
        b = self.bucket()
        for size in [0, 1, 1 << 20, 3 * (1 << 20) + 17]:
            data = os.urandom(size)
            key = "obj-%d" % size
            put = self.s3.put_object(Bucket=b, Key=key, Body=data)
            self.assertEqual(put["ETag"], '"%s"' % md5(data))
            got = self.s3.get_object(Bucket=b, Key=key)
            self.assertEqual(got["Body"].read(), data)
            self.assertEqual(got["ContentLength"], size)
            self.assertEqual(got["ContentType"], "binary/octet-stream")
            self.assertEqual(got["ETag"], '"%s"' % md5(data))
            self.assertIn("LastModified", got)
            head = self.s3.head_object(Bucket=b, Key=key)
            self.assertEqual(head["ContentLength"], size)
            rid = head["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]
            self.assertRegex(rid, "^[0-9A-F]{16}$")
            self.assertTrue(head["ResponseMetadata"]["HTTPHeaders"]["x-amz-id-2"])
            self.assertEqual(self.s3.delete_object(Bucket=b, Key=key)["ResponseMetadata"]
                             ["HTTPStatusCode"], 204)
            self.assertError(self.s3.get_object, 404, "NoSuchKey", Bucket=b, Key=key)
            self.assertError(self.s3.head_object, 404, "404", Bucket=b, Key=key)
        # Deleting what does not exist still answers 204.
        self.assertEqual(self.s3.delete_object(Bucket=b, Key="never")["ResponseMetadata"]
                         ["HTTPStatusCode"], 204)
        self.assertError(self.s3.get_object, 404, "NoSuchBucket", Bucket="no-such-bucket-x",
                         Key="k")

    def test_metadata_and_content_headers(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="m", Body=b"hello", ContentType="text/plain",
                           Metadata={"Color": "Blue", "x": "1"}, CacheControl="max-age=60",
                           ContentDisposition="attachment; filename=a.txt",
                           ContentEncoding="identity", ContentLanguage="fr",
                           Expires="Wed, 21 Oct 2037 07:28:00 GMT")
        h = self.s3.head_object(Bucket=b, Key="m")
        self.assertEqual(h["Metadata"], {"color": "Blue", "x": "1"})
        self.assertEqual(h["ContentType"], "text/plain")
        self.assertEqual(h["CacheControl"], "max-age=60")
        self.assertEqual(h["ContentDisposition"], "attachment; filename=a.txt")
        self.assertEqual(h["ContentEncoding"], "identity")
        self.assertEqual(h["ContentLanguage"], "fr")
        self.assertEqual(h["ResponseMetadata"]["HTTPHeaders"]["expires"],
                         "Wed, 21 Oct 2037 07:28:00 GMT")
        got = self.s3.get_object(Bucket=b, Key="m", ResponseContentType="application/json")
        self.assertEqual(got["ContentType"], "application/json")

    def test_content_md5(self):
        import base64
        b = self.bucket()
        good = base64.b64encode(hashlib.md5(b"abc").digest()).decode()
        self.s3.put_object(Bucket=b, Key="ok", Body=b"abc", ContentMD5=good)
        wrong = base64.b64encode(hashlib.md5(b"abd").digest()).decode()
        self.assertError(self.s3.put_object, 400, "BadDigest", Bucket=b, Key="bad", Body=b"abc",
                         ContentMD5=wrong)
        self.assertError(self.s3.put_object, 400, "InvalidDigest", Bucket=b, Key="bad",
                         Body=b"abc", ContentMD5="notbase64md5")
        self.assertError(self.s3.get_object, 404, "NoSuchKey", Bucket=b, Key="bad")
        # From 1 MiB on, the server hashes beside the write: the same answers.
        big = os.urandom(3 * (1 << 20) + 5)
        digest = hashlib.md5(big).digest()
        self.s3.put_object(Bucket=b, Key="big", Body=big,
                           ContentMD5=base64.b64encode(digest).decode())
        self.assertEqual(self.s3.get_object(Bucket=b, Key="big")["Body"].read(), big)
        wrong = base64.b64encode(hashlib.md5(big[:-1]).digest()).decode()
        self.assertError(self.s3.put_object, 400, "BadDigest", Bucket=b, Key="big-bad",
                         Body=big, ContentMD5=wrong)
        self.assertError(self.s3.get_object, 404, "NoSuchKey", Bucket=b, Key="big-bad")
        sha = base64.b64encode(hashlib.sha256(big).digest()).decode()
        put = self.s3.put_object(Bucket=b, Key="big-sha", Body=big, ChecksumSHA256=sha)
        self.assertEqual(put["ChecksumSHA256"], sha)
        self.assertError(self.s3.put_object, 400, "BadDigest", Bucket=b,
                         Key="big-sha-bad", Body=big,
                         ChecksumSHA256=base64.b64encode(hashlib.sha256(b"x").digest()).decode())

    def test_limits(self):
        b = self.bucket()
        self.assertError(self.s3.put_object, 400, "KeyTooLongError", Bucket=b, Key="k" * 1025,
                         Body=b"x")
        self.s3.put_object(Bucket=b, Key="k" * 1024, Body=b"x")
        self.assertError(self.s3.put_object, 400, "MetadataTooLarge", Bucket=b, Key="meta",
                         Body=b"x", Metadata={"big": "v" * 2100})
        status, _, body = self.server.signed_request(
            "PUT", "/%s/sc" % b, body=b"x", headers={"x-amz-storage-class": "SHINY"})
        self.assertEqual((status, error_code(body)), (400, "InvalidStorageClass"))

    def test_missing_content_length(self):
        # A signed PUT with neither Content-Length nor a chunked body.
        import http.client
        from botocore.auth import S3SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        b = self.bucket()
        req = AWSRequest(method="PUT", url=self.server.endpoint + "/%s/nolen" % b)
        req.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
        S3SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "s3", "us-east-1").add_auth(req)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        conn.putrequest("PUT", "/%s/nolen" % b, skip_accept_encoding=True)
        for k, v in req.headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        self.assertEqual((resp.status, error_code(resp.read())), (411, "MissingContentLength"))
        self.assertError(self.s3.head_object, 404, "404", Bucket=b, Key="nolen")

    def test_chunked_transfer_encoding_put(self):
        b = self.bucket()

        def add_te(request, **kwargs):
            request.headers.add_header("Transfer-Encoding", "chunked")
        s3 = self.server.client()
        s3.meta.events.register_first("before-sign.*.*", add_te)
        s3.put_object(Bucket=b, Key="te", Body=b"bar")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="te")["Body"].read(), b"bar")

    def test_odd_keys_round_trip(self):
        b = self.bucket()
        keys = ["a b", "plus+sign", "percent%41", "question?mark", "hash#tag", "double//slash",
                "caf\u00e9/\u65e5\u672c", "trailing/", "tab\there", "&<>\"'"]
        for k in keys:
            self.s3.put_object(Bucket=b, Key=k, Body=k.encode())
        for k in keys:
            self.assertEqual(self.s3.get_object(Bucket=b, Key=k)["Body"].read(), k.encode())
        listed = [o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]]
        self.assertEqual(listed, sorted(keys, key=lambda s: s.encode()))

    def test_ranges_and_conditions(self):
        b = self.bucket()
        data = bytes(range(256)) * 10
        etag = self.s3.put_object(Bucket=b, Key="r", Body=data)["ETag"]
        got = self.s3.get_object(Bucket=b, Key="r", Range="bytes=10-19")
        self.assertEqual(got["Body"].read(), data[10:20])
        self.assertEqual(got["ContentRange"], "bytes 10-19/2560")
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="r", Range="bytes=-5")["Body"].read(),
                         data[-5:])
        self.assertError(self.s3.get_object, 416, "InvalidRange", Bucket=b, Key="r",
                         Range="bytes=5000-")
        self.assertError(self.s3.get_object, 412, "PreconditionFailed", Bucket=b, Key="r",
                         IfMatch='"nope"')
        self.assertError(self.s3.get_object, 304, None, Bucket=b, Key="r", IfNoneMatch=etag)


class DeleteObjectsTests(ServerTestCase):
    def test_verbose_and_quiet(self):
        b = self.bucket()
        for i in range(5):
            self.s3.put_object(Bucket=b, Key="k%d" % i, Body=b"x")
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k0"}, {"Key": "k1"},
                                                                 {"Key": "missing"}]})
        self.assertEqual(sorted(d["Key"] for d in r["Deleted"]), ["k0", "k1", "missing"])
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": [{"Key": "k2"}], "Quiet": True})
        self.assertNotIn("Deleted", r)
        self.assertNotIn("Errors", r)
        left = [o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]]
        self.assertEqual(left, ["k3", "k4"])

    def test_errors(self):
        b = self.bucket()
        body = b"<Delete><Object><Key>a</Key></Object></Delete>"
        status, _, resp = self.server.signed_request("POST", "/%s?delete" % b, body=body)
        self.assertEqual((status, error_code(resp)), (400, "InvalidRequest"))
        import base64
        def post(xml):
            h = {"Content-MD5": base64.b64encode(hashlib.md5(xml).digest()).decode()}
            return self.server.signed_request("POST", "/%s?delete" % b, body=xml, headers=h)
        status, _, resp = post(b"<Delete><Object><Key>a</Key></Object>")
        self.assertEqual((status, error_code(resp)), (400, "MalformedXML"))
        many = b"<Delete>" + b"".join(b"<Object><Key>k%d</Key></Object>" % i
                                      for i in range(1001)) + b"</Delete>"
        status, _, resp = post(many)
        self.assertEqual((status, error_code(resp)), (400, "MalformedXML"))
        status, _, resp = self.server.signed_request(
            "POST", "/%s?delete" % b, body=body,
            headers={"Content-MD5": base64.b64encode(hashlib.md5(b"x").digest()).decode()})
        self.assertEqual((status, error_code(resp)), (400, "BadDigest"))


class ListingTests(ServerTestCase):
    KEYS = ["a/1", "a/2", "a/b/3", "b", "c/1", "d", "e f", "g+h"]

    def setUp(self):
        self.b = self.bucket()
        for k in self.KEYS:
            self.s3.put_object(Bucket=self.b, Key=k, Body=b"v")

    def keys(self, resp):
        return [o["Key"] for o in resp.get("Contents", [])]

    def prefixes(self, resp):
        return [p["Prefix"] for p in resp.get("CommonPrefixes", [])]

    def test_v2_delimiter_prefix(self):
        r = self.s3.list_objects_v2(Bucket=self.b, Delimiter="/")
        self.assertEqual(self.keys(r), ["b", "d", "e f", "g+h"])
        self.assertEqual(self.prefixes(r), ["a/", "c/"])
        self.assertEqual(r["KeyCount"], 6)
        r = self.s3.list_objects_v2(Bucket=self.b, Prefix="a/", Delimiter="/")
        self.assertEqual(self.keys(r), ["a/1", "a/2"])
        self.assertEqual(self.prefixes(r), ["a/b/"])

    def test_v2_pagination(self):
        seen, token = [], None
        while True:
            kw = {"Bucket": self.b, "MaxKeys": 3}
            if token:
                kw["ContinuationToken"] = token
            r = self.s3.list_objects_v2(**kw)
            seen += self.keys(r)
            if not r["IsTruncated"]:
                break
            token = r["NextContinuationToken"]
        self.assertEqual(seen, self.KEYS)
        r = self.s3.list_objects_v2(Bucket=self.b, StartAfter="c/1")
        self.assertEqual(self.keys(r), ["d", "e f", "g+h"])
        self.assertError(self.s3.list_objects_v2, 400, "InvalidArgument", Bucket=self.b,
                         ContinuationToken="!!notatoken")

    def test_v1_markers(self):
        r = self.s3.list_objects(Bucket=self.b, MaxKeys=2, Delimiter="/")
        self.assertEqual(self.prefixes(r), ["a/"])
        self.assertEqual(self.keys(r), ["b"])
        self.assertTrue(r["IsTruncated"])
        self.assertEqual(r["NextMarker"], "b")
        r = self.s3.list_objects(Bucket=self.b, Marker="b", Delimiter="/")
        self.assertEqual(self.prefixes(r), ["c/"])
        self.assertEqual(self.keys(r), ["d", "e f", "g+h"])
        r = self.s3.list_objects(Bucket=self.b, MaxKeys=2)
        self.assertNotIn("NextMarker", r)  # only with a delimiter
        self.assertIn("Owner", r["Contents"][0])

    def test_max_keys_and_fetch_owner(self):
        r = self.s3.list_objects_v2(Bucket=self.b, MaxKeys=0)
        self.assertEqual(self.keys(r), [])
        self.assertFalse(r["IsTruncated"])
        self.assertNotIn("Owner", self.s3.list_objects_v2(Bucket=self.b)["Contents"][0])
        r = self.s3.list_objects_v2(Bucket=self.b, FetchOwner=True)
        self.assertEqual(len(r["Contents"][0]["Owner"]["ID"]), 64)
        status, _, body = self.server.signed_request("GET", "/%s?list-type=2&max-keys=-1" % self.b)
        self.assertEqual((status, error_code(body)), (400, "InvalidArgument"))

    def test_url_encoding(self):
        status, _, body = self.server.signed_request(
            "GET", "/%s?list-type=2&encoding-type=url&prefix=e" % self.b)
        self.assertEqual(status, 200)
        self.assertIn(b"<Key>e%20f</Key>", body)
        status, _, body = self.server.signed_request(
            "GET", "/%s?list-type=2&encoding-type=url&prefix=g" % self.b)
        self.assertIn(b"<Key>g%2Bh</Key>", body)
        # boto3 asks for url encoding itself and decodes what comes back.
        self.assertEqual(self.keys(self.s3.list_objects(Bucket=self.b)), self.KEYS)


class VirtualHostTests(ServerTestCase):
    def test_virtual_hosted_style(self):
        b = self.bucket()
        orig = socket.getaddrinfo

        def resolve(host, *args, **kwargs):
            if host.endswith("localhost"):
                host = "127.0.0.1"
            return orig(host, *args, **kwargs)
        socket.getaddrinfo = resolve
        try:
            for domain in ["localhost", "s3.localhost"]:
                endpoint = "http://%s:%d" % (domain, self.server.port)
                import boto3
                v = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ROOT_KEY,
                                 aws_secret_access_key=ROOT_SECRET, region_name="us-east-1",
                                 config=Config(s3={"addressing_style": "virtual"}))
                v.put_object(Bucket=b, Key="vh/" + domain, Body=b"virtual")
                self.assertEqual(v.get_object(Bucket=b, Key="vh/" + domain)["Body"].read(),
                                 b"virtual")
            keys = [o["Key"] for o in self.s3.list_objects_v2(Bucket=b)["Contents"]]
            self.assertEqual(keys, ["vh/localhost", "vh/s3.localhost"])
        finally:
            socket.getaddrinfo = orig


class TlsTests(ServerTestCase):
    TLS = True

    def test_https_round_trip(self):
        b = self.bucket()
        data = os.urandom(100000)
        self.s3.put_object(Bucket=b, Key="t", Body=data)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="t")["Body"].read(), data)
        self.assertTrue(os.path.exists(self.server.ca))


if __name__ == "__main__":
    unittest.main()
