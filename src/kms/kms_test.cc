// The Kms engine against a real metadata store: key states, rotation, deletion on the
// caller's clock, key policies, IAM delegation, grants, cross-account use, and that no
// plaintext key material reaches the store.
#include "kms/kms.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/ids.h"
#include "kms/ciphertext.h"
#include "kms/errors.h"
#include "kms/test_env.h"

namespace coffer::kms {
namespace {

using KmsTest = KmsTestEnv;

TEST_F(KmsTest, EncryptDecryptWithEveryKeyReference) {
  Caller root = Root(a_);
  Key key = NewKey(root);
  ASSERT_TRUE(kms_->CreateAlias(root, "alias/app", key.id).ok());
  EncryptionContext ctx{{"purpose", "test"}};
  for (const std::string& ref :
       {key.id, key.Arn(), std::string("alias/app"),
        "arn:aws:kms:us-east-1:" + a_ + ":alias/app"}) {
    auto enc = kms_->Encrypt(root, ref, "hello", ctx);
    ASSERT_TRUE(enc.ok()) << ref << ": " << enc.status();
    EXPECT_EQ(enc->key_arn, key.Arn());
    auto dec = kms_->Decrypt(root, std::nullopt, enc->ciphertext, ctx);
    ASSERT_TRUE(dec.ok()) << dec.status();
    EXPECT_EQ(dec->plaintext.view(), "hello");
    EXPECT_TRUE(kms_->Decrypt(root, ref, enc->ciphertext, ctx).ok());
  }
  // Aliases are not accepted where AWS wants a key id or ARN.
  EXPECT_EQ(Code(kms_->DisableKey(root, "alias/app")), "NotFoundException");
  EXPECT_EQ(Code(kms_->Encrypt(root, "alias/none", "x", {}).status()), "NotFoundException");
  EXPECT_EQ(Code(kms_->Encrypt(root, "not-a-key", "x", {}).status()), "NotFoundException");
  // Decrypt naming another key.
  Key other = NewKey(root);
  auto enc = kms_->Encrypt(root, key.id, "x", {});
  EXPECT_EQ(Code(kms_->Decrypt(root, other.id, enc->ciphertext, {}).status()),
            "IncorrectKeyException");
  EXPECT_EQ(Code(kms_->Decrypt(root, std::nullopt, enc->ciphertext, {{"a", "b"}}).status()),
            "InvalidCiphertextException");
}

TEST_F(KmsTest, KeyStatesFollowTheKeyStateTable) {
  Caller root = Root(a_);
  Key key = NewKey(root);
  auto blob = kms_->Encrypt(root, key.id, "x", {})->ciphertext;
  ASSERT_TRUE(kms_->DisableKey(root, key.id).ok());
  EXPECT_EQ(Code(kms_->Encrypt(root, key.id, "x", {}).status()), "DisabledException");
  EXPECT_EQ(Code(kms_->Decrypt(root, std::nullopt, blob, {}).status()), "DisabledException");
  EXPECT_EQ(Code(kms_->RotateKeyOnDemand(root, key.id).status()), "DisabledException");
  ASSERT_TRUE(kms_->EnableKey(root, key.id).ok());
  EXPECT_TRUE(kms_->Decrypt(root, std::nullopt, blob, {}).ok());

  auto scheduled = kms_->ScheduleKeyDeletion(root, key.id, 7);
  ASSERT_TRUE(scheduled.ok());
  EXPECT_EQ(scheduled->deletion_date, now_ + absl::Hours(24 * 7));
  EXPECT_EQ(Code(kms_->Decrypt(root, std::nullopt, blob, {}).status()),
            "KMSInvalidStateException");
  EXPECT_EQ(Code(kms_->EnableKey(root, key.id)), "KMSInvalidStateException");
  EXPECT_EQ(Code(kms_->ScheduleKeyDeletion(root, key.id, 7).status()),
            "KMSInvalidStateException");
  EXPECT_TRUE(kms_->DescribeKey(root, key.id).ok());
  auto cancelled = kms_->CancelKeyDeletion(root, key.id);
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state, KeyState::kDisabled);
  EXPECT_EQ(Code(kms_->CancelKeyDeletion(root, key.id).status()), "KMSInvalidStateException");

