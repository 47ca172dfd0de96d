"""The audit trail: CloudTrail events for KMS calls (direct and made by S3 on a
requester's behalf), IAM and S3 management calls, S3 data events where event selectors
ask for them, never a secret in a record; LookupEvents through the aws CLI and boto3;
and `coffer admin validate-logs` passing on untouched logs and failing on each kind of
tampering."""
import base64
import glob
import json
import os
import shutil
import subprocess
import time

import boto3
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from lib import COFFER_BIN, ROOT_KEY, ROOT_SECRET, ServerTestCase, send_raw


class AuditTestCase(ServerTestCase):
    TLS = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_clients()

    @classmethod
    def make_clients(cls):
        def client(service, key=ROOT_KEY, secret=ROOT_SECRET):
            return boto3.client(service, endpoint_url=cls.server.endpoint, aws_access_key_id=key,
                                aws_secret_access_key=secret, region_name="us-east-1",
                                verify=cls.server.ca, config=Config(retries={"max_attempts": 1}))
        cls.client = staticmethod(client)
        cls.s3 = cls.server.client()
        cls.kms = client("kms")
        cls.iam = client("iam")
        cls.trail = client("cloudtrail")

    def aws(self, *args):
        out = self.server.aws(*args)
        return json.loads(out.stdout) if out.stdout.strip() else None

    def lookup(self, key, value, expect_at_least=1):
        """Events matching one attribute (polled: the trail writes asynchronously)."""
        deadline = time.time() + 10
        while True:
            out = self.aws("cloudtrail", "lookup-events", "--lookup-attributes",
                           "AttributeKey=%s,AttributeValue=%s" % (key, value))
            events = [json.loads(e["CloudTrailEvent"]) for e in out["Events"]]
            if len(events) >= expect_at_least or time.time() > deadline:
                return events
            time.sleep(0.2)

    def log_records(self):
        records = []
        for path in sorted(glob.glob(os.path.join(self.server.data, "audit", "logs", "**", "*.json"),
                                     recursive=True)):
            with open(path) as f:
                text = f.read()
            if not text.rstrip().endswith("]}"):  # the file being written
                text = text + "\n]}"
            records += json.loads(text)["Records"]
        return records

    def restart(self):
        self.assertEqual(self.server.stop(), 0)
        self.server.start()
        self.make_clients()


