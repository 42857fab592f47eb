import {
  type ApplicationAutoScalingClient,
  DeregisterScalableTargetCommand,
  type DeregisterScalableTargetCommandInput,
  DescribeScalableTargetsCommand,
  type DescribeScalableTargetsCommandInput,
  type DescribeScalableTargetsCommandOutput,
  DescribeScalingPoliciesCommand,
  type DescribeScalingPoliciesCommandInput,
  type DescribeScalingPoliciesCommandOutput,
  PutScalingPolicyCommand,
  type PutScalingPolicyCommandInput,
  type PutScalingPolicyCommandOutput,
  RegisterScalableTargetCommand,
  type RegisterScalableTargetCommandInput,
  type RegisterScalableTargetCommandOutput,
} from "@aws-sdk/client-application-auto-scaling";
import {
  InvokeEndpointAsyncCommand,
  type InvokeEndpointAsyncCommandInput,
  type InvokeEndpointAsyncCommandOutput,
  type SageMakerRuntimeClient,
} from "@aws-sdk/client-sagemaker-runtime";

/** The Application Auto Scaling calls this target makes, and nothing else. */
export interface AutoScalingApi {
  registerScalableTarget(i: RegisterScalableTargetCommandInput): Promise<RegisterScalableTargetCommandOutput>;
  deregisterScalableTarget(i: DeregisterScalableTargetCommandInput): Promise<unknown>;
  describeScalableTargets(
    i: DescribeScalableTargetsCommandInput,
  ): Promise<DescribeScalableTargetsCommandOutput>;
  putScalingPolicy(i: PutScalingPolicyCommandInput): Promise<PutScalingPolicyCommandOutput>;
  describeScalingPolicies(
    i: DescribeScalingPoliciesCommandInput,
  ): Promise<DescribeScalingPoliciesCommandOutput>;
}

/** InvokeEndpointAsync, the one asynchronous SageMaker Runtime call. */
export interface AsyncRuntimeApi {
  invokeEndpointAsync(
    i: InvokeEndpointAsyncCommandInput,
    o?: { abortSignal?: AbortSignal },
  ): Promise<InvokeEndpointAsyncCommandOutput>;
}

export function autoScalingApi(client: ApplicationAutoScalingClient): AutoScalingApi {
  return {
    registerScalableTarget: (i) => client.send(new RegisterScalableTargetCommand(i)),
    deregisterScalableTarget: (i) => client.send(new DeregisterScalableTargetCommand(i)),
    describeScalableTargets: (i) => client.send(new DescribeScalableTargetsCommand(i)),
    putScalingPolicy: (i) => client.send(new PutScalingPolicyCommand(i)),
    describeScalingPolicies: (i) => client.send(new DescribeScalingPoliciesCommand(i)),
  };
}

export function asyncRuntimeApi(client: SageMakerRuntimeClient): AsyncRuntimeApi {
  return { invokeEndpointAsync: (i, o) => client.send(new InvokeEndpointAsyncCommand(i), o) };
}
