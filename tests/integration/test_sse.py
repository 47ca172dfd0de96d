"""Server-side encryption through boto3 and the aws CLI, over TLS: every mode across
PUT/GET/HEAD/Range/Copy/multipart/POST, bucket default encryption, Bucket Keys, the
misuse cases with AWS's codes, KMS permissions of the requester, and what is on disk
(no plaintext; tampering and swapped files are detected)."""
import base64
import hashlib
import json
import os

from lib import ROOT_KEY, ROOT_SECRET, ServerTestCase, send_raw

MiB = 1024 * 1024


def ssec(key):
    return {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": key}


def copy_ssec(key):
    return {"CopySourceSSECustomerAlgorithm": "AES256", "CopySourceSSECustomerKey": key}


class SseTestCase(ServerTestCase):
    TLS = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import boto3
        from botocore.config import Config
        cls.kms = boto3.client("kms", endpoint_url=cls.server.endpoint, aws_access_key_id=ROOT_KEY,
                               aws_secret_access_key=ROOT_SECRET, region_name="us-east-1",
                               verify=cls.server.ca, config=Config(retries={"max_attempts": 1}))
        cls.iam = boto3.client("iam", endpoint_url=cls.server.endpoint,
                               aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET,
                               region_name="us-east-1", verify=cls.server.ca)

    def aws(self, *args, check=True):
        return self.server.aws(*args, check=check)

    def new_key(self):
        return self.kms.create_key()["KeyMetadata"]["Arn"]


class ModesTests(SseTestCase):
    def check_round_trip(self, bucket, key, data, put_args, get_args, expect):
        put = self.s3.put_object(Bucket=bucket, Key=key, Body=data, **put_args)
        for name, value in expect.items():
            self.assertEqual(put.get(name), value, (name, put))
        # GET and HEAD answer with the same headers, the context aside (AWS returns it
        # on writes only).
        read_expect = {k: v for k, v in expect.items() if k != "SSEKMSEncryptionContext"}
        got = self.s3.get_object(Bucket=bucket, Key=key, **get_args)
        self.assertEqual(got["Body"].read(), data)
        for name, value in read_expect.items():
            self.assertEqual(got.get(name), value, name)
        head = self.s3.head_object(Bucket=bucket, Key=key, **get_args)
        self.assertEqual(head["ContentLength"], len(data))
        for answer in (got, head):
            self.assertNotIn("x-amz-server-side-encryption-context",
                             answer["ResponseMetadata"]["HTTPHeaders"])
        for name, value in read_expect.items():
            self.assertEqual(head.get(name), value, name)
        # Ranges inside a segment, across segments, and at the end.
        for first, last in [(0, 0), (65530, 65545), (len(data) - 10, len(data) - 1),
                            (100000, 250000)]:
            part = self.s3.get_object(Bucket=bucket, Key=key, Range="bytes=%d-%d" % (first, last),
                                      **get_args)["Body"].read()
            self.assertEqual(part, data[first:last + 1], (first, last))
        return put

    def test_every_mode_put_get_head_range(self):
        b = self.bucket()
        data = os.urandom(300000)
        key_arn = self.new_key()
        customer = os.urandom(32)
        customer_md5 = base64.b64encode(hashlib.md5(customer).digest()).decode()
        context = base64.b64encode(json.dumps({"project": "x"}).encode()).decode()

        # No header: SSE-S3, and the ETag stays the MD5 (clients such as s3cmd check it).
        put = self.check_round_trip(b, "default", data, {}, {}, {"ServerSideEncryption": "AES256"})
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.check_round_trip(b, "s3", data, {"ServerSideEncryption": "AES256"}, {},
                              {"ServerSideEncryption": "AES256"})
        aws_s3 = self.kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["Arn"]
        put = self.check_round_trip(b, "kms-default", data, {"ServerSideEncryption": "aws:kms"}, {},
                                    {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": aws_s3})
        self.assertNotEqual(put["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.check_round_trip(b, "kms", data,
                              {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn,
                               "SSEKMSEncryptionContext": context},
                              {}, {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn,
                                   "SSEKMSEncryptionContext": context})
        self.check_round_trip(b, "bucket-key", data,
                              {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn,
                               "BucketKeyEnabled": True},
                              {}, {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn,
                                   "BucketKeyEnabled": True})
        self.check_round_trip(b, "dsse", data,
                              {"ServerSideEncryption": "aws:kms:dsse", "SSEKMSKeyId": key_arn},
                              {}, {"ServerSideEncryption": "aws:kms:dsse", "SSEKMSKeyId": key_arn})
        put = self.check_round_trip(b, "ssec", data, ssec(customer), ssec(customer),
                                    {"SSECustomerAlgorithm": "AES256",
                                     "SSECustomerKeyMD5": customer_md5})
        self.assertNotEqual(put["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        # An alias names the key too.
        self.kms.create_alias(AliasName="alias/sse-test", TargetKeyId=key_arn)
        put = self.s3.put_object(Bucket=b, Key="alias", Body=b"a", ServerSideEncryption="aws:kms",
                                 SSEKMSKeyId="alias/sse-test")
        self.assertEqual(put["SSEKMSKeyId"], key_arn)

    def test_versions_keep_their_own_encryption(self):
        b = self.bucket()
        self.s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        key = self.new_key()
        customer = os.urandom(32)
        v1 = self.s3.put_object(Bucket=b, Key="k", Body=b"one", ServerSideEncryption="aws:kms",
                                SSEKMSKeyId=key)["VersionId"]
        v2 = self.s3.put_object(Bucket=b, Key="k", Body=b"two", **ssec(customer))["VersionId"]
        v3 = self.s3.put_object(Bucket=b, Key="k", Body=b"three")["VersionId"]
        got = self.s3.get_object(Bucket=b, Key="k", VersionId=v1)
        self.assertEqual((got["Body"].read(), got["ServerSideEncryption"], got["SSEKMSKeyId"]),
                         (b"one", "aws:kms", key))
        self.assertError(self.s3.get_object, 400, "InvalidRequest", Bucket=b, Key="k", VersionId=v2)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k", VersionId=v2,
                                            **ssec(customer))["Body"].read(), b"two")
        head = self.s3.head_object(Bucket=b, Key="k", VersionId=v3)
        self.assertEqual(head["ServerSideEncryption"], "AES256")
        # Copying an old SSE-C version re-encrypts it under what the copy asks for.
        self.s3.copy_object(Bucket=b, Key="k", CopySource={"Bucket": b, "Key": "k", "VersionId": v2},
                            ServerSideEncryption="aws:kms", SSEKMSKeyId=key, **copy_ssec(customer))
        latest = self.s3.get_object(Bucket=b, Key="k")
        self.assertEqual((latest["Body"].read(), latest["SSEKMSKeyId"]), (b"two", key))

    def test_multipart_in_each_mode(self):
        b = self.bucket()
        data = os.urandom(11 * MiB + 3)
        key_arn = self.new_key()
        customer = os.urandom(32)
        for name, args, read in [
                ("s3", {}, {}),
                ("kms", {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key_arn}, {}),
                ("bk", {"ServerSideEncryption": "aws:kms", "BucketKeyEnabled": True}, {}),
                ("dsse", {"ServerSideEncryption": "aws:kms:dsse"}, {}),
                ("ssec", ssec(customer), ssec(customer))]:
            up = self.s3.create_multipart_upload(Bucket=b, Key=name, **args)
            if "ServerSideEncryption" in args:
                self.assertEqual(up["ServerSideEncryption"], args["ServerSideEncryption"])
            parts = []
            for i, start in enumerate(range(0, len(data), 5 * MiB)):
                p = self.s3.upload_part(Bucket=b, Key=name, UploadId=up["UploadId"],
                                        PartNumber=i + 1, Body=data[start:start + 5 * MiB],
                                        **read)
                parts.append({"PartNumber": i + 1, "ETag": p["ETag"]})
            done = self.s3.complete_multipart_upload(Bucket=b, Key=name, UploadId=up["UploadId"],
                                                     MultipartUpload={"Parts": parts})
            self.assertTrue(done["ETag"].endswith('-3"'), done["ETag"])
            got = self.s3.get_object(Bucket=b, Key=name, **read)
            self.assertEqual(got["Body"].read(), data, name)
            rng = self.s3.get_object(Bucket=b, Key=name, Range="bytes=%d-%d" % (5 * MiB - 7,
                                                                                 10 * MiB + 7),
                                     **read)["Body"].read()
            self.assertEqual(rng, data[5 * MiB - 7:10 * MiB + 8], name)
            part2 = self.s3.get_object(Bucket=b, Key=name, PartNumber=2, **read)["Body"].read()
            self.assertEqual(part2, data[5 * MiB:10 * MiB], name)
        # A part of an SSE-C upload without the upload's key, or with another one.
        up = self.s3.create_multipart_upload(Bucket=b, Key="ssec2", **ssec(customer))
        self.assertError(self.s3.upload_part, 400, "InvalidRequest", Bucket=b, Key="ssec2",
                         UploadId=up["UploadId"], PartNumber=1, Body=b"x")
        self.assertError(self.s3.upload_part, 403, "AccessDenied", Bucket=b, Key="ssec2",
                         UploadId=up["UploadId"], PartNumber=1, Body=b"x",
                         **ssec(os.urandom(32)))

    def test_kms_and_ssec_etags_are_opaque_but_content_md5_is_checked(self):
        # SSE-KMS, DSSE-KMS and SSE-C ETags are not the MD5 (AWS) and Coffer does not
        # compute one for them; a Content-MD5 sent is still checked.
        b = self.bucket()
        data = os.urandom(3 * MiB + 5)
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        customer = os.urandom(32)
        for name, args in [("kms", {"ServerSideEncryption": "aws:kms"}),
                           ("dsse", {"ServerSideEncryption": "aws:kms:dsse"}),
                           ("ssec", ssec(customer))]:
            first = self.s3.put_object(Bucket=b, Key=name, Body=data, **args)["ETag"]
            again = self.s3.put_object(Bucket=b, Key=name, Body=data, **args)["ETag"]
            self.assertRegex(first, r'^"[0-9a-f]{32}"$')
            self.assertNotEqual(first, '"%s"' % hashlib.md5(data).hexdigest())
            self.assertNotEqual(first, again, name)  # each upload its own
            read = ssec(customer) if name == "ssec" else {}
            self.assertEqual(self.s3.head_object(Bucket=b, Key=name, **read)["ETag"], again)
            checked = self.s3.put_object(Bucket=b, Key=name, Body=data, ContentMD5=md5, **args)
            self.assertNotEqual(checked["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
            wrong = base64.b64encode(hashlib.md5(b"other").digest()).decode()
            self.assertError(self.s3.put_object, 400, "BadDigest", Bucket=b, Key=name + "-bad",
                             Body=data, ContentMD5=wrong, **args)
            self.assertError(self.s3.head_object, 404, "404", Bucket=b, Key=name + "-bad", **read)
        # Multipart parts: a part number uploaded again with other bytes gets another ETag,
        # and only the last one completes the upload.
        up = self.s3.create_multipart_upload(Bucket=b, Key="mp", ServerSideEncryption="aws:kms")
        etags = [self.s3.upload_part(Bucket=b, Key="mp", UploadId=up["UploadId"], PartNumber=1,
                                     Body=body)["ETag"] for body in (data[::-1], data)]
        self.assertNotEqual(etags[0], etags[1])
        self.assertError(self.s3.complete_multipart_upload, 400, "InvalidPart", Bucket=b, Key="mp",
                         UploadId=up["UploadId"],
                         MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etags[0]}]})
        self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up["UploadId"],
                                          MultipartUpload={"Parts": [{"PartNumber": 1,
                                                                      "ETag": etags[1]}]})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="mp")["Body"].read(), data)
        # Copies and copied parts follow the same rule: MD5 ETags for SSE-S3 only.
        plain_md5 = '"%s"' % hashlib.md5(data).hexdigest()
        copies = {}
        for name, args in [("to-s3", {"ServerSideEncryption": "AES256"}),
                           ("to-kms", {"ServerSideEncryption": "aws:kms"}),
                           ("to-kms-again", {"ServerSideEncryption": "aws:kms"})]:
            copies[name] = self.s3.copy_object(Bucket=b, Key=name, CopySource={"Bucket": b, "Key": "kms"},
                                               **args)["CopyObjectResult"]["ETag"]
            self.assertEqual(self.s3.get_object(Bucket=b, Key=name)["Body"].read(), data)
        self.assertEqual(copies["to-s3"], plain_md5)
        self.assertRegex(copies["to-kms"], r'^"[0-9a-f]{32}"$')
        self.assertNotIn(copies["to-kms"], (plain_md5, copies["to-kms-again"]))
        up = self.s3.create_multipart_upload(Bucket=b, Key="mpc", ServerSideEncryption="aws:kms")
        part = self.s3.upload_part_copy(Bucket=b, Key="mpc", UploadId=up["UploadId"], PartNumber=1,
                                        CopySource={"Bucket": b, "Key": "to-s3"},
                                        CopySourceRange="bytes=0-%d" % (len(data) - 1))
        etag = part["CopyPartResult"]["ETag"]
        self.assertRegex(etag, r'^"[0-9a-f]{32}"$')
        self.assertNotEqual(etag, plain_md5)
        self.s3.complete_multipart_upload(Bucket=b, Key="mpc", UploadId=up["UploadId"],
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="mpc")["Body"].read(), data)

    def test_copy_changes_mode_and_rotates_keys(self):
        b = self.bucket()
        data = os.urandom(200000)
        k1, k2 = self.new_key(), self.new_key()
        c1, c2 = os.urandom(32), os.urandom(32)
        self.s3.put_object(Bucket=b, Key="src", Body=data, **ssec(c1))
        # SSE-C source to SSE-KMS destination.
        out = self.s3.copy_object(Bucket=b, Key="kms", CopySource="%s/src" % b, **copy_ssec(c1),
                                  ServerSideEncryption="aws:kms", SSEKMSKeyId=k1)
        self.assertEqual((out["ServerSideEncryption"], out["SSEKMSKeyId"]), ("aws:kms", k1))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="kms")["Body"].read(), data)
        # The copy source needs its key.
        self.assertError(self.s3.copy_object, 400, "InvalidRequest", Bucket=b, Key="x",
                         CopySource="%s/src" % b)
        # Re-encrypt under another KMS key, in place.
        out = self.s3.copy_object(Bucket=b, Key="kms", CopySource="%s/kms" % b,
                                  ServerSideEncryption="aws:kms", SSEKMSKeyId=k2)
        self.assertEqual(out["SSEKMSKeyId"], k2)
        self.assertEqual(self.s3.head_object(Bucket=b, Key="kms")["SSEKMSKeyId"], k2)
        # Rotate an SSE-C key by copying the object onto itself.
        self.s3.copy_object(Bucket=b, Key="src", CopySource="%s/src" % b, **copy_ssec(c1),
                            **ssec(c2))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="src", **ssec(c2))["Body"].read(), data)
        self.assertError(self.s3.get_object, 403, "AccessDenied", Bucket=b, Key="src", **ssec(c1))
        # A copy with no encryption header takes the destination bucket's default.
        out = self.s3.copy_object(Bucket=b, Key="plain", CopySource="%s/kms" % b)
        self.assertEqual(out["ServerSideEncryption"], "AES256")
        # UploadPartCopy from an SSE-KMS object into an SSE-C upload.
        up = self.s3.create_multipart_upload(Bucket=b, Key="mp", **ssec(c1))
        part = self.s3.upload_part_copy(Bucket=b, Key="mp", UploadId=up["UploadId"], PartNumber=1,
                                        CopySource="%s/kms" % b, **ssec(c1))
        self.s3.complete_multipart_upload(Bucket=b, Key="mp", UploadId=up["UploadId"],
                                          MultipartUpload={"Parts": [
                                              {"PartNumber": 1,
                                               "ETag": part["CopyPartResult"]["ETag"]}]})
        self.assertEqual(self.s3.get_object(Bucket=b, Key="mp", **ssec(c1))["Body"].read(), data)

    def test_bucket_default_encryption(self):
        b = self.bucket()
        # Every bucket reports SSE-S3 until told otherwise.
        rules = self.s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"]
        self.assertEqual(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")
        key = self.new_key()
        self.s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                   "KMSMasterKeyID": key},
            "BucketKeyEnabled": True}]})
        got = self.s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(got["ApplyServerSideEncryptionByDefault"],
                         {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key})
        self.assertTrue(got["BucketKeyEnabled"])
        out = self.s3.put_object(Bucket=b, Key="k", Body=b"defaulted")
        self.assertEqual((out["ServerSideEncryption"], out["SSEKMSKeyId"], out["BucketKeyEnabled"]),
                         ("aws:kms", key, True))
        # A request's own header wins over the default.
        self.assertEqual(self.s3.put_object(Bucket=b, Key="s3", Body=b"x",
                                            ServerSideEncryption="AES256")["ServerSideEncryption"],
                         "AES256")
        # Bad configurations.
        self.assertError(self.s3.put_bucket_encryption, 400, "InvalidArgument", Bucket=b,
                         ServerSideEncryptionConfiguration={"Rules": [{
                             "ApplyServerSideEncryptionByDefault": {
                                 "SSEAlgorithm": "AES256", "KMSMasterKeyID": key}}]})
        status, _, body = self.server.signed_request(
            "PUT", "/%s?encryption" % b, body=b"<ServerSideEncryptionConfiguration><Rule>"
            b"<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aes:kms</SSEAlgorithm>"
            b"</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>")
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>MalformedXML</Code>", body)
        # Blocking SSE-C refuses new SSE-C writes (reads of old ones still work).
        customer = os.urandom(32)
        self.s3.put_object(Bucket=b, Key="old-ssec", Body=b"old", **ssec(customer))
        # (Debian's boto3 predates BlockedEncryptionTypes: the document goes raw.)
        status, _, body = self.server.signed_request(
            "PUT", "/%s?encryption" % b, body=b"<ServerSideEncryptionConfiguration><Rule>"
            b"<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
            b"</ApplyServerSideEncryptionByDefault><BlockedEncryptionTypes><EncryptionType>SSE-C"
            b"</EncryptionType></BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>")
        self.assertEqual(status, 200, body)
        status, _, body = self.server.signed_request("GET", "/%s?encryption" % b)
        self.assertIn(b"<EncryptionType>SSE-C</EncryptionType>", body)
        self.assertError(self.s3.put_object, 403, "AccessDenied", Bucket=b, Key="new-ssec",
                         Body=b"x", **ssec(customer))
        self.assertEqual(self.s3.get_object(Bucket=b, Key="old-ssec", **ssec(customer))["Body"]
                         .read(), b"old")
        self.s3.delete_bucket_encryption(Bucket=b)
        self.assertEqual(self.s3.put_object(Bucket=b, Key="after", Body=b"x")["ServerSideEncryption"],
                         "AES256")

    def test_aws_cli_sse_kms_and_sse_c(self):
        b = self.bucket()
        path = os.path.join(self.server.tmp, "cli-file")
        data = os.urandom(9 * MiB)
        with open(path, "wb") as f:
            f.write(data)
        key = self.new_key()
        self.aws("s3", "cp", path, "s3://%s/kms" % b, "--sse", "aws:kms", "--sse-kms-key-id", key)
        head = json.loads(self.aws("s3api", "head-object", "--bucket", b, "--key", "kms").stdout)
        self.assertEqual((head["ServerSideEncryption"], head["SSEKMSKeyId"]), ("aws:kms", key))
        out = os.path.join(self.server.tmp, "cli-out")
        self.aws("s3", "cp", "s3://%s/kms" % b, out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)
        customer = "0123456789abcdef0123456789abcdef"
        self.aws("s3", "cp", path, "s3://%s/ssec" % b, "--sse-c", "AES256", "--sse-c-key", customer)
        err = self.aws("s3", "cp", "s3://%s/ssec" % b, out, check=False)
        self.assertNotEqual(err.returncode, 0)
        self.aws("s3", "cp", "s3://%s/ssec" % b, out, "--sse-c", "AES256", "--sse-c-key", customer)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_post_upload_with_sse_kms(self):
        b = self.bucket()
        key = self.new_key()
        post = self.s3.generate_presigned_post(
            b, "posted", Fields={"x-amz-server-side-encryption": "aws:kms",
                                 "x-amz-server-side-encryption-aws-kms-key-id": key},
            Conditions=[{"x-amz-server-side-encryption": "aws:kms"},
                        {"x-amz-server-side-encryption-aws-kms-key-id": key}])
        import urllib.request
        import uuid
        boundary = uuid.uuid4().hex
        body = b""
        for name, value in post["fields"].items():
            body += ("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" %
                     (boundary, name, value)).encode()
        body += ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n"
                 "Content-Type: text/plain\r\n\r\n" % boundary).encode() + b"posted data\r\n"
        body += ("--%s--\r\n" % boundary).encode()
        status, headers, resp = send_raw(self.server, "POST", "/%s" % b, body, {
            "Content-Type": "multipart/form-data; boundary=%s" % boundary})
        self.assertEqual(status, 204, resp)
        self.assertEqual(headers.get("x-amz-server-side-encryption"), "aws:kms")
        head = self.s3.head_object(Bucket=b, Key="posted")
        self.assertEqual((head["ServerSideEncryption"], head["SSEKMSKeyId"]), ("aws:kms", key))


