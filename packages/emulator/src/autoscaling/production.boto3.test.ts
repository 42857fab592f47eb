// boto3 and the AWS CLI against the emulator, used as their docs show: Application Auto Scaling,
// invoke_endpoint_async, and reading data capture. Our TypeScript SDK usage and the emulator must not
// share one misunderstanding of these APIs.
import { awsCliJson, boto3At } from "@mlship/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Emulator } from "../index.js";
import { startEmulatorWithTinyModel } from "../test-support.js";

let emulator: Emulator;

/** The AWS CLI's JSON answer; fails the test with its stderr when the command fails. */
const aws = (...args: string[]) => awsCliJson(emulator, args);

beforeAll(async () => {
  emulator = await startEmulatorWithTinyModel("boto-prod", { dataCaptureFlushSeconds: 0.2 });
}, 60_000);

afterAll(async () => {
  await emulator?.stop();
});

const SCRIPT = String.raw`
import json, sys, time
import boto3

endpoint_url = sys.argv[1]
sm = boto3.client("sagemaker", endpoint_url=endpoint_url)
runtime = boto3.client("sagemaker-runtime", endpoint_url=endpoint_url)
autoscaling = boto3.client("application-autoscaling", endpoint_url=endpoint_url)
s3 = boto3.client("s3", endpoint_url=endpoint_url)

sm.create_model(
    ModelName="tiny",
    ExecutionRoleArn="arn:aws:iam::000000000000:role/SageMakerRole",
    PrimaryContainer={
        "Image": "mlship-node:latest",
        "ModelDataUrl": "s3://boto-prod/tiny/model.tar.gz",
        "Environment": {"SAGEMAKER_PROGRAM": "inference.mjs", "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code"},
    },
)
variant = [{"VariantName": "AllTraffic", "ModelName": "tiny", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}]
sm.create_endpoint_config(
    EndpointConfigName="boto-realtime",
    ProductionVariants=variant,
    DataCaptureConfig={
        "EnableCapture": True,
        "InitialSamplingPercentage": 100,
        "DestinationS3Uri": "s3://boto-prod/capture",
        "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}],
        "CaptureContentTypeHeader": {"CsvContentTypes": ["text/csv"], "JsonContentTypes": ["application/json"]},
    },
)
sm.create_endpoint_config(
    EndpointConfigName="boto-async",
    ProductionVariants=variant,
    AsyncInferenceConfig={
        "OutputConfig": {"S3OutputPath": "s3://boto-prod/async-out"},
        "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 2},
    },
)
sm.create_endpoint(EndpointName="boto-realtime", EndpointConfigName="boto-realtime")
sm.create_endpoint(EndpointName="boto-async", EndpointConfigName="boto-async")
waiter = sm.get_waiter("endpoint_in_service")
for name in ["boto-realtime", "boto-async"]:
    waiter.wait(EndpointName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})

# Autoscaling, as the SageMaker docs show it.
resource_id = "endpoint/boto-realtime/variant/AllTraffic"
autoscaling.register_scalable_target(
    ServiceNamespace="sagemaker",
    ResourceId=resource_id,
    ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    MinCapacity=1,
    MaxCapacity=2,
)
policy = autoscaling.put_scaling_policy(
    PolicyName="Invocations-ScalingPolicy",
    ServiceNamespace="sagemaker",
    ResourceId=resource_id,
    ScalableDimension="sagemaker:variant:DesiredInstanceCount",
    PolicyType="TargetTrackingScaling",
    TargetTrackingScalingPolicyConfiguration={
        "TargetValue": 70.0,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        "ScaleInCooldown": 600,
        "ScaleOutCooldown": 300,
    },
)
targets = autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[resource_id])
policies = autoscaling.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=resource_id)

# Asynchronous inference: the input is in S3, the answer says where the output will be.
s3.put_object(Bucket="boto-prod", Key="input/rows.csv", Body=b"1,2\n3,4\n")
response = runtime.invoke_endpoint_async(
    EndpointName="boto-async", InputLocation="s3://boto-prod/input/rows.csv", ContentType="text/csv"
)
output_location = response["OutputLocation"]
bucket, key = output_location[len("s3://"):].split("/", 1)
output = None
for _ in range(100):
    try:
        output = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        break
    except s3.exceptions.NoSuchKey:
        time.sleep(0.1)

# Data capture: invoke, then read the JSON Lines under <destination>/<endpoint>/<variant>/.
for i in range(3):
    runtime.invoke_endpoint(EndpointName="boto-realtime", ContentType="text/csv", Body=f"{i},10")
records = []
for _ in range(100):
    listed = s3.list_objects_v2(Bucket="boto-prod", Prefix="capture/boto-realtime/AllTraffic/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    records = [
        json.loads(line)
        for k in keys
        for line in s3.get_object(Bucket="boto-prod", Key=k)["Body"].read().decode().splitlines()
    ]
    if len(records) == 3:
        break
    time.sleep(0.1)

print(json.dumps({
    "policyArn": policy["PolicyARN"],
    "alarms": len(policy["Alarms"]),
    "targets": [[t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]] for t in targets["ScalableTargets"]],
    "policies": [p["PolicyName"] for p in policies["ScalingPolicies"]],
    "inferenceId": response["InferenceId"],
    "outputLocation": output_location,
    "output": output,
    "captured": sorted([r["captureData"]["endpointInput"]["data"], r["captureData"]["endpointOutput"]["data"], r["captureData"]["endpointInput"]["encoding"], r["eventVersion"]] for r in records),
}))
`;