  // Deleted for real once the date passes: the key, its aliases and grants are gone.
  ASSERT_TRUE(kms_->CreateAlias(root, "alias/doomed", key.id).ok());
  ASSERT_TRUE(kms_->ScheduleKeyDeletion(root, key.id, 7).ok());
  Caller later = root;
  later.now = now_ + absl::Hours(24 * 7) - absl::Seconds(1);
  EXPECT_TRUE(kms_->DescribeKey(later, key.id).ok());
  later.now = now_ + absl::Hours(24 * 7);
  EXPECT_EQ(Code(kms_->DescribeKey(later, key.id).status()), "NotFoundException");
  EXPECT_FALSE(*keys_->GetKey(key.id));
  EXPECT_FALSE(*keys_->GetAlias(a_, "alias/doomed"));

  CreateKeyInput external;
  external.origin = "EXTERNAL";
  auto pending = kms_->CreateKey(root, external);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->state, KeyState::kPendingImport);
  EXPECT_EQ(Code(kms_->Encrypt(root, pending->id, "x", {}).status()), "KMSInvalidStateException");
  EXPECT_EQ(Code(kms_->EnableKeyRotation(root, pending->id, 365)),
            "UnsupportedOperationException");
}

// A key record is decoded once and shared by readers until the key is next written;
// every write (here: disable, policy, delete) is seen by the very next crypto call.
TEST_F(KmsTest, SharedKeyRecordsFollowEveryWrite) {
  Caller root = Root(a_);
  Key key = NewKey(root);
  auto first = *keys_->GetKey(key.id);
  auto again = *keys_->GetKey(key.id);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first.get(), again.get());
  ASSERT_TRUE(kms_->Encrypt(root, key.id, "x", {}).ok());
  ASSERT_TRUE(kms_->DisableKey(root, key.id).ok());
  EXPECT_EQ((*keys_->GetKey(key.id))->state, KeyState::kDisabled);
  EXPECT_EQ(first->state, KeyState::kEnabled);  // a reader's copy stays as it was read
  EXPECT_EQ(Code(kms_->Encrypt(root, key.id, "x", {}).status()), "DisabledException");
  ASSERT_TRUE(kms_->EnableKey(root, key.id).ok());
  ASSERT_TRUE(kms_->Encrypt(root, key.id, "x", {}).ok());
  const std::string deny_all =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
      a_ + R"(:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*",)"
      R"("Action":"kms:Encrypt","Resource":"*"}]})";
  ASSERT_TRUE(kms_->PutKeyPolicy(root, key.id, deny_all, false).ok());
  EXPECT_EQ(Code(kms_->Encrypt(root, key.id, "x", {}).status()), "AccessDeniedException");
  ASSERT_TRUE(kms_->ScheduleKeyDeletion(root, key.id, 7).ok());
  Caller later = root;
  later.now = now_ + absl::Hours(24 * 7);
  EXPECT_EQ(Code(kms_->Encrypt(later, key.id, "x", {}).status()), "NotFoundException");
  EXPECT_FALSE(*keys_->GetKey(key.id));
}

TEST_F(KmsTest, SweepDeletesDueKeys) {
  Caller root = Root(a_);
  Key key = NewKey(root);
  ASSERT_TRUE(kms_->ScheduleKeyDeletion(root, key.id, 30).ok());
  EXPECT_EQ(*kms_->Sweep(now_ + absl::Hours(24 * 29)), 0);
  EXPECT_EQ(*kms_->Sweep(now_ + absl::Hours(24 * 30)), 1);
  EXPECT_FALSE(*keys_->GetKey(key.id));
}

