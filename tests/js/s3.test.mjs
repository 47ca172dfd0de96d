// Coffer with the AWS SDK for JavaScript v3 (@aws-sdk/client-s3, @aws-sdk/lib-storage).
// run.sh starts the server and sets COFFER_ENDPOINT, the AWS_* credentials and, for
// TLS, NODE_EXTRA_CA_CERTS.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectsCommand, DeleteObjectCommand, CopyObjectCommand,
  PutBucketVersioningCommand, ListObjectVersionsCommand, DeleteBucketCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

const s3 = new S3Client({
  endpoint: process.env.COFFER_ENDPOINT,
  region: "us-east-1",
  forcePathStyle: true,
});
const md5 = (b) => createHash("md5").update(b).digest("hex");
let counter = 0;
async function bucket() {
  const name = `js-${process.pid}-${++counter}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}
async function errorOf(promise) {
  try {
    await promise;
  } catch (e) {
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  assert.fail("expected an error");
}

test("put, get, head, list and delete objects", async () => {
  const b = await bucket();
  const data = randomBytes(100_000);
  const put = await s3.send(new PutObjectCommand({
    Bucket: b, Key: "dir/a b+c", Body: data, ContentType: "image/png", Metadata: { k: "v" },
  }));
  assert.equal(put.ETag, `"${md5(data)}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: "dir/a b+c" }));
  assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), data);
  assert.equal(got.ContentType, "image/png");
  assert.deepEqual(got.Metadata, { k: "v" });
  const head = await s3.send(new HeadObjectCommand({ Bucket: b, Key: "dir/a b+c" }));
  assert.equal(head.ContentLength, 100_000);
  const ranged = await s3.send(new GetObjectCommand({ Bucket: b, Key: "dir/a b+c", Range: "bytes=10-19" }));
  assert.deepEqual(Buffer.from(await ranged.Body.transformToByteArray()), data.subarray(10, 20));

  await s3.send(new PutObjectCommand({ Bucket: b, Key: "dir/second", Body: "x" }));
  const list = await s3.send(new ListObjectsV2Command({ Bucket: b, Prefix: "dir/" }));
  assert.deepEqual(list.Contents.map((o) => o.Key), ["dir/a b+c", "dir/second"]);
  const del = await s3.send(new DeleteObjectsCommand({
    Bucket: b, Delete: { Objects: [{ Key: "dir/a b+c" }, { Key: "dir/second" }] },
  }));
  assert.equal(del.Deleted.length, 2);
  assert.deepEqual(await errorOf(s3.send(new GetObjectCommand({ Bucket: b, Key: "dir/second" }))),
                   { name: "NoSuchKey", status: 404 });
  assert.deepEqual(await errorOf(s3.send(new DeleteBucketCommand({ Bucket: "no-such-js-bucket" }))),
                   { name: "NoSuchBucket", status: 404 });
  await s3.send(new DeleteBucketCommand({ Bucket: b }));
});

test("lib-storage Upload is a multipart upload", async () => {
  const b = await bucket();
  const data = randomBytes(12 * 1024 * 1024);
  const upload = new Upload({
    client: s3, params: { Bucket: b, Key: "big", Body: data }, partSize: 5 * 1024 * 1024,
    queueSize: 2,
  });
  const done = await upload.done();
  assert.match(done.ETag, /^"[0-9a-f]{32}-3"$/);
  const got = await s3.send(new GetObjectCommand({ Bucket: b, Key: "big" }));
  assert.equal(md5(Buffer.from(await got.Body.transformToByteArray())), md5(data));
});

test("multipart errors carry AWS codes", async () => {
  const b = await bucket();
  const mp = await s3.send(new CreateMultipartUploadCommand({ Bucket: b, Key: "m" }));
  const p1 = await s3.send(new UploadPartCommand({
    Bucket: b, Key: "m", UploadId: mp.UploadId, PartNumber: 1, Body: "small",
  }));
  const p2 = await s3.send(new UploadPartCommand({
    Bucket: b, Key: "m", UploadId: mp.UploadId, PartNumber: 2, Body: "small",
  }));
  const parts = [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }];
  assert.deepEqual(await errorOf(s3.send(new CompleteMultipartUploadCommand({
    Bucket: b, Key: "m", UploadId: mp.UploadId, MultipartUpload: { Parts: parts },
  }))), { name: "EntityTooSmall", status: 400 });
  assert.deepEqual(await errorOf(s3.send(new UploadPartCommand({
    Bucket: b, Key: "m", UploadId: "0".repeat(32), PartNumber: 1, Body: "x",
  }))), { name: "NoSuchUpload", status: 404 });
});

test("versions and copies", async () => {
  const b = await bucket();
  await s3.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: "Enabled" } }));
  const v1 = await s3.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "one" }));
  await s3.send(new PutObjectCommand({ Bucket: b, Key: "k", Body: "two" }));
  const old = await s3.send(new GetObjectCommand({ Bucket: b, Key: "k", VersionId: v1.VersionId }));
  assert.equal(await old.Body.transformToString(), "one");
  await s3.send(new CopyObjectCommand({ Bucket: b, Key: "copy", CopySource: `${b}/k?versionId=${v1.VersionId}` }));
  const copy = await s3.send(new GetObjectCommand({ Bucket: b, Key: "copy" }));
  assert.equal(await copy.Body.transformToString(), "one");
  const marker = await s3.send(new DeleteObjectCommand({ Bucket: b, Key: "k" }));
  assert.equal(marker.DeleteMarker, true);
  const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: b, Prefix: "k" }));
  assert.equal(versions.Versions.length, 2);
  assert.equal(versions.DeleteMarkers.length, 1);
});
