"""The KMS API through real clients, boto3 and the aws CLI, against real servers over TLS.

Every KMS operation Coffer has, through boto3 (every key identifier form AWS accepts for
it, and AWS's error where it does not; the failure cases with AWS's exception names and
HTTP statuses; key policies and their conditions, IAM policies, grants, cross-account
use) and through `aws kms` (CliTests: every operation once, with errors); throttling;
deletion and automatic rotation when due (the server restarted under faketime); and a
coverage table of every operation in AWS's model (models/kms.json).

Debian's boto3 and aws CLI predate some KMS operations (RotateKeyOnDemand,
ListKeyRotations, RotationPeriodInDays): both clients are given AWS's current model,
models/kms.json, through their data path (AWS_DATA_PATH for the CLI).
"""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import boto3
import botocore.session
from botocore import xform_name
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from lib import ROOT_KEY, ROOT_SECRET, Server, ServerTestCase, send_raw

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_PATH = os.path.join(HERE, "models", "kms.json")
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
KEY_ARN = re.compile(r"^arn:aws:kms:us-east-1:(\d{12}):key/"
                     r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

# The operations the issue asks for, each of which must be implemented.
REQUIRED_OPERATIONS = [
    "CreateKey", "DescribeKey", "ListKeys", "EnableKey", "DisableKey", "ScheduleKeyDeletion",
    "CancelKeyDeletion", "UpdateKeyDescription", "CreateAlias", "UpdateAlias", "DeleteAlias",
    "ListAliases", "TagResource", "UntagResource", "ListResourceTags", "Encrypt", "Decrypt",
    "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateRandom",
    "EnableKeyRotation", "DisableKeyRotation", "GetKeyRotationStatus", "RotateKeyOnDemand",
    "ListKeyRotations", "GetKeyPolicy", "PutKeyPolicy", "ListKeyPolicies", "CreateGrant",
    "ListGrants", "ListRetirableGrants", "RetireGrant", "RevokeGrant"]
# One attempt, no retry (botocore's "max_attempts" counts retries after the first
# attempt, so {"max_attempts": 1} would retry a throttled call once, after a pause).
NO_RETRIES = {"total_max_attempts": 1}
# What a server answers for an operation it does not have.
NOT_IMPLEMENTED = ("UnknownOperationException", "UnsupportedOperationException")

_model_dir = None


def model_dir():
    """A botocore data folder holding AWS's current KMS model, for boto3 and the CLI."""
    global _model_dir
    if _model_dir is None:
        _model_dir = tempfile.mkdtemp(prefix="coffer-kms-model-")
        target = os.path.join(_model_dir, "kms", "2014-11-01")
        os.makedirs(target)
        shutil.copy(MODEL_PATH, os.path.join(target, "service-2.json"))
    return _model_dir


def tearDownModule():
    if _model_dir:
        shutil.rmtree(_model_dir, ignore_errors=True)


def model_operations():
    """Every operation name in the model: botocore's JSON ("operations"), or Smithy's
    (shapes of type "operation")."""
    with open(MODEL_PATH) as f:
        model = json.load(f)
    if "operations" in model:
        return sorted(model["operations"])
    return sorted(name.split("#")[-1] for name, shape in model["shapes"].items()
                  if shape.get("type") == "operation")


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def root_statement(account):
    return {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % account}, "Action": "kms:*",
            "Resource": "*"}


def when(value):
    """A timestamp from either client (boto3: datetime; CLI: ISO 8601 or epoch)."""
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, datetime.timezone.utc)
    return datetime.datetime.fromisoformat(value)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class KmsFailure(Exception):
    """An error answer: the exception name, and the HTTP status where the client shows it
    (boto3 does, the CLI does not)."""

    def __init__(self, code, status, message):
        super().__init__("%s (%s): %s" % (code, status, message))
        self.code, self.status, self.message = code, status, message


# Clients to close before their server stops (a server waits for open connections).
_clients = []


def close_clients():
    while _clients:
        _clients.pop().close()


def kms_client(server, key=ROOT_KEY, secret=ROOT_SECRET, validate=True):
    session = botocore.session.Session()
    session.set_config_variable("data_path", model_dir())
    client = boto3.session.Session(botocore_session=session).client(
        "kms", endpoint_url=server.endpoint, aws_access_key_id=key,
        aws_secret_access_key=secret, region_name="us-east-1", verify=server.ca,
        config=Config(retries=NO_RETRIES, parameter_validation=validate))
    _clients.append(client)
    return client


class BotoKms:
    """KMS through boto3. Client-side parameter validation is off, so that the server's
    own validation is what answers."""
    name = "boto3"

    def __init__(self, server, key=ROOT_KEY, secret=ROOT_SECRET):
        self.client = kms_client(server, key, secret, validate=False)

    def __call__(self, op, **params):
        from botocore.exceptions import ClientError
        try:
            out = getattr(self.client, xform_name(op))(**params)
        except ClientError as e:
            err = e.response
            raise KmsFailure(err["Error"].get("Code"), err["ResponseMetadata"]["HTTPStatusCode"],
                             err["Error"].get("Message", ""))
        out.pop("ResponseMetadata", None)
        return out


class CliKms:
    """KMS through `aws kms ...`: parameters become options (bytes through fileb://,
    lists and maps as JSON), base64 blobs in the answer are decoded."""
    name = "aws-cli"
    BLOBS = ("CiphertextBlob", "Plaintext")

    def __init__(self, server, key=ROOT_KEY, secret=ROOT_SECRET, faketime=None):
        self.server, self.faketime = server, faketime
        self.env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret,
                        AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                        AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="",
                        AWS_CA_BUNDLE=server.ca, AWS_DATA_PATH=model_dir(),
                        AWS_MAX_ATTEMPTS="1", AWS_RETRY_MODE="standard")
        for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                     "AWS_ENDPOINT_URL"):
            self.env.pop(name, None)
        self.files = tempfile.mkdtemp(prefix="cli-", dir=server.tmp)

    def args(self, op, params):
        args = ["kms", xform_name(op, "-")]
        for name, value in params.items():
            flag = "--" + xform_name(name, "-")
            if isinstance(value, bool):
                args.append(flag if value else "--no-" + flag[2:])
            elif isinstance(value, bytes):
                path = os.path.join(self.files, uuid.uuid4().hex)
                with open(path, "wb") as f:
                    f.write(value)
                args += [flag, "fileb://" + path]
            elif isinstance(value, (dict, list)):
                args += [flag, json.dumps(value)]
            else:
                args += [flag, str(value)]
        return args

    def run(self, args):
        cmd = ["/usr/bin/aws", "--endpoint-url", self.server.endpoint, "--output", "json", *args]
        if self.faketime:
            cmd = ["faketime", "-f", self.faketime] + cmd
        return subprocess.run(cmd, capture_output=True, text=True, env=self.env, timeout=120)

    def __call__(self, op, **params):
        out = self.run(self.args(op, params))
        if out.returncode != 0:
            m = re.search(r"An error occurred \((\w+)\)", out.stderr)
            if not m:
                raise AssertionError("aws kms %s failed without an AWS error: %s"
                                     % (xform_name(op, "-"), out.stderr))
            raise KmsFailure(m.group(1), None, out.stderr.strip())
        result = json.loads(out.stdout) if out.stdout.strip() else {}
        for field in self.BLOBS:
            if isinstance(result.get(field), str):
                result[field] = base64.b64decode(result[field])
        return result


class FaketimeBotoKms:
    """boto3 in a Python started under `faketime`, so that its SigV4 dates agree with a
    server whose clock is moved forward too."""
    name = "boto3 (faketime)"
    SCRIPT = r"""
import base64, datetime, json, sys
import boto3, botocore.session
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError
req = json.load(sys.stdin)
s = botocore.session.Session()
s.set_config_variable("data_path", req["data_path"])
kms = boto3.session.Session(botocore_session=s).client(
    "kms", endpoint_url=req["endpoint"], aws_access_key_id=req["key"],
    aws_secret_access_key=req["secret"], region_name="us-east-1", verify=req["ca"],
    config=Config(retries={"total_max_attempts": 1}))
params = {k: base64.b64decode(v["b64"]) if isinstance(v, dict) and "b64" in v else v
          for k, v in req["params"].items()}
def plain(v):
    if isinstance(v, bytes): return {"b64": base64.b64encode(v).decode()}
    if isinstance(v, datetime.datetime): return v.isoformat()
    if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list): return [plain(x) for x in v]
    return v
try:
    out = getattr(kms, xform_name(req["op"]))(**params)
    out.pop("ResponseMetadata", None)
    print(json.dumps({"ok": plain(out)}))
except ClientError as e:
    print(json.dumps({"error": e.response["Error"]["Code"],
                      "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                      "message": e.response["Error"].get("Message", "")}))
"""

    def __init__(self, server, faketime, key=ROOT_KEY, secret=ROOT_SECRET):
        self.server, self.faketime, self.key, self.secret = server, faketime, key, secret

    def __call__(self, op, **params):
        req = {"data_path": model_dir(), "endpoint": self.server.endpoint, "key": self.key,
               "secret": self.secret, "ca": self.server.ca, "op": op,
               "params": {k: {"b64": base64.b64encode(v).decode()} if isinstance(v, bytes)
                          else v for k, v in params.items()}}
        out = subprocess.run(["faketime", "-f", self.faketime, sys.executable, "-c", self.SCRIPT],
                             input=json.dumps(req), capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise AssertionError("boto3 under faketime failed: " + out.stderr)
        answer = json.loads(out.stdout)
        if "error" in answer:
            raise KmsFailure(answer["error"], answer["status"], answer["message"])

        def unplain(v):
            if isinstance(v, dict):
                if set(v) == {"b64"}:
                    return base64.b64decode(v["b64"])
                return {k: unplain(x) for k, x in v.items()}
            if isinstance(v, list):
                return [unplain(x) for x in v]
            return v
        return unplain(answer["ok"])


class KmsTestCase(ServerTestCase):
    """One TLS server per class. `self.kms` is a plain boto3 client; `self.boto` and
    `self.cli` call an operation by name through boto3 (its own parameter checks off) or
    through `aws kms`, and raise KmsFailure."""
    TLS = True
    EXTRA_ARGS = ()

    @classmethod
    def setUpClass(cls):
        cls.server = Server(tls=True, extra_args=list(cls.EXTRA_ARGS))
        try:
            cls.prepare(cls.server)
            cls.server.start()
            cls.kms = kms_client(cls.server)
            cls.boto = BotoKms(cls.server)
            cls.cli = CliKms(cls.server)
            cls.iam = cls.aws_client("iam")
            cls.account = cls.aws_client("sts").get_caller_identity()["Account"]
        except BaseException:
            close_clients()
            cls.server.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        close_clients()
        super().tearDownClass()

    @classmethod
    def aws_client(cls, service, key=ROOT_KEY, secret=ROOT_SECRET):
        client = boto3.client(service, endpoint_url=cls.server.endpoint, aws_access_key_id=key,
                              aws_secret_access_key=secret, region_name="us-east-1",
                              verify=cls.server.ca, config=Config(retries=NO_RETRIES))
        _clients.append(client)
        return client

    def user(self, name, *inline, iam=None):
        """An IAM user with inline policies; returns (arn, access key id, secret)."""
        iam = iam or self.iam
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        for i, doc in enumerate(inline):
            iam.put_user_policy(UserName=name, PolicyName="p%d" % i, PolicyDocument=doc)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return arn, key["AccessKeyId"], key["SecretAccessKey"]

    def new_key(self, **params):
        return self.kms.create_key(**params)["KeyMetadata"]

    def alias_name(self, prefix="alias/it"):
        return "%s-%s" % (prefix, uuid.uuid4().hex[:10])

    def alias_arn(self, name, account=None):
        return "arn:aws:kms:us-east-1:%s:%s" % (account or self.account, name)

    def assertFails(self, kms, code, op, status=400, **params):
        """`op` fails with exception `code`, and (where the client shows it) HTTP `status`."""
        msg = "%s %s should fail with %s" % (kms.name, op, code)
        with self.assertRaises(KmsFailure, msg=msg) as cm:
            kms(op, **params)
        err = cm.exception
        self.assertEqual(err.code, code, "%s %s: %s" % (kms.name, op, err))
        if err.status is not None:
            self.assertEqual(err.status, status, "%s %s: %s" % (kms.name, op, err))
        return err

    def state(self, key_id):
        return self.kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]


