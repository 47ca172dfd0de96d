// Coffer's KMS with the AWS Encryption SDK for JavaScript (@aws-crypto/client-node): a
// KMS keyring whose client provider points at Coffer, keys made with @aws-sdk/client-kms.
// test_js.sh starts the server and sets COFFER_ENDPOINT, the AWS_* credentials and
// NODE_EXTRA_CA_CERTS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes, createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  KMS, CreateKeyCommand, CreateAliasCommand, DisableKeyCommand, EnableKeyCommand,
  DecryptCommand,
} from "@aws-sdk/client-kms";
import {
  KmsKeyringNode, buildClient, CommitmentPolicy, AlgorithmSuiteIdentifier,
} from "@aws-crypto/client-node";

const kms = new KMS({ endpoint: process.env.COFFER_ENDPOINT, region: "us-east-1" });
// The keyring calls clientProvider(region from the key ARN) and uses the aggregated
// client's generateDataKey/encrypt/decrypt methods: every region goes to Coffer.
const clientProvider = () => kms;
const { encrypt, decrypt, encryptStream, decryptStream, decryptUnsignedMessageStream } =
  buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
const context = { purpose: "js-esdk-test", "tenant id": "Ω-42" };
const SIGNED = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384;
const UNSIGNED = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

let counter = 0;
async function newKey() {
  const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: "esdk test" }));
  const alias = `alias/esdk-${process.pid}-${++counter}`;
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: KeyMetadata.KeyId }));
  return { arn: KeyMetadata.Arn, id: KeyMetadata.KeyId, alias };
}
const keyring = (generatorKeyId, keyIds = []) =>
  new KmsKeyringNode({ clientProvider, generatorKeyId, keyIds });
async function errorOf(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected an error");
}
const sha256 = (b) => createHash("sha256").update(b).digest("hex");

test("encrypt and decrypt with a two-key KMS keyring and an encryption context", async () => {
  const [k1, k2] = [await newKey(), await newKey()];
  assert.match(k1.arn, /^arn:aws:kms:us-east-1:\d{12}:key\/[0-9a-f-]{36}$/);
  const plaintext = randomBytes(10_000);
  const { result, messageHeader } = await encrypt(keyring(k1.arn, [k2.arn]), plaintext, {
    encryptionContext: context,
  });
  assert.equal(messageHeader.suiteId, SIGNED);  // the default under REQUIRE_ENCRYPT_...
  // One data key from GenerateDataKey under k1, the same one wrapped by Encrypt under k2.
  assert.deepEqual(messageHeader.encryptedDataKeys.map((e) => [e.providerId, e.providerInfo]),
                   [["aws-kms", k1.arn], ["aws-kms", k2.arn]]);

  for (const kr of [keyring(k1.arn, [k2.arn]), keyring(k1.arn), keyring(k2.arn)]) {
    const out = await decrypt(kr, result);
    assert.deepEqual(out.plaintext, plaintext);
    for (const [k, v] of Object.entries(context))
      assert.equal(out.messageHeader.encryptionContext[k], v);
    assert.ok(out.messageHeader.encryptionContext["aws-crypto-public-key"]);  // signed suite
  }
  // A discovery keyring takes the key ARNs from the message.
  const discovery = new KmsKeyringNode({ clientProvider, discovery: true });
  assert.deepEqual((await decrypt(discovery, result)).plaintext, plaintext);

  // Coffer authenticated the encryption context on the data keys themselves.
  const edk = messageHeader.encryptedDataKeys[1];
  const direct = await kms.send(new DecryptCommand({
    CiphertextBlob: edk.encryptedDataKey, KeyId: k2.arn,
    EncryptionContext: messageHeader.encryptionContext,
  }));
  assert.equal(direct.KeyId, k2.arn);
  assert.equal(direct.Plaintext.length, 32);
  const wrongContext = await errorOf(kms.send(new DecryptCommand({
    CiphertextBlob: edk.encryptedDataKey, KeyId: k2.arn,
    EncryptionContext: { ...messageHeader.encryptionContext, purpose: "other" },
  })));
  assert.equal(wrongContext.name, "InvalidCiphertextException");
});

test("an alias as the generator; the message names the key ARN", async () => {
  const k = await newKey();
  const { result, messageHeader } = await encrypt(keyring(k.alias), "hello through an alias", {
    encryptionContext: context,
  });
  assert.equal(messageHeader.encryptedDataKeys[0].providerInfo, k.arn);
  const out = await decrypt(keyring(k.arn), result);
  assert.equal(out.plaintext.toString(), "hello through an alias");
  // A keyring given only the alias cannot match the ARN in the message (as on AWS).
  const err = await errorOf(decrypt(keyring(k.alias), result));
  assert.match(err.message, /unencryptedDataKey has not been set/);
});

test("tampered ciphertexts and data keys do not decrypt", async () => {
  const k = await newKey();
  const plaintext = randomBytes(4096);
  const { result, messageHeader } = await encrypt(keyring(k.arn), plaintext, {
    encryptionContext: context,
  });
  // A flipped bit in the body (the AES-GCM tag fails).
  const body = Buffer.from(result);
  body[result.length - 200] ^= 1;
  await assert.rejects(decrypt(keyring(k.arn), body), /unable to authenticate data/);
  // A flipped bit in the signature at the very end.
  const signature = Buffer.from(result);
  signature[result.length - 1] ^= 1;
  await assert.rejects(decrypt(keyring(k.arn), signature), /Invalid Signature/);
  // A flipped bit inside the encrypted data key: Coffer's Decrypt refuses it, and the
  // keyring passes the KMS error up.
  const edk = Buffer.from(messageHeader.encryptedDataKeys[0].encryptedDataKey);
  const at = Buffer.from(result).indexOf(edk);
  assert.ok(at > 0);
  const wrapped = Buffer.from(result);
  wrapped[at + edk.length - 5] ^= 1;
  const err = await errorOf(decrypt(keyring(k.arn), wrapped));
  assert.match(err.message, /one or more KMS CMKs had an error/);
  assert.match(err.message, /InvalidCiphertextException/);
  // The untouched message still decrypts.
  assert.deepEqual((await decrypt(keyring(k.arn), result)).plaintext, plaintext);
});

