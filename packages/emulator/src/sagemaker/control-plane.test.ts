import { join } from "node:path";
import type { OperationContext } from "@mlship/core";
import { tempDir } from "@mlship/testing";
import { afterEach, describe, expect, it } from "vitest";
import { AwsApiError } from "../aws-error.js";
import type { LocalRuntime } from "./runtime.js";
import { createSageMakerService, type SageMakerService } from "./service.js";
import { directoryObjectStore, memoryLogStore } from "./test-support.js";

const ROLE = "arn:aws:iam::000000000000:role/SageMakerRole";
const SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3";
const services: SageMakerService[] = [];

function service(dataDir = tempDir(), runtime?: () => Promise<LocalRuntime>): SageMakerService {
  const s = createSageMakerService(
    {
      region: "us-east-1",
      accountId: "000000000000",
      dataDir,
      objectStore: directoryObjectStore(join(dataDir, "s3")),
      logs: memoryLogStore(),
    },
    runtime,
  );
  services.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

async function awsError(promise: Promise<unknown>): Promise<AwsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsApiError);
  return error as AwsApiError;
}

const model = (name: string) => ({
  ModelName: name,
  ExecutionRoleArn: ROLE,
  PrimaryContainer: {
    Image: SKLEARN,
    ModelDataUrl: "s3://bucket/job/output/model.tar.gz",
    Environment: { SAGEMAKER_PROGRAM: "inference.py" },
  },
});

describe("models", () => {
  it("creates, describes, lists and deletes with lower-cased ARNs", async () => {
    const sm = service();
    const created = (await sm.handle("CreateModel", model("My-Model"))) as { ModelArn: string };
    expect(created.ModelArn).toBe("arn:aws:sagemaker:us-east-1:000000000000:model/my-model");
    const described = (await sm.handle("DescribeModel", { ModelName: "my-model" })) as Record<
      string,
      unknown
    >;
    expect(described).toMatchObject({
      ModelName: "My-Model",
      ModelArn: created.ModelArn,
      PrimaryContainer: { Image: SKLEARN, Environment: { SAGEMAKER_PROGRAM: "inference.py" } },
      ExecutionRoleArn: ROLE,
      EnableNetworkIsolation: false,
    });
    expect(typeof described.CreationTime).toBe("number");
    expect(Math.abs((described.CreationTime as number) - Date.now() / 1000)).toBeLessThan(60);
    const listed = (await sm.handle("ListModels", {})) as { Models: Array<{ ModelName: string }> };
    expect(listed.Models.map((m) => m.ModelName)).toEqual(["My-Model"]);
    await sm.handle("DeleteModel", { ModelName: "My-Model" });
    const gone = await awsError(sm.handle("DescribeModel", { ModelName: "My-Model" }));
    expect(gone.code).toBe("ValidationException");
    expect(gone.message).toBe(
      'Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model/my-model".',
    );
  });

  it("rejects duplicates (case-insensitively), bad names and missing containers as AWS does", async () => {
    const sm = service();
    await sm.handle("CreateModel", model("dup"));
    const dup = await awsError(sm.handle("CreateModel", model("DUP")));
    expect(dup.code).toBe("ValidationException");
    expect(dup.message).toBe(
      'Cannot create already existing model "arn:aws:sagemaker:us-east-1:000000000000:model/dup".',
    );
    const bad = await awsError(sm.handle("CreateModel", model("bad_name")));
    expect(bad.message).toBe(
      "1 validation error detected: Value 'bad_name' at 'modelName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
    );
    const two = await awsError(sm.handle("CreateModel", { ExecutionRoleArn: "nope" }));
    expect(two.message).toMatch(
      /^2 validation errors detected: Value null at 'modelName' failed to satisfy constraint: Member must not be null; Value 'nope' at 'executionRoleArn'/,
    );
    const empty = await awsError(sm.handle("CreateModel", { ModelName: "empty" }));
    expect(empty.message).toMatch(/PrimaryContainer or Containers/);
  });
});