# --- Keys ---


class KeyTests(KmsTestCase):
    def test_create_key_variants(self):
        k = self.boto
        meta = k("CreateKey", Description="photos", KeySpec="SYMMETRIC_DEFAULT",
                 KeyUsage="ENCRYPT_DECRYPT", Origin="AWS_KMS",
                 Tags=[{"TagKey": "team", "TagValue": "blue"},
                       {"TagKey": "cost", "TagValue": "42"}])["KeyMetadata"]
        self.assertRegex(meta["Arn"], KEY_ARN)
        self.assertEqual(meta["Arn"], "arn:aws:kms:us-east-1:%s:key/%s"
                         % (self.account, meta["KeyId"]))
        self.assertEqual(meta["AWSAccountId"], self.account)
        for field, value in [("KeySpec", "SYMMETRIC_DEFAULT"), ("KeyUsage", "ENCRYPT_DECRYPT"),
                             ("Origin", "AWS_KMS"), ("KeyState", "Enabled"), ("Enabled", True),
                             ("KeyManager", "CUSTOMER"), ("Description", "photos"),
                             ("EncryptionAlgorithms", ["SYMMETRIC_DEFAULT"])]:
            self.assertEqual(meta[field], value, field)
        self.assertLess(abs((when(meta["CreationDate"]) - now()).total_seconds()), 60)
        tags = k("ListResourceTags", KeyId=meta["KeyId"])["Tags"]
        self.assertEqual([(t["TagKey"], t["TagValue"]) for t in tags],
                         [("cost", "42"), ("team", "blue")])
        # The default key policy names the account, which delegates to IAM.
        got = json.loads(k("GetKeyPolicy", KeyId=meta["KeyId"], PolicyName="default")["Policy"])
        self.assertEqual(got["Statement"], [dict(root_statement(self.account))])

        # A key policy of one's own.
        doc = policy(root_statement(self.account),
                     {"Sid": "Describe", "Effect": "Allow", "Principal": "*",
                      "Action": "kms:DescribeKey", "Resource": "*"})
        meta = k("CreateKey", Policy=doc)["KeyMetadata"]
        self.assertEqual(json.loads(k("GetKeyPolicy", KeyId=meta["Arn"])["Policy"]),
                         json.loads(doc))

        # EXTERNAL: waits for key material that Coffer cannot import yet.
        meta = k("CreateKey", Origin="EXTERNAL", Description="byok")["KeyMetadata"]
        self.assertEqual((meta["Origin"], meta["KeyState"], meta["Enabled"]),
                         ("EXTERNAL", "PendingImport", False))
        self.assertFails(k, "KMSInvalidStateException", "Encrypt", KeyId=meta["KeyId"],
                         Plaintext=b"x")
        self.assertFails(k, "KMSInvalidStateException", "EnableKey", KeyId=meta["KeyId"])

        # The policy lockout safety check, and bypassing it.
        lockout = policy({"Effect": "Allow",
                          "Principal": {"AWS": "arn:aws:iam::%s:root" % self.account},
                          "Action": ["kms:Encrypt", "kms:DescribeKey"], "Resource": "*"})
        self.assertFails(k, "MalformedPolicyDocumentException", "CreateKey", Policy=lockout)
        self.assertFails(k, "MalformedPolicyDocumentException", "CreateKey", Policy=lockout,
                         BypassPolicyLockoutSafetyCheck=False)
        self.assertFails(k, "MalformedPolicyDocumentException", "CreateKey",
                         Policy='{"Statement": [{"Effect": "Allow"}]}')
        meta = k("CreateKey", Policy=lockout, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
        k("Encrypt", KeyId=meta["KeyId"], Plaintext=b"allowed")
        # The policy really is the key's: nobody may read or change it now.
        self.assertFails(k, "AccessDeniedException", "GetKeyPolicy", KeyId=meta["KeyId"],
                         PolicyName="default")
        self.assertFails(k, "AccessDeniedException", "DisableKey", KeyId=meta["KeyId"])

        # What AWS refuses, and what Coffer does not have yet.
        self.assertFails(k, "ValidationException", "CreateKey", KeyUsage="SIGN_VERIFY")
        self.assertFails(k, "UnsupportedOperationException", "CreateKey", KeySpec="RSA_2048",
                         KeyUsage="ENCRYPT_DECRYPT")
        self.assertFails(k, "TagException", "CreateKey",
                         Tags=[{"TagKey": "aws:reserved", "TagValue": "x"}])

    def test_describe_and_list_keys(self):
        k = self.boto
        key = self.new_key(Description="described")
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        for ref in (key["KeyId"], key["Arn"], alias, self.alias_arn(alias)):
            meta = k("DescribeKey", KeyId=ref)["KeyMetadata"]
            self.assertEqual((meta["KeyId"], meta["Arn"], meta["Description"]),
                             (key["KeyId"], key["Arn"], "described"), ref)
        for ref in ("alias/never-created", self.alias_arn("alias/never-created"),
                    str(uuid.uuid4()),
                    "arn:aws:kms:us-east-1:%s:key/%s" % (self.account, uuid.uuid4())):
            self.assertFails(k, "NotFoundException", "DescribeKey", KeyId=ref)
        self.assertFails(k, "InvalidArnException", "DescribeKey",
                         KeyId="arn:aws:kms:us-east-1:12:key/nope")
        self.assertFails(k, "ValidationException", "DescribeKey")
        listed = k("ListKeys")["Keys"]
        self.assertIn({"KeyId": key["KeyId"], "KeyArn": key["Arn"]}, listed)
        self.assertEqual(len({x["KeyId"] for x in listed}), len(listed))

        # Pages: Limit, Truncated and NextMarker, and boto3's paginator.
        for _ in range(3):
            self.new_key()
        every = [x["KeyId"] for x in self.kms.list_keys()["Keys"]]
        self.assertGreaterEqual(len(every), 4)
        first = self.kms.list_keys(Limit=2)
        self.assertTrue(first["Truncated"])
        self.assertEqual(len(first["Keys"]), 2)
        rest = self.kms.list_keys(Marker=first["NextMarker"])
        self.assertFalse(rest["Truncated"])
        self.assertEqual([x["KeyId"] for x in first["Keys"] + rest["Keys"]], every)
        paged = [x["KeyId"] for page in self.kms.get_paginator("list_keys").paginate(
            PaginationConfig={"PageSize": 1}) for x in page["Keys"]]
        self.assertEqual(paged, every)
        self.assertFails(k, "InvalidMarkerException", "ListKeys", Marker="not-a-marker")
        self.assertFails(k, "ValidationException", "ListKeys", Limit=0)

    def test_enable_disable_and_update(self):
        k = self.boto
        key = self.new_key(Description="before")
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        k("DisableKey", KeyId=key["KeyId"])
        meta = k("DescribeKey", KeyId=key["Arn"])["KeyMetadata"]
        self.assertEqual((meta["KeyState"], meta["Enabled"]), ("Disabled", False))
        k("DisableKey", KeyId=key["Arn"])  # again: no change, no error
        k("EnableKey", KeyId=key["Arn"])
        self.assertEqual(self.state(key["KeyId"]), "Enabled")
        k("DisableKey", KeyId=key["Arn"])
        k("EnableKey", KeyId=key["KeyId"])
        self.assertEqual(self.state(key["KeyId"]), "Enabled")
        k("UpdateKeyDescription", KeyId=key["KeyId"], Description="after")
        self.assertEqual(self.kms.describe_key(KeyId=alias)["KeyMetadata"]["Description"],
                         "after")
        k("UpdateKeyDescription", KeyId=key["Arn"], Description="")
        self.assertEqual(self.kms.describe_key(KeyId=alias)["KeyMetadata"]["Description"], "")
        self.assertFails(k, "ValidationException", "UpdateKeyDescription", KeyId=key["KeyId"])
        # These take a key id or key ARN only: an alias is AWS's NotFoundException.
        for op, extra in [("EnableKey", {}), ("DisableKey", {}),
                          ("UpdateKeyDescription", {"Description": "x"}),
                          ("ScheduleKeyDeletion", {"PendingWindowInDays": 7}),
                          ("CancelKeyDeletion", {})]:
            for ref in (alias, self.alias_arn(alias)):
                self.assertFails(k, "NotFoundException", op, KeyId=ref, **extra)
            self.assertFails(k, "NotFoundException", op, KeyId=str(uuid.uuid4()), **extra)
        self.assertEqual(self.state(key["KeyId"]), "Enabled")

    def test_schedule_and_cancel_deletion(self):
        k = self.boto
        key = self.new_key()
        ct = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"kept")["CiphertextBlob"]
        for days in (6, 31):
            self.assertFails(k, "ValidationException", "ScheduleKeyDeletion", KeyId=key["KeyId"],
                             PendingWindowInDays=days)
        out = k("ScheduleKeyDeletion", KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertEqual((out["KeyId"], out["KeyState"], out["PendingWindowInDays"]),
                         (key["Arn"], "PendingDeletion", 7))
        due = now() + datetime.timedelta(days=7)
        self.assertLess(abs((when(out["DeletionDate"]) - due).total_seconds()), 60)
        meta = k("DescribeKey", KeyId=key["KeyId"])["KeyMetadata"]
        self.assertEqual((meta["KeyState"], meta["Enabled"]), ("PendingDeletion", False))
        self.assertEqual(when(meta["DeletionDate"]), when(out["DeletionDate"]))
        self.assertIn(key["KeyId"], [x["KeyId"] for x in self.kms.list_keys()["Keys"]])
        # Waiting for deletion, a key can be neither used nor changed.
        self.assertFails(k, "KMSInvalidStateException", "Encrypt", KeyId=key["KeyId"],
                         Plaintext=b"x")
        self.assertFails(k, "KMSInvalidStateException", "Decrypt", CiphertextBlob=ct)
        self.assertFails(k, "KMSInvalidStateException", "EnableKey", KeyId=key["KeyId"])
        self.assertFails(k, "KMSInvalidStateException", "DisableKey", KeyId=key["KeyId"])
        self.assertFails(k, "KMSInvalidStateException", "UpdateKeyDescription",
                         KeyId=key["KeyId"], Description="x")
        self.assertFails(k, "KMSInvalidStateException", "ScheduleKeyDeletion",
                         KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertFails(k, "KMSInvalidStateException", "CreateAlias",
                         AliasName=self.alias_name(), TargetKeyId=key["KeyId"])
        out = k("CancelKeyDeletion", KeyId=key["Arn"])
        self.assertEqual(out["KeyId"], key["Arn"])
        # Cancelled, the key is disabled.
        self.assertEqual(self.state(key["KeyId"]), "Disabled")
        self.assertFails(k, "KMSInvalidStateException", "CancelKeyDeletion", KeyId=key["KeyId"])
        k("EnableKey", KeyId=key["KeyId"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=ct)["Plaintext"], b"kept")
        # The longest window is the default.
        self.assertEqual(k("ScheduleKeyDeletion", KeyId=key["Arn"],
                           PendingWindowInDays=30)["PendingWindowInDays"], 30)
        k("CancelKeyDeletion", KeyId=key["KeyId"])
        self.assertEqual(k("ScheduleKeyDeletion", KeyId=key["KeyId"])["PendingWindowInDays"], 30)
        # An EXTERNAL key goes back to waiting for its material.
        ext = self.new_key(Origin="EXTERNAL")
        k("ScheduleKeyDeletion", KeyId=ext["KeyId"], PendingWindowInDays=7)
        k("CancelKeyDeletion", KeyId=ext["KeyId"])
        self.assertEqual(self.state(ext["KeyId"]), "PendingImport")


# --- Aliases and tags ---


class AliasAndTagTests(KmsTestCase):
    def test_aliases(self):
        k = self.boto
        k1, k2 = self.new_key(), self.new_key()
        a1, a2 = self.alias_name(), self.alias_name()
        k("CreateAlias", AliasName=a1, TargetKeyId=k1["KeyId"])
        k("CreateAlias", AliasName=a2, TargetKeyId=k2["Arn"])
        self.assertFails(k, "AlreadyExistsException", "CreateAlias", AliasName=a1,
                         TargetKeyId=k2["KeyId"])
        # An alias names a key, never another alias.
        for target in (a1, self.alias_arn(a1), str(uuid.uuid4())):
            self.assertFails(k, "NotFoundException", "CreateAlias", AliasName=self.alias_name(),
                             TargetKeyId=target)
        for bad in ("alias/has space", "no-prefix"):
            self.assertFails(k, "ValidationException", "CreateAlias", AliasName=bad,
                             TargetKeyId=k1["KeyId"])
        # alias/aws/ is AWS's.
        self.assertFails(k, "NotAuthorizedException", "CreateAlias", AliasName="alias/aws/mine",
                         TargetKeyId=k1["KeyId"])
        self.assertFails(k, "NotAuthorizedException", "UpdateAlias", AliasName="alias/aws/s3",
                         TargetKeyId=k1["KeyId"])

        listed = {a["AliasName"]: a for a in k("ListAliases")["Aliases"]}
        self.assertEqual(listed[a1]["TargetKeyId"], k1["KeyId"])
        self.assertEqual(listed[a1]["AliasArn"], self.alias_arn(a1))
        self.assertEqual(listed[a2]["TargetKeyId"], k2["KeyId"])
        self.assertIn("alias/aws/s3", listed)  # AWS lists it before it is used
        # The AWS managed key behind it is made on first use, and serves only S3.
        aws_s3 = k("DescribeKey", KeyId="alias/aws/s3")["KeyMetadata"]
        self.assertEqual((aws_s3["KeyManager"], aws_s3["KeyState"]), ("AWS", "Enabled"))
        self.assertFails(k, "AccessDeniedException", "Encrypt", KeyId="alias/aws/s3",
                         Plaintext=b"x")
        self.assertFails(k, "AccessDeniedException", "DisableKey", KeyId=aws_s3["KeyId"])
        for ref in (k1["KeyId"], k1["Arn"]):
            self.assertEqual([a["AliasName"] for a in k("ListAliases", KeyId=ref)["Aliases"]],
                             [a1])
        self.assertFails(k, "NotFoundException", "ListAliases", KeyId=a1)

        # Both alias forms name the key wherever aliases are accepted.
        for ref in (a1, self.alias_arn(a1)):
            self.assertEqual(k("Encrypt", KeyId=ref, Plaintext=b"p")["KeyId"], k1["Arn"])

        k("UpdateAlias", AliasName=a1, TargetKeyId=k2["Arn"])
        self.assertEqual(self.kms.describe_key(KeyId=a1)["KeyMetadata"]["KeyId"], k2["KeyId"])
        k("UpdateAlias", AliasName=a1, TargetKeyId=k1["KeyId"])
        self.assertEqual(self.kms.describe_key(KeyId=a1)["KeyMetadata"]["KeyId"], k1["KeyId"])
        self.assertFails(k, "NotFoundException", "UpdateAlias", AliasName=a1, TargetKeyId=a2)
        self.assertFails(k, "NotFoundException", "UpdateAlias", AliasName=self.alias_name(),
                         TargetKeyId=k1["KeyId"])

        k("DeleteAlias", AliasName=a1)
        self.assertFails(k, "NotFoundException", "DescribeKey", KeyId=a1)
        self.assertFails(k, "NotFoundException", "DeleteAlias", AliasName=a1)
        self.assertNotIn(a1, [a["AliasName"] for a in k("ListAliases")["Aliases"]])
        self.assertEqual(self.state(k1["KeyId"]), "Enabled")  # the key itself is untouched

    def test_aliases_page(self):
        key = self.new_key()
        names = sorted(self.alias_name("alias/page") for _ in range(3))
        for n in names:
            self.kms.create_alias(AliasName=n, TargetKeyId=key["KeyId"])
        first = self.kms.list_aliases(KeyId=key["KeyId"], Limit=2)
        self.assertTrue(first["Truncated"])
        rest = self.kms.list_aliases(KeyId=key["KeyId"], Marker=first["NextMarker"])
        self.assertFalse(rest["Truncated"])
        self.assertEqual([a["AliasName"] for a in first["Aliases"] + rest["Aliases"]], names)

    def test_tags(self):
        k = self.boto
        key = self.new_key(Tags=[{"TagKey": "a", "TagValue": "1"}])
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        k("TagResource", KeyId=key["KeyId"], Tags=[{"TagKey": "b", "TagValue": "2"}])
        k("TagResource", KeyId=key["Arn"], Tags=[{"TagKey": "a", "TagValue": "one"},
                                                {"TagKey": "c", "TagValue": ""}])
        for ref in (key["KeyId"], key["Arn"]):
            tags = k("ListResourceTags", KeyId=ref)["Tags"]
            self.assertEqual([(t["TagKey"], t["TagValue"]) for t in tags],
                             [("a", "one"), ("b", "2"), ("c", "")])
        k("UntagResource", KeyId=key["KeyId"], TagKeys=["a", "nope"])
        k("UntagResource", KeyId=key["Arn"], TagKeys=["c"])
        self.assertEqual(k("ListResourceTags", KeyId=key["KeyId"])["Tags"],
                         [{"TagKey": "b", "TagValue": "2"}])
        for ref in (alias, self.alias_arn(alias)):
            self.assertFails(k, "NotFoundException", "TagResource", KeyId=ref,
                             Tags=[{"TagKey": "x", "TagValue": "y"}])
            self.assertFails(k, "NotFoundException", "UntagResource", KeyId=ref, TagKeys=["b"])
            self.assertFails(k, "NotFoundException", "ListResourceTags", KeyId=ref)
        self.assertFails(k, "TagException", "TagResource", KeyId=key["KeyId"],
                         Tags=[{"TagKey": "aws:owner", "TagValue": "me"}])
        # At most 50 tags; none on a key waiting for deletion.
        self.assertFails(k, "LimitExceededException", "TagResource", KeyId=key["KeyId"],
                         Tags=[{"TagKey": "t%d" % i, "TagValue": "v"} for i in range(50)])
        self.assertEqual(len(k("ListResourceTags", KeyId=key["KeyId"])["Tags"]), 1)
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertFails(k, "KMSInvalidStateException", "TagResource", KeyId=key["KeyId"],
                         Tags=[{"TagKey": "x", "TagValue": "y"}])
        self.assertFails(k, "KMSInvalidStateException", "UntagResource", KeyId=key["KeyId"],
                         TagKeys=["b"])


# --- Cryptography ---


class CryptoTests(KmsTestCase):
    def test_encrypt_decrypt_reencrypt_every_key_form(self):
        k = self.boto
        k1, k2 = self.new_key(), self.new_key()
        a1, a2 = self.alias_name(), self.alias_name()
        self.kms.create_alias(AliasName=a1, TargetKeyId=k1["KeyId"])
        self.kms.create_alias(AliasName=a2, TargetKeyId=k2["KeyId"])
        context = {"project": "alpha", "Team": "Blue"}
        refs1 = (k1["KeyId"], k1["Arn"], a1, self.alias_arn(a1))
        refs2 = (k2["KeyId"], k2["Arn"], a2, self.alias_arn(a2))
        for ref in refs1:
            data = os.urandom(100)
            out = k("Encrypt", KeyId=ref, Plaintext=data, EncryptionContext=context)
            self.assertEqual((out["KeyId"], out["EncryptionAlgorithm"]),
                             (k1["Arn"], "SYMMETRIC_DEFAULT"))
            self.assertNotIn(data, out["CiphertextBlob"])
            # KeyId is optional for symmetric keys; any form names the key.
            for dref in (None,) + refs1:
                extra = {"KeyId": dref} if dref else {}
                got = k("Decrypt", CiphertextBlob=out["CiphertextBlob"],
                        EncryptionContext=dict(reversed(list(context.items()))), **extra)
                self.assertEqual((got["Plaintext"], got["KeyId"]), (data, k1["Arn"]))
            # Another key, in any form, is refused.
            for dref in refs2:
                self.assertFails(k, "IncorrectKeyException", "Decrypt",
                                 CiphertextBlob=out["CiphertextBlob"], EncryptionContext=context,
                                 KeyId=dref)
        # Up to 4096 bytes; the same plaintext never gives the same ciphertext.
        big = os.urandom(4096)
        c1 = k("Encrypt", KeyId=k1["KeyId"], Plaintext=big)["CiphertextBlob"]
        c2 = k("Encrypt", KeyId=k1["KeyId"], Plaintext=big)["CiphertextBlob"]
        self.assertNotEqual(c1, c2)
        self.assertEqual(k("Decrypt", CiphertextBlob=c2)["Plaintext"], big)
        self.assertFails(k, "ValidationException", "Encrypt", KeyId=k1["KeyId"],
                         Plaintext=b"x" * 4097)
        self.assertFails(k, "ValidationException", "Encrypt", KeyId=k1["KeyId"], Plaintext=b"")
        self.assertFails(k, "ValidationException", "Encrypt", KeyId=k1["KeyId"])

        # ReEncrypt under another key and context, to every destination form.
        data = b"moving"
        ct = k("Encrypt", KeyId=k1["KeyId"], Plaintext=data,
               EncryptionContext=context)["CiphertextBlob"]
        for dest in refs2:
            out = k("ReEncrypt", CiphertextBlob=ct, SourceEncryptionContext=context,
                    DestinationKeyId=dest, DestinationEncryptionContext={"to": dest})
            self.assertEqual((out["SourceKeyId"], out["KeyId"]), (k1["Arn"], k2["Arn"]))
            self.assertEqual((out["SourceEncryptionAlgorithm"],
                              out["DestinationEncryptionAlgorithm"]),
                             ("SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT"))
            got = self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"],
                                   EncryptionContext={"to": dest})
            self.assertEqual((got["Plaintext"], got["KeyId"]), (data, k2["Arn"]))
        # From every source form, back to the same key.
        for src in refs1:
            out = k("ReEncrypt", CiphertextBlob=ct, SourceKeyId=src,
                    SourceEncryptionContext=context, DestinationKeyId=k1["Arn"])
            self.assertNotEqual(out["CiphertextBlob"], ct)
            self.assertEqual(k("Decrypt", CiphertextBlob=out["CiphertextBlob"])["Plaintext"], data)
        self.assertFails(k, "IncorrectKeyException", "ReEncrypt", CiphertextBlob=ct,
                         SourceKeyId=k2["KeyId"], SourceEncryptionContext=context,
                         DestinationKeyId=k1["KeyId"])
        self.assertFails(k, "InvalidCiphertextException", "ReEncrypt", CiphertextBlob=ct,
                         DestinationKeyId=k2["KeyId"])

    def test_data_keys_and_random(self):
        k = self.boto
        key = self.new_key()
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        ctx = {"bucket": "b1"}
        for ref in (key["KeyId"], key["Arn"], alias, self.alias_arn(alias)):
            for params, size in [({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16),
                                 ({"NumberOfBytes": 64}, 64), ({"NumberOfBytes": 1}, 1),
                                 ({"NumberOfBytes": 1024}, 1024)]:
                out = k("GenerateDataKey", KeyId=ref, EncryptionContext=ctx, **params)
                self.assertEqual(len(out["Plaintext"]), size)
                self.assertEqual(out["KeyId"], key["Arn"])
                got = self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"],
                                       EncryptionContext=ctx)
                self.assertEqual(got["Plaintext"], out["Plaintext"])
                out = k("GenerateDataKeyWithoutPlaintext", KeyId=ref, EncryptionContext=ctx,
                        **params)
                self.assertNotIn("Plaintext", out)
                self.assertEqual(out["KeyId"], key["Arn"])
                got = self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"],
                                       EncryptionContext=ctx)
                self.assertEqual(len(got["Plaintext"]), size)
        for op in ("GenerateDataKey", "GenerateDataKeyWithoutPlaintext"):
            self.assertFails(k, "ValidationException", op, KeyId=key["KeyId"])
            self.assertFails(k, "ValidationException", op, KeyId=key["KeyId"], KeySpec="AES_256",
                             NumberOfBytes=32)
            self.assertFails(k, "ValidationException", op, KeyId=key["KeyId"], KeySpec="AES_512")
            for n in (0, 1025):
                self.assertFails(k, "ValidationException", op, KeyId=key["KeyId"],
                                 NumberOfBytes=n)

        r1 = k("GenerateRandom", NumberOfBytes=32)["Plaintext"]
        r2 = k("GenerateRandom", NumberOfBytes=32)["Plaintext"]
        self.assertEqual((len(r1), len(r2)), (32, 32))
        self.assertNotEqual(r1, r2)
        self.assertEqual(len(k("GenerateRandom", NumberOfBytes=1024)["Plaintext"]), 1024)
        self.assertEqual(len(k("GenerateRandom", NumberOfBytes=1)["Plaintext"]), 1)
        for n in (0, 1025):
            self.assertFails(k, "ValidationException", "GenerateRandom", NumberOfBytes=n)
        self.assertFails(k, "ValidationException", "GenerateRandom")

    def test_key_state_and_usage_failures(self):
        k = self.boto
        key, other = self.new_key(), self.new_key()
        ct = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"state")["CiphertextBlob"]
        other_ct = self.kms.encrypt(KeyId=other["KeyId"], Plaintext=b"o")["CiphertextBlob"]
        k("DisableKey", KeyId=key["KeyId"])
        for code in ("DisabledException",):
            self.assertFails(k, code, "Encrypt", KeyId=key["KeyId"], Plaintext=b"x")
            self.assertFails(k, code, "Decrypt", CiphertextBlob=ct)
            self.assertFails(k, code, "GenerateDataKey", KeyId=key["KeyId"], KeySpec="AES_256")
            self.assertFails(k, code, "GenerateDataKeyWithoutPlaintext", KeyId=key["KeyId"],
                             KeySpec="AES_256")
            self.assertFails(k, code, "ReEncrypt", CiphertextBlob=ct,
                             DestinationKeyId=other["KeyId"])
            self.assertFails(k, code, "ReEncrypt", CiphertextBlob=other_ct,
                             DestinationKeyId=key["KeyId"])
        # Described all the same, and usable again once enabled.
        self.assertEqual(k("DescribeKey", KeyId=key["KeyId"])["KeyMetadata"]["KeyState"],
                         "Disabled")
        k("EnableKey", KeyId=key["KeyId"])
        self.assertEqual(k("Decrypt", CiphertextBlob=ct)["Plaintext"], b"state")

        # Wrong key usage: an algorithm that is not the key's.
        self.assertFails(k, "InvalidKeyUsageException", "Encrypt", KeyId=key["KeyId"],
                         Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.assertFails(k, "InvalidKeyUsageException", "Decrypt", CiphertextBlob=ct,
                         EncryptionAlgorithm="RSAES_OAEP_SHA_1")
        self.assertFails(k, "InvalidKeyUsageException", "ReEncrypt", CiphertextBlob=ct,
                         DestinationKeyId=other["KeyId"],
                         DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.assertEqual(k("Encrypt", KeyId=key["KeyId"], Plaintext=b"x",
                           EncryptionAlgorithm="SYMMETRIC_DEFAULT")["KeyId"], key["Arn"])
        # Unknown keys and aliases.
        self.assertFails(k, "NotFoundException", "Encrypt", KeyId="alias/not-there",
                         Plaintext=b"x")
        self.assertFails(k, "NotFoundException", "Encrypt", KeyId=str(uuid.uuid4()),
                         Plaintext=b"x")
        self.assertFails(k, "NotFoundException", "GenerateDataKey",
                         KeyId=self.alias_arn("alias/not-there"), KeySpec="AES_256")
        self.assertFails(k, "NotFoundException", "ReEncrypt", CiphertextBlob=ct,
                         DestinationKeyId="alias/not-there")
        self.assertFails(k, "NotFoundException", "Decrypt", CiphertextBlob=ct,
                         KeyId="alias/not-there")
        # Pending import and pending deletion.
        ext = self.new_key(Origin="EXTERNAL")
        self.assertFails(k, "KMSInvalidStateException", "GenerateDataKey", KeyId=ext["KeyId"],
                         KeySpec="AES_256")
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertFails(k, "KMSInvalidStateException", "Encrypt", KeyId=key["KeyId"],
                         Plaintext=b"x")
        self.assertFails(k, "KMSInvalidStateException", "Decrypt", CiphertextBlob=ct)
        self.assertFails(k, "KMSInvalidStateException", "GenerateDataKey", KeyId=key["Arn"],
                         NumberOfBytes=16)
        self.assertFails(k, "KMSInvalidStateException", "GenerateDataKeyWithoutPlaintext",
                         KeyId=key["Arn"], NumberOfBytes=16)
        self.assertFails(k, "KMSInvalidStateException", "ReEncrypt", CiphertextBlob=ct,
                         DestinationKeyId=other["KeyId"])
        self.assertFails(k, "KMSInvalidStateException", "ReEncrypt", CiphertextBlob=other_ct,
                         DestinationKeyId=key["KeyId"])

    def test_encryption_context_and_tampering(self):
        k = self.boto
        key = self.new_key()
        context = {"Project": "alpha", "stage": "prod"}
        ct = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"bound",
                              EncryptionContext=context)["CiphertextBlob"]
        # Exact, case-sensitive, order-free.
        got = k("Decrypt", CiphertextBlob=ct, EncryptionContext={"stage": "prod",
                                                                 "Project": "alpha"})
        self.assertEqual(got["Plaintext"], b"bound")
        for wrong in [None, {}, {"Project": "alpha"}, {"project": "alpha", "stage": "prod"},
                      {"Project": "Alpha", "stage": "prod"}, dict(context, extra="x")]:
            extra = {"EncryptionContext": wrong} if wrong is not None else {}
            self.assertFails(k, "InvalidCiphertextException", "Decrypt", CiphertextBlob=ct,
                             **extra)
        self.assertFails(k, "InvalidCiphertextException", "Decrypt",
                         CiphertextBlob=b"not a kms ciphertext at all")
        # One flipped bit anywhere, from the first byte to the last. (Within the key id
        # the flipped bits are ones that make it no key id at all: a low bit there can
        # name another, absent key, which is NotFoundException's ambiguity.)
        flips = [(0, 0x01), (0, 0x80), (1, 0x40), (1, 0x80), (20, 0x40), (36, 0x80)]
        flips += [(pos, bit) for pos in (37, 60, 80, 95, len(ct) // 2, len(ct) - 17, len(ct) - 1)
                  for bit in (0x01, 0x80)]
        for pos, bit in flips:
            tampered = bytearray(ct)
            tampered[pos] ^= bit
            with self.subTest(position=pos, bit=bit):
                self.assertFails(k, "InvalidCiphertextException", "Decrypt",
                                 CiphertextBlob=bytes(tampered), EncryptionContext=context)
        self.assertFails(k, "InvalidCiphertextException", "Decrypt", CiphertextBlob=ct[:-1],
                         EncryptionContext=context)
        self.assertFails(k, "InvalidCiphertextException", "Decrypt", CiphertextBlob=ct + b"\0",
                         EncryptionContext=context)
        tampered = bytearray(ct)
        tampered[-1] ^= 0x01
        self.assertFails(k, "InvalidCiphertextException", "ReEncrypt",
                         CiphertextBlob=bytes(tampered), SourceEncryptionContext=context,
                         DestinationKeyId=key["KeyId"])
        self.assertEqual(self.kms.decrypt(CiphertextBlob=ct, EncryptionContext=context)
                         ["Plaintext"], b"bound")


# --- Rotation ---


class RotationTests(KmsTestCase):
    def test_automatic_rotation_settings(self):
        k = self.boto
        key = self.new_key()
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        status = k("GetKeyRotationStatus", KeyId=key["KeyId"])
        self.assertEqual((status["KeyRotationEnabled"], status["KeyId"]), (False, key["Arn"]))
        k("EnableKeyRotation", KeyId=key["KeyId"], RotationPeriodInDays=180)
        status = k("GetKeyRotationStatus", KeyId=key["Arn"])
        self.assertEqual((status["KeyRotationEnabled"], status["RotationPeriodInDays"]),
                         (True, 180))
        due = now() + datetime.timedelta(days=180)
        self.assertLess(abs((when(status["NextRotationDate"]) - due).total_seconds()), 120)
        for days in (90, 2560):
            k("EnableKeyRotation", KeyId=key["Arn"], RotationPeriodInDays=days)
            self.assertEqual(k("GetKeyRotationStatus", KeyId=key["KeyId"])
                             ["RotationPeriodInDays"], days)
        for days in (89, 2561, 0):
            self.assertFails(k, "ValidationException", "EnableKeyRotation", KeyId=key["KeyId"],
                             RotationPeriodInDays=days)
        k("DisableKeyRotation", KeyId=key["Arn"])
        status = k("GetKeyRotationStatus", KeyId=key["KeyId"])
        self.assertFalse(status["KeyRotationEnabled"])
        self.assertNotIn("RotationPeriodInDays", status)
        # The default period is a year.
        k("EnableKeyRotation", KeyId=key["KeyId"])
        self.assertEqual(k("GetKeyRotationStatus", KeyId=key["KeyId"])["RotationPeriodInDays"],
                         365)
        k("DisableKeyRotation", KeyId=key["KeyId"])
        for op in ("EnableKeyRotation", "DisableKeyRotation", "GetKeyRotationStatus",
                   "RotateKeyOnDemand", "ListKeyRotations"):
            for ref in (alias, self.alias_arn(alias)):
                self.assertFails(k, "NotFoundException", op, KeyId=ref)
            self.assertFails(k, "NotFoundException", op, KeyId=str(uuid.uuid4()))
        # Keys that cannot rotate.
        ext = self.new_key(Origin="EXTERNAL")
        for op in ("EnableKeyRotation", "RotateKeyOnDemand"):
            self.assertFails(k, "UnsupportedOperationException", op, KeyId=ext["KeyId"])
        self.kms.disable_key(KeyId=key["KeyId"])
        for op in ("EnableKeyRotation", "DisableKeyRotation", "RotateKeyOnDemand"):
            self.assertFails(k, "DisabledException", op, KeyId=key["KeyId"])
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        for op in ("EnableKeyRotation", "DisableKeyRotation", "RotateKeyOnDemand"):
            self.assertFails(k, "KMSInvalidStateException", op, KeyId=key["KeyId"])

    def test_rotate_on_demand_keeps_old_ciphertexts(self):
        k = self.boto
        key = self.new_key()
        first = key["CurrentKeyMaterialId"]
        self.assertEqual(k("ListKeyRotations", KeyId=key["KeyId"])["Rotations"], [])
        before = k("Encrypt", KeyId=key["KeyId"], Plaintext=b"v1",
                   EncryptionContext={"v": "1"})["CiphertextBlob"]
        out = k("RotateKeyOnDemand", KeyId=key["Arn"])
        self.assertEqual(out["KeyId"], key["KeyId"])
        rotations = k("ListKeyRotations", KeyId=key["Arn"])["Rotations"]
        self.assertEqual([r["RotationType"] for r in rotations], ["ON_DEMAND"])
        self.assertEqual(rotations[0]["KeyId"], key["KeyId"])
        self.assertLess(abs((when(rotations[0]["RotationDate"]) - now()).total_seconds()), 60)
        second = self.kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
        self.assertNotEqual(second, first)
        self.assertEqual(rotations[0]["KeyMaterialId"], second)
        after = k("Encrypt", KeyId=key["KeyId"], Plaintext=b"v2")["CiphertextBlob"]
        k("RotateKeyOnDemand", KeyId=key["KeyId"])
        self.assertEqual(len(k("ListKeyRotations", KeyId=key["KeyId"])["Rotations"]), 2)
        # Every older ciphertext still decrypts, and re-encrypts under the newest material.
        self.assertEqual(k("Decrypt", CiphertextBlob=before,
                           EncryptionContext={"v": "1"})["Plaintext"], b"v1")
        self.assertEqual(k("Decrypt", CiphertextBlob=after)["Plaintext"], b"v2")
        moved = k("ReEncrypt", CiphertextBlob=before, SourceEncryptionContext={"v": "1"},
                  DestinationKeyId=key["KeyId"])["CiphertextBlob"]
        self.assertEqual(self.kms.decrypt(CiphertextBlob=moved)["Plaintext"], b"v1")
        # On-demand rotation does not turn automatic rotation on.
        self.assertFalse(k("GetKeyRotationStatus", KeyId=key["KeyId"])["KeyRotationEnabled"])
        # Pages of rotations.
        k("RotateKeyOnDemand", KeyId=key["KeyId"])
        page = self.kms.list_key_rotations(KeyId=key["KeyId"], Limit=2)
        self.assertTrue(page["Truncated"])
        rest = self.kms.list_key_rotations(KeyId=key["KeyId"], Marker=page["NextMarker"])
        self.assertEqual(len(page["Rotations"] + rest["Rotations"]), 3)
        # At most 25 on-demand rotations per key.
        for _ in range(22):
            k("RotateKeyOnDemand", KeyId=key["KeyId"])
        self.assertFails(k, "LimitExceededException", "RotateKeyOnDemand", KeyId=key["KeyId"])
        self.assertEqual(k("Decrypt", CiphertextBlob=before,
                           EncryptionContext={"v": "1"})["Plaintext"], b"v1")


# --- Key policies ---


class KeyPolicyTests(KmsTestCase):
    def test_get_put_list_key_policies(self):
        k = self.boto
        key = self.new_key()
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        for ref in (key["KeyId"], key["Arn"]):
            self.assertEqual(k("ListKeyPolicies", KeyId=ref)["PolicyNames"], ["default"])
            got = k("GetKeyPolicy", KeyId=ref, PolicyName="default")
            self.assertEqual(json.loads(got["Policy"])["Statement"][0]["Action"], "kms:*")
        new = policy(root_statement(self.account),
                     {"Sid": "DescribeForAll", "Effect": "Allow", "Principal": "*",
                      "Action": "kms:DescribeKey", "Resource": "*",
                      "Condition": {"StringEquals": {"kms:CallerAccount": self.account}}})
        k("PutKeyPolicy", KeyId=key["Arn"], PolicyName="default", Policy=new)
        self.assertEqual(json.loads(k("GetKeyPolicy", KeyId=key["KeyId"],
                                      PolicyName="default")["Policy"]), json.loads(new))
        k("PutKeyPolicy", KeyId=key["KeyId"], Policy=new)  # PolicyName may be left out
        self.assertFails(k, "NotFoundException", "GetKeyPolicy", KeyId=key["KeyId"],
                         PolicyName="other")
        for op, extra in [("GetKeyPolicy", {}), ("ListKeyPolicies", {}),
                          ("PutKeyPolicy", {"Policy": new})]:
            for ref in (alias, self.alias_arn(alias)):
                self.assertFails(k, "NotFoundException", op, KeyId=ref, **extra)
        # Malformed documents, and the lockout safety check.
        for bad in ("{not json", '{"Statement": []}',
                    policy({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})):
            self.assertFails(k, "MalformedPolicyDocumentException", "PutKeyPolicy",
                             KeyId=key["KeyId"], Policy=bad)
        lockout = policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt",
                          "Resource": "*"})
        self.assertFails(k, "MalformedPolicyDocumentException", "PutKeyPolicy",
                         KeyId=key["KeyId"], Policy=lockout)
        self.assertFails(k, "MalformedPolicyDocumentException", "PutKeyPolicy",
                         KeyId=key["KeyId"], Policy=lockout, BypassPolicyLockoutSafetyCheck=False)
        self.assertEqual(json.loads(self.kms.get_key_policy(
            KeyId=key["KeyId"], PolicyName="default")["Policy"]), json.loads(new))
        k("PutKeyPolicy", KeyId=key["KeyId"], Policy=lockout, BypassPolicyLockoutSafetyCheck=True)
        self.assertFails(k, "AccessDeniedException", "GetKeyPolicy", KeyId=key["KeyId"],
                         PolicyName="default")
        self.assertFails(k, "AccessDeniedException", "PutKeyPolicy", KeyId=key["KeyId"],
                         Policy=new)

    def test_policies_of_the_key_and_of_iam(self):
        """A user needs the key policy to allow, directly or by naming the account (which
        delegates to IAM policies); conditions on the encryption context and the caller's
        account apply; an explicit Deny wins."""
        eve_arn, eve_key, eve_secret = self.user("eve")
        _, ivan_key, ivan_secret = self.user("ivan", policy(
            {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"],
             "Resource": "*"}))
        eve = BotoKms(self.server, eve_key, eve_secret)
        ivan = BotoKms(self.server, ivan_key, ivan_secret)
        default_key = self.new_key()
        eve_only = self.new_key(Policy=policy(
            root_statement(self.account),
            {"Sid": "EveWithProjectAlpha", "Effect": "Allow", "Principal": {"AWS": eve_arn},
             "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
             "Condition": {"StringEquals": {"kms:EncryptionContext:project": "alpha"}}}))
        no_iam = self.new_key(BypassPolicyLockoutSafetyCheck=True, Policy=policy(
            {"Effect": "Allow", "Principal": {"AWS": eve_arn}, "Action": "kms:*",
             "Resource": "*"}))

        # ivan: IAM allows, and the default key policy delegates to IAM...
        ct = ivan("Encrypt", KeyId=default_key["Arn"], Plaintext=b"iam")["CiphertextBlob"]
        self.assertEqual(ivan("Decrypt", CiphertextBlob=ct)["Plaintext"], b"iam")
        self.assertFails(ivan, "AccessDeniedException", "GenerateDataKey",
                         KeyId=default_key["KeyId"], KeySpec="AES_256")
        self.assertFails(ivan, "AccessDeniedException", "DisableKey", KeyId=default_key["KeyId"])
        self.assertFails(ivan, "AccessDeniedException", "ListKeys")
        # ...but not where the key policy does not name the account.
        self.assertFails(ivan, "AccessDeniedException", "Encrypt", KeyId=no_iam["KeyId"],
                         Plaintext=b"x")
        self.assertFails(ivan, "AccessDeniedException", "DescribeKey", KeyId=no_iam["KeyId"])
        # eve has no IAM policy: only key policies that name her.
        self.assertFails(eve, "AccessDeniedException", "Encrypt", KeyId=default_key["KeyId"],
                         Plaintext=b"x")
        self.assertEqual(eve("Encrypt", KeyId=no_iam["KeyId"], Plaintext=b"mine")["KeyId"],
                         no_iam["Arn"])
        eve("DisableKey", KeyId=no_iam["KeyId"])
        eve("EnableKey", KeyId=no_iam["KeyId"])
        # kms:EncryptionContext:project must be alpha (the key in a condition key's name is
        # not case-sensitive, as IAM's condition keys are not; the value is).
        for ctx in [{"project": "alpha", "other": "x"}, {"Project": "alpha"}]:
            ct = eve("Encrypt", KeyId=eve_only["KeyId"], Plaintext=b"a",
                     EncryptionContext=ctx)["CiphertextBlob"]
            self.assertEqual(eve("Decrypt", CiphertextBlob=ct, EncryptionContext=ctx)
                             ["Plaintext"], b"a")
        for ctx in [{"project": "beta"}, {"project": "Alpha"}, {"other": "alpha"}, {}]:
            self.assertFails(eve, "AccessDeniedException", "Encrypt", KeyId=eve_only["KeyId"],
                             Plaintext=b"a", EncryptionContext=ctx)
        self.assertFails(eve, "AccessDeniedException", "GenerateDataKey",
                         KeyId=eve_only["KeyId"], KeySpec="AES_256",
                         EncryptionContext={"project": "alpha"})

        # kms:CallerAccount: everyone in this account, and nobody from another.
        mine = self.new_key(Policy=policy(
            root_statement(self.account),
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Encrypt",
             "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": self.account}}}))
        theirs = self.new_key(Policy=policy(
            root_statement(self.account),
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Encrypt",
             "Resource": "*",
             "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}}))
        self.assertEqual(eve("Encrypt", KeyId=mine["KeyId"], Plaintext=b"x")["KeyId"], mine["Arn"])
        self.assertFails(eve, "AccessDeniedException", "Encrypt", KeyId=theirs["KeyId"],
                         Plaintext=b"x")

        # An explicit Deny wins over every Allow, the account's included.
        denied = self.new_key(Policy=policy(
            root_statement(self.account),
            {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
             "Condition": {"StringEquals": {"kms:EncryptionContext:secret": "yes"}}}))
        ct = self.kms.encrypt(KeyId=denied["KeyId"], Plaintext=b"d",
                              EncryptionContext={"secret": "yes"})["CiphertextBlob"]
        self.assertFails(self.boto, "AccessDeniedException", "Decrypt", CiphertextBlob=ct,
                         EncryptionContext={"secret": "yes"})
        ct = self.kms.encrypt(KeyId=denied["KeyId"], Plaintext=b"d",
                              EncryptionContext={"secret": "no"})["CiphertextBlob"]
        self.kms.decrypt(CiphertextBlob=ct, EncryptionContext={"secret": "no"})


# --- Grants ---


class GrantTests(KmsTestCase):
    def test_grants(self):
        k = self.boto
        grantee_arn, grantee_key, grantee_secret = self.user("gina")
        retirer_arn, retirer_key, retirer_secret = self.user("rita")
        gina = BotoKms(self.server, grantee_key, grantee_secret)
        rita = BotoKms(self.server, retirer_key, retirer_secret)
        key = self.new_key()
        alias = self.alias_name()
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        self.assertFails(gina, "AccessDeniedException", "Encrypt", KeyId=key["KeyId"],
                         Plaintext=b"x", EncryptionContext={"project": "x"})
        g1 = k("CreateGrant", KeyId=key["Arn"], GranteePrincipal=grantee_arn,
               RetiringPrincipal=retirer_arn, Name="crypto", Operations=["Encrypt", "Decrypt"],
               Constraints={"EncryptionContextSubset": {"project": "x"}})
        self.assertRegex(g1["GrantId"], r"^[0-9a-f]{64}$")
        self.assertTrue(g1["GrantToken"])
        # The same name and settings: the same grant.
        again = k("CreateGrant", KeyId=key["KeyId"], GranteePrincipal=grantee_arn,
                  RetiringPrincipal=retirer_arn, Name="crypto", Operations=["Decrypt", "Encrypt"],
                  Constraints={"EncryptionContextSubset": {"project": "x"}})
        self.assertEqual(again["GrantId"], g1["GrantId"])
        g2 = k("CreateGrant", KeyId=key["KeyId"], GranteePrincipal=grantee_arn,
               Operations=["GenerateDataKey", "DescribeKey", "RetireGrant"])

        # What the grants allow, with a grant token (usable at once) or without.
        ctx = {"project": "x", "extra": "1"}
        ct = gina("Encrypt", KeyId=key["Arn"], Plaintext=b"granted", EncryptionContext=ctx,
                  GrantTokens=[g1["GrantToken"]])["CiphertextBlob"]
        self.assertEqual(gina("Decrypt", CiphertextBlob=ct, EncryptionContext=ctx)["Plaintext"],
                         b"granted")
        # Grant constraints: the key is not case-sensitive there, the value is (AWS's rule).
        gina("Encrypt", KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"PROJECT": "x"})
        for bad in [{"project": "X"}, {"project": "y"}, {"other": "x"}, {}]:
            self.assertFails(gina, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                             Plaintext=b"x", EncryptionContext=bad)
        # Operations the grants do not give.
        self.assertFails(gina, "AccessDeniedException", "ReEncrypt", CiphertextBlob=ct,
                         SourceEncryptionContext=ctx, DestinationKeyId=key["Arn"])
        self.assertFails(gina, "AccessDeniedException", "GenerateDataKeyWithoutPlaintext",
                         KeyId=key["Arn"], KeySpec="AES_256")
        self.assertFails(gina, "AccessDeniedException", "DisableKey", KeyId=key["Arn"])
        self.assertEqual(len(gina("GenerateDataKey", KeyId=key["Arn"],
                                  KeySpec="AES_256")["Plaintext"]), 32)
        self.assertEqual(gina("DescribeKey", KeyId=key["Arn"])["KeyMetadata"]["KeyId"],
                         key["KeyId"])
        self.assertFails(gina, "InvalidGrantTokenException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x", EncryptionContext=ctx, GrantTokens=["not-a-grant-token"])

        for ref in (key["KeyId"], key["Arn"]):
            grants = {g["GrantId"]: g for g in k("ListGrants", KeyId=ref)["Grants"]}
            self.assertEqual(set(grants), {g1["GrantId"], g2["GrantId"]})
        g = grants[g1["GrantId"]]
        self.assertEqual((g["KeyId"], g["GranteePrincipal"], g["RetiringPrincipal"], g["Name"],
                          sorted(g["Operations"]), g["IssuingAccount"]),
                         (key["Arn"], grantee_arn, retirer_arn, "crypto", ["Decrypt", "Encrypt"],
                          "arn:aws:iam::%s:root" % self.account))
        self.assertEqual(g["Constraints"], {"EncryptionContextSubset": {"project": "x"}})
        self.assertLess(abs((when(g["CreationDate"]) - now()).total_seconds()), 60)
        only = k("ListGrants", KeyId=key["KeyId"], GrantId=g2["GrantId"])["Grants"]
        self.assertEqual([x["GrantId"] for x in only], [g2["GrantId"]])
        by_grantee = k("ListGrants", KeyId=key["KeyId"], GranteePrincipal=grantee_arn)["Grants"]
        self.assertEqual(len(by_grantee), 2)
        retirable = k("ListRetirableGrants", RetiringPrincipal=retirer_arn)["Grants"]
        self.assertEqual([x["GrantId"] for x in retirable], [g1["GrantId"]])
        self.assertEqual(retirable[0]["KeyId"], key["Arn"])
        for op, extra in [("ListGrants", {}),
                          ("CreateGrant", {"GranteePrincipal": grantee_arn,
                                           "Operations": ["Encrypt"]}),
                          ("RevokeGrant", {"GrantId": g1["GrantId"]}),
                          ("RetireGrant", {"GrantId": g1["GrantId"]})]:
            for ref in (alias, self.alias_arn(alias)):
                self.assertFails(k, "NotFoundException", op, KeyId=ref, **extra)

        # The retiring principal retires by token; the grant stops at once.
        rita("RetireGrant", GrantToken=g1["GrantToken"])
        self.assertFails(gina, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x", EncryptionContext=ctx)
        self.assertFails(k, "NotFoundException", "RetireGrant", GrantToken=g1["GrantToken"])
        self.assertEqual(k("ListRetirableGrants", RetiringPrincipal=retirer_arn)["Grants"], [])
        # The grantee may retire a grant that gives it RetireGrant.
        gina("RetireGrant", KeyId=key["Arn"], GrantId=g2["GrantId"])
        self.assertFails(gina, "AccessDeniedException", "DescribeKey", KeyId=key["Arn"])
        # Others may not retire; the key's account revokes.
        g3 = k("CreateGrant", KeyId=key["KeyId"], GranteePrincipal=grantee_arn,
               Operations=["Encrypt"])
        self.assertFails(rita, "AccessDeniedException", "RetireGrant", KeyId=key["KeyId"],
                         GrantId=g3["GrantId"])
        self.assertFails(gina, "AccessDeniedException", "RetireGrant", KeyId=key["KeyId"],
                         GrantId=g3["GrantId"])
        self.assertFails(gina, "AccessDeniedException", "RevokeGrant", KeyId=key["KeyId"],
                         GrantId=g3["GrantId"])
        gina("Encrypt", KeyId=key["Arn"], Plaintext=b"x")
        k("RevokeGrant", KeyId=key["Arn"], GrantId=g3["GrantId"])
        self.assertFails(gina, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x")
        self.assertFails(k, "NotFoundException", "RevokeGrant", KeyId=key["KeyId"],
                         GrantId=g3["GrantId"])
        # The issuing account may retire its grants too.
        g4 = k("CreateGrant", KeyId=key["KeyId"], GranteePrincipal=grantee_arn,
               Operations=["Decrypt"])
        k("RetireGrant", KeyId=key["KeyId"], GrantId=g4["GrantId"])
        self.assertEqual(k("ListGrants", KeyId=key["KeyId"])["Grants"], [])

    def test_grant_validation_and_constraints(self):
        k = self.boto
        grantee_arn, grantee_key, grantee_secret = self.user("gus")
        gus = BotoKms(self.server, grantee_key, grantee_secret)
        key = self.new_key()
        for ops in (["Dance"], []):
            self.assertFails(k, "ValidationException", "CreateGrant", KeyId=key["KeyId"],
                             GranteePrincipal=grantee_arn, Operations=ops)
        self.assertFails(k, "ValidationException", "CreateGrant", KeyId=key["KeyId"],
                         GranteePrincipal=grantee_arn)
        self.assertFails(k, "ValidationException", "CreateGrant", KeyId=key["KeyId"],
                         Operations=["Encrypt"])
        eq = k("CreateGrant", KeyId=key["KeyId"], GranteePrincipal=grantee_arn,
               Operations=["Encrypt", "Decrypt", "CreateGrant", "DescribeKey"],
               Constraints={"EncryptionContextEquals": {"a": "b"}})
        gus("Encrypt", KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"a": "b"},
            GrantTokens=[eq["GrantToken"]])
        gus("Encrypt", KeyId=key["Arn"], Plaintext=b"x", EncryptionContext={"A": "b"})
        for bad in [{"a": "b", "c": "d"}, {"a": "B"}, {}]:
            self.assertFails(gus, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                             Plaintext=b"x", EncryptionContext=bad)
        # A constraint does not apply to DescribeKey (AWS: "the constraint doesn't apply").
        self.assertEqual(gus("DescribeKey", KeyId=key["Arn"])["KeyMetadata"]["KeyId"],
                         key["KeyId"])
        # A grant with CreateGrant passes on only what it has, at least as strictly.
        self.assertFails(gus, "AccessDeniedException", "CreateGrant", KeyId=key["Arn"],
                         GranteePrincipal=grantee_arn, Operations=["GenerateDataKey"],
                         Constraints={"EncryptionContextEquals": {"a": "b"}})
        self.assertFails(gus, "AccessDeniedException", "CreateGrant", KeyId=key["Arn"],
                         GranteePrincipal=grantee_arn, Operations=["Decrypt"])
        self.assertFails(gus, "AccessDeniedException", "CreateGrant", KeyId=key["Arn"],
                         GranteePrincipal=grantee_arn, Operations=["Decrypt"],
                         Constraints={"EncryptionContextSubset": {"a": "b"}})
        child = gus("CreateGrant", KeyId=key["Arn"], GranteePrincipal=grantee_arn,
                    Operations=["Decrypt"], Constraints={"EncryptionContextEquals": {"a": "b"}})
        self.assertIn(child["GrantId"], [g["GrantId"] for g in self.kms.list_grants(
            KeyId=key["KeyId"])["Grants"]])
        # Grants on keys that cannot be used.
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertFails(k, "DisabledException", "CreateGrant", KeyId=key["KeyId"],
                         GranteePrincipal=grantee_arn, Operations=["Encrypt"])
        self.kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
        self.assertFails(k, "KMSInvalidStateException", "CreateGrant", KeyId=key["KeyId"],
                         GranteePrincipal=grantee_arn, Operations=["Encrypt"])
        self.assertFails(k, "InvalidGrantTokenException", "RetireGrant", GrantToken="bogus")
        self.assertFails(k, "ValidationException", "RetireGrant", GrantId="ab" * 32)


# --- The aws CLI ---


class CliTests(KmsTestCase):
    """Every operation through `aws kms`, with the key forms and errors that show the CLI
    reads AWS's answers as it would from AWS."""

    def test_keys_aliases_and_tags_with_the_cli(self):
        c = self.cli
        meta = c("CreateKey", Description="cli key", KeySpec="SYMMETRIC_DEFAULT",
                 Origin="AWS_KMS", Tags=[{"TagKey": "team", "TagValue": "blue"}])["KeyMetadata"]
        self.assertRegex(meta["Arn"], KEY_ARN)
        self.assertEqual((meta["KeyState"], meta["Description"]), ("Enabled", "cli key"))
        key_id, arn = meta["KeyId"], meta["Arn"]
        ext = c("CreateKey", Origin="EXTERNAL")["KeyMetadata"]
        self.assertEqual(ext["KeyState"], "PendingImport")
        lockout = policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Encrypt",
                          "Resource": "*"})
        self.assertFails(c, "MalformedPolicyDocumentException", "CreateKey", Policy=lockout)
        locked = c("CreateKey", Policy=lockout, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
        self.assertFails(c, "AccessDeniedException", "DescribeKey", KeyId=locked["KeyId"])

        alias = self.alias_name("alias/cli")
        c("CreateAlias", AliasName=alias, TargetKeyId=key_id)
        self.assertFails(c, "AlreadyExistsException", "CreateAlias", AliasName=alias,
                         TargetKeyId=arn)
        self.assertFails(c, "NotAuthorizedException", "CreateAlias", AliasName="alias/aws/cli",
                         TargetKeyId=key_id)
        for ref in (key_id, arn, alias, self.alias_arn(alias)):
            self.assertEqual(c("DescribeKey", KeyId=ref)["KeyMetadata"]["KeyId"], key_id, ref)
        self.assertFails(c, "NotFoundException", "DescribeKey", KeyId="alias/cli-none")
        listed = [x["KeyId"] for x in c("ListKeys")["Keys"]]
        self.assertTrue({key_id, ext["KeyId"], locked["KeyId"]} <= set(listed))

        c("DisableKey", KeyId=key_id)
        self.assertEqual(self.state(key_id), "Disabled")
        self.assertFails(c, "NotFoundException", "EnableKey", KeyId=alias)
        c("EnableKey", KeyId=arn)
        self.assertEqual(self.state(key_id), "Enabled")
        c("UpdateKeyDescription", KeyId=arn, Description="renamed")
        self.assertEqual(self.kms.describe_key(KeyId=alias)["KeyMetadata"]["Description"],
                         "renamed")

        other = self.new_key()
        c("UpdateAlias", AliasName=alias, TargetKeyId=other["Arn"])
        aliases = {a["AliasName"]: a for a in c("ListAliases")["Aliases"]}
        self.assertEqual(aliases[alias]["TargetKeyId"], other["KeyId"])
        self.assertIn("alias/aws/s3", aliases)
        self.assertEqual([a["AliasName"] for a in c("ListAliases", KeyId=other["KeyId"])
                          ["Aliases"]], [alias])
        c("DeleteAlias", AliasName=alias)
        self.assertFails(c, "NotFoundException", "DeleteAlias", AliasName=alias)

        c("TagResource", KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "ci"}])
        tags = c("ListResourceTags", KeyId=arn)["Tags"]
        self.assertEqual(tags, [{"TagKey": "env", "TagValue": "ci"},
                                {"TagKey": "team", "TagValue": "blue"}])
        c("UntagResource", KeyId=arn, TagKeys=["team"])
        self.assertEqual(c("ListResourceTags", KeyId=key_id)["Tags"],
                         [{"TagKey": "env", "TagValue": "ci"}])

        out = c("ScheduleKeyDeletion", KeyId=key_id, PendingWindowInDays=7)
        self.assertEqual((out["KeyState"], out["PendingWindowInDays"]), ("PendingDeletion", 7))
        due = now() + datetime.timedelta(days=7)
        self.assertLess(abs((when(out["DeletionDate"]) - due).total_seconds()), 60)
        self.assertFails(c, "KMSInvalidStateException", "Encrypt", KeyId=key_id,
                         Plaintext=b"x")
        self.assertEqual(c("CancelKeyDeletion", KeyId=arn)["KeyId"], arn)
        self.assertEqual(self.state(key_id), "Disabled")

    def test_cryptography_with_the_cli(self):
        c = self.cli
        key, other = self.new_key(), self.new_key()
        alias = self.alias_name("alias/cli")
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        data = os.urandom(300)
        ctx = {"project": "cli", "Stage": "test"}
        out = c("Encrypt", KeyId=self.alias_arn(alias), Plaintext=data, EncryptionContext=ctx)
        self.assertEqual((out["KeyId"], out["EncryptionAlgorithm"]),
                         (key["Arn"], "SYMMETRIC_DEFAULT"))
        ct = out["CiphertextBlob"]
        got = c("Decrypt", CiphertextBlob=ct, EncryptionContext=ctx)
        self.assertEqual((got["Plaintext"], got["KeyId"]), (data, key["Arn"]))
        self.assertEqual(c("Decrypt", CiphertextBlob=ct, EncryptionContext=ctx,
                           KeyId=alias)["Plaintext"], data)
        self.assertFails(c, "IncorrectKeyException", "Decrypt", CiphertextBlob=ct,
                         EncryptionContext=ctx, KeyId=other["KeyId"])
        self.assertFails(c, "InvalidCiphertextException", "Decrypt", CiphertextBlob=ct,
                         EncryptionContext={"project": "cli"})
        tampered = bytearray(ct)
        tampered[len(ct) // 2] ^= 0x01
        self.assertFails(c, "InvalidCiphertextException", "Decrypt",
                         CiphertextBlob=bytes(tampered), EncryptionContext=ctx)

        out = c("ReEncrypt", CiphertextBlob=ct, SourceEncryptionContext=ctx,
                DestinationKeyId=other["Arn"], DestinationEncryptionContext={"moved": "yes"})
        self.assertEqual((out["SourceKeyId"], out["KeyId"]), (key["Arn"], other["Arn"]))
        self.assertEqual(self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"],
                                          EncryptionContext={"moved": "yes"})["Plaintext"], data)

        dk = c("GenerateDataKey", KeyId=alias, KeySpec="AES_256", EncryptionContext=ctx)
        self.assertEqual(len(dk["Plaintext"]), 32)
        self.assertEqual(self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"],
                                          EncryptionContext=ctx)["Plaintext"], dk["Plaintext"])
        dk = c("GenerateDataKeyWithoutPlaintext", KeyId=key["KeyId"], NumberOfBytes=48)
        self.assertNotIn("Plaintext", dk)
        self.assertEqual(len(self.kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"]),
                         48)
        self.assertFails(c, "ValidationException", "GenerateDataKey", KeyId=key["KeyId"])
        r = c("GenerateRandom", NumberOfBytes=64)["Plaintext"]
        self.assertEqual(len(r), 64)
        self.assertNotEqual(r, c("GenerateRandom", NumberOfBytes=64)["Plaintext"])

        self.assertFails(c, "NotFoundException", "Encrypt", KeyId="alias/cli-none", Plaintext=b"x")
        self.assertFails(c, "InvalidKeyUsageException", "Encrypt", KeyId=key["KeyId"],
                         Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
        self.kms.disable_key(KeyId=key["KeyId"])
        self.assertFails(c, "DisabledException", "Encrypt", KeyId=key["KeyId"], Plaintext=b"x")
        self.assertFails(c, "DisabledException", "Decrypt", CiphertextBlob=ct,
                         EncryptionContext=ctx)

    def test_rotation_with_the_cli(self):
        c = self.cli
        key = self.new_key()
        before = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"old")["CiphertextBlob"]
        c("EnableKeyRotation", KeyId=key["KeyId"], RotationPeriodInDays=90)
        status = c("GetKeyRotationStatus", KeyId=key["Arn"])
        self.assertEqual((status["KeyRotationEnabled"], status["RotationPeriodInDays"]), (True, 90))
        due = now() + datetime.timedelta(days=90)
        self.assertLess(abs((when(status["NextRotationDate"]) - due).total_seconds()), 120)
        self.assertEqual(c("RotateKeyOnDemand", KeyId=key["Arn"])["KeyId"], key["KeyId"])
        rotations = c("ListKeyRotations", KeyId=key["KeyId"])["Rotations"]
        self.assertEqual([r["RotationType"] for r in rotations], ["ON_DEMAND"])
        self.assertEqual(c("Decrypt", CiphertextBlob=before)["Plaintext"], b"old")
        c("DisableKeyRotation", KeyId=key["Arn"])
        self.assertFalse(c("GetKeyRotationStatus", KeyId=key["KeyId"])["KeyRotationEnabled"])
        alias = self.alias_name("alias/cli")
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        self.assertFails(c, "NotFoundException", "EnableKeyRotation", KeyId=alias)

    def test_policies_and_grants_with_the_cli(self):
        c = self.cli
        key = self.new_key()
        self.assertEqual(c("ListKeyPolicies", KeyId=key["KeyId"])["PolicyNames"], ["default"])
        doc = json.loads(c("GetKeyPolicy", KeyId=key["Arn"], PolicyName="default")["Policy"])
        self.assertEqual(doc["Statement"][0]["Principal"]["AWS"],
                         "arn:aws:iam::%s:root" % self.account)
        new = policy(root_statement(self.account),
                     {"Sid": "Extra", "Effect": "Allow", "Principal": "*",
                      "Action": "kms:DescribeKey", "Resource": "*"})
        c("PutKeyPolicy", KeyId=key["KeyId"], PolicyName="default", Policy=new)
        self.assertEqual(json.loads(c("GetKeyPolicy", KeyId=key["KeyId"])["Policy"]),
                         json.loads(new))
        self.assertFails(c, "MalformedPolicyDocumentException", "PutKeyPolicy",
                         KeyId=key["KeyId"], PolicyName="default",
                         Policy=policy({"Effect": "Allow", "Principal": "*",
                                        "Action": "kms:Decrypt", "Resource": "*"}))

        grantee_arn, grantee_key, grantee_secret = self.user("cli-grantee")
        retirer_arn, retirer_key, retirer_secret = self.user("cli-retirer")
        grantee = CliKms(self.server, grantee_key, grantee_secret)
        retirer = CliKms(self.server, retirer_key, retirer_secret)
        grant = c("CreateGrant", KeyId=key["Arn"], GranteePrincipal=grantee_arn,
                  RetiringPrincipal=retirer_arn, Operations=["Encrypt", "Decrypt"],
                  Constraints={"EncryptionContextSubset": {"app": "cli"}}, Name="cli-grant")
        listed = c("ListGrants", KeyId=key["KeyId"])["Grants"]
        self.assertEqual([(g["GrantId"], g["Name"]) for g in listed],
                         [(grant["GrantId"], "cli-grant")])
        self.assertEqual([g["GrantId"] for g in c("ListRetirableGrants",
                                                  RetiringPrincipal=retirer_arn)["Grants"]],
                         [grant["GrantId"]])
        out = grantee("Encrypt", KeyId=key["Arn"], Plaintext=b"via grant",
                      EncryptionContext={"app": "cli"}, GrantTokens=[grant["GrantToken"]])
        self.assertEqual(out["KeyId"], key["Arn"])
        self.assertFails(grantee, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x", EncryptionContext={"app": "other"})
        retirer("RetireGrant", GrantToken=grant["GrantToken"])
        self.assertFails(grantee, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x", EncryptionContext={"app": "cli"})
        second = c("CreateGrant", KeyId=key["KeyId"], GranteePrincipal=grantee_arn,
                   Operations=["Encrypt"])
        c("RevokeGrant", KeyId=key["KeyId"], GrantId=second["GrantId"])
        self.assertFails(c, "NotFoundException", "RevokeGrant", KeyId=key["KeyId"],
                         GrantId=second["GrantId"])
        self.assertEqual(c("ListGrants", KeyId=key["KeyId"])["Grants"], [])


# --- Another account ---


class CrossAccountTests(KmsTestCase):
    @classmethod
    def prepare(cls, server):
        cls.account_b, cls.root_b = server.add_account("b")

    def test_key_arn_use_from_another_account(self):
        key = self.new_key(Description="A's key")
        alias = self.alias_name("alias/shared")
        self.kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
        iam_b = self.aws_client("iam", self.root_b["AccessKeyId"], self.root_b["SecretAccessKey"])
        use = {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey",
                                             "kms:GenerateDataKey", "kms:ReEncrypt*",
                                             "kms:DisableKey"],
               "Resource": key["Arn"]}
        _, bob_key, bob_secret = self.user("bob", policy(use), iam=iam_b)
        _, carl_key, carl_secret = self.user("carl", iam=iam_b)
        bob = BotoKms(self.server, bob_key, bob_secret)
        bob_cli = CliKms(self.server, bob_key, bob_secret)
        carl = BotoKms(self.server, carl_key, carl_secret)
        root_b = BotoKms(self.server, self.root_b["AccessKeyId"], self.root_b["SecretAccessKey"])
        ct_a = self.kms.encrypt(KeyId=key["KeyId"], Plaintext=b"from A")["CiphertextBlob"]

        # Only B's IAM policy allows: denied.
        self.assertFails(bob, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x")
        self.assertFails(bob, "AccessDeniedException", "Decrypt", CiphertextBlob=ct_a)
        self.assertFails(bob_cli, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x")

        # A's key policy names account B: B's users whose IAM policies allow may use it.
        statement = {"Sid": "AccountB", "Effect": "Allow",
                     "Principal": {"AWS": "arn:aws:iam::%s:root" % self.account_b},
                     "Action": ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey",
                                "kms:GenerateDataKey"], "Resource": "*"}
        self.kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default",
                                Policy=policy(root_statement(self.account), statement))
        for client in (bob, bob_cli):
            with self.subTest(client.name):
                out = client("Encrypt", KeyId=key["Arn"], Plaintext=b"from B",
                             EncryptionContext={"who": "bob"})
                self.assertEqual(out["KeyId"], key["Arn"])
                self.assertEqual(self.kms.decrypt(CiphertextBlob=out["CiphertextBlob"],
                                                  EncryptionContext={"who": "bob"})["Plaintext"],
                                 b"from B")
                self.assertEqual(client("Decrypt", CiphertextBlob=ct_a)["Plaintext"], b"from A")
                # The alias ARN names A's key from B too; key ids and alias names are B's own.
                self.assertEqual(client("Encrypt", KeyId=self.alias_arn(alias), Plaintext=b"x")
                                 ["KeyId"], key["Arn"])
                self.assertFails(client, "NotFoundException", "Encrypt", KeyId=key["KeyId"],
                                 Plaintext=b"x")
        self.assertEqual(bob("Decrypt", CiphertextBlob=ct_a, KeyId=key["Arn"])["Plaintext"],
                         b"from A")
        self.assertFails(bob, "NotFoundException", "Encrypt", KeyId=alias, Plaintext=b"x")
        self.assertEqual(bob("DescribeKey", KeyId=key["Arn"])["KeyMetadata"]["AWSAccountId"],
                         self.account)
        self.assertEqual(len(bob("GenerateDataKey", KeyId=key["Arn"],
                                 KeySpec="AES_256")["Plaintext"]), 32)
        # What A's key policy does not give B.
        self.assertFails(bob, "AccessDeniedException", "DisableKey", KeyId=key["Arn"])
        self.assertFails(bob, "AccessDeniedException", "ReEncrypt", CiphertextBlob=ct_a,
                         DestinationKeyId=key["Arn"])
        # carl has no IAM policy: both sides must allow.
        self.assertFails(carl, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x")
        # B's own listings do not show A's key.
        self.assertNotIn(key["KeyId"], [x["KeyId"] for x in root_b("ListKeys")["Keys"]])
        self.assertNotIn(alias, [a["AliasName"] for a in root_b("ListAliases")["Aliases"]])

        # kms:CallerAccount in A's key policy.
        for caller, allowed in [(self.account_b, True), ("111122223333", False)]:
            any_b = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["kms:Encrypt"],
                     "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": caller}}}
            self.kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default",
                                    Policy=policy(root_statement(self.account), any_b))
            with self.subTest(caller=caller):
                if allowed:
                    self.assertEqual(bob("Encrypt", KeyId=key["Arn"], Plaintext=b"x")["KeyId"],
                                     key["Arn"])
                else:
                    self.assertFails(bob, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                                     Plaintext=b"x")

    def test_grant_to_another_account(self):
        key = self.new_key()
        iam_b = self.aws_client("iam", self.root_b["AccessKeyId"], self.root_b["SecretAccessKey"])
        dora_arn, dora_key, dora_secret = self.user("dora", policy(
            {"Effect": "Allow", "Action": ["kms:Encrypt"], "Resource": key["Arn"]}), iam=iam_b)
        dora = BotoKms(self.server, dora_key, dora_secret)
        self.assertFails(dora, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x")
        grant = self.kms.create_grant(KeyId=key["Arn"], GranteePrincipal=dora_arn,
                                      Operations=["Encrypt"])
        self.assertEqual(dora("Encrypt", KeyId=key["Arn"], Plaintext=b"x",
                              GrantTokens=[grant["GrantToken"]])["KeyId"], key["Arn"])
        self.kms.revoke_grant(KeyId=key["KeyId"], GrantId=grant["GrantId"])
        self.assertFails(dora, "AccessDeniedException", "Encrypt", KeyId=key["Arn"],
                         Plaintext=b"x")


# --- Throttling ---


class ThrottlingTests(KmsTestCase):
    EXTRA_ARGS = ("--kms-rate", "crypto=5,manage=5")

    @staticmethod
    def attempt(call):
        try:
            call()
            return "ok"
        except KmsFailure as e:
            return (e.code, e.status)

    def burst(self, call, n=30, threads=6):
        """n calls from several threads at once, so that they come faster than the quota
        refills however slow one call is."""
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda _: self.attempt(call), range(n)))

    def test_bursts_are_throttled(self):
        k = self.boto
        key = self.new_key()
        for name, call in [
                ("GenerateRandom", lambda: k("GenerateRandom", NumberOfBytes=8)),
                ("Encrypt", lambda: k("Encrypt", KeyId=key["KeyId"], Plaintext=b"x")),
                ("DescribeKey", lambda: k("DescribeKey", KeyId=key["KeyId"]))]:
            with self.subTest(name):
                time.sleep(1.1)  # a full bucket (a burst of 5)
                answers = self.burst(call)
                throttled = [a for a in answers if a != "ok"]
                self.assertTrue(throttled, answers)
                self.assertEqual(set(throttled), {("ThrottlingException", 400)}, answers)
                self.assertGreaterEqual(answers.count("ok"), 5, answers)
        # The buckets refill.
        time.sleep(1.1)
        k("Encrypt", KeyId=key["KeyId"], Plaintext=b"x")
        k("ListKeys")

        # The CLI (its retries off) sees the same, while another client keeps the bucket
        # empty.
        import threading
        stop = threading.Event()

        def hammer():
            while not stop.is_set():
                self.attempt(lambda: k("GenerateRandom", NumberOfBytes=8))
        thread = threading.Thread(target=hammer)
        thread.start()
        try:
            codes = []
            while len(codes) < 3 and ("ThrottlingException", None) not in codes:
                codes.append(self.attempt(lambda: self.cli("GenerateRandom", NumberOfBytes=8)))
        finally:
            stop.set()
            thread.join()
        self.assertIn(("ThrottlingException", None), codes)
        self.assertEqual(set(codes) - {"ok"}, {("ThrottlingException", None)})


