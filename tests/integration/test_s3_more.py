"""Multipart uploads, versioning, copies, tagging and conditional writes through boto3."""
import base64
import hashlib
import os
import subprocess
import unittest
import zlib
from concurrent.futures import ThreadPoolExecutor

from lib import ServerTestCase, error_code, md5, ROOT_KEY, ROOT_SECRET

MIB = 1 << 20


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


class MultipartTests(ServerTestCase):
    def upload(self, b, key, parts, **kw):
        mp = self.s3.create_multipart_upload(Bucket=b, Key=key, **kw)
        uid = mp["UploadId"]
        done = []
        for i, data in enumerate(parts, 1):
            r = self.s3.upload_part(Bucket=b, Key=key, UploadId=uid, PartNumber=i, Body=data)
            self.assertEqual(r["ETag"], '"%s"' % md5(data))
            done.append({"PartNumber": i, "ETag": r["ETag"]})
        return uid, done

    def test_upload_list_complete(self):
        b = self.bucket()
        parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(1234)]
        uid, done = self.upload(b, "mp", parts, ContentType="text/x-test", Metadata={"a": "b"})
        uploads = self.s3.list_multipart_uploads(Bucket=b)["Uploads"]
        self.assertEqual([(u["Key"], u["UploadId"]) for u in uploads], [("mp", uid)])
        listed = self.s3.list_parts(Bucket=b, Key="mp", UploadId=uid, MaxParts=2)
        self.assertEqual([p["PartNumber"] for p in listed["Parts"]], [1, 2])
        self.assertTrue(listed["IsTruncated"])
        rest = self.s3.list_parts(Bucket=b, Key="mp", UploadId=uid,
                                  PartNumberMarker=listed["NextPartNumberMarker"])
        self.assertEqual([p["Size"] for p in rest["Parts"]], [1234])

        r = self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=uid,
                                              MultipartUpload={"Parts": done})
        expected = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()
        self.assertEqual(r["ETag"], '"%s-3"' % expected)
        # A retried completion gets the same answer.
        again = self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=uid,
                                                  MultipartUpload={"Parts": done})
        self.assertEqual(again["ETag"], r["ETag"])
        got = self.s3.get_object(Bucket=b, Key="mp")
        self.assertEqual(got["Body"].read(), b"".join(parts))
        self.assertEqual(got["ContentType"], "text/x-test")
        self.assertEqual(got["Metadata"], {"a": "b"})
        part2 = self.s3.get_object(Bucket=b, Key="mp", PartNumber=2)
        self.assertEqual(part2["Body"].read(), parts[1])
        self.assertEqual(part2["PartsCount"], 3)
        self.assertEqual(part2["ContentRange"], "bytes %d-%d/%d" % (5 * MIB, 10 * MIB - 1,
                                                                    10 * MIB + 1234))
        ranged = self.s3.get_object(Bucket=b, Key="mp", Range="bytes=%d-%d" % (5 * MIB - 3,
                                                                               5 * MIB + 2))
        self.assertEqual(ranged["Body"].read(), parts[0][-3:] + parts[1][:3])
        self.assertError(self.s3.get_object, 416, "InvalidPartNumber", Bucket=b, Key="mp",
                         PartNumber=4)
        self.assertEqual(self.s3.list_multipart_uploads(Bucket=b).get("Uploads", []), [])

    def test_errors(self):
        b = self.bucket()
        small = [os.urandom(100), os.urandom(100)]
        uid, done = self.upload(b, "small", small)
        self.assertError(self.s3.complete_multipart_upload, 400, "EntityTooSmall", Bucket=b,
                         Key="small", UploadId=uid, MultipartUpload={"Parts": done})
        self.assertError(self.s3.complete_multipart_upload, 400, "InvalidPartOrder", Bucket=b,
                         Key="small", UploadId=uid,
                         MultipartUpload={"Parts": list(reversed(done))})
        wrong = [{"PartNumber": 1, "ETag": '"%s"' % ("0" * 32)}]
        self.assertError(self.s3.complete_multipart_upload, 400, "InvalidPart", Bucket=b,
                         Key="small", UploadId=uid, MultipartUpload={"Parts": wrong})
        missing = [{"PartNumber": 9, "ETag": done[0]["ETag"]}]
        self.assertError(self.s3.complete_multipart_upload, 400, "InvalidPart", Bucket=b,
                         Key="small", UploadId=uid, MultipartUpload={"Parts": missing})
        self.assertError(self.s3.upload_part, 400, "InvalidArgument", Bucket=b, Key="small",
                         UploadId=uid, PartNumber=10001, Body=b"x")
        self.s3.abort_multipart_upload(Bucket=b, Key="small", UploadId=uid)
        for fn, kw in [(self.s3.upload_part, {"PartNumber": 1, "Body": b"x"}),
                       (self.s3.list_parts, {}),
                       (self.s3.abort_multipart_upload, {}),
                       (self.s3.complete_multipart_upload,
                        {"MultipartUpload": {"Parts": done}})]:
            self.assertError(fn, 404, "NoSuchUpload", Bucket=b, Key="small", UploadId=uid, **kw)
        self.assertError(self.s3.head_object, 404, "404", Bucket=b, Key="small")

    def test_composite_and_full_object_checksums(self):
        b = self.bucket()
        parts = [os.urandom(5 * MIB), os.urandom(777)]
        mp = self.s3.create_multipart_upload(Bucket=b, Key="ck", ChecksumAlgorithm="CRC32")
        uid = mp["UploadId"]
        done = []
        for i, data in enumerate(parts, 1):
            r = self.s3.upload_part(Bucket=b, Key="ck", UploadId=uid, PartNumber=i, Body=data,
                                    ChecksumCRC32=crc32_b64(data))
            done.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumCRC32": crc32_b64(data)})
        r = self.s3.complete_multipart_upload(Bucket=b, Key="ck", UploadId=uid,
                                              MultipartUpload={"Parts": done})
        composite = base64.b64encode(zlib.crc32(b"".join(
            zlib.crc32(p).to_bytes(4, "big") for p in parts)).to_bytes(4, "big")).decode()
        self.assertEqual(r["ChecksumCRC32"], composite + "-2")
        head = self.s3.head_object(Bucket=b, Key="ck", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumCRC32"], composite + "-2")

        # FULL_OBJECT: the CRC of the whole object, combined from the parts.
        status, headers, body = self.server.signed_request(
            "POST", "/%s/full?uploads" % b,
            headers={"x-amz-checksum-algorithm": "CRC32", "x-amz-checksum-type": "FULL_OBJECT"})
        self.assertEqual(status, 200, body)
        uid = body.split(b"<UploadId>")[1].split(b"</UploadId>")[0].decode()
        done = []
        for i, data in enumerate(parts, 1):
            r = self.s3.upload_part(Bucket=b, Key="full", UploadId=uid, PartNumber=i, Body=data,
                                    ChecksumCRC32=crc32_b64(data))
            done.append({"PartNumber": i, "ETag": r["ETag"]})
        r = self.s3.complete_multipart_upload(Bucket=b, Key="full", UploadId=uid,
                                              MultipartUpload={"Parts": done})
        self.assertEqual(r["ChecksumCRC32"], crc32_b64(b"".join(parts)))

        # A part whose checksum does not match its bytes is refused.
        mp = self.s3.create_multipart_upload(Bucket=b, Key="bad", ChecksumAlgorithm="CRC32")
        self.assertError(self.s3.upload_part, 400, "BadDigest", Bucket=b, Key="bad",
                         UploadId=mp["UploadId"], PartNumber=1, Body=b"abc",
                         ChecksumCRC32=crc32_b64(b"abd"))

    def test_upload_part_copy(self):
        b = self.bucket()
        src = os.urandom(6 * MIB)
        self.s3.put_object(Bucket=b, Key="src", Body=src)
        mp = self.s3.create_multipart_upload(Bucket=b, Key="dst")
        uid = mp["UploadId"]
        r1 = self.s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=1,
                                      CopySource={"Bucket": b, "Key": "src"},
                                      CopySourceRange="bytes=0-%d" % (5 * MIB - 1))
        r2 = self.s3.upload_part_copy(Bucket=b, Key="dst", UploadId=uid, PartNumber=2,
                                      CopySource={"Bucket": b, "Key": "src"},
                                      CopySourceRange="bytes=%d-%d" % (5 * MIB, 6 * MIB - 1))
        self.s3.complete_multipart_upload(Bucket=b, Key="dst", UploadId=uid, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": r1["CopyPartResult"]["ETag"]},
                      {"PartNumber": 2, "ETag": r2["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="dst")["Body"].read(), src)
        self.assertError(self.s3.upload_part_copy, 400, "InvalidArgument", Bucket=b, Key="x",
                         UploadId=self.s3.create_multipart_upload(Bucket=b, Key="x")["UploadId"],
                         PartNumber=1, CopySource={"Bucket": b, "Key": "src"},
                         CopySourceRange="bytes=0-%d" % (7 * MIB))

    def test_aws_cli_multipart_200_mib(self):
        b = self.bucket()
        path = os.path.join(self.server.tmp, "big")
        with open(path, "wb") as f:
            for _ in range(200):
                f.write(os.urandom(MIB))
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        aws = ["/usr/bin/aws", "--endpoint-url", self.server.endpoint]
        subprocess.run(aws + ["s3", "cp", path, "s3://%s/big" % b], check=True, env=env,
                       capture_output=True, timeout=600)
        head = self.s3.head_object(Bucket=b, Key="big")
        self.assertEqual(head["ContentLength"], 200 * MIB)
        self.assertRegex(head["ETag"], r'^"[0-9a-f]{32}-\d+"$')  # it was a multipart upload
        back = path + ".back"
        subprocess.run(aws + ["s3", "cp", "s3://%s/big" % b, back], check=True, env=env,
                       capture_output=True, timeout=600)
        with open(path, "rb") as f1, open(back, "rb") as f2:
            self.assertEqual(hashlib.md5(f1.read()).digest(), hashlib.md5(f2.read()).digest())


class VersioningTests(ServerTestCase):
    def test_versions_markers_and_suspension(self):
        b = self.bucket()
        self.assertNotIn("Status", self.s3.get_bucket_versioning(Bucket=b))
        self.s3.put_object(Bucket=b, Key="k", Body=b"null version")
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        self.assertEqual(self.s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"one")["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="k", Body=b"two")["VersionId"]
        self.assertNotEqual(v1, v2)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"two")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read(), b"one")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read(),
                         b"null version")
        self.assertEqual(self.s3.head_object(Bucket=b, Key="k", VersionId=v1)["VersionId"], v1)

        marker = self.s3.delete_object(Bucket=b, Key="k")
        self.assertTrue(marker["DeleteMarker"])
        err = self.assertError(self.s3.get_object, 404, "NoSuchKey", Bucket=b, Key="k")
        self.assertEqual(err["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"], "true")
        self.assertError(self.s3.get_object, 405, "MethodNotAllowed", Bucket=b, Key="k",
                         VersionId=marker["VersionId"])
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=b))

        versions = self.s3.list_object_versions(Bucket=b)
        self.assertEqual([v["VersionId"] for v in versions["Versions"]], [v2, v1, "null"])
        self.assertEqual([v["IsLatest"] for v in versions["Versions"]], [False] * 3)
        self.assertEqual(versions["DeleteMarkers"][0]["VersionId"], marker["VersionId"])
        self.assertTrue(versions["DeleteMarkers"][0]["IsLatest"])

        page = self.s3.list_object_versions(Bucket=b, MaxKeys=2)
        self.assertTrue(page["IsTruncated"])
        rest = self.s3.list_object_versions(Bucket=b, KeyMarker=page["NextKeyMarker"],
                                            VersionIdMarker=page["NextVersionIdMarker"])
        self.assertEqual([v["VersionId"] for v in rest["Versions"]], [v1, "null"])

        self.s3.delete_object(Bucket=b, Key="k", VersionId=marker["VersionId"])
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"two")
        self.s3.delete_object(Bucket=b, Key="k", VersionId=v2)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"one")
        self.assertError(self.s3.get_object, 404, "NoSuchVersion", Bucket=b, Key="k",
                         VersionId=v2)
        self.assertError(self.s3.get_object, 400, "InvalidArgument", Bucket=b, Key="k",
                         VersionId="not-a-version")

        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Suspended"})
        r = self.s3.put_object(Bucket=b, Key="k", Body=b"suspended")
        self.assertEqual(r.get("VersionId", "null"), "null")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId="null")["Body"].read(),
                         b"suspended")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId=v1)["Body"].read(), b"one")
        self.assertError(self.s3.delete_bucket, 409, "BucketNotEmpty", Bucket=b)

        # Batch delete of every version empties the bucket.
        every = self.s3.list_object_versions(Bucket=b)
        objs = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                for v in every.get("Versions", []) + every.get("DeleteMarkers", [])]
        r = self.s3.delete_objects(Bucket=b, Delete={"Objects": objs})
        self.assertEqual(len(r["Deleted"]), len(objs))
        self.s3.delete_bucket(Bucket=b)