describe("tags", () => {
  it("keeps the Tags a Create call was given for ListTags, and refuses malformed ones before creating", async () => {
    const sm = service();
    const tags = [
      { Key: "team", Value: "ml" },
      { Key: "cost center", Value: "" },
    ];
    const { ModelArn } = (await sm.handle("CreateModel", { ...model("tagged"), Tags: tags })) as {
      ModelArn: string;
    };
    expect(await sm.handle("ListTags", { ResourceArn: ModelArn })).toEqual({ Tags: tags });
    await sm.handle("AddTags", { ResourceArn: ModelArn, Tags: [{ Key: "team", Value: "platform" }] });
    expect(
      await sm.handle("ListTags", {
        ResourceArn: ModelArn.replace("/tagged", "/TAGGED"),
      }),
    ).toEqual({
      Tags: [
        { Key: "cost center", Value: "" },
        { Key: "team", Value: "platform" },
      ],
    });
    for (const bad of [[{ Key: "", Value: "x" }], [{ Key: "k" }], [{ Key: "a#b", Value: "x" }]]) {
      const refused = await awsError(sm.handle("CreateModel", { ...model("refused"), Tags: bad }));
      expect(refused.message, JSON.stringify(bad)).toMatch(
        /at 'tags\.1\.member\.(key|value)' failed to satisfy constraint/,
      );
    }
    const many = Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
    expect((await awsError(sm.handle("CreateModel", { ...model("refused"), Tags: many }))).message).toMatch(
      /at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50/,
    );
    const config = await awsError(
      sm.handle("CreateEndpointConfig", {
        EndpointConfigName: "cfg",
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: "tagged",
            InstanceType: "ml.m5.large",
            InitialInstanceCount: 1,
          },
        ],
        Tags: [{ Key: "aws", Value: "x", Extra: 1 }, "nope"],
      }),
    );
    expect(config.message).toMatch(
      /at 'tags\.2\.member' failed to satisfy constraint: Member must be a structure/,
    );
    expect(
      (
        await awsError(
          sm.handle("ListTags", { ResourceArn: "arn:aws:sagemaker:us-east-1:000000000000:model/refused" }),
        )
      ).code,
    ).toBe("ValidationException");
    expect((await awsError(sm.handle("ListTags", { ResourceArn: "not-an-arn" }))).message).toMatch(
      /at 'resourceArn'/,
    );
    expect(
      (await awsError(sm.handle("ListTags", { ResourceArn: ModelArn, MaxResults: 10 }))).message,
    ).toMatch(
      /at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 50/,
    );
  });
});

