"""IAM and STS through the aws CLI and boto3, and S3 authorization by policies."""
import json
import os
import shutil
import subprocess
import time
import unittest

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from lib import ServerTestCase, Server, ROOT_KEY, ROOT_SECRET


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class IamTestCase(ServerTestCase):
    def client(self, service, key=ROOT_KEY, secret=ROOT_SECRET, token=None):
        return boto3.client(service, endpoint_url=self.server.endpoint, aws_access_key_id=key,
                            aws_secret_access_key=secret, aws_session_token=token,
                            region_name="us-east-1", config=Config(retries={"max_attempts": 1}),
                            verify=self.server.ca if self.server.tls else None)

    def user_with_key(self, name, *inline):
        iam = self.client("iam")
        iam.create_user(UserName=name)
        for i, doc in enumerate(inline):
            iam.put_user_policy(UserName=name, PolicyName="p%d" % i, PolicyDocument=doc)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return key["AccessKeyId"], key["SecretAccessKey"]

    def aws(self, *args, env=None, check=True):
        base = dict(os.environ, AWS_ACCESS_KEY_ID=ROOT_KEY, AWS_SECRET_ACCESS_KEY=ROOT_SECRET,
                    AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                    AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_PAGER="")
        if self.server.tls:
            base["AWS_CA_BUNDLE"] = self.server.ca
        base.update(env or {})
        out = subprocess.run(["/usr/bin/aws", "--endpoint-url", self.server.endpoint, *args],
                             capture_output=True, text=True, env=base, timeout=120)
        if check and out.returncode != 0:
            raise AssertionError("aws %s failed: %s" % (" ".join(args), out.stderr))
        return out

    def assertDenied(self, fn, code="AccessDenied", status=403, **kw):
        return self.assertError(fn, status, code, **kw)


class IamCliTests(IamTestCase):
    def test_users_keys_and_policies_with_the_cli(self):
        out = json.loads(self.aws("iam", "create-user", "--user-name", "carol").stdout)
        self.assertTrue(out["User"]["Arn"].endswith(":user/carol"))
        self.assertRegex(out["User"]["UserId"], "^AIDA")
        users = json.loads(self.aws("iam", "list-users").stdout)["Users"]
        self.assertEqual([u["UserName"] for u in users], ["carol"])
        err = self.aws("iam", "create-user", "--user-name", "carol", check=False)
        self.assertIn("(EntityAlreadyExists)", err.stderr)
        err = self.aws("iam", "get-user", "--user-name", "nobody", check=False)
        self.assertIn("(NoSuchEntity)", err.stderr)

        key = json.loads(self.aws("iam", "create-access-key", "--user-name", "carol").stdout)
        akid = key["AccessKey"]["AccessKeyId"]
        doc = policy({"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"})
        self.aws("iam", "put-user-policy", "--user-name", "carol", "--policy-name", "list",
                 "--policy-document", doc)
        got = json.loads(self.aws("iam", "get-user-policy", "--user-name", "carol",
                                  "--policy-name", "list").stdout)
        self.assertEqual(got["PolicyDocument"]["Statement"][0]["Action"], "s3:ListAllMyBuckets")
        err = self.aws("iam", "put-user-policy", "--user-name", "carol", "--policy-name", "bad",
                       "--policy-document", '{"Statement": "nope"}', check=False)
        self.assertIn("(MalformedPolicyDocument)", err.stderr)

        carol = {"AWS_ACCESS_KEY_ID": akid,
                 "AWS_SECRET_ACCESS_KEY": key["AccessKey"]["SecretAccessKey"]}
        ident = json.loads(self.aws("sts", "get-caller-identity", env=carol).stdout)
        self.assertTrue(ident["Arn"].endswith(":user/carol"))
        self.assertEqual(self.aws("s3api", "list-buckets", env=carol).returncode, 0)
        err = self.aws("iam", "list-users", env=carol, check=False)
        self.assertIn("(AccessDenied)", err.stderr)

        self.aws("iam", "update-access-key", "--user-name", "carol", "--access-key-id", akid,
                 "--status", "Inactive")
        err = self.aws("s3api", "list-buckets", env=carol, check=False)
        self.assertIn("(InvalidAccessKeyId)", err.stderr)
        err = self.aws("iam", "delete-user", "--user-name", "carol", check=False)
        self.assertIn("(DeleteConflict)", err.stderr)
        self.aws("iam", "delete-access-key", "--user-name", "carol", "--access-key-id", akid)
        self.aws("iam", "delete-user-policy", "--user-name", "carol", "--policy-name", "list")
        self.aws("iam", "delete-user", "--user-name", "carol")