# --- Time: deletion and automatic rotation when due ---


@unittest.skipUnless(shutil.which("faketime") and os.path.exists(FAKETIME_LIB), "needs faketime")
class WhenDueTests(unittest.TestCase):
    """The server restarted with its clock 8 and then 91 days ahead (faketime), the
    clients run under the same offset so that their SigV4 dates agree."""

    def restart(self, server, offset):
        close_clients()
        self.assertEqual(server.stop(), 0)
        server.env["FAKETIME"] = offset
        server.env["LD_PRELOAD"] = FAKETIME_LIB
        server.start()

    def fails(self, client, op, **params):
        with self.assertRaises(KmsFailure, msg=op) as cm:
            client(op, **params)
        return cm.exception

    def test_deletion_and_rotation_happen_when_due(self):
        server = Server(tls=True)
        try:
            server.start()
            kms = kms_client(server)
            k7 = kms.create_key(Description="7 days")["KeyMetadata"]
            k30 = kms.create_key(Description="30 days")["KeyMetadata"]
            kept = kms.create_key(Description="cancelled")["KeyMetadata"]
            rot = kms.create_key(Description="rotates")["KeyMetadata"]
            kms.create_alias(AliasName="alias/doomed", TargetKeyId=k7["KeyId"])
            kms.create_alias(AliasName="alias/rotating", TargetKeyId=rot["KeyId"])
            old_ct = kms.encrypt(KeyId=rot["KeyId"], Plaintext=b"before rotation",
                                 EncryptionContext={"when": "day0"})["CiphertextBlob"]
            k30_ct = kms.encrypt(KeyId=k30["KeyId"], Plaintext=b"k30")["CiphertextBlob"]
            kms.schedule_key_deletion(KeyId=k7["KeyId"], PendingWindowInDays=7)
            kms.schedule_key_deletion(KeyId=k30["Arn"], PendingWindowInDays=30)
            kms.schedule_key_deletion(KeyId=kept["KeyId"], PendingWindowInDays=7)
            kms.cancel_key_deletion(KeyId=kept["KeyId"])
            kms.enable_key_rotation(KeyId=rot["KeyId"], RotationPeriodInDays=90)
            next_rotation = kms.get_key_rotation_status(KeyId=rot["KeyId"])["NextRotationDate"]

            # Eight days on: the 7-day key is gone with its alias, the 30-day one waits.
            self.restart(server, "+8d")
            cli = CliKms(server, faketime="+8d")
            self.assertEqual(self.fails(cli, "DescribeKey", KeyId=k7["KeyId"]).code,
                             "NotFoundException")
            self.assertEqual(self.fails(cli, "DescribeKey", KeyId="alias/doomed").code,
                             "NotFoundException")
            listed = [x["KeyId"] for x in cli("ListKeys")["Keys"]]
            self.assertNotIn(k7["KeyId"], listed)
            self.assertTrue({k30["KeyId"], kept["KeyId"], rot["KeyId"]} <= set(listed), listed)
            self.assertNotIn("alias/doomed",
                             [a["AliasName"] for a in cli("ListAliases")["Aliases"]])
            self.assertEqual(cli("DescribeKey", KeyId=k30["KeyId"])["KeyMetadata"]["KeyState"],
                             "PendingDeletion")
            self.assertEqual(self.fails(cli, "Decrypt", CiphertextBlob=k30_ct).code,
                             "KMSInvalidStateException")
            # Not yet due for rotation.
            self.assertEqual(cli("ListKeyRotations", KeyId=rot["KeyId"])["Rotations"], [])

            # Ninety-one days on: the 30-day key is gone too, and the key has rotated.
            self.restart(server, "+91d")
            boto = FaketimeBotoKms(server, "+91d")
            cli = CliKms(server, faketime="+91d")
            err = self.fails(boto, "DescribeKey", KeyId=k30["Arn"])
            self.assertEqual((err.code, err.status), ("NotFoundException", 400))
            rotations = boto("ListKeyRotations", KeyId=rot["KeyId"])["Rotations"]
            self.assertEqual([r["RotationType"] for r in rotations], ["AUTOMATIC"])
            self.assertLess(abs((when(rotations[0]["RotationDate"])
                                 - when(next_rotation)).total_seconds()), 2 * 86400, rotations)
            meta = cli("DescribeKey", KeyId="alias/rotating")["KeyMetadata"]
            self.assertEqual(meta["CurrentKeyMaterialId"], rotations[0]["KeyMaterialId"])
            self.assertNotEqual(meta["CurrentKeyMaterialId"], rot["CurrentKeyMaterialId"])
            status = cli("GetKeyRotationStatus", KeyId=rot["KeyId"])
            self.assertTrue(status["KeyRotationEnabled"])
            self.assertGreater(when(status["NextRotationDate"]),
                               when(next_rotation) + datetime.timedelta(days=80))
            # The old ciphertext still decrypts, with both clients.
            for client in (boto, cli):
                got = client("Decrypt", CiphertextBlob=old_ct, EncryptionContext={"when": "day0"})
                self.assertEqual(got["Plaintext"], b"before rotation", client.name)
            self.assertNotIn(k30["KeyId"], [x["KeyId"] for x in cli("ListKeys")["Keys"]])
            self.assertEqual(server.stop(), 0)
        finally:
            close_clients()
            server.cleanup()