describe("endpoint configs", () => {
  it("needs existing models and a valid instance or serverless setup", async () => {
    const sm = service();
    const missing = await awsError(
      sm.handle("CreateEndpointConfig", {
        EndpointConfigName: "cfg",
        ProductionVariants: [
          {
            VariantName: "AllTraffic",
            ModelName: "nope",
            InstanceType: "ml.m5.large",
            InitialInstanceCount: 1,
          },
        ],
      }),
    );
    expect(missing.message).toBe(
      'Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model/nope".',
    );
    await sm.handle("CreateModel", model("m"));
    const neither = await awsError(
      sm.handle("CreateEndpointConfig", {
        EndpointConfigName: "cfg",
        ProductionVariants: [{ VariantName: "AllTraffic", ModelName: "m" }],
      }),
    );
    expect(neither.message).toMatch(/ServerlessConfig or both InstanceType and InitialInstanceCount/);
    const nested = await awsError(
      sm.handle("CreateEndpointConfig", {
        EndpointConfigName: "cfg",
        ProductionVariants: [{ ModelName: "m", InstanceType: "ml.m5.large", InitialInstanceCount: 0 }],
      }),
    );
    expect(nested.message).toBe(
      "2 validation errors detected: Value null at 'productionVariants.1.member.variantName' failed to satisfy constraint: Member must not be null; " +
        "Value '0' at 'productionVariants.1.member.initialInstanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    const noVariants = await awsError(
      sm.handle("CreateEndpointConfig", { EndpointConfigName: "cfg", ProductionVariants: [] }),
    );
    expect(noVariants.message).toMatch(
      /at 'productionVariants' failed to satisfy constraint: Member must have length greater than or equal to 1/,
    );

    const created = (await sm.handle("CreateEndpointConfig", {
      EndpointConfigName: "Serverless-Cfg",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: "m",
          ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
        },
      ],
    })) as { EndpointConfigArn: string };
    expect(created.EndpointConfigArn).toBe(
      "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/serverless-cfg",
    );
    const described = await sm.handle("DescribeEndpointConfig", { EndpointConfigName: "Serverless-Cfg" });
    expect(described).toMatchObject({
      EndpointConfigName: "Serverless-Cfg",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: "m",
          InitialVariantWeight: 1,
          ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
        },
      ],
    });
    const dup = await awsError(
      sm.handle("CreateEndpointConfig", {
        EndpointConfigName: "serverless-cfg",
        ProductionVariants: [
          { VariantName: "AllTraffic", ModelName: "m", InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
        ],
      }),
    );
    expect(dup.message).toBe(
      'Cannot create already existing endpoint configuration "arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/serverless-cfg".',
    );
    await sm.handle("DeleteEndpointConfig", { EndpointConfigName: "Serverless-Cfg" });
    const gone = await awsError(sm.handle("DeleteEndpointConfig", { EndpointConfigName: "Serverless-Cfg" }));
    expect(gone.message).toMatch(/^Could not find endpoint configuration/);
  });
});

describe("endpoints (control plane)", () => {
  it("answers the errors the waiters rely on", async () => {
    const sm = service();
    const unknown = await awsError(sm.handle("DescribeEndpoint", { EndpointName: "nope" }));
    expect(unknown.code).toBe("ValidationException");
    expect(unknown.message).toBe(
      'Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/nope".',
    );
    const noConfig = await awsError(
      sm.handle("CreateEndpoint", { EndpointName: "e", EndpointConfigName: "missing" }),
    );
    expect(noConfig.message).toMatch(/^Could not find endpoint configuration/);
    const invoke = await awsError(sm.invokeEndpoint({ endpointName: "nope", body: Buffer.from("1,2") }));
    expect(invoke.code).toBe("ValidationError");
    expect(invoke.message).toBe("Endpoint nope of account 000000000000 not found.");
    const big = await awsError(
      sm.invokeEndpoint({ endpointName: "nope", body: Buffer.alloc(6 * 1024 * 1024 + 1) }),
    );
    expect(big.status).toBe(413);
  });

  it("fails an endpoint whose image the emulator cannot run, with the reason", async () => {
    const sm = service();
    await sm.handle("CreateModel", {
      ModelName: "m",
      PrimaryContainer: { Image: "123.dkr.ecr.us-east-1.amazonaws.com/xgboost:1" },
    });
    await sm.handle("CreateEndpointConfig", {
      EndpointConfigName: "c",
      ProductionVariants: [
        { VariantName: "AllTraffic", ModelName: "m", InstanceType: "ml.m5.large", InitialInstanceCount: 1 },
      ],
    });
    const created = (await sm.handle("CreateEndpoint", { EndpointName: "E1", EndpointConfigName: "c" })) as {
      EndpointArn: string;
    };
    expect(created.EndpointArn).toBe("arn:aws:sagemaker:us-east-1:000000000000:endpoint/e1");
    await sm.settled("endpoint", "E1");
    const described = (await sm.handle("DescribeEndpoint", { EndpointName: "E1" })) as Record<
      string,
      unknown
    >;
    expect(described.EndpointStatus).toBe("Failed");
    const failed = (await sm.handle("ListEndpoints", { StatusEquals: "Failed" })) as {
      Endpoints: Array<Record<string, unknown>>;
    };
    expect(failed.Endpoints).toEqual([
      expect.objectContaining({
        EndpointName: "E1",
        EndpointStatus: "Failed",
        EndpointArn: created.EndpointArn,
      }),
    ]);
    expect(
      ((await sm.handle("ListEndpoints", { StatusEquals: "InService" })) as { Endpoints: unknown[] })
        .Endpoints,
    ).toEqual([]);
    expect(described.FailureReason).toMatch(
      /production variant AllTraffic.*cannot run image '123\.dkr\.ecr\.us-east-1\.amazonaws\.com\/xgboost:1'/,
    );
    const update = await awsError(
      sm.handle("UpdateEndpoint", { EndpointName: "E1", EndpointConfigName: "c" }),
    );
    expect(update.message).toMatch(/^Cannot update failed endpoint/);
    const invoke = await awsError(sm.invokeEndpoint({ endpointName: "E1", body: Buffer.from("1") }));
    expect(invoke.code).toBe("ValidationError");
    await sm.handle("DeleteEndpoint", { EndpointName: "E1" });
    await sm.settled("endpoint", "E1");
    await expect(sm.handle("DescribeEndpoint", { EndpointName: "E1" })).rejects.toThrow(
      /Could not find endpoint/,
    );
  });
});