describe("boto3 and the AWS CLI on the emulator's production endpoint features", () => {
  it("registers a scalable target and policy, invokes asynchronously and reads captured records", async () => {
    const r = await boto3At(emulator, SCRIPT);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.policyArn).toMatch(
      /:scalingPolicy:.+:resource\/sagemaker\/endpoint\/boto-realtime\/variant\/AllTraffic:policyName\/Invocations-ScalingPolicy$/,
    );
    expect(result.alarms).toBe(2);
    expect(result.targets).toEqual([["endpoint/boto-realtime/variant/AllTraffic", 1, 2]]);
    expect(result.policies).toEqual(["Invocations-ScalingPolicy"]);
    expect(result.outputLocation).toBe(`s3://boto-prod/async-out/${result.inferenceId}.out`);
    expect(result.output).toBe("[3,7]");
    expect(result.captured).toEqual([
      ["0,10", "[10]", "CSV", "0"],
      ["1,10", "[11]", "CSV", "0"],
      ["2,10", "[12]", "CSV", "0"],
    ]);

    // The AWS CLI, same service models.
    const described = await aws(
      "application-autoscaling",
      "describe-scaling-policies",
      "--service-namespace",
      "sagemaker",
    );
    expect((described.ScalingPolicies as Array<{ PolicyName: string }>).map((p) => p.PolicyName)).toEqual([
      "Invocations-ScalingPolicy",
    ]);
    const asyncOut = await aws(
      "sagemaker-runtime",
      "invoke-endpoint-async",
      "--endpoint-name",
      "boto-async",
      "--input-location",
      "s3://boto-prod/input/rows.csv",
      "--content-type",
      "text/csv",
    );
    expect(asyncOut.OutputLocation).toBe(`s3://boto-prod/async-out/${String(asyncOut.InferenceId)}.out`);
    await aws(
      "application-autoscaling",
      "deregister-scalable-target",
      "--service-namespace",
      "sagemaker",
      "--resource-id",
      "endpoint/boto-realtime/variant/AllTraffic",
      "--scalable-dimension",
      "sagemaker:variant:DesiredInstanceCount",
    );
    const targets = await aws(
      "application-autoscaling",
      "describe-scalable-targets",
      "--service-namespace",
      "sagemaker",
    );
    expect(targets.ScalableTargets).toEqual([]);
  }, 120_000);
});
