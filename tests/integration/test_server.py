"""The server's life cycle, first start, data-folder lock and several principals."""
import os
import stat
import subprocess
import unittest

from lib import COFFER_BIN, Server, ROOT_KEY, ROOT_SECRET


class LifecycleTests(unittest.TestCase):
    def setUp(self):
        self.server = Server(tls=True)

    def tearDown(self):
        self.server.cleanup()

    def test_first_start_sigterm_and_lock(self):
        self.server.start()
        creds = os.path.join(self.server.data, "root-credentials")
        self.assertEqual(stat.S_IMODE(os.stat(creds).st_mode), 0o600)
        with open(creds) as f:
            text = f.read()
        self.assertIn("aws_access_key_id = " + ROOT_KEY, text)
        self.assertIn("aws_secret_access_key = " + ROOT_SECRET, text)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(self.server.data, "keys",
                                                           "root.key")).st_mode), 0o600)
        log = self.server.read_log()
        self.assertIn("export AWS_ACCESS_KEY_ID=" + ROOT_KEY, log)
        self.assertIn("export AWS_CA_BUNDLE=", log)
        self.assertIn("aws configure set aws_access_key_id", log)

        # A second server on the same folder is refused with a clear message.
        second = subprocess.run([COFFER_BIN, "server", "--data", self.server.data,
                                 "--address", "127.0.0.1:0", "--no-tls"],
                                capture_output=True, text=True, timeout=30)
        self.assertNotEqual(second.returncode, 0)
        self.assertIn("already in use", second.stderr)
        admin = subprocess.run([COFFER_BIN, "admin", "--data", self.server.data,
                                "list-accounts"], capture_output=True, text=True, timeout=30)
        self.assertNotEqual(admin.returncode, 0)
        self.assertIn("already in use", admin.stderr)

        s3 = self.server.client()
        s3.create_bucket(Bucket="survives")
        s3.put_object(Bucket="survives", Key="k", Body=b"v")
        self.assertEqual(self.server.stop(), 0)
        self.assertIn("stopped", self.server.read_log())

        # Restart: same credentials (not printed again), same data.
        self.server.start()
        self.assertEqual(self.server.client().get_object(Bucket="survives", Key="k")["Body"]
                         .read(), b"v")
        self.assertEqual(self.server.read_log().count("export AWS_ACCESS_KEY_ID"), 1)
        self.assertEqual(self.server.stop(), 0)

    def test_generated_credentials_are_printed_once(self):
        server = Server(env={"COFFER_ROOT_ACCESS_KEY": "", "COFFER_ROOT_SECRET_KEY": ""})
        del server.env["COFFER_ROOT_ACCESS_KEY"]
        del server.env["COFFER_ROOT_SECRET_KEY"]
        try:
            server.start()
            log = server.read_log()
            key = log.split("export AWS_ACCESS_KEY_ID=")[1].split()[0]
            secret = log.split("export AWS_SECRET_ACCESS_KEY=")[1].split()[0]
            self.assertRegex(key, "^AKIA[A-Z2-7]{16}$")
            self.assertEqual(len(secret), 40)
            s3 = server.client(key=key, secret=secret)
            self.assertEqual(s3.list_buckets()["Buckets"], [])
        finally:
            server.cleanup()


class OwnCertificateTests(unittest.TestCase):
    def test_tls_cert_and_key_flags(self):
        server = Server(tls=True)
        try:
            cert = os.path.join(server.tmp, "own.pem")
            key = os.path.join(server.tmp, "own.key")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=127.0.0.1",
                            "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True, timeout=60)
            server.extra_args = ["--tls-cert", cert, "--tls-key", key]
            server.start()
            import boto3
            from botocore.config import Config
            s3 = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=ROOT_KEY,
                              aws_secret_access_key=ROOT_SECRET, region_name="us-east-1",
                              verify=cert, config=Config(retries={"max_attempts": 1}))
            s3.create_bucket(Bucket="own-cert")
            self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], ["own-cert"])
            # No CA of Coffer's own was needed.
            self.assertFalse(os.path.exists(os.path.join(server.data, "tls", "ca.pem")))
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()


class AccountsTests(unittest.TestCase):
    def test_accounts_users_and_isolation(self):
        server = Server()
        try:
            server.start()
            server.stop()
            other = server.admin("create-account", "--name", "other")
            self.assertRegex(other["AccountId"], r"^\d{12}$")
            user = server.admin("create-user", "--account", other["AccountId"], "--name", "bob")
            self.assertEqual(user["Arn"], "arn:aws:iam::%s:user/bob" % other["AccountId"])
            bob = server.admin("create-access-key", "--account", other["AccountId"],
                               "--user", "bob")
            other_root = server.admin("create-access-key", "--account", other["AccountId"])
            server.start()

            root = server.client()
            root.create_bucket(Bucket="root-bucket")
            root.put_object(Bucket="root-bucket", Key="secret", Body=b"mine")
            bob_s3 = server.client(key=bob["AccessKeyId"], secret=bob["SecretAccessKey"])
            other_s3 = server.client(key=other_root["AccessKeyId"],
                                     secret=other_root["SecretAccessKey"])

            from botocore.exceptions import ClientError
            for fn, kw in [(bob_s3.get_object, {"Bucket": "root-bucket", "Key": "secret"}),
                           (bob_s3.put_object, {"Bucket": "root-bucket", "Key": "x",
                                                "Body": b"x"}),
                           (bob_s3.list_objects_v2, {"Bucket": "root-bucket"}),
                           (bob_s3.delete_bucket, {"Bucket": "root-bucket"})]:
                with self.assertRaises(ClientError) as cm:
                    fn(**kw)
                self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")
                self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"],
                                 403)
            # A user without s3:CreateBucket is refused before the name is looked at;
            # another account's root learns the name is taken.
            with self.assertRaises(ClientError) as cm:
                bob_s3.create_bucket(Bucket="root-bucket")
            self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")
            with self.assertRaises(ClientError) as cm:
                other_s3.create_bucket(Bucket="root-bucket")
            self.assertEqual(cm.exception.response["Error"]["Code"], "BucketAlreadyExists")
            self.assertEqual(cm.exception.response["ResponseMetadata"]["HTTPStatusCode"], 409)

            # The other account's users act within what their policies allow; root's list
            # shows only its own buckets.
            import boto3
            import json
            iam = boto3.client("iam", endpoint_url=server.endpoint,
                               aws_access_key_id=other_root["AccessKeyId"],
                               aws_secret_access_key=other_root["SecretAccessKey"],
                               region_name="us-east-1")
            with self.assertRaises(ClientError) as cm:
                bob_s3.create_bucket(Bucket="bobs-bucket")
            self.assertEqual(cm.exception.response["Error"]["Code"], "AccessDenied")
            iam.put_user_policy(UserName="bob", PolicyName="s3", PolicyDocument=json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
            bob_s3.create_bucket(Bucket="bobs-bucket")
            other_s3.put_object(Bucket="bobs-bucket", Key="k", Body=b"shared")
            self.assertEqual(bob_s3.get_object(Bucket="bobs-bucket", Key="k")["Body"].read(),
                             b"shared")
            self.assertEqual([b["Name"] for b in root.list_buckets()["Buckets"]],
                             ["root-bucket"])
            self.assertEqual([b["Name"] for b in other_s3.list_buckets()["Buckets"]],
                             ["bobs-bucket"])
            self.assertEqual(server.stop(), 0)
        finally:
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