# --- Coverage of AWS's model ---


class CoverageTests(KmsTestCase):
    def call(self, target, body=b"{}"):
        req = AWSRequest(method="POST", url=self.server.endpoint + "/", data=body,
                         headers={"X-Amz-Target": target,
                                  "Content-Type": "application/x-amz-json-1.1"})
        SigV4Auth(Credentials(ROOT_KEY, ROOT_SECRET), "kms", "us-east-1").add_auth(req)
        status, _, data = send_raw(self.server, "POST", "/", body, dict(req.headers.items()))
        answer = json.loads(data) if data else {}
        return status, (answer.get("__type", "") if isinstance(answer, dict) else "")

    def test_every_model_operation(self):
        operations = model_operations()
        self.assertGreaterEqual(len(operations), 50)
        rows, implemented = [], []
        for op in operations:
            status, kind = self.call("TrentService." + op)
            done = kind.split("#")[-1] not in NOT_IMPLEMENTED
            if done:
                implemented.append(op)
            else:
                self.assertEqual(status, 400, op)
            rows.append("  %-38s %-12s %d %s" % (op, "implemented" if done else "not", status,
                                                 kind or "(answered)"))
        table = "\n".join(["KMS operations in AWS's model: %d of %d implemented"
                           % (len(implemented), len(operations))] + rows)
        print("\n" + table, file=sys.stderr)
        self.assertEqual([op for op in REQUIRED_OPERATIONS if op not in operations], [])
        missing = [op for op in REQUIRED_OPERATIONS if op not in implemented]
        self.assertEqual(missing, [], table)
        # The classification can tell: a name no model has is not implemented.
        self.assertEqual(self.call("TrentService.NoSuchOperation"),
                         (400, "UnknownOperationException"))
        self.assertEqual(self.call("TrentService.Encrypt", body=b"not json"),
                         (400, "SerializationException"))


if __name__ == "__main__":
    unittest.main()