describe("training jobs (control plane)", () => {
  const job = (name: string, image = "123.dkr.ecr.us-east-1.amazonaws.com/custom:latest") => ({
    TrainingJobName: name,
    RoleArn: ROLE,
    AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: "File" },
    HyperParameters: { sagemaker_program: '"train.py"' },
    OutputDataConfig: { S3OutputPath: "s3://bucket/out" },
    ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
  });

  it("validates the request as AWS does", async () => {
    const sm = service();
    const err = await awsError(
      sm.handle("CreateTrainingJob", { TrainingJobName: "-x", OutputDataConfig: {} }),
    );
    expect(err.code).toBe("ValidationException");
    expect(err.message).toMatch(/^5 validation errors detected: /);
    expect(err.message).toContain(
      "Value '-x' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern",
    );
    expect(err.message).toContain(
      "Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
    expect(err.message).toContain("Value null at 'outputDataConfig.s3OutputPath'");
    expect(err.message).toContain("Value null at 'algorithmSpecification'");
    expect(err.message).toContain("Value null at 'resourceConfig'");
    const unknown = await awsError(sm.handle("DescribeTrainingJob", { TrainingJobName: "nope" }));
    expect([unknown.code, unknown.message]).toEqual(["ValidationException", "Requested resource not found."]);
  });

  it("fails a job on an image the emulator cannot run, with a clear reason, and refuses a duplicate name", async () => {
    const sm = service();
    const created = (await sm.handle("CreateTrainingJob", job("Custom-Image"))) as { TrainingJobArn: string };
    expect(created.TrainingJobArn).toBe("arn:aws:sagemaker:us-east-1:000000000000:training-job/custom-image");
    await sm.settled("training-job", "Custom-Image");
    const described = (await sm.handle("DescribeTrainingJob", { TrainingJobName: "Custom-Image" })) as Record<
      string,
      unknown
    >;
    expect(described).toMatchObject({
      TrainingJobStatus: "Failed",
      SecondaryStatus: "Failed",
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    });
    expect(described.FailureReason).toMatch(
      /^ClientError: The emulator cannot run image '123\.dkr\.ecr\.us-east-1\.amazonaws\.com\/custom:latest'/,
    );
    expect((described.SecondaryStatusTransitions as Array<{ Status: string }>).map((t) => t.Status)).toEqual([
      "Starting",
      "Failed",
    ]);
    const dup = await awsError(sm.handle("CreateTrainingJob", job("custom-image")));
    expect(dup.code).toBe("ResourceInUse");
    expect(dup.message).toMatch(
      /a training job with this name already exists \(arn:aws:sagemaker:us-east-1:000000000000:training-job\/custom-image\)/,
    );
    const stop = await awsError(sm.handle("StopTrainingJob", { TrainingJobName: "Custom-Image" }));
    expect(stop.message).toBe("The request was rejected because the training job is in status Failed.");
  });
});