class MisuseTests(SseTestCase):
    def test_request_header_errors(self):
        b = self.bucket()
        key = os.urandom(32)
        bad = [
            ({"x-amz-server-side-encryption": "aes:kms"}, 400, "InvalidArgument"),
            ({"x-amz-server-side-encryption": "AES256",
              "x-amz-server-side-encryption-aws-kms-key-id": "alias/x"}, 400, "InvalidArgument"),
            ({"x-amz-server-side-encryption-context": "eyJhIjoiYiJ9"}, 400, "InvalidArgument"),
            ({"x-amz-server-side-encryption": "aws:kms",
              "x-amz-server-side-encryption-context": "not base64 json"}, 400, "InvalidArgument"),
            ({"x-amz-server-side-encryption": "aws:kms",
              "x-amz-server-side-encryption-customer-algorithm": "AES256",
              "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
              "x-amz-server-side-encryption-customer-key-MD5":
                  base64.b64encode(hashlib.md5(key).digest()).decode()}, 400, "InvalidArgument"),
            ({"x-amz-server-side-encryption-customer-algorithm": "AES256"}, 400, "InvalidArgument"),
            ({"x-amz-server-side-encryption-customer-algorithm": "AES256",
              "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode()},
             400, "InvalidArgument"),
            ({"x-amz-server-side-encryption-customer-algorithm": "AES256",
              "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
              "x-amz-server-side-encryption-customer-key-MD5":
                  base64.b64encode(hashlib.md5(b"other").digest()).decode()},
             400, "InvalidArgument"),
            ({"x-amz-server-side-encryption-customer-algorithm": "AES256",
              "x-amz-server-side-encryption-customer-key": base64.b64encode(key[:16]).decode(),
              "x-amz-server-side-encryption-customer-key-MD5":
                  base64.b64encode(hashlib.md5(key[:16]).digest()).decode()},
             400, "InvalidArgument"),
            ({"x-amz-server-side-encryption-customer-algorithm": "AES512",
              "x-amz-server-side-encryption-customer-key": base64.b64encode(key).decode(),
              "x-amz-server-side-encryption-customer-key-MD5":
                  base64.b64encode(hashlib.md5(key).digest()).decode()}, 400, "InvalidArgument"),
            ({"x-amz-server-side-encryption": "aws:kms",
              "x-amz-server-side-encryption-aws-kms-key-id": "alias/does-not-exist"},
             400, "KMS.NotFoundException"),
        ]
        for headers, status, code in bad:
            got, _, body = self.server.signed_request("PUT", "/%s/obj" % b, body=b"x",
                                                      headers=headers)
            self.assertEqual(got, status, (headers, body))
            self.assertIn(("<Code>%s</Code>" % code).encode(), body, headers)
            self.assertIn(b"<Message>", body)
        self.assertError(self.s3.head_object, 404, None, Bucket=b, Key="obj")  # nothing stored

    def test_read_header_errors(self):
        b = self.bucket()
        key = os.urandom(32)
        self.s3.put_object(Bucket=b, Key="kms", Body=b"k", ServerSideEncryption="aws:kms")
        self.s3.put_object(Bucket=b, Key="ssec", Body=b"c", **ssec(key))
        # SSE-C object without its key: 400 (HEAD: no body), wrong key: 403.
        self.assertError(self.s3.get_object, 400, "InvalidRequest", Bucket=b, Key="ssec")
        self.assertError(self.s3.head_object, 400, None, Bucket=b, Key="ssec")
        self.assertError(self.s3.get_object, 403, "AccessDenied", Bucket=b, Key="ssec",
                         **ssec(os.urandom(32)))
        # SSE-C headers on an object that is not SSE-C.
        self.assertError(self.s3.get_object, 400, "InvalidRequest", Bucket=b, Key="kms", **ssec(key))
        # x-amz-server-side-encryption on a GET of an SSE-KMS object.
        status, _, body = self.server.signed_request(
            "GET", "/%s/kms" % b, headers={"x-amz-server-side-encryption": "aws:kms"})
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>InvalidArgument</Code>", body)

    def test_kms_key_state_and_requester_permissions(self):
        b = self.bucket()
        key = self.new_key()
        self.s3.put_object(Bucket=b, Key="k", Body=b"secret", ServerSideEncryption="aws:kms",
                           SSEKMSKeyId=key)
        # A user with s3:GetObject but not kms:Decrypt.
        self.iam.create_user(UserName="reader")
        self.iam.put_user_policy(UserName="reader", PolicyName="s3", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                                    "Action": ["s3:GetObject", "s3:PutObject"],
                                                    "Resource": "*"}]}))
        ak = self.iam.create_access_key(UserName="reader")["AccessKey"]
        reader = self.server.client(key=ak["AccessKeyId"], secret=ak["SecretAccessKey"])
        self.assertError(reader.get_object, 403, "AccessDenied", Bucket=b, Key="k")
        self.assertError(reader.put_object, 403, "AccessDenied", Bucket=b, Key="k2", Body=b"x",
                         ServerSideEncryption="aws:kms", SSEKMSKeyId=key)
        self.assertEqual(reader.head_object(Bucket=b, Key="k")["ServerSideEncryption"], "aws:kms")
        self.iam.put_user_policy(UserName="reader", PolicyName="kms", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt",
                                                    "Resource": key}]}))
        self.assertEqual(reader.get_object(Bucket=b, Key="k")["Body"].read(), b"secret")
        # A disabled key stops reads and writes; enabling it restores them.
        self.kms.disable_key(KeyId=key)
        self.assertError(self.s3.get_object, 400, "KMS.DisabledException", Bucket=b, Key="k")
        self.assertError(self.s3.put_object, 400, "KMS.DisabledException", Bucket=b, Key="k3",
                         Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key)
        self.kms.enable_key(KeyId=key)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"secret")
        self.kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
        self.assertError(self.s3.get_object, 400, "KMS.KMSInvalidStateException", Bucket=b, Key="k")
        self.kms.cancel_key_deletion(KeyId=key)
        self.kms.enable_key(KeyId=key)
        self.assertEqual(self.s3.get_object(Bucket=b, Key="k")["Body"].read(), b"secret")


