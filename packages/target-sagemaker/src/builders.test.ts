import { isMlshipError } from "@mlship/core";
import { describe, expect, it } from "vitest";
import { buildAsyncInferenceConfig } from "./async-inference.js";
import {
  buildCreateEndpointConfigRequest,
  buildCreateEndpointRequest,
  buildCreateModelRequest,
  type DataCaptureInput,
} from "./hosting-requests.js";
import { decodeHyperparameters, encodeHyperparameters } from "./hyperparameters.js";
import { buildCreateTrainingJobRequest, resolveRole } from "./training-request.js";

const ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution";

describe("encodeHyperparameters", () => {
  it("JSON-encodes every value and adds the sagemaker_* keys", () => {
    const wire = encodeHyperparameters(
      { n_estimators: 100, kernel: "rbf", verbose: true, layers: [1, 2], none: null },
      {
        program: "train.py",
        submitDirectory: "s3://b/j/source/sourcedir.tar.gz",
        jobName: "j",
        region: "eu-west-1",
      },
    );
    expect(wire).toEqual({
      n_estimators: "100",
      kernel: '"rbf"',
      verbose: "true",
      layers: "[1,2]",
      none: "null",
      sagemaker_program: '"train.py"',
      sagemaker_submit_directory: '"s3://b/j/source/sourcedir.tar.gz"',
      sagemaker_container_log_level: "20",
      sagemaker_job_name: '"j"',
      sagemaker_region: '"eu-west-1"',
    });
    expect(decodeHyperparameters(wire).n_estimators).toBe(100);
  });
});

describe("resolveRole", () => {
  it("takes the option, then MLSHIP_SAGEMAKER_ROLE", () => {
    expect(resolveRole(ROLE, {})).toBe(ROLE);
    expect(resolveRole(undefined, { MLSHIP_SAGEMAKER_ROLE: ROLE })).toBe(ROLE);
  });
  it("explains a missing or malformed role", () => {
    try {
      resolveRole(undefined, {});
      expect.unreachable();
    } catch (e) {
      expect(isMlshipError(e) && e.code).toBe("E_CONFIG");
      expect(isMlshipError(e) && e.hint).toContain("MLSHIP_SAGEMAKER_ROLE");
    }
    expect(() => resolveRole("SageMakerRole", {})).toThrow(/not an IAM role ARN/);
  });
});