class CopyTests(ServerTestCase):
    def test_copy_metadata_directives_and_conditions(self):
        b = self.bucket()
        put = self.s3.put_object(Bucket=b, Key="src", Body=b"source bytes", ContentType="text/a",
                                 Metadata={"m": "1"}, Tagging="t=1")
        r = self.s3.copy_object(Bucket=b, Key="copy", CopySource={"Bucket": b, "Key": "src"})
        self.assertEqual(r["CopyObjectResult"]["ETag"], put["ETag"])
        h = self.s3.head_object(Bucket=b, Key="copy")
        self.assertEqual((h["ContentType"], h["Metadata"]), ("text/a", {"m": "1"}))
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="copy")["TagSet"],
                         [{"Key": "t", "Value": "1"}])

        self.s3.copy_object(Bucket=b, Key="replaced", CopySource={"Bucket": b, "Key": "src"},
                            MetadataDirective="REPLACE", ContentType="text/b",
                            Metadata={"n": "2"}, TaggingDirective="REPLACE", Tagging="u=2")
        h = self.s3.head_object(Bucket=b, Key="replaced")
        self.assertEqual((h["ContentType"], h["Metadata"]), ("text/b", {"n": "2"}))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="replaced")["Body"].read(),
                         b"source bytes")

        self.assertError(self.s3.copy_object, 400, "InvalidRequest", Bucket=b, Key="src",
                         CopySource={"Bucket": b, "Key": "src"})
        self.s3.copy_object(Bucket=b, Key="src", CopySource={"Bucket": b, "Key": "src"},
                            MetadataDirective="REPLACE", Metadata={"new": "yes"})
        self.assertEqual(self.s3.head_object(Bucket=b, Key="src")["Metadata"], {"new": "yes"})

        self.assertError(self.s3.copy_object, 412, "PreconditionFailed", Bucket=b, Key="c2",
                         CopySource={"Bucket": b, "Key": "src"}, CopySourceIfMatch='"nope"')
        self.assertError(self.s3.copy_object, 412, "PreconditionFailed", Bucket=b, Key="c2",
                         CopySource={"Bucket": b, "Key": "src"}, CopySourceIfNoneMatch=put["ETag"])
        self.assertError(self.s3.copy_object, 404, "NoSuchKey", Bucket=b, Key="c2",
                         CopySource={"Bucket": b, "Key": "missing"})
        self.assertError(self.s3.copy_object, 404, "NoSuchBucket", Bucket=b, Key="c2",
                         CopySource={"Bucket": "no-such-source-bucket", "Key": "x"})

    def test_copy_a_version(self):
        b = self.bucket()
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        v1 = self.s3.put_object(Bucket=b, Key="v", Body=b"first")["VersionId"]
        self.s3.put_object(Bucket=b, Key="v", Body=b"second")
        r = self.s3.copy_object(Bucket=b, Key="old", CopySource={"Bucket": b, "Key": "v",
                                                                  "VersionId": v1})
        self.assertEqual(r["CopySourceVersionId"], v1)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="old")["Body"].read(), b"first")