describe("code and data come from S3 only", () => {
  it("fails a job whose code or channel is not an s3:// URI, and an endpoint whose code is a host path", async () => {
    const sm = service();
    const base = {
      RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: SKLEARN, TrainingInputMode: "File" },
      OutputDataConfig: { S3OutputPath: "s3://b/o" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    };
    await sm.handle("CreateTrainingJob", {
      ...base,
      TrainingJobName: "host-code",
      HyperParameters: { sagemaker_program: '"train.py"', sagemaker_submit_directory: '"/etc"' },
    });
    await sm.handle("CreateTrainingJob", {
      ...base,
      TrainingJobName: "https-channel",
      HyperParameters: {
        sagemaker_program: '"train.py"',
        sagemaker_submit_directory: '"s3://b/code.tar.gz"',
      },
      InputDataConfig: [
        {
          ChannelName: "train",
          DataSource: { S3DataSource: { S3DataType: "S3Prefix", S3Uri: "https://example.com/data" } },
        },
      ],
    });
    await sm.settled("training-job", "host-code");
    await sm.settled("training-job", "https-channel");
    expect(await sm.handle("DescribeTrainingJob", { TrainingJobName: "host-code" })).toMatchObject({
      TrainingJobStatus: "Failed",
      FailureReason: expect.stringMatching(
        /sagemaker_submit_directory' must be the s3:\/\/ URI .* got '\/etc'/,
      ),
    });
    expect(await sm.handle("DescribeTrainingJob", { TrainingJobName: "https-channel" })).toMatchObject({
      TrainingJobStatus: "Failed",
      FailureReason: "ClientError: Channel 'train': the emulator reads channels from s3:// URIs only.",
    });

    await sm.handle("CreateModel", {
      ModelName: "host-path",
      PrimaryContainer: {
        Image: SKLEARN,
        ModelDataUrl: "s3://b/model.tar.gz",
        Environment: { SAGEMAKER_SUBMIT_DIRECTORY: "/home/someone/code" },
      },
    });
    await sm.handle("CreateEndpointConfig", {
      EndpointConfigName: "host-path",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: "host-path",
          InstanceType: "ml.m5.large",
          InitialInstanceCount: 1,
        },
      ],
    });
    await sm.handle("CreateEndpoint", { EndpointName: "host-path", EndpointConfigName: "host-path" });
    await sm.settled("endpoint", "host-path");
    expect(await sm.handle("DescribeEndpoint", { EndpointName: "host-path" })).toMatchObject({
      EndpointStatus: "Failed",
      FailureReason: expect.stringMatching(
        /SAGEMAKER_SUBMIT_DIRECTORY must be an s3:\/\/ URI .* got '\/home\/someone\/code'/,
      ),
    });
  });
});