class ChecksumTests(SseTestCase):
    """Checksums of encrypted objects are stored sealed under the object's keys."""

    def test_checksums_are_sealed_and_need_the_keys(self):
        b = self.bucket()
        key = self.new_key()
        data = os.urandom(70000)
        sha = base64.b64encode(hashlib.sha256(data).digest()).decode()
        put = self.s3.put_object(Bucket=b, Key="one", Body=data, ServerSideEncryption="aws:kms",
                                 SSEKMSKeyId=key, ChecksumAlgorithm="SHA256")
        self.assertEqual(put["ChecksumSHA256"], sha)
        head = self.s3.head_object(Bucket=b, Key="one", ChecksumMode="ENABLED")
        self.assertEqual(head["ChecksumSHA256"], sha)
        got = self.s3.get_object(Bucket=b, Key="one", ChecksumMode="ENABLED")
        self.assertEqual(got["ChecksumSHA256"], sha)
        self.assertEqual(got["Body"].read(), data)

        # Multipart, CRC32 composite: parts, ListParts, Complete, GetObjectAttributes.
        up = self.s3.create_multipart_upload(Bucket=b, Key="multi", ServerSideEncryption="aws:kms",
                                             SSEKMSKeyId=key, ChecksumAlgorithm="CRC32")
        bodies = [os.urandom(5 * MiB), os.urandom(1000)]
        parts = []
        for i, body in enumerate(bodies, 1):
            r = self.s3.upload_part(Bucket=b, Key="multi", UploadId=up["UploadId"], PartNumber=i,
                                    Body=body, ChecksumAlgorithm="CRC32")
            parts.append({"PartNumber": i, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
        listed = self.s3.list_parts(Bucket=b, Key="multi", UploadId=up["UploadId"])["Parts"]
        self.assertEqual([p["ChecksumCRC32"] for p in listed], [p["ChecksumCRC32"] for p in parts])
        done = self.s3.complete_multipart_upload(Bucket=b, Key="multi", UploadId=up["UploadId"],
                                                 MultipartUpload={"Parts": parts})
        attrs = self.s3.get_object_attributes(Bucket=b, Key="multi",
                                              ObjectAttributes=["Checksum", "ObjectParts"])
        self.assertEqual(attrs["Checksum"]["ChecksumCRC32"], done["ChecksumCRC32"])
        self.assertEqual([p["ChecksumCRC32"] for p in attrs["ObjectParts"]["Parts"]],
                         [p["ChecksumCRC32"] for p in parts])

        # SSE-C: GetObjectAttributes needs the customer key, as on AWS.
        customer = os.urandom(32)
        c = self.s3.put_object(Bucket=b, Key="c", Body=data, ChecksumAlgorithm="SHA256",
                               **ssec(customer))
        self.assertEqual(c["ChecksumSHA256"], sha)
        self.assertError(self.s3.get_object_attributes, 400, "InvalidRequest", Bucket=b, Key="c",
                         ObjectAttributes=["Checksum"])
        # (boto3 does not encode the key for this operation: the headers go as AWS wants.)
        attrs = self.s3.get_object_attributes(
            Bucket=b, Key="c", ObjectAttributes=["Checksum"], SSECustomerAlgorithm="AES256",
            SSECustomerKey=base64.b64encode(customer).decode(),
            SSECustomerKeyMD5=base64.b64encode(hashlib.md5(customer).digest()).decode())
        self.assertEqual(attrs["Checksum"]["ChecksumSHA256"], sha)

        # No checksum is on disk in the clear, as text or as bytes.
        secrets = [sha, done["ChecksumCRC32"]] + [p["ChecksumCRC32"] for p in parts]
        raw = [base64.b64decode(v.split("-")[0]) for v in secrets]
        for root, _, files in os.walk(self.server.data):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    content = fh.read()
                for value in secrets:
                    self.assertNotIn(value.encode(), content, (f, value))
                self.assertNotIn(raw[0], content, f)

        # A reader with s3:GetObject but without kms:Decrypt sees the object's metadata
        # but not its checksum.
        self.iam.create_user(UserName="meta-reader")
        self.iam.put_user_policy(UserName="meta-reader", PolicyName="s3", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                    "Resource": "*"}]}))
        ak = self.iam.create_access_key(UserName="meta-reader")["AccessKey"]
        reader = self.server.client(key=ak["AccessKeyId"], secret=ak["SecretAccessKey"])
        self.assertEqual(reader.head_object(Bucket=b, Key="one")["ContentLength"], len(data))
        self.assertError(reader.head_object, 403, None, Bucket=b, Key="one", ChecksumMode="ENABLED")