class TaggingAndConditionsTests(ServerTestCase):
    def test_object_and_bucket_tagging(self):
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="t", Body=b"x", Tagging="a=1&b=two%20words")
        self.assertEqual(self.s3.get_object(Bucket=b, Key="t")["TagCount"], 2)
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t")["TagSet"],
                         [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "two words"}])
        self.s3.put_object_tagging(Bucket=b, Key="t", Tagging={"TagSet": [{"Key": "z",
                                                                             "Value": "9"}]})
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t")["TagSet"],
                         [{"Key": "z", "Value": "9"}])
        self.s3.delete_object_tagging(Bucket=b, Key="t")
        self.assertEqual(self.s3.get_object_tagging(Bucket=b, Key="t")["TagSet"], [])
        eleven = [{"Key": "k%d" % i, "Value": "v"} for i in range(11)]
        self.assertError(self.s3.put_object_tagging, 400, "InvalidTag", Bucket=b, Key="t",
                         Tagging={"TagSet": eleven})
        self.assertError(self.s3.put_object_tagging, 404, "NoSuchKey", Bucket=b, Key="nope",
                         Tagging={"TagSet": []})

        self.assertError(self.s3.get_bucket_tagging, 404, "NoSuchTagSet", Bucket=b)
        self.s3.put_bucket_tagging(Bucket=b, Tagging={"TagSet": [{"Key": "team",
                                                                  "Value": "blue"}]})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket=b)["TagSet"],
                         [{"Key": "team", "Value": "blue"}])
        self.s3.delete_bucket_tagging(Bucket=b)
        self.assertError(self.s3.get_bucket_tagging, 404, "NoSuchTagSet", Bucket=b)

    def test_conditional_writes(self):
        b = self.bucket()
        path = "/%s/cond" % b
        status, headers, _ = self.server.signed_request("PUT", path, body=b"1",
                                                        headers={"If-None-Match": "*"})
        self.assertEqual(status, 200)
        etag = headers["ETag"]
        status, _, body = self.server.signed_request("PUT", path, body=b"2",
                                                     headers={"If-None-Match": "*"})
        self.assertEqual((status, b"<Code>PreconditionFailed</Code>" in body), (412, True))
        status, _, body = self.server.signed_request("PUT", path, body=b"3",
                                                     headers={"If-Match": '"0000"'})
        self.assertEqual(status, 412)
        status, _, _ = self.server.signed_request("PUT", path, body=b"4",
                                                  headers={"If-Match": etag})
        self.assertEqual(status, 200)
        status, _, body = self.server.signed_request("PUT", "/%s/absent" % b, body=b"5",
                                                     headers={"If-Match": etag})
        self.assertEqual((status, b"<Code>NoSuchKey</Code>" in body), (404, True))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="cond")["Body"].read(), b"4")


    def test_racing_writes_to_one_key(self):
        # Concurrent commits are grouped; two writes of one key must still see each other.
        b = self.bucket()

        # Creates with If-None-Match: * race for one key: exactly one wins, the others
        # get 412 PreconditionFailed, and the key holds the winner's body.
        def create(i):
            body = b"writer-%02d " % i * 100
            status, _, reply = self.server.signed_request(
                "PUT", "/%s/race" % b, body=body, headers={"If-None-Match": "*"})
            return status, error_code(reply) if status != 200 else None, body
        with ThreadPoolExecutor(16) as pool:
            results = list(pool.map(create, range(16)))
        winners = [body for status, _, body in results if status == 200]
        self.assertEqual(len(winners), 1)
        self.assertEqual({(s, c) for s, c, _ in results if s != 200}, {(412, "PreconditionFailed")})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="race")["Body"].read(), winners[0])

        # Plain overwrites of four keys from 64 connections: each key ends whole, with one
        # writer's body, and keeps exactly one (null) version.
        def overwrite(i):
            status, _, _ = self.server.signed_request(
                "PUT", "/%s/hot-%d" % (b, i % 4), body=b"%03d" % i * 1000)
            return status
        with ThreadPoolExecutor(64) as pool:
            self.assertEqual(set(pool.map(overwrite, range(256))), {200})
        for k in range(4):
            body = self.s3.get_object(Bucket=b, Key="hot-%d" % k)["Body"].read()
            self.assertEqual(body, body[:3] * 1000)
            self.assertEqual(int(body[:3]) % 4, k)
        versions = self.s3.list_object_versions(Bucket=b)["Versions"]
        self.assertEqual(sorted((v["Key"], v["VersionId"]) for v in versions),
                         [("hot-%d" % k, "null") for k in range(4)] + [("race", "null")])


