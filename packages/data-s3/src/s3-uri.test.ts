import { describe, expect, it } from "vitest";
import { defaultBucketName } from "./bucket.js";
import { bucketNameProblem, parseS3Uri } from "./s3-uri.js";

describe("parseS3Uri", () => {
  it("splits bucket and key", () => {
    expect(parseS3Uri("s3://my-bucket/a/b/c.csv")).toEqual({ bucket: "my-bucket", key: "a/b/c.csv" });
    expect(parseS3Uri("s3://my-bucket/prefix/")).toEqual({ bucket: "my-bucket", key: "prefix/" });
    expect(parseS3Uri("s3://my-bucket")).toEqual({ bucket: "my-bucket", key: "" });
  });

  it("refuses what is not an s3:// URI, or names an invalid bucket", () => {
    for (const bad of ["https://b/k", "s3:/b/k", "s3://", "/tmp/x", ""]) {
      expect(() => parseS3Uri(bad), bad).toThrow(/not an S3 URI/);
    }
    expect(() => parseS3Uri("s3://Bad_Bucket/k")).toThrow(/invalid bucket name "Bad_Bucket"/);
  });
});

describe("bucket names", () => {
  it("follows S3's naming rules", () => {
    expect(bucketNameProblem("sagemaker-us-east-1-123456789012")).toBeUndefined();
    expect(bucketNameProblem("a.b-c")).toBeUndefined();
    expect(bucketNameProblem("ab")).toMatch(/3 to 63/);
    expect(bucketNameProblem("x".repeat(64))).toMatch(/3 to 63/);
    expect(bucketNameProblem("UPPER")).toMatch(/lowercase/);
    expect(bucketNameProblem("-abc")).toMatch(/begin and end/);
    expect(bucketNameProblem("a..b")).toMatch(/adjacent dots/);
    expect(bucketNameProblem("192.168.1.1")).toMatch(/IP address/);
    expect(bucketNameProblem("xn--abc")).toMatch(/xn--/);
    expect(bucketNameProblem("abc-s3alias")).toMatch(/-s3alias/);
  });

  it("builds SageMaker's default bucket name and checks its parts", () => {
    expect(defaultBucketName("eu-central-1", "123456789012")).toBe("sagemaker-eu-central-1-123456789012");
    expect(() => defaultBucketName("eu-central-1", "1234")).toThrow(/12 digits/);
    expect(() => defaultBucketName("EU", "123456789012")).toThrow(/invalid region/);
  });
});