class EventTests(AuditTestCase):
    def test_sse_kms_put_and_get_are_audited_with_the_requester_and_context(self):
        self.iam.create_user(UserName="alice")
        self.iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": ["s3:*", "kms:*"], "Resource": "*"}]}))
        ak = self.iam.create_access_key(UserName="alice")["AccessKey"]
        key = self.kms.create_key()["KeyMetadata"]["Arn"]
        b = self.bucket()
        alice = self.server.client(key=ak["AccessKeyId"], secret=ak["SecretAccessKey"])
        alice.put_object(Bucket=b, Key="doc", Body=b"secret words", ServerSideEncryption="aws:kms",
                         SSEKMSKeyId=key)
        self.assertEqual(alice.get_object(Bucket=b, Key="doc")["Body"].read(), b"secret words")
        alice.put_object(Bucket=b, Key="bk", Body=b"x", ServerSideEncryption="aws:kms",
                         SSEKMSKeyId=key, BucketKeyEnabled=True)

        gdk = [e for e in self.lookup("EventName", "GenerateDataKey", 2)
               if e["userIdentity"].get("userName") == "alice"]
        by_arn = {e["requestParameters"]["encryptionContext"]["aws:s3:arn"]: e for e in gdk}
        self.assertIn("arn:aws:s3:::%s/doc" % b, by_arn)  # the object ARN
        self.assertIn("arn:aws:s3:::%s" % b, by_arn)      # the bucket ARN with a Bucket Key
        e = by_arn["arn:aws:s3:::%s/doc" % b]
        self.assertEqual(e["eventSource"], "kms.amazonaws.com")
        self.assertEqual(e["userIdentity"]["type"], "IAMUser")
        self.assertEqual(e["userIdentity"]["invokedBy"], "s3.amazonaws.com")
        self.assertEqual(e["userIdentity"]["accessKeyId"], ak["AccessKeyId"])
        self.assertEqual(e["sourceIPAddress"], "s3.amazonaws.com")
        self.assertEqual(e["resources"][0]["ARN"], key)
        self.assertEqual(e["requestParameters"]["keySpec"], "AES_256")
        self.assertTrue(e["readOnly"])
        decrypt = [e for e in self.lookup("EventName", "Decrypt")
                   if e["userIdentity"].get("userName") == "alice"]
        self.assertEqual(decrypt[0]["requestParameters"]["encryptionContext"],
                         {"aws:s3:arn": "arn:aws:s3:::%s/doc" % b})
        # Lookup by user name finds her calls, the direct ones too.
        names = {e["eventName"] for e in self.lookup("Username", "alice", 3)}
        self.assertTrue({"GenerateDataKey", "Decrypt"} <= names, names)

    def test_failed_decrypt_shows_its_error_and_no_secret_is_recorded(self):
        key = self.kms.create_key()["KeyMetadata"]["KeyId"]
        plaintext = os.urandom(24)
        blob = self.kms.encrypt(KeyId=key, Plaintext=plaintext,
                                EncryptionContext={"purpose": "test"})["CiphertextBlob"]
        with self.assertRaises(ClientError) as cm:
            self.kms.decrypt(CiphertextBlob=blob, EncryptionContext={"purpose": "other"})
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidCiphertextException")
        data_key = self.kms.generate_data_key(KeyId=key, KeySpec="AES_256")["Plaintext"]
        customer = os.urandom(32)
        b = self.bucket()
        self.s3.put_object(Bucket=b, Key="c", Body=b"customer data", SSECustomerAlgorithm="AES256",
                           SSECustomerKey=customer)
        self.iam.create_user(UserName="bob")
        bob_key = self.iam.create_access_key(UserName="bob")["AccessKey"]

        failed = [e for e in self.lookup("EventName", "Decrypt")
                  if e.get("errorCode") == "InvalidCiphertextException"]
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["requestParameters"]["encryptionContext"], {"purpose": "other"})
        self.assertIn("errorMessage", failed[0])
        self.lookup("EventName", "CreateAccessKey")
        # Nothing secret anywhere in the trail: not the plaintexts, the data key, the
        # customer key, a secret access key, nor a ciphertext blob.
        self.restart()
        blobs = b""
        for path in glob.glob(os.path.join(self.server.data, "audit", "**", "*"), recursive=True):
            if os.path.isfile(path) and not path.endswith(".sealed"):
                with open(path, "rb") as f:
                    blobs += f.read()
        for secret in (plaintext, data_key, customer, blob):
            for form in (secret, base64.b64encode(secret)):
                self.assertNotIn(form, blobs)
        self.assertNotIn(bob_key["SecretAccessKey"].encode(), blobs)
        self.assertNotIn(ROOT_SECRET.encode(), blobs)
        self.assertIn(b"InvalidCiphertextException", blobs)

    def test_iam_and_s3_management_events(self):
        b = self.bucket()
        self.s3.put_bucket_encryption(Bucket=b, ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
        self.iam.create_user(UserName="carol")
        events = self.lookup("ResourceName", b, 2)
        names = {e["eventName"] for e in events}
        self.assertTrue({"CreateBucket", "PutBucketEncryption"} <= names, names)
        put = [e for e in events if e["eventName"] == "PutBucketEncryption"][0]
        self.assertEqual(put["eventSource"], "s3.amazonaws.com")
        self.assertEqual(put["requestParameters"]["bucketName"], b)
        self.assertFalse(put["readOnly"])
        user = [e for e in self.lookup("EventName", "CreateUser")
                if e["requestParameters"].get("userName") == "carol"]
        self.assertEqual(user[0]["eventSource"], "iam.amazonaws.com")
        self.assertEqual(user[0]["userIdentity"]["type"], "Root")
        # Object-level calls are data events, left out unless selectors ask for them.
        self.s3.put_object(Bucket=b, Key="plain", Body=b"x")
        self.assertEqual(self.lookup("EventName", "PutObject", 0), [])

    def test_a_user_agent_that_is_not_utf8_is_recorded_with_replacement_characters(self):
        # Any client can send such a header; the trail used to abort the server on it.
        b = self.bucket(create=False)
        req = AWSRequest(method="PUT", url=self.server.endpoint + "/" + b, data=b"")
        S3SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "s3", "us-east-1").add_auth(req)
        headers = dict(req.headers.items(), **{"User-Agent": b"raw-client \xff\xfe/1"})
        status, _, body = send_raw(self.server, "PUT", "/" + b, b"", headers)
        self.assertEqual(status, 200, body)
        events = [e for e in self.lookup("ResourceName", b) if e["eventName"] == "CreateBucket"]
        self.assertEqual(events[0]["userAgent"], "raw-client \ufffd\ufffd/1")
        self.assertIn(b, [x["Name"] for x in self.s3.list_buckets()["Buckets"]])

    def test_lookup_filters_pages_and_errors(self):
        for i in range(5):
            self.kms.create_key(Description="page %d" % i)
        time.sleep(1.5)
        # Pages of two, newest first, no event twice.
        seen, token, pages = [], None, 0
        while True:
            args = {"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "CreateKey"}],
                    "MaxResults": 2}
            if token:
                args["NextToken"] = token
            out = self.trail.lookup_events(**args)
            pages += 1
            seen += [e["EventId"] for e in out["Events"]]
            times = [e["EventTime"] for e in out["Events"]]
            self.assertEqual(times, sorted(times, reverse=True))
            token = out.get("NextToken")
            if not token:
                break
        self.assertGreaterEqual(len(seen), 5)
        self.assertEqual(len(seen), len(set(seen)))
        self.assertGreaterEqual(pages, 3)
        # A time range in the future finds nothing.
        future = self.trail.lookup_events(StartTime=time.time() + 3600, EndTime=time.time() + 7200)
        self.assertEqual(future["Events"], [])
        ro = self.trail.lookup_events(LookupAttributes=[
            {"AttributeKey": "ReadOnly", "AttributeValue": "false"}])["Events"]
        self.assertTrue(ro and all(e["ReadOnly"] == "false" for e in ro))
        for bad, code in [
                ({"LookupAttributes": [{"AttributeKey": "Nope", "AttributeValue": "x"}]},
                 "InvalidLookupAttributesException"),
                ({"LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "a"},
                                       {"AttributeKey": "EventName", "AttributeValue": "b"}]},
                 "InvalidLookupAttributesException"),
                ({"StartTime": time.time(), "EndTime": time.time() - 100}, "InvalidTimeRangeException"),
                ({"NextToken": "bm90IGEgdG9rZW4="}, "InvalidNextTokenException")]:
            with self.assertRaises(ClientError) as cm:
                self.trail.lookup_events(**bad)
            self.assertEqual(cm.exception.response["Error"]["Code"], code, bad)
        # A user without cloudtrail:LookupEvents is refused.
        self.iam.create_user(UserName="dave")
        k = self.iam.create_access_key(UserName="dave")["AccessKey"]
        dave = self.client("cloudtrail", k["AccessKeyId"], k["SecretAccessKey"])
        with self.assertRaises(ClientError) as cm:
            dave.lookup_events()
        self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDeniedException")

    def test_data_events_follow_event_selectors(self):
        logged, quiet = self.bucket(), self.bucket()
        with self.assertRaises(ClientError) as cm:
            self.trail.get_event_selectors(TrailName="coffer")
        self.assertEqual(cm.exception.response["Error"]["Code"], "TrailNotFoundException")
        with self.assertRaises(ClientError) as cm:
            self.trail.put_event_selectors(TrailName="coffer", EventSelectors=[{
                "DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["x"]}]}])
        self.assertEqual(cm.exception.response["Error"]["Code"], "InvalidEventSelectorsException")
        out = self.trail.put_event_selectors(TrailName="coffer", EventSelectors=[{
            "ReadWriteType": "All", "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::%s/" % logged]}]}])
        self.assertTrue(out["TrailARN"].endswith(":trail/coffer"))
        got = self.trail.get_event_selectors(TrailName="coffer")
        self.assertEqual(got["EventSelectors"][0]["DataResources"][0]["Values"],
                         ["arn:aws:s3:::%s/" % logged])
        for b in (logged, quiet):
            self.s3.put_object(Bucket=b, Key="obj", Body=b"12345", ServerSideEncryption="aws:kms")
            self.s3.get_object(Bucket=b, Key="obj")["Body"].read()
        self.restart()
        records = self.log_records()
        data = [r for r in records if not r["managementEvent"]]
        buckets = {r["requestParameters"]["bucketName"] for r in data}
        self.assertEqual(buckets, {logged})
        names = sorted(r["eventName"] for r in data)
        self.assertEqual(names, ["GetObject", "PutObject"])
        put = [r for r in data if r["eventName"] == "PutObject"][0]
        self.assertEqual(put["eventCategory"], "Data")
        self.assertEqual(put["additionalEventData"]["bytesTransferredIn"], 5)
        self.assertEqual(put["resources"][0]["ARN"], "arn:aws:s3:::%s/obj" % logged)


