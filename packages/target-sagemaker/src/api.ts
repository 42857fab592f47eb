import {
  type CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  type DescribeLogStreamsCommandInput,
  type DescribeLogStreamsCommandOutput,
  FilterLogEventsCommand,
  type FilterLogEventsCommandInput,
  type FilterLogEventsCommandOutput,
  GetLogEventsCommand,
  type GetLogEventsCommandInput,
  type GetLogEventsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateEndpointCommand,
  type CreateEndpointCommandInput,
  type CreateEndpointCommandOutput,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  type CreateEndpointConfigCommandOutput,
  CreateModelCommand,
  type CreateModelCommandInput,
  type CreateModelCommandOutput,
  CreateTrainingJobCommand,
  type CreateTrainingJobCommandInput,
  type CreateTrainingJobCommandOutput,
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  type CreateTransformJobCommandOutput,
  DeleteEndpointCommand,
  type DeleteEndpointCommandInput,
  DeleteEndpointConfigCommand,
  type DeleteEndpointConfigCommandInput,
  DeleteModelCommand,
  type DeleteModelCommandInput,
  DescribeEndpointCommand,
  type DescribeEndpointCommandInput,
  type DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommand,
  type DescribeEndpointConfigCommandInput,
  type DescribeEndpointConfigCommandOutput,
  DescribeModelCommand,
  type DescribeModelCommandInput,
  type DescribeModelCommandOutput,
  DescribeTrainingJobCommand,
  type DescribeTrainingJobCommandInput,
  type DescribeTrainingJobCommandOutput,
  DescribeTransformJobCommand,
  type DescribeTransformJobCommandInput,
  type DescribeTransformJobCommandOutput,
  ListEndpointsCommand,
  type ListEndpointsCommandInput,
  type ListEndpointsCommandOutput,
  ListTagsCommand,
  type ListTagsCommandInput,
  type ListTagsCommandOutput,
  ListTrainingJobsCommand,
  type ListTrainingJobsCommandInput,
  type ListTrainingJobsCommandOutput,
  ListTransformJobsCommand,
  type ListTransformJobsCommandInput,
  type ListTransformJobsCommandOutput,
  type SageMakerClient,
  StopTrainingJobCommand,
  type StopTrainingJobCommandInput,
  StopTransformJobCommand,
  type StopTransformJobCommandInput,
  UpdateEndpointCommand,
  type UpdateEndpointCommandInput,
  type UpdateEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker";
import {
  InvokeEndpointCommand,
  type InvokeEndpointCommandInput,
  type InvokeEndpointCommandOutput,
  type SageMakerRuntimeClient,
} from "@aws-sdk/client-sagemaker-runtime";
import {
  GetCallerIdentityCommand,
  type GetCallerIdentityCommandOutput,
  type STSClient,
} from "@aws-sdk/client-sts";

type Opts = { abortSignal?: AbortSignal };

/** The SageMaker calls this target makes, and nothing else: a fake of it is fully type-checked. */
export interface SageMakerApi {
  createTrainingJob(i: CreateTrainingJobCommandInput): Promise<CreateTrainingJobCommandOutput>;
  describeTrainingJob(
    i: DescribeTrainingJobCommandInput,
    o?: Opts,
  ): Promise<DescribeTrainingJobCommandOutput>;
  listTrainingJobs(i: ListTrainingJobsCommandInput): Promise<ListTrainingJobsCommandOutput>;
  stopTrainingJob(i: StopTrainingJobCommandInput): Promise<unknown>;
  createModel(i: CreateModelCommandInput): Promise<CreateModelCommandOutput>;
  describeModel(i: DescribeModelCommandInput): Promise<DescribeModelCommandOutput>;
  deleteModel(i: DeleteModelCommandInput): Promise<unknown>;
  createEndpointConfig(i: CreateEndpointConfigCommandInput): Promise<CreateEndpointConfigCommandOutput>;
  describeEndpointConfig(i: DescribeEndpointConfigCommandInput): Promise<DescribeEndpointConfigCommandOutput>;
  deleteEndpointConfig(i: DeleteEndpointConfigCommandInput): Promise<unknown>;
  createEndpoint(i: CreateEndpointCommandInput): Promise<CreateEndpointCommandOutput>;
  describeEndpoint(i: DescribeEndpointCommandInput, o?: Opts): Promise<DescribeEndpointCommandOutput>;
  updateEndpoint(i: UpdateEndpointCommandInput): Promise<UpdateEndpointCommandOutput>;
  deleteEndpoint(i: DeleteEndpointCommandInput): Promise<unknown>;
  listEndpoints(i: ListEndpointsCommandInput): Promise<ListEndpointsCommandOutput>;
  createTransformJob(i: CreateTransformJobCommandInput): Promise<CreateTransformJobCommandOutput>;
  describeTransformJob(
    i: DescribeTransformJobCommandInput,
    o?: Opts,
  ): Promise<DescribeTransformJobCommandOutput>;
  stopTransformJob(i: StopTransformJobCommandInput): Promise<unknown>;
  listTransformJobs(i: ListTransformJobsCommandInput): Promise<ListTransformJobsCommandOutput>;
  /** Optional, so ports written before it still fit: without it, `describe` shows no tags. */
  listTags?(i: ListTagsCommandInput, o?: Opts): Promise<ListTagsCommandOutput>;
}

/** CloudWatch Logs reads: training and transform logs by stream, endpoint logs across a group. */
export interface LogsApi {
  describeLogStreams(i: DescribeLogStreamsCommandInput, o?: Opts): Promise<DescribeLogStreamsCommandOutput>;
  getLogEvents(i: GetLogEventsCommandInput, o?: Opts): Promise<GetLogEventsCommandOutput>;
  filterLogEvents(i: FilterLogEventsCommandInput, o?: Opts): Promise<FilterLogEventsCommandOutput>;
}

/** Called before each SDK retry of a call: which attempt, how long since the failure, and why. */
export type RetryListener = (retry: { attempt: number; delayMs: number; reason: string }) => void;

export interface RuntimeApi {
  invokeEndpoint(
    i: InvokeEndpointCommandInput,
    o?: Opts & { onRetry?: RetryListener },
  ): Promise<InvokeEndpointCommandOutput>;
}

export interface StsApi {
  getCallerIdentity(): Promise<GetCallerIdentityCommandOutput>;
}

/** Adapter: the port over a real client's `send()`. */
export function sageMakerApi(client: SageMakerClient): SageMakerApi {
  return {
    createTrainingJob: (i) => client.send(new CreateTrainingJobCommand(i)),
    describeTrainingJob: (i, o) => client.send(new DescribeTrainingJobCommand(i), o),
    listTrainingJobs: (i) => client.send(new ListTrainingJobsCommand(i)),
    stopTrainingJob: (i) => client.send(new StopTrainingJobCommand(i)),
    createModel: (i) => client.send(new CreateModelCommand(i)),
    describeModel: (i) => client.send(new DescribeModelCommand(i)),
    deleteModel: (i) => client.send(new DeleteModelCommand(i)),
    createEndpointConfig: (i) => client.send(new CreateEndpointConfigCommand(i)),
    describeEndpointConfig: (i) => client.send(new DescribeEndpointConfigCommand(i)),
    deleteEndpointConfig: (i) => client.send(new DeleteEndpointConfigCommand(i)),
    createEndpoint: (i) => client.send(new CreateEndpointCommand(i)),
    describeEndpoint: (i, o) => client.send(new DescribeEndpointCommand(i), o),
    updateEndpoint: (i) => client.send(new UpdateEndpointCommand(i)),
    deleteEndpoint: (i) => client.send(new DeleteEndpointCommand(i)),
    listEndpoints: (i) => client.send(new ListEndpointsCommand(i)),
    createTransformJob: (i) => client.send(new CreateTransformJobCommand(i)),
    describeTransformJob: (i, o) => client.send(new DescribeTransformJobCommand(i), o),
    stopTransformJob: (i) => client.send(new StopTransformJobCommand(i)),
    listTransformJobs: (i) => client.send(new ListTransformJobsCommand(i)),
    listTags: (i, o) => client.send(new ListTagsCommand(i), o),
  };
}

export function logsApi(client: CloudWatchLogsClient): LogsApi {
  return {
    describeLogStreams: (i, o) => client.send(new DescribeLogStreamsCommand(i), o),
    getLogEvents: (i, o) => client.send(new GetLogEventsCommand(i), o),
    filterLogEvents: (i, o) => client.send(new FilterLogEventsCommand(i), o),
  };
}

export function runtimeApi(client: SageMakerRuntimeClient): RuntimeApi {
  return {
    invokeEndpoint(i, o) {
      const command = new InvokeEndpointCommand(i);
      const onRetry = o?.onRetry;
      if (onRetry) {
        // Runs inside the SDK's retry middleware, so it sees every attempt of this one call.
        let failedAt = 0;
        let reason = "";
        command.middlewareStack.add(
          (next) => async (args) => {
            const header =
              (args.request as { headers?: Record<string, string> }).headers?.["amz-sdk-request"] ?? "";
            const attempt = Number(/attempt=(\d+)/.exec(header)?.[1] ?? "1");
            if (attempt > 1) onRetry({ attempt, delayMs: failedAt ? Date.now() - failedAt : 0, reason });
            try {
              return await next(args);
            } catch (e) {
              failedAt = Date.now();
              reason = (e as { name?: string }).name ?? "error";
              throw e;
            }
          },
          { step: "finalizeRequest", priority: "low", name: "mlshipRetryObserver" },
        );
      }
      return client.send(command, o?.abortSignal ? { abortSignal: o.abortSignal } : undefined);
    },
  };
}

export function stsApi(client: STSClient): StsApi {
  return { getCallerIdentity: () => client.send(new GetCallerIdentityCommand({})) };
}
