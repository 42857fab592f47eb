import {
  CreateHyperParameterTuningJobCommand,
  type CreateHyperParameterTuningJobCommandInput,
  type CreateHyperParameterTuningJobCommandOutput,
  DescribeHyperParameterTuningJobCommand,
  type DescribeHyperParameterTuningJobCommandInput,
  type DescribeHyperParameterTuningJobCommandOutput,
  ListHyperParameterTuningJobsCommand,
  type ListHyperParameterTuningJobsCommandInput,
  type ListHyperParameterTuningJobsCommandOutput,
  ListTrainingJobsForHyperParameterTuningJobCommand,
  type ListTrainingJobsForHyperParameterTuningJobCommandInput,
  type ListTrainingJobsForHyperParameterTuningJobCommandOutput,
  type SageMakerClient,
  StopHyperParameterTuningJobCommand,
  type StopHyperParameterTuningJobCommandInput,
} from "@aws-sdk/client-sagemaker";

type Opts = { abortSignal?: AbortSignal };

/** The hyperparameter tuning calls this target makes (a port of its own, so a fake is fully type-checked). */
export interface TuningApi {
  createHyperParameterTuningJob(
    i: CreateHyperParameterTuningJobCommandInput,
  ): Promise<CreateHyperParameterTuningJobCommandOutput>;
  describeHyperParameterTuningJob(
    i: DescribeHyperParameterTuningJobCommandInput,
    o?: Opts,
  ): Promise<DescribeHyperParameterTuningJobCommandOutput>;
  listHyperParameterTuningJobs(
    i: ListHyperParameterTuningJobsCommandInput,
  ): Promise<ListHyperParameterTuningJobsCommandOutput>;
  listTrainingJobsForHyperParameterTuningJob(
    i: ListTrainingJobsForHyperParameterTuningJobCommandInput,
    o?: Opts,
  ): Promise<ListTrainingJobsForHyperParameterTuningJobCommandOutput>;
  stopHyperParameterTuningJob(i: StopHyperParameterTuningJobCommandInput): Promise<unknown>;
}

/** Adapter: the port over a real client's `send()`. */
export function tuningApi(client: SageMakerClient): TuningApi {
  return {
    createHyperParameterTuningJob: (i) => client.send(new CreateHyperParameterTuningJobCommand(i)),
    describeHyperParameterTuningJob: (i, o) => client.send(new DescribeHyperParameterTuningJobCommand(i), o),
    listHyperParameterTuningJobs: (i) => client.send(new ListHyperParameterTuningJobsCommand(i)),
    listTrainingJobsForHyperParameterTuningJob: (i, o) =>
      client.send(new ListTrainingJobsForHyperParameterTuningJobCommand(i), o),
    stopHyperParameterTuningJob: (i) => client.send(new StopHyperParameterTuningJobCommand(i)),
  };
}