describe("buildCreateTrainingJobRequest", () => {
  const base = {
    jobName: "train-2024-01-02-03-04-05-067",
    image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    role: ROLE,
    hyperparameters: { a: "1" },
    channels: [{ name: "train", uri: "s3://b/data/train/", contentType: "text/csv" }],
    outputPath: "s3://b/",
  };

  it("builds the SDK's script-mode request with its defaults", () => {
    expect(buildCreateTrainingJobRequest(base)).toEqual({
      TrainingJobName: base.jobName,
      AlgorithmSpecification: { TrainingImage: base.image, TrainingInputMode: "File" },
      RoleArn: ROLE,
      HyperParameters: { a: "1" },
      InputDataConfig: [
        {
          ChannelName: "train",
          DataSource: {
            S3DataSource: {
              S3DataType: "S3Prefix",
              S3Uri: "s3://b/data/train/",
              S3DataDistributionType: "FullyReplicated",
            },
          },
          ContentType: "text/csv",
        },
      ],
      OutputDataConfig: { S3OutputPath: "s3://b/" },
      ResourceConfig: { InstanceType: "ml.m5.large", InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 86400 },
      Environment: undefined,
      Tags: undefined,
    });
  });

  it("adds spot, checkpoint, VPC, tags and environment", () => {
    const req = buildCreateTrainingJobRequest({
      ...base,
      maxRuntimeSeconds: 3600,
      spot: { maxWaitSeconds: 7200 },
      checkpointS3Uri: "s3://b/ckpt/",
      vpc: { subnets: ["subnet-1"], securityGroupIds: ["sg-1"] },
      tags: { team: "ml" },
      environment: { FOO: "bar" },
      volumeSizeGb: 50,
      instanceCount: 2,
    });
    expect(req.EnableManagedSpotTraining).toBe(true);
    expect(req.StoppingCondition).toEqual({ MaxRuntimeInSeconds: 3600, MaxWaitTimeInSeconds: 7200 });
    expect(req.CheckpointConfig).toEqual({ S3Uri: "s3://b/ckpt/", LocalPath: "/opt/ml/checkpoints" });
    expect(req.VpcConfig).toEqual({ Subnets: ["subnet-1"], SecurityGroupIds: ["sg-1"] });
    expect(req.Tags).toEqual([{ Key: "team", Value: "ml" }]);
    expect(req.Environment).toEqual({ FOO: "bar" });
    expect(req.ResourceConfig).toMatchObject({ VolumeSizeInGB: 50, InstanceCount: 2 });
  });

  it("defaults the spot max wait to the max runtime and refuses a shorter one", () => {
    expect(
      buildCreateTrainingJobRequest({ ...base, maxRuntimeSeconds: 600, spot: true }).StoppingCondition,
    ).toEqual({
      MaxRuntimeInSeconds: 600,
      MaxWaitTimeInSeconds: 600,
    });
    expect(() =>
      buildCreateTrainingJobRequest({ ...base, maxRuntimeSeconds: 600, spot: { maxWaitSeconds: 60 } }),
    ).toThrow(/at least the max runtime/);
  });

  it("refuses duplicate channels and non-S3 channel URIs", () => {
    expect(() =>
      buildCreateTrainingJobRequest({ ...base, channels: [...base.channels, ...base.channels] }),
    ).toThrow(/duplicate/);
    expect(() =>
      buildCreateTrainingJobRequest({ ...base, channels: [{ name: "x", uri: "/tmp/x" }] }),
    ).toThrow(/s3:\/\//);
  });
});

describe("hosting builders", () => {
  it("builds CreateModel with the SDK's container environment; user env wins", () => {
    const req = buildCreateModelRequest({
      modelName: "m",
      image: "img",
      role: ROLE,
      region: "us-east-1",
      modelDataUrl: "s3://b/j/output/model.tar.gz",
      program: "inference.py",
      submitDirectory: "s3://b/j/source/sourcedir.tar.gz",
      environment: { SAGEMAKER_CONTAINER_LOG_LEVEL: "10", EXTRA: "1" },
    });
    expect(req).toEqual({
      ModelName: "m",
      ExecutionRoleArn: ROLE,
      PrimaryContainer: {
        Image: "img",
        ModelDataUrl: "s3://b/j/output/model.tar.gz",
        Environment: {
          SAGEMAKER_PROGRAM: "inference.py",
          SAGEMAKER_SUBMIT_DIRECTORY: "s3://b/j/source/sourcedir.tar.gz",
          SAGEMAKER_CONTAINER_LOG_LEVEL: "10",
          SAGEMAKER_REGION: "us-east-1",
          EXTRA: "1",
        },
      },
      Tags: undefined,
    });
  });

  it("builds an AllTraffic instance variant, or a serverless one", () => {
    expect(
      buildCreateEndpointConfigRequest({
        configName: "c",
        modelName: "m",
        instanceType: "ml.c5.xlarge",
        instanceCount: 2,
      }),
    ).toEqual({
      EndpointConfigName: "c",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          ModelName: "m",
          InitialInstanceCount: 2,
          InstanceType: "ml.c5.xlarge",
          InitialVariantWeight: 1,
        },
      ],
      Tags: undefined,
    });
    expect(
      buildCreateEndpointConfigRequest({
        configName: "c",
        modelName: "m",
        serverless: { memorySizeMb: 3072 },
      }).ProductionVariants,
    ).toEqual([
      {
        VariantName: "AllTraffic",
        ModelName: "m",
        ServerlessConfig: { MemorySizeInMB: 3072, MaxConcurrency: 5 },
      },
    ]);
    expect(() =>
      buildCreateEndpointConfigRequest({
        configName: "c",
        modelName: "m",
        serverless: { memorySizeMb: 1000 },
      }),
    ).toThrow(/1024-6144/);
  });

  it("adds data capture when asked", () => {
    const req = buildCreateEndpointConfigRequest({
      configName: "c",
      modelName: "m",
      dataCapture: { destinationS3Uri: "s3://b/capture/" },
    });
    // As the SageMaker SDK sends it: both modes, CSV and JSON recorded as text (else base64).
    expect(req.DataCaptureConfig).toEqual({
      EnableCapture: true,
      InitialSamplingPercentage: 100,
      DestinationS3Uri: "s3://b/capture/",
      CaptureOptions: [{ CaptureMode: "Input" }, { CaptureMode: "Output" }],
      CaptureContentTypeHeader: { CsvContentTypes: ["text/csv"], JsonContentTypes: ["application/json"] },
    });
    const input = buildCreateEndpointConfigRequest({
      configName: "c",
      modelName: "m",
      dataCapture: {
        destinationS3Uri: "s3://b/c",
        samplingPercentage: 0,
        captureModes: ["Input"],
        jsonContentTypes: ["application/jsonlines"],
      },
    });
    expect(input.DataCaptureConfig).toMatchObject({
      InitialSamplingPercentage: 0,
      CaptureOptions: [{ CaptureMode: "Input" }],
      CaptureContentTypeHeader: { JsonContentTypes: ["application/jsonlines"] },
    });
    for (const [dataCapture, where] of [
      [{ destinationS3Uri: "s3://b/c", samplingPercentage: 101 }, "dataCapture.samplingPercentage"],
      [{ destinationS3Uri: "s3://b/c", samplingPercentage: 2.5 }, "dataCapture.samplingPercentage"],
      [{ destinationS3Uri: "/local/dir" }, "dataCapture.destinationS3Uri"],
      [{ destinationS3Uri: "s3://b/c", captureModes: [] }, "dataCapture.captureModes"],
    ] as Array<[DataCaptureInput, string]>) {
      expect(() =>
        buildCreateEndpointConfigRequest({ configName: "c", modelName: "m", dataCapture }),
      ).toThrow(expect.objectContaining({ code: "E_INVALID_INPUT", where }));
    }
  });

  it("adds AsyncInferenceConfig with the output path, failure path, topics and concurrency", () => {
    const req = buildCreateEndpointConfigRequest({
      configName: "c",
      modelName: "m",
      asyncInference: buildAsyncInferenceConfig({
        outputPath: "s3://b/out",
        failurePath: "s3://b/failed",
        successTopic: "arn:aws:sns:us-east-1:123456789012:ok",
        errorTopic: "arn:aws:sns:us-east-1:123456789012:bad",
        maxConcurrentInvocationsPerInstance: 2,
      }),
    });
    expect(req.AsyncInferenceConfig).toEqual({
      ClientConfig: { MaxConcurrentInvocationsPerInstance: 2 },
      OutputConfig: {
        S3OutputPath: "s3://b/out",
        S3FailurePath: "s3://b/failed",
        NotificationConfig: {
          SuccessTopic: "arn:aws:sns:us-east-1:123456789012:ok",
          ErrorTopic: "arn:aws:sns:us-east-1:123456789012:bad",
        },
      },
    });
    expect(buildAsyncInferenceConfig({ outputPath: "s3://b/out" })).toEqual({
      OutputConfig: { S3OutputPath: "s3://b/out" },
    });
    expect(() => buildAsyncInferenceConfig({ outputPath: "s3://b/out", successTopic: "my-topic" })).toThrow(
      expect.objectContaining({ where: "async.successTopic" }),
    );
    expect(() =>
      buildAsyncInferenceConfig({ outputPath: "s3://b/o", maxConcurrentInvocationsPerInstance: 0 }),
    ).toThrow(expect.objectContaining({ where: "async.maxConcurrentInvocationsPerInstance" }));
  });

  it("builds CreateEndpoint", () => {
    expect(buildCreateEndpointRequest({ endpointName: "e", configName: "c", tags: { a: "b" } })).toEqual({
      EndpointName: "e",
      EndpointConfigName: "c",
      Tags: [{ Key: "a", Value: "b" }],
    });
  });
});