class AclTests(ServerTestCase):
    @classmethod
    def prepare(cls, server):
        _, cls.other_key = server.add_account("other")

    def other(self):
        return self.server.client(key=self.other_key["AccessKeyId"],
                                  secret=self.other_key["SecretAccessKey"])

    def anonymous_get(self, path):
        from lib import send_raw
        return send_raw(self.server, "GET", path, b"", {})

    def test_new_buckets_have_acls_disabled(self):
        b = self.bucket()
        owner = self.s3.list_buckets()["Owner"]["ID"]
        rules = self.s3.get_bucket_ownership_controls(Bucket=b)["OwnershipControls"]["Rules"]
        self.assertEqual(rules, [{"ObjectOwnership": "BucketOwnerEnforced"}])
        acl = self.s3.get_bucket_acl(Bucket=b)
        self.assertEqual(acl["Owner"]["ID"], owner)
        self.assertEqual(acl["Grants"], [{"Grantee": {"ID": owner, "DisplayName":
                                                      acl["Owner"]["DisplayName"],
                                                      "Type": "CanonicalUser"},
                                          "Permission": "FULL_CONTROL"}])
        self.assertError(self.s3.put_object, 400, "AccessControlListNotSupported", Bucket=b,
                         Key="k", Body=b"x", ACL="public-read")
        self.s3.put_object(Bucket=b, Key="k", Body=b"x", ACL="bucket-owner-full-control")
        self.assertError(self.s3.put_bucket_acl, 400, "AccessControlListNotSupported", Bucket=b,
                         ACL="public-read")
        self.assertError(self.s3.create_bucket, 400, "InvalidBucketAclWithObjectOwnership",
                         Bucket=self.bucket(create=False), ACL="public-read")
        status, _, body = self.anonymous_get("/%s/k" % b)
        self.assertEqual(status, 403)

    def test_object_writer_acls(self):
        b = self.bucket(create=False)
        self.s3.create_bucket(Bucket=b, ObjectOwnership="ObjectWriter")
        self.s3.put_object(Bucket=b, Key="public", Body=b"for everyone", ACL="public-read")
        self.s3.put_object(Bucket=b, Key="private", Body=b"mine")
        status, _, body = self.anonymous_get("/%s/public" % b)
        self.assertEqual((status, body), (200, b"for everyone"))
        self.assertEqual(self.anonymous_get("/%s/private" % b)[0], 403)
        self.assertEqual(self.anonymous_get("/%s?list-type=2" % b)[0], 403)
        grants = self.s3.get_object_acl(Bucket=b, Key="public")["Grants"]
        self.assertIn({"Grantee": {"Type": "Group",
                                   "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
                       "Permission": "READ"}, grants)

        # A grant to another account's canonical id lets it read.
        other = self.other()
        other_id = other.list_buckets()["Owner"]["ID"]
        self.assertError(other.get_object, 403, "AccessDenied", Bucket=b, Key="private")
        self.s3.put_object_acl(Bucket=b, Key="private", GrantRead='id="%s"' % other_id)
        self.assertEqual(other.get_object(Bucket=b, Key="private")["Body"].read(), b"mine")

        # Bucket ACLs: public-read lets anyone list; public-read-write lets anyone write.
        self.s3.put_bucket_acl(Bucket=b, ACL="public-read")
        self.assertEqual(self.anonymous_get("/%s?list-type=2" % b)[0], 200)
        self.assertEqual(self.s3.get_bucket_acl(Bucket=b)["Grants"][1]["Permission"], "READ")
        self.assertError(other.put_object, 403, "AccessDenied", Bucket=b, Key="w", Body=b"x")
        self.s3.put_bucket_acl(Bucket=b, ACL="public-read-write")
        other.put_object(Bucket=b, Key="w", Body=b"written by other")
        # Under ObjectWriter the writer owns what it writes.
        owner = other.get_object_acl(Bucket=b, Key="w")["Owner"]["ID"]
        self.assertEqual(owner, other_id)


class CorsAndAttributesTests(ServerTestCase):
    def test_cors_configuration_and_preflight(self):
        from lib import send_raw
        b = self.bucket()
        self.assertError(self.s3.get_bucket_cors, 404, "NoSuchCORSConfiguration", Bucket=b)
        preflight = {"Origin": "https://app.example.com", "Access-Control-Request-Method": "PUT"}
        status, _, body = send_raw(self.server, "OPTIONS", "/%s/k" % b, b"", preflight)
        self.assertEqual((status, b"<Code>AccessForbidden</Code>" in body), (403, True))
        rules = [{"AllowedOrigins": ["https://*.example.com"], "AllowedMethods": ["GET", "PUT"],
                  "AllowedHeaders": ["content-*", "x-amz-*"], "ExposeHeaders": ["ETag"],
                  "MaxAgeSeconds": 300}]
        self.s3.put_bucket_cors(Bucket=b, CORSConfiguration={"CORSRules": rules})
        got = self.s3.get_bucket_cors(Bucket=b)["CORSRules"][0]
        self.assertEqual(got["AllowedOrigins"], ["https://*.example.com"])
        self.assertEqual(got["MaxAgeSeconds"], 300)

        status, headers, _ = send_raw(self.server, "OPTIONS", "/%s/k" % b, b"", dict(
            preflight, **{"Access-Control-Request-Headers": "Content-Type, X-Amz-Date"}))
        self.assertEqual(status, 200)
        self.assertEqual(headers["Access-Control-Allow-Origin"], "https://app.example.com")
        self.assertEqual(headers["Access-Control-Allow-Methods"], "GET, PUT")
        self.assertEqual(headers["Access-Control-Allow-Headers"], "content-type, x-amz-date")
        self.assertEqual(headers["Access-Control-Max-Age"], "300")
        for bad in [dict(preflight, Origin="https://evil.test"),
                    dict(preflight, **{"Access-Control-Request-Method": "DELETE"}),
                    dict(preflight, **{"Access-Control-Request-Headers": "authorization2"})]:
            self.assertEqual(send_raw(self.server, "OPTIONS", "/%s/k" % b, b"", bad)[0], 403)
        status, _, body = send_raw(self.server, "OPTIONS", "/%s/k" % b, b"",
                                   {"Access-Control-Request-Method": "GET"})
        self.assertEqual((status, b"<Code>BadRequest</Code>" in body), (400, True))

        # An actual request from an allowed origin carries the CORS headers.
        self.s3.put_object(Bucket=b, Key="k", Body=b"x")
        status, headers, _ = self.server.signed_request(
            "GET", "/%s/k" % b, headers={"Origin": "https://app.example.com"})
        self.assertEqual(headers.get("Access-Control-Allow-Origin"), "https://app.example.com")
        self.assertEqual(headers.get("Access-Control-Expose-Headers"), "ETag")
        self.s3.delete_bucket_cors(Bucket=b)
        self.assertError(self.s3.get_bucket_cors, 404, "NoSuchCORSConfiguration", Bucket=b)
        self.assertError(self.s3.put_bucket_cors, 400, "InvalidRequest", Bucket=b,
                         CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"],
                                                           "AllowedMethods": ["PATCH"]}]})

    def test_get_object_attributes(self):
        b = self.bucket()
        data = os.urandom(1000)
        self.s3.put_object(Bucket=b, Key="a", Body=data, ChecksumAlgorithm="SHA256")
        r = self.s3.get_object_attributes(Bucket=b, Key="a", ObjectAttributes=[
            "ETag", "Checksum", "StorageClass", "ObjectSize"])
        self.assertEqual(r["ETag"], md5(data))
        self.assertEqual(r["ObjectSize"], 1000)
        self.assertEqual(r["StorageClass"], "STANDARD")
        self.assertEqual(r["Checksum"]["ChecksumSHA256"],
                         base64.b64encode(hashlib.sha256(data).digest()).decode())
        parts = [os.urandom(5 * MIB), os.urandom(10)]
        mp = self.s3.create_multipart_upload(Bucket=b, Key="m")
        done = [{"PartNumber": i, "ETag": self.s3.upload_part(
            Bucket=b, Key="m", UploadId=mp["UploadId"], PartNumber=i, Body=p)["ETag"]}
            for i, p in enumerate(parts, 1)]
        self.s3.complete_multipart_upload(Bucket=b, Key="m", UploadId=mp["UploadId"],
                                          MultipartUpload={"Parts": done})
        r = self.s3.get_object_attributes(Bucket=b, Key="m", ObjectAttributes=["ObjectParts"],
                                          MaxParts=1)
        self.assertEqual(r["ObjectParts"]["TotalPartsCount"], 2)
        self.assertEqual([p["Size"] for p in r["ObjectParts"]["Parts"]], [5 * MIB])
        self.assertTrue(r["ObjectParts"]["IsTruncated"])
        self.assertError(self.s3.get_object_attributes, 404, "NoSuchKey", Bucket=b, Key="none",
                         ObjectAttributes=["ETag"])