class BucketKeyTests(SseTestCase):
    """Bucket Keys cut KMS calls, and objects read back after the cached key expires and
    after a restart."""

    @classmethod
    def prepare(cls, server):
        server.extra_args += ["--bucket-key-ttl", "1"]

    def kms_calls_at_stop(self):
        self.server.stop()
        import re
        calls = re.findall(r"S3 encryption made (\d+) KMS calls", self.server.read_log())
        self.server.start()
        type(self).s3 = self.server.client()  # the old connections are gone
        return int(calls[-1])

    def test_bucket_key_cuts_kms_calls_and_survives_expiry_and_restart(self):
        import time
        b = self.bucket()
        bodies = {}
        for i in range(40):
            bodies["a%d" % i] = os.urandom(1000 + i)
            self.s3.put_object(Bucket=b, Key="a%d" % i, Body=bodies["a%d" % i],
                               ServerSideEncryption="aws:kms", BucketKeyEnabled=True)
        time.sleep(1.2)  # the cached bucket key expires
        for i in range(40):
            bodies["b%d" % i] = os.urandom(1000 + i)
            self.s3.put_object(Bucket=b, Key="b%d" % i, Body=bodies["b%d" % i],
                               ServerSideEncryption="aws:kms", BucketKeyEnabled=True)
        for k, v in bodies.items():
            self.assertEqual(self.s3.get_object(Bucket=b, Key=k)["Body"].read(), v, k)
        # 80 writes and 80 reads: two bucket keys made, each opened again at most once or
        # twice, instead of one KMS call per write and per read.
        with_bucket_key = self.kms_calls_at_stop()
        self.assertLessEqual(with_bucket_key, 8)
        self.assertGreaterEqual(with_bucket_key, 2)
        for k, v in bodies.items():  # after the restart
            self.assertEqual(self.s3.get_object(Bucket=b, Key=k)["Body"].read(), v, k)
        # The same without Bucket Keys: a KMS call per object and per read.
        for i in range(20):
            self.s3.put_object(Bucket=b, Key="c%d" % i, Body=b"x", ServerSideEncryption="aws:kms")
            self.s3.get_object(Bucket=b, Key="c%d" % i)["Body"].read()
        after_restart_reads = self.kms_calls_at_stop()
        self.assertGreaterEqual(after_restart_reads, 40)