class ValidateLogsTests(AuditTestCase):
    def validate(self):
        self.server.stop()
        out = subprocess.run([COFFER_BIN, "admin", "--data", self.server.data, "validate-logs"],
                             capture_output=True, text=True, env=self.server.env, timeout=60)
        return out.returncode, out.stdout

    def test_validate_logs_passes_untouched_and_fails_on_each_tampering(self):
        # Three sessions: three log files and three chained digests.
        for i in range(3):
            self.kms.create_key(Description="session %d" % i)
            self.restart()
        code, out = self.validate()
        self.assertEqual(code, 0, out)
        self.assertIn(": valid", out)
        audit = os.path.join(self.server.data, "audit")
        logs = sorted(glob.glob(os.path.join(audit, "logs", "**", "*.json"), recursive=True))
        digests = sorted(glob.glob(os.path.join(audit, "digests", "**", "*.json"), recursive=True))
        self.assertGreaterEqual(len(logs), 3)
        self.assertGreaterEqual(len(digests), 3)

        def read(p):
            with open(p, "rb") as f:
                return f.read()

        def write(p, data):
            with open(p, "wb") as f:
                f.write(data)

        def expect_invalid(what):
            code, out = self.validate()
            self.assertEqual(code, 1, what + ": " + out)
            self.assertIn("INVALID", out)
            return out

        original = read(logs[1])
        write(logs[1], original.replace(b"session 1", b"session 9"))
        self.assertIn("modified", expect_invalid("a modified log"))
        write(logs[1], original)
        os.rename(logs[1], logs[1] + ".gone")
        self.assertIn("deleted", expect_invalid("a deleted log"))
        os.rename(logs[1] + ".gone", logs[1])
        first = read(logs[0])
        write(logs[0], original)
        write(logs[1], first)
        expect_invalid("two logs swapped")
        write(logs[0], first)
        write(logs[1], original)
        d1 = read(digests[1])
        os.remove(digests[1])
        self.assertIn("does not follow", expect_invalid("a deleted digest"))
        write(digests[1], d1)
        write(digests[1], d1.replace(b'"digestEndTime": "', b'"digestEndTime": "1'))
        self.assertIn("signature", expect_invalid("a modified digest"))
        write(digests[1], d1)
        shutil.copy(logs[0], os.path.join(os.path.dirname(logs[0]), "us-east-1_CloudTrail_extra.json"))
        self.assertIn("not named by any digest", expect_invalid("an added log"))
        os.remove(os.path.join(os.path.dirname(logs[0]), "us-east-1_CloudTrail_extra.json"))
        code, out = self.validate()
        self.assertEqual(code, 0, out)
        self.server.start()  # for tearDownClass


if __name__ == "__main__":
    import unittest
    unittest.main()
