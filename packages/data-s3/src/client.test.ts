import { describe, expect, it } from "vitest";
import { createS3Client, stsClientLike } from "./client.js";

describe("createS3Client", () => {
  it("switches to path-style addressing when an endpoint is given", async () => {
    const custom = createS3Client({ endpoint: "http://127.0.0.1:4566", region: "eu-west-1" });
    expect(custom.config.forcePathStyle).toBe(true);
    expect(await custom.config.region()).toBe("eu-west-1");
    const aws = createS3Client({ region: "eu-west-1" });
    expect(aws.config.forcePathStyle).toBeFalsy();
    custom.destroy();
    aws.destroy();
  });

  it("uses fixed credentials when given, and the STS client follows the S3 client", async () => {
    const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };
    const s3 = createS3Client({ endpoint: "http://127.0.0.1:4566", region: "ap-south-1", credentials });
    expect(await s3.config.credentials()).toMatchObject(credentials);
    const sts = stsClientLike(s3);
    expect(await sts.config.region()).toBe("ap-south-1");
    expect(await sts.config.credentials()).toMatchObject(credentials);
    const endpoint = await sts.config.endpoint?.();
    expect(endpoint?.hostname).toBe("127.0.0.1");
    expect(endpoint?.port).toBe(4566);
    s3.destroy();
    sts.destroy();
  });
});