TEST_F(KmsTest, RotationKeepsOldCiphertextsReadable) {
  Caller root = Root(a_);
  Key key = NewKey(root);
  auto old_blob = kms_->Encrypt(root, key.id, "before", {})->ciphertext;
  ASSERT_TRUE(kms_->RotateKeyOnDemand(root, key.id).ok());
  auto new_blob = kms_->Encrypt(root, key.id, "after", {})->ciphertext;
  EXPECT_NE(ParseBlobHeader(old_blob)->material_id, ParseBlobHeader(new_blob)->material_id);
  EXPECT_EQ(kms_->Decrypt(root, std::nullopt, old_blob, {})->plaintext.view(), "before");
  EXPECT_EQ(kms_->Decrypt(root, std::nullopt, new_blob, {})->plaintext.view(), "after");

  ASSERT_TRUE(kms_->EnableKeyRotation(root, key.id, 90).ok());
  auto status = kms_->GetKeyRotationStatus(root, key.id);
  EXPECT_TRUE(status->enabled);
  EXPECT_EQ(status->next, now_ + absl::Hours(24 * 90));
  Caller later = root;
  later.now = now_ + absl::Hours(24 * 91);
  auto rotations = kms_->ListKeyRotations(later, key.id);
  ASSERT_TRUE(rotations.ok());
  ASSERT_EQ(rotations->materials.size(), 3u);
  EXPECT_EQ(rotations->materials[1].rotation, "ON_DEMAND");
  EXPECT_EQ(rotations->materials[2].rotation, "AUTOMATIC");
  EXPECT_EQ(kms_->Decrypt(later, std::nullopt, old_blob, {})->plaintext.view(), "before");
  EXPECT_EQ(kms_->GetKeyRotationStatus(later, key.id)->next, later.now + absl::Hours(24 * 90));

  for (int i = 1; i < 25; ++i) ASSERT_TRUE(kms_->RotateKeyOnDemand(root, key.id).ok());
  EXPECT_EQ(Code(kms_->RotateKeyOnDemand(root, key.id).status()), "LimitExceededException");
}

TEST_F(KmsTest, PoliciesDelegateToIamAndLockoutIsChecked) {
  Caller root = Root(a_), alice = User(a_, "alice");
  Key key = NewKey(root);
  EXPECT_EQ(Code(kms_->Encrypt(alice, key.id, "x", {}).status()), "AccessDeniedException");
  AllowUser(a_, "alice", R"(["kms:Encrypt","kms:Decrypt"])");
  EXPECT_TRUE(kms_->Encrypt(alice, key.id, "x", {}).ok());
  EXPECT_EQ(Code(kms_->DisableKey(alice, key.id)), "AccessDeniedException");

  // A key policy that no longer names the account: IAM policies stop counting.
  const std::string only_root_describe =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
      a_ + R"(:root"},"Action":"kms:DescribeKey","Resource":"*"}]})";
  EXPECT_EQ(Code(kms_->PutKeyPolicy(root, key.id, only_root_describe, false)),
            "MalformedPolicyDocumentException");
  EXPECT_EQ(Code(kms_->PutKeyPolicy(root, key.id, "{not json", true)),
            "MalformedPolicyDocumentException");
  const std::string alice_only =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
      a_ + R"(:user/alice"},"Action":["kms:Decrypt","kms:PutKeyPolicy"],"Resource":"*",
      "Condition":{"StringEquals":{"kms:EncryptionContext:app":"x"}}}]})";
  ASSERT_TRUE(kms_->PutKeyPolicy(root, key.id, alice_only, true).ok());
  auto blob = kms_->Encrypt(alice, key.id, "x", {{"app", "x"}});
  EXPECT_EQ(Code(blob.status()), "AccessDeniedException");  // policy names Decrypt only
  EXPECT_EQ(Code(kms_->DescribeKey(root, key.id).status()), "AccessDeniedException");

  // kms:ViaService and kms:CallerAccount conditions.
  Key via = NewKey(root);
  const std::string via_s3 =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
      a_ + R"(:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":"*",
      "Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]})";
  ASSERT_TRUE(kms_->PutKeyPolicy(root, via.id, via_s3, false).ok());
  auto sealed = kms_->Encrypt(root, via.id, "x", {});
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(Code(kms_->Decrypt(root, std::nullopt, sealed->ciphertext, {}).status()),
            "AccessDeniedException");
  Caller through_s3 = root;
  through_s3.via_service = "s3.us-east-1.amazonaws.com";
  EXPECT_TRUE(kms_->Decrypt(through_s3, std::nullopt, sealed->ciphertext, {}).ok());
}