class PlainHttpTests(ServerTestCase):
    """Over plain HTTP, SSE-C and an explicit SSE-KMS request are refused."""

    def test_refused_without_tls(self):
        b = self.bucket()
        key = os.urandom(32)
        self.assertError(self.s3.put_object, 400, "InvalidRequest", Bucket=b, Key="c", Body=b"x",
                         **ssec(key))
        self.assertError(self.s3.put_object, 400, "InvalidArgument", Bucket=b, Key="k", Body=b"x",
                         ServerSideEncryption="aws:kms")
        # SSE-S3 (and the default) work over HTTP.
        self.assertEqual(self.s3.put_object(Bucket=b, Key="s", Body=b"x")["ServerSideEncryption"],
                         "AES256")


class AtRestTests(SseTestCase):
    def blob_files(self):
        out = []
        for root, _, files in os.walk(os.path.join(self.server.data, "blobs", "live")):
            out += [os.path.join(root, f) for f in files]
        return out

    def test_no_plaintext_on_disk_and_tampering_is_detected(self):
        b = self.bucket()
        key = self.new_key()
        customer = os.urandom(32)
        marker = b"PLAINTEXT-MARKER-" * 4096
        bodies = {"s3": {}, "kms": {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": key},
                  "dsse": {"ServerSideEncryption": "aws:kms:dsse"}, "ssec": ssec(customer)}
        for name, args in bodies.items():
            self.s3.put_object(Bucket=b, Key=name, Body=marker + name.encode(), **args)
        # Nothing on disk holds plaintext: not the blobs, not the metadata, not the keys.
        for root, _, files in os.walk(self.server.data):
            for f in files:
                with open(os.path.join(root, f), "rb") as fh:
                    content = fh.read()
                self.assertNotIn(b"PLAINTEXT-MARKER", content, f)
                self.assertNotIn(customer, content, f)
        files = self.blob_files()
        self.assertEqual(len(files), 4)
        read = {"ssec": ssec(customer)}

        def reads_back(name):
            """True when the object reads back whole; False on an error or a cut body."""
            try:
                body = self.s3.get_object(Bucket=b, Key=name, **read.get(name, {}))["Body"].read()
            except Exception:
                return False
            self.assertTrue(len(body) < len(marker) or body == marker + name.encode(),
                            "wrong bytes were served for " + name)
            return body == marker + name.encode()

        def flip(path, at=5000):
            with open(path, "r+b") as f:
                f.seek(at)
                byte = f.read(1)
                f.seek(at)
                f.write(bytes([byte[0] ^ 1]))

        # A flipped byte in any object's file, whatever its mode, fails that object's read.
        owner = {}
        for path in files:
            flip(path)
            broken = [name for name in bodies if not reads_back(name)]
            self.assertEqual(len(broken), 1, (path, broken))
            owner[broken[0]] = path
            flip(path)
        self.assertTrue(all(reads_back(name) for name in bodies))
        # Two objects' files swapped (same size): both reads fail; swapped back, both read.
        def swap(a, c):
            os.rename(owner[a], owner[a] + ".tmp")
            os.rename(owner[c], owner[a])
            os.rename(owner[a] + ".tmp", owner[c])
        swap("kms", "s3")
        self.assertFalse(reads_back("kms"))
        self.assertFalse(reads_back("s3"))
        swap("kms", "s3")
        self.assertTrue(reads_back("kms") and reads_back("s3"))