def multipart_form(fields, file_data, filename="upload.bin", boundary="coffer-form-boundary"):
    out = b""
    for name, value in fields.items():
        out += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
                % (boundary, name, value)).encode()
    out += ('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
            'Content-Type: application/octet-stream\r\n\r\n' % (boundary, filename)).encode()
    out += file_data + ("\r\n--%s--\r\n" % boundary).encode()
    return out, {"Content-Type": "multipart/form-data; boundary=%s" % boundary}


class PostObjectTests(ServerTestCase):
    def post(self, b, fields, data, **kw):
        from lib import send_raw
        body, headers = multipart_form(fields, data, **kw)
        return send_raw(self.server, "POST", "/" + b, body, headers)

    def test_presigned_post_sigv4_and_sigv2(self):
        b = self.bucket()
        for version in ["s3v4", "s3"]:
            s3 = self.server.client(signature_version=version)
            post = s3.generate_presigned_post(
                Bucket=b, Key="forms/%s/${filename}" % version,
                Fields={"success_action_status": "201", "Content-Type": "text/plain"},
                Conditions=[{"success_action_status": "201"}, {"Content-Type": "text/plain"},
                            ["content-length-range", 1, 1000]],
                ExpiresIn=60)
            status, headers, body = self.post(b, post["fields"], b"posted data",
                                              filename="a.txt")
            self.assertEqual(status, 201, body)
            self.assertIn(b"<Key>forms/%s/a.txt</Key>" % version.encode(), body)
            got = self.s3.get_object(Bucket=b, Key="forms/%s/a.txt" % version)
            self.assertEqual(got["Body"].read(), b"posted data")
            self.assertEqual(got["ContentType"], "text/plain")

    def test_policy_is_enforced(self):
        from lib import error_code
        b = self.bucket()
        s3 = self.server.client(signature_version="s3v4")
        post = s3.generate_presigned_post(Bucket=b, Key="k", Conditions=[
            ["content-length-range", 1, 10]], ExpiresIn=60)
        status, _, body = self.post(b, post["fields"], b"x" * 11)
        self.assertEqual((status, error_code(body)), (400, "EntityTooLarge"))
        extra = dict(post["fields"], **{"x-amz-meta-extra": "1"})
        status, _, body = self.post(b, extra, b"x")
        self.assertEqual((status, error_code(body)), (403, "AccessDenied"))
        self.assertIn(b"Extra input fields: x-amz-meta-extra", body)
        wrong_key = dict(post["fields"], key="other")
        status, _, body = self.post(b, wrong_key, b"x")
        self.assertEqual((status, error_code(body)), (403, "AccessDenied"))
        bad_sig = dict(post["fields"], **{"x-amz-signature": "0" * 64})
        status, _, body = self.post(b, bad_sig, b"x")
        self.assertEqual((status, error_code(body)), (403, "SignatureDoesNotMatch"))
        expired = s3.generate_presigned_post(Bucket=b, Key="k", ExpiresIn=-10)
        status, _, body = self.post(b, expired["fields"], b"x")
        self.assertEqual((status, error_code(body)), (403, "AccessDenied"))
        self.assertIn(b"Policy expired", body)
        status, _, body = self.post(b, {}, b"anonymous")
        self.assertEqual((status, error_code(body)), (400, "InvalidArgument"))
        status, _, body = self.post(b, {"key": "anon"}, b"anonymous")
        self.assertEqual((status, error_code(body)), (403, "AccessDenied"))
        self.assertError(self.s3.head_object, 404, "404", Bucket=b, Key="anon")
        status, _, body = self.post(b, post["fields"], b"ok")
        self.assertEqual(status, 204, body)


if __name__ == "__main__":
    unittest.main()