describe("listing", () => {
  it("pages with NextToken, sorts, and filters by name and status", async () => {
    const sm = service();
    const names = Array.from({ length: 23 }, (_, i) => `model-${String(i).padStart(2, "0")}`);
    for (const name of names) await sm.handle("CreateModel", model(name));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = (await sm.handle("ListModels", {
        SortBy: "Name",
        SortOrder: "Ascending",
        NextToken: token,
      })) as {
        Models: Array<{ ModelName: string }>;
        NextToken?: string;
      };
      seen.push(...page.Models.map((m) => m.ModelName));
      token = page.NextToken;
      pages++;
    } while (token && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
    const desc = (await sm.handle("ListModels", {
      SortBy: "Name",
      SortOrder: "Descending",
      MaxResults: 2,
    })) as { Models: Array<{ ModelName: string }> };
    expect(desc.Models.map((m) => m.ModelName)).toEqual(["model-22", "model-21"]);
    const filtered = (await sm.handle("ListModels", { NameContains: "MODEL-1", MaxResults: 100 })) as {
      Models: unknown[];
      NextToken?: string;
    };
    expect(filtered.Models).toHaveLength(10);
    expect(filtered.NextToken).toBeUndefined();
    const badToken = await awsError(sm.handle("ListModels", { NextToken: "garbage" }));
    expect(badToken.message).toBe("Invalid pagination token");
    const badMax = await awsError(sm.handle("ListModels", { MaxResults: 101 }));
    expect(badMax.message).toMatch(
      /at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100/,
    );
    const badSort = await awsError(sm.handle("ListEndpoints", { SortBy: "Size" }));
    expect(badSort.message).toMatch(/Member must satisfy enum value set: \[Name, CreationTime, Status\]/);

    await sm.handle("CreateTrainingJob", {
      TrainingJobName: "will-fail",
      RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: "unknown:1", TrainingInputMode: "File" },
      OutputDataConfig: { S3OutputPath: "s3://b/o" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    });
    await sm.settled("training-job", "will-fail");
    const failed = (await sm.handle("ListTrainingJobs", { StatusEquals: "Failed" })) as {
      TrainingJobSummaries: Array<Record<string, unknown>>;
    };
    expect(failed.TrainingJobSummaries).toEqual([
      expect.objectContaining({
        TrainingJobName: "will-fail",
        TrainingJobStatus: "Failed",
        SecondaryStatus: "Failed",
      }),
    ]);
    const completed = (await sm.handle("ListTrainingJobs", { StatusEquals: "Completed" })) as {
      TrainingJobSummaries: unknown[];
    };
    expect(completed.TrainingJobSummaries).toEqual([]);
  });

  it("answers an unsupported operation with a clear error", async () => {
    const err = await awsError(service().handle("CreateCompilationJob", {}));
    expect(err.code).toBe("UnknownOperationException");
    expect(err.message).toMatch(/CreateCompilationJob is not supported/);
  });
});

describe("persistence", () => {
  it("keeps resources across a restart and fails jobs that were running", async () => {
    const dataDir = tempDir();
    // A runtime whose job never ends: the job is still InProgress when the service closes.
    const hanging = async () =>
      ({
        runTrainingJob: (_options: unknown, ctx?: OperationContext) =>
          new Promise((_resolve, reject) =>
            ctx?.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
          ),
        startModelServer: () => Promise.reject(new Error("not used")),
      }) satisfies LocalRuntime;
    const first = service(dataDir, hanging);
    await first.handle("CreateModel", model("kept"));
    await first.handle("CreateTrainingJob", {
      TrainingJobName: "interrupted",
      RoleArn: ROLE,
      AlgorithmSpecification: { TrainingImage: SKLEARN, TrainingInputMode: "File" },
      HyperParameters: {
        sagemaker_program: '"train.py"',
        sagemaker_submit_directory: '"s3://b/code.tar.gz"',
      },
      OutputDataConfig: { S3OutputPath: "s3://b/o" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 1 },
    });
    expect(await first.handle("DescribeTrainingJob", { TrainingJobName: "interrupted" })).toMatchObject({
      TrainingJobStatus: "InProgress",
    });
    await first.close();

    const second = service(dataDir, hanging);
    await second.restore();
    expect(await second.handle("DescribeModel", { ModelName: "kept" })).toMatchObject({ ModelName: "kept" });
    const job = (await second.handle("DescribeTrainingJob", { TrainingJobName: "interrupted" })) as Record<
      string,
      unknown
    >;
    expect(job).toMatchObject({ TrainingJobStatus: "Failed", SecondaryStatus: "Failed" });
    expect(job.FailureReason).toMatch(/emulator restarted/);
  });
});