class IdentityPolicyTests(IamTestCase):
    def test_users_need_policies_and_groups_and_managed_policies_grant(self):
        self.s3.create_bucket(Bucket="idp-bucket")
        self.s3.put_object(Bucket="idp-bucket", Key="doc.txt", Body=b"data")
        akid, secret = self.user_with_key("dave")
        dave = self.server.client(key=akid, secret=secret)
        self.assertDenied(dave.get_object, Bucket="idp-bucket", Key="doc.txt")

        iam = self.client("iam")
        iam.attach_user_policy(UserName="dave",
                               PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        self.assertEqual(dave.get_object(Bucket="idp-bucket", Key="doc.txt")["Body"].read(), b"data")
        self.assertDenied(dave.put_object, Bucket="idp-bucket", Key="x", Body=b"x")
        iam.detach_user_policy(UserName="dave",
                               PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
        self.assertDenied(dave.get_object, Bucket="idp-bucket", Key="doc.txt")

        # A customer managed policy through a group, with a resource wildcard and a
        # policy variable.
        doc = policy({"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                      "Resource": "arn:aws:s3:::idp-bucket/home/${aws:username}/*"})
        arn = iam.create_policy(PolicyName="home-dirs", PolicyDocument=doc)["Policy"]["Arn"]
        iam.create_group(GroupName="staff")
        iam.add_user_to_group(GroupName="staff", UserName="dave")
        iam.attach_group_policy(GroupName="staff", PolicyArn=arn)
        dave.put_object(Bucket="idp-bucket", Key="home/dave/notes", Body=b"mine")
        self.assertDenied(dave.put_object, Bucket="idp-bucket", Key="home/erin/notes", Body=b"x")
        self.assertEqual([u["UserName"] for u in iam.get_group(GroupName="staff")["Users"]],
                         ["dave"])

        # An explicit Deny wins over the group's Allow.
        iam.put_user_policy(UserName="dave", PolicyName="no-notes", PolicyDocument=policy(
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::idp-bucket/home/dave/notes"}))
        self.assertDenied(dave.get_object, Bucket="idp-bucket", Key="home/dave/notes")
        self.assertError(iam.delete_policy, 409, "DeleteConflict", PolicyArn=arn)


class BucketPolicyTests(IamTestCase):
    """The bucket policies of the reference documents, through the aws CLI, over TLS (SSE
    requests need it)."""
    TLS = True

    def put_policy(self, bucket, statement):
        doc = policy(statement)
        self.aws("s3api", "put-bucket-policy", "--bucket", bucket, "--policy", doc)
        got = json.loads(self.aws("s3api", "get-bucket-policy", "--bucket", bucket).stdout)
        self.assertEqual(json.loads(got["Policy"]), json.loads(doc))

    def put_object(self, bucket, *headers_args):
        path = os.path.join(self.server.tmp, "payload")
        with open(path, "wb") as f:
            f.write(b"payload")
        return self.aws("s3api", "put-object", "--bucket", bucket, "--key", "obj", "--body", path,
                        *headers_args, check=False)

    def stored(self, out):
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    def kms_key(self):
        return json.loads(self.aws("kms", "create-key").stdout)["KeyMetadata"]["Arn"]

    def test_require_sse_kms(self):
        b = self.bucket()
        self.put_policy(b, {"Effect": "Deny", "Action": "s3:PutObject", "Principal": "*",
                            "Resource": "arn:aws:s3:::%s/*" % b,
                            "Condition": {"StringNotEquals": {
                                "s3:x-amz-server-side-encryption": "aws:kms"}}})
        self.assertIn("(AccessDenied)", self.put_object(b).stderr)
        self.assertIn("(AccessDenied)", self.put_object(b, "--server-side-encryption",
                                                        "AES256").stderr)
        # With the header the upload goes through, under the aws/s3 AWS managed key.
        out = self.stored(self.put_object(b, "--server-side-encryption", "aws:kms"))
        self.assertEqual(out["ServerSideEncryption"], "aws:kms")
        aws_s3 = json.loads(self.aws("kms", "describe-key", "--key-id", "alias/aws/s3").stdout)
        self.assertEqual(out["SSEKMSKeyId"], aws_s3["KeyMetadata"]["Arn"])
        self.assertEqual(aws_s3["KeyMetadata"]["KeyManager"], "AWS")

    def test_require_a_kms_key_id(self):
        b = self.bucket()
        self.put_policy(b, {"Sid": "DenyObjectsThatAreNotSSEKMS", "Effect": "Deny",
                            "Principal": "*", "Action": "s3:PutObject",
                            "Resource": "arn:aws:s3:::%s/*" % b,
                            "Condition": {"Null": {
                                "s3:x-amz-server-side-encryption-aws-kms-key-id": "true"}}})
        self.assertIn("(AccessDenied)", self.put_object(b, "--server-side-encryption",
                                                        "aws:kms").stderr)
        key = self.kms_key()
        out = self.stored(self.put_object(b, "--server-side-encryption", "aws:kms",
                                          "--ssekms-key-id", key))
        self.assertEqual(out["SSEKMSKeyId"], key)
        # A key id that names no key passes the policy and is refused by KMS.
        out = self.put_object(b, "--server-side-encryption", "aws:kms", "--ssekms-key-id",
                              "arn:aws:kms:us-east-1:111122223333:key/1234abcd")
        self.assertIn("(KMS.NotFoundException)", out.stderr)

    def test_pinned_to_one_kms_key(self):
        b = self.bucket()
        key, other = self.kms_key(), self.kms_key()
        self.put_policy(b, {"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                            "Resource": "arn:aws:s3:::%s/*" % b,
                            "Condition": {"StringNotEquals": {
                                "s3:x-amz-server-side-encryption-aws-kms-key-id": key}}})
        out = self.put_object(b, "--server-side-encryption", "aws:kms", "--ssekms-key-id", other)
        self.assertIn("(AccessDenied)", out.stderr)
        out = self.stored(self.put_object(b, "--server-side-encryption", "aws:kms",
                                          "--ssekms-key-id", key))
        self.assertEqual(out["SSEKMSKeyId"], key)
        got = json.loads(self.aws("s3api", "head-object", "--bucket", b, "--key", "obj").stdout)
        self.assertEqual((got["ServerSideEncryption"], got["SSEKMSKeyId"]), ("aws:kms", key))

    def test_require_sse_c(self):
        b = self.bucket()
        self.put_policy(b, {"Effect": "Deny", "Action": "s3:PutObject", "Principal": "*",
                            "Resource": "arn:aws:s3:::%s/*" % b,
                            "Condition": {"Null": {
                                "s3:x-amz-server-side-encryption-customer-algorithm": "true"}}})
        self.assertIn("(AccessDenied)", self.put_object(b).stderr)
        key = os.urandom(32)
        s3 = self.client("s3")
        s3.put_object(Bucket=b, Key="obj", Body=b"customer keyed", SSECustomerAlgorithm="AES256",
                      SSECustomerKey=key)
        got = s3.get_object(Bucket=b, Key="obj", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
        self.assertEqual(got["Body"].read(), b"customer keyed")
        self.assertEqual(got["SSECustomerAlgorithm"], "AES256")

    def test_policy_documents_are_checked_and_status_reported(self):
        b = self.bucket()
        self.assertError(self.s3.get_bucket_policy, 404, "NoSuchBucketPolicy", Bucket=b)
        self.assertError(self.s3.put_bucket_policy, 400, "MalformedPolicy", Bucket=b,
                         Policy='{"Statement": [{"Effect": "Allow"}]}')
        public = policy({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                         "Resource": "arn:aws:s3:::%s/*" % b})
        self.s3.put_bucket_policy(Bucket=b, Policy=public)
        self.assertTrue(self.s3.get_bucket_policy_status(Bucket=b)["PolicyStatus"]["IsPublic"])
        self.s3.put_object(Bucket=b, Key="open", Body=b"for all")
        from lib import send_raw
        status, _, body = send_raw(self.server, "GET", "/%s/open" % b, b"", {})
        self.assertEqual((status, body), (200, b"for all"))
        # Public Access Block: RestrictPublicBuckets stops anonymous use, BlockPublicPolicy
        # refuses a public policy.
        self.s3.put_public_access_block(Bucket=b, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        self.assertEqual(send_raw(self.server, "GET", "/%s/open" % b, b"", {})[0], 403)
        self.assertDenied(self.s3.put_bucket_policy, Bucket=b, Policy=public)
        self.s3.delete_public_access_block(Bucket=b)
        self.assertError(self.s3.get_public_access_block, 404,
                         "NoSuchPublicAccessBlockConfiguration", Bucket=b)
        self.s3.delete_bucket_policy(Bucket=b)
        self.assertEqual(send_raw(self.server, "GET", "/%s/open" % b, b"", {})[0], 403)


class CrossAccountTests(IamTestCase):
    @classmethod
    def prepare(cls, server):
        cls.account_b, cls.root_b = server.add_account("b")

    def test_both_sides_must_allow(self):
        a_account = self.client("sts").get_caller_identity()["Account"]
        self.s3.create_bucket(Bucket="shared-a")
        self.s3.put_object(Bucket="shared-a", Key="k", Body=b"from A")
        iam_b = self.client("iam", self.root_b["AccessKeyId"], self.root_b["SecretAccessKey"])
        iam_b.create_user(UserName="bob")
        key = iam_b.create_access_key(UserName="bob")["AccessKey"]
        bob = self.server.client(key=key["AccessKeyId"], secret=key["SecretAccessKey"])
        read = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared-a/*"}

        # Neither side allows.
        self.assertDenied(bob.get_object, Bucket="shared-a", Key="k")
        # Only B's identity policy allows.
        iam_b.put_user_policy(UserName="bob", PolicyName="read-a", PolicyDocument=policy(read))
        self.assertDenied(bob.get_object, Bucket="shared-a", Key="k")
        # Both allow.
        self.s3.put_bucket_policy(Bucket="shared-a", Policy=policy(dict(
            read, Principal={"AWS": "arn:aws:iam::%s:root" % self.account_b})))
        self.assertEqual(bob.get_object(Bucket="shared-a", Key="k")["Body"].read(), b"from A")
        # Only A's bucket policy allows.
        iam_b.delete_user_policy(UserName="bob", PolicyName="read-a")
        self.assertDenied(bob.get_object, Bucket="shared-a", Key="k")
        self.assertNotEqual(a_account, self.account_b)


class AssumeRoleTests(IamTestCase):
    def test_assume_role_and_use_temporary_credentials(self):
        self.s3.create_bucket(Bucket="role-bucket")
        self.s3.put_object(Bucket="role-bucket", Key="k", Body=b"via role")
        account = self.client("sts").get_caller_identity()["Account"]
        akid, secret = self.user_with_key("erin")
        iam = self.client("iam")
        trust = policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/erin" % account},
                        "Action": "sts:AssumeRole"})
        role = iam.create_role(RoleName="reader", AssumeRolePolicyDocument=trust)["Role"]
        iam.put_role_policy(RoleName="reader", PolicyName="read", PolicyDocument=policy(
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
             "Resource": ["arn:aws:s3:::role-bucket", "arn:aws:s3:::role-bucket/*"]}))

        # Through the aws CLI.
        erin_env = {"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret}
        out = json.loads(self.aws("sts", "assume-role", "--role-arn", role["Arn"],
                                  "--role-session-name", "cli-session", env=erin_env).stdout)
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        self.assertTrue(out["AssumedRoleUser"]["Arn"].endswith(":assumed-role/reader/cli-session"))
        session_env = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                       "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                       "AWS_SESSION_TOKEN": creds["SessionToken"]}
        ident = json.loads(self.aws("sts", "get-caller-identity", env=session_env).stdout)
        self.assertEqual(ident["Arn"], out["AssumedRoleUser"]["Arn"])
        got = self.aws("s3", "cp", "s3://role-bucket/k", "-", env=session_env).stdout
        self.assertEqual(got, "via role")
        err = self.aws("s3api", "put-object", "--bucket", "role-bucket", "--key", "w",
                       env=session_env, check=False)
        self.assertIn("(AccessDenied)", err.stderr)
        token = creds["SessionToken"]
        bad_token = dict(session_env,
                         AWS_SESSION_TOKEN=("x" if token[0] != "x" else "y") + token[1:])
        err = self.aws("s3", "ls", "s3://role-bucket", env=bad_token, check=False)
        self.assertIn("(InvalidToken)", err.stderr)

        # Others may not assume it, roots never, and durations are bounded.
        sts_root = self.client("sts")
        self.assertDenied(sts_root.assume_role, RoleArn=role["Arn"], RoleSessionName="root")
        akid2, secret2 = self.user_with_key("frank", policy(
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
        self.assertDenied(self.client("sts", akid2, secret2).assume_role, RoleArn=role["Arn"],
                          RoleSessionName="frank")
        self.assertError(self.client("sts", akid, secret).assume_role, 400, "ValidationError",
                         RoleArn=role["Arn"], RoleSessionName="ss", DurationSeconds=7200)

        # A session policy narrows what the session may do.
        narrowed = self.client("sts", akid, secret).assume_role(
            RoleArn=role["Arn"], RoleSessionName="narrow", Policy=policy(
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}))["Credentials"]
        s3n = boto3.client("s3", endpoint_url=self.server.endpoint,
                           aws_access_key_id=narrowed["AccessKeyId"],
                           aws_secret_access_key=narrowed["SecretAccessKey"],
                           aws_session_token=narrowed["SessionToken"], region_name="us-east-1")
        s3n.list_objects_v2(Bucket="role-bucket")
        self.assertDenied(s3n.get_object, Bucket="role-bucket", Key="k")


@unittest.skipUnless(shutil.which("faketime"), "needs faketime")
class ExpiryTests(unittest.TestCase):
    def test_temporary_credentials_expire(self):
        server = Server()
        try:
            server.start()
            iam = boto3.client("iam", endpoint_url=server.endpoint, aws_access_key_id=ROOT_KEY,
                               aws_secret_access_key=ROOT_SECRET, region_name="us-east-1")
            account = boto3.client("sts", endpoint_url=server.endpoint, aws_access_key_id=ROOT_KEY,
                                   aws_secret_access_key=ROOT_SECRET,
                                   region_name="us-east-1").get_caller_identity()["Account"]
            iam.create_user(UserName="gail")
            key = iam.create_access_key(UserName="gail")["AccessKey"]
            iam.create_role(RoleName="r", AssumeRolePolicyDocument=policy(
                {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:user/gail" % account},
                 "Action": "sts:AssumeRole"}))
            sts = boto3.client("sts", endpoint_url=server.endpoint,
                               aws_access_key_id=key["AccessKeyId"],
                               aws_secret_access_key=key["SecretAccessKey"], region_name="us-east-1")
            creds = sts.assume_role(RoleArn="arn:aws:iam::%s:role/r" % account,
                                    RoleSessionName="short", DurationSeconds=900)["Credentials"]
            server.stop()
            # Twenty minutes later, for the server and for the client alike.
            server.env["FAKETIME"] = "+20m"
            server.env["LD_PRELOAD"] = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
            server.start()
            env = dict(os.environ, AWS_ACCESS_KEY_ID=creds["AccessKeyId"],
                       AWS_SECRET_ACCESS_KEY=creds["SecretAccessKey"],
                       AWS_SESSION_TOKEN=creds["SessionToken"], AWS_DEFAULT_REGION="us-east-1",
                       AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
            out = subprocess.run(["faketime", "-f", "+20m", "/usr/bin/aws", "--endpoint-url",
                                  server.endpoint, "sts", "get-caller-identity"],
                                 capture_output=True, text=True, env=env, timeout=120)
            self.assertNotEqual(out.returncode, 0)
            self.assertIn("(ExpiredToken)", out.stderr)
            out = subprocess.run(["faketime", "-f", "+20m", "/usr/bin/aws", "--endpoint-url",
                                  server.endpoint, "s3", "ls"],
                                 capture_output=True, text=True, env=env, timeout=120)
            self.assertIn("(ExpiredToken)", out.stderr)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