TEST_F(KmsTest, GrantsWithConstraintsRetireAndRevoke) {
  Caller root = Root(a_), alice = User(a_, "alice");
  Key key = NewKey(root);
  const std::string alice_arn = "arn:aws:iam::" + a_ + ":user/alice";
  GrantInput in;
  in.grantee = alice_arn;
  in.operations = {"Encrypt", "Decrypt", "RetireGrant"};
  in.context_subset = EncryptionContext{{"tenant", "t1"}};
  in.name = "g1";
  auto grant = kms_->CreateGrant(root, key.id, in);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(kms_->CreateGrant(root, key.id, in)->grant_id, grant->grant_id);  // same name
  auto blob = kms_->Encrypt(alice, key.id, "x", {{"tenant", "t1"}, {"more", "y"}});
  ASSERT_TRUE(blob.ok()) << blob.status();
  EXPECT_EQ(Code(kms_->Encrypt(alice, key.id, "x", {{"tenant", "t2"}}).status()),
            "AccessDeniedException");
  EXPECT_EQ(Code(kms_->Encrypt(alice, key.id, "x", {}).status()), "AccessDeniedException");
  EXPECT_EQ(Code(kms_->GenerateDataKey(alice, key.id, 32, {{"tenant", "t1"}}, true).status()),
            "AccessDeniedException");
  Caller with_token = alice;
  with_token.grant_tokens = {Kms::GrantToken(*grant)};
  EXPECT_TRUE(kms_->Decrypt(with_token, std::nullopt, blob->ciphertext,
                            {{"tenant", "t1"}, {"more", "y"}})
                  .ok());
  with_token.grant_tokens = {"bm90IGEgdG9rZW4="};
  EXPECT_EQ(Code(kms_->Encrypt(with_token, key.id, "x", {{"tenant", "t1"}}).status()),
            "InvalidGrantTokenException");
  EXPECT_EQ(kms_->ListGrants(root, key.id)->size(), 1u);

  ASSERT_TRUE(kms_->RetireGrant(alice, Kms::GrantToken(*grant), std::nullopt, std::nullopt).ok());
  EXPECT_EQ(Code(kms_->Encrypt(alice, key.id, "x", {{"tenant", "t1"}}).status()),
            "AccessDeniedException");

  GrantInput eq;
  eq.grantee = alice_arn;
  eq.operations = {"Decrypt"};
  eq.context_equals = EncryptionContext{{"tenant", "t1"}};
  auto g2 = kms_->CreateGrant(root, key.id, eq);
  ASSERT_TRUE(g2.ok());
  auto exact = kms_->Encrypt(root, key.id, "x", {{"tenant", "t1"}});
  EXPECT_TRUE(kms_->Decrypt(alice, std::nullopt, exact->ciphertext, {{"tenant", "t1"}}).ok());
  EXPECT_EQ(Code(kms_->Decrypt(alice, std::nullopt, blob->ciphertext,
                               {{"tenant", "t1"}, {"more", "y"}})
                     .status()),
            "AccessDeniedException");
  EXPECT_EQ(Code(kms_->RetireGrant(alice, std::nullopt, key.id, g2->grant_id)),
            "AccessDeniedException");  // not the retiring principal, RetireGrant not granted
  ASSERT_TRUE(kms_->RevokeGrant(root, key.id, g2->grant_id).ok());
  EXPECT_EQ(Code(kms_->Decrypt(alice, std::nullopt, exact->ciphertext, {{"tenant", "t1"}})
                     .status()),
            "AccessDeniedException");
  EXPECT_EQ(Code(kms_->RevokeGrant(root, key.id, g2->grant_id)), "NotFoundException");
}