test("a keyring for another key cannot decrypt", async () => {
  const [k1, other] = [await newKey(), await newKey()];
  const { result, messageHeader } = await encrypt(keyring(k1.arn), "secret", {
    encryptionContext: context,
  });
  // The keyring skips data keys of keys it does not name: no KMS call is made.
  const err = await errorOf(decrypt(keyring(other.arn), result));
  assert.match(err.message, /unencryptedDataKey has not been set/);
  // Asking Coffer directly with the wrong KeyId is refused as on AWS.
  const direct = await errorOf(kms.send(new DecryptCommand({
    CiphertextBlob: messageHeader.encryptedDataKeys[0].encryptedDataKey, KeyId: other.arn,
    EncryptionContext: messageHeader.encryptionContext,
  })));
  assert.equal(direct.name, "IncorrectKeyException");
  assert.equal(direct.$metadata.httpStatusCode, 400);
});

test("a disabled key fails decrypt with DisabledException; another key still works", async () => {
  const [k1, k2] = [await newKey(), await newKey()];
  const single = await encrypt(keyring(k1.arn), "only k1", { encryptionContext: context });
  const both = await encrypt(keyring(k1.arn, [k2.arn]), "k1 and k2", { encryptionContext: context });
  await kms.send(new DisableKeyCommand({ KeyId: k1.id }));
  try {
    const err = await errorOf(decrypt(keyring(k1.arn), single.result));
    assert.match(err.message, /one or more KMS CMKs had an error/);
    assert.match(err.message, new RegExp(`DisabledException: ${k1.arn} is disabled\\.`));
    // The keyring tries k1, gets DisabledException and falls back to k2's data key.
    const out = await decrypt(keyring(k1.arn, [k2.arn]), both.result);
    assert.equal(out.plaintext.toString(), "k1 and k2");
    // Encrypting under a disabled generator fails too.
    const enc = await errorOf(encrypt(keyring(k1.arn), "x", { encryptionContext: context }));
    assert.equal(enc.name, "DisabledException");
  } finally {
    await kms.send(new EnableKeyCommand({ KeyId: k1.id }));
  }
  const again = await decrypt(keyring(k1.arn), single.result);
  assert.equal(again.plaintext.toString(), "only k1");
});

// Pipes `input` through `stream`; returns the output's length and SHA-256.
async function through(stream, input) {
  const out = createHash("sha256");
  let length = 0;
  await pipeline(input, stream, async function* (source) {
    for await (const chunk of source) {
      out.update(chunk);
      length += chunk.length;
    }
  });
  return { length, hash: out.digest("hex") };
}
// `data` as a stream of `size`-byte chunks.
function chunks(data, size = 65536) {
  return Readable.from((function* () {
    for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
  })());
}

test("streaming encrypt and decrypt of 5 MB", async () => {
  const k = await newKey();
  const data = randomBytes(5 * 1024 * 1024);
  // An unsigned suite, so the message can be decrypted with decryptUnsignedMessageStream.
  const encrypted = [];
  await pipeline(
    chunks(data),
    encryptStream(keyring(k.arn), {
      encryptionContext: context,
      suiteId: UNSIGNED,
      frameLength: 64 * 1024,
    }),
    async function* (source) {
      for await (const chunk of source) encrypted.push(chunk);
    });
  const ciphertext = Buffer.concat(encrypted);
  assert.ok(ciphertext.length > data.length);

  const plain = decryptUnsignedMessageStream(keyring(k.arn));
  let header;
  plain.once("MessageHeader", (h) => { header = h; });
  const got = await through(plain, chunks(ciphertext));
  assert.equal(got.length, data.length);
  assert.equal(got.hash, sha256(data));
  assert.equal(header.suiteId, UNSIGNED);
  assert.deepEqual({ ...header.encryptionContext }, context);

  // A signed, streamed message of the same size through decryptStream; the unsigned-only
  // decryptor refuses it.
  const signed = [];
  await pipeline(chunks(data), encryptStream(keyring(k.arn), { encryptionContext: context }),
    async function* (source) { for await (const c of source) signed.push(c); });
  const signedCiphertext = Buffer.concat(signed);
  const got2 = await through(decryptStream(keyring(k.arn)), chunks(signedCiphertext));
  assert.equal(got2.hash, sha256(data));
  await assert.rejects(through(decryptUnsignedMessageStream(keyring(k.arn)),
                               chunks(signedCiphertext)), /requiring only un-signed messages/);

  // A flipped bit in the middle of the streamed ciphertext fails the stream.
  const tampered = Buffer.from(ciphertext);
  tampered[Math.floor(ciphertext.length / 2)] ^= 1;
  await assert.rejects(through(decryptUnsignedMessageStream(keyring(k.arn)), chunks(tampered)),
                       /unable to authenticate data/);
});