TEST_F(KmsTest, CrossAccountNeedsKeyPolicyAndIamPolicy) {
  Caller root_a = Root(a_), bob = User(b_, "bob");
  Key key = NewKey(root_a);
  auto blob = kms_->Encrypt(root_a, key.id, "shared", {});
  // A bare key id is looked up in the caller's own account.
  EXPECT_EQ(Code(kms_->DescribeKey(bob, key.id).status()), "NotFoundException");
  EXPECT_EQ(Code(kms_->Decrypt(bob, std::nullopt, blob->ciphertext, {}).status()),
            "AccessDeniedException");
  const std::string share =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
      a_ + R"(:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
      b_ + R"(:root"},"Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"*"}]})";
  ASSERT_TRUE(kms_->PutKeyPolicy(root_a, key.id, share, false).ok());
  EXPECT_EQ(Code(kms_->Decrypt(bob, std::nullopt, blob->ciphertext, {}).status()),
            "AccessDeniedException");  // B's IAM policy does not allow it yet
  AllowUser(b_, "bob", R"("kms:Decrypt")");
  auto dec = kms_->Decrypt(bob, std::nullopt, blob->ciphertext, {});
  ASSERT_TRUE(dec.ok()) << dec.status();
  EXPECT_EQ(dec->plaintext.view(), "shared");
  EXPECT_EQ(Code(kms_->DescribeKey(bob, key.Arn()).status()), "AccessDeniedException");
  EXPECT_TRUE(kms_->DescribeKey(Root(b_), key.Arn()).ok());
  EXPECT_EQ(Code(kms_->Encrypt(Root(b_), key.Arn(), "x", {}).status()), "AccessDeniedException");
}

TEST_F(KmsTest, AwsManagedKeyIsMadeOnFirstUseAndCannotBeManaged) {
  Caller root = Root(a_);
  auto key = kms_->DescribeKey(root, "alias/aws/s3");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->manager, "AWS");
  EXPECT_TRUE(key->rotation_enabled);
  EXPECT_EQ(kms_->DescribeKey(root, "alias/aws/s3")->id, key->id);  // made once
  EXPECT_EQ(Code(kms_->DisableKey(root, key->id)), "AccessDeniedException");
  EXPECT_EQ(Code(kms_->ScheduleKeyDeletion(root, key->id, 7).status()), "AccessDeniedException");
  EXPECT_EQ(Code(kms_->PutKeyPolicy(root, key->id, Kms::DefaultPolicy(a_), false)),
            "AccessDeniedException");
  EXPECT_EQ(Code(kms_->CreateAlias(root, "alias/aws/mine", key->id)), "NotAuthorizedException");
  EXPECT_EQ(Code(kms_->GenerateDataKey(root, "alias/aws/s3", 32, {}, true).status()),
            "AccessDeniedException");  // only through S3
  Caller s3 = root;
  s3.via_service = "s3.us-east-1.amazonaws.com";
  EXPECT_TRUE(kms_->GenerateDataKey(s3, "alias/aws/s3", 32, {}, true).ok());
}

TEST_F(KmsTest, NoPlaintextKeyMaterialReachesTheStore) {
  Caller root = Root(a_);
  Key key = NewKey(root);
  auto dk = kms_->GenerateDataKey(root, key.id, 32, {}, true);
  ASSERT_TRUE(dk.ok());
  std::string data_key(dk->plaintext.view());
  // The key's own material, unsealed here only to look for it.
  auto stored = *keys_->GetKey(key.id);
  auto material = keys_->Unseal(key.id, stored->materials.back());
  ASSERT_TRUE(material.ok());
  std::string backing(material->view());
  meta_.reset();  // flush and close RocksDB
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir_)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(backing), std::string::npos) << f.path();
    EXPECT_EQ(bytes.find(data_key), std::string::npos) << f.path();
  }
  WipeString(data_key);
  WipeString(backing);
}

}  // namespace
}  // namespace coffer::kms
