import { cpus } from "node:os";
import { join } from "node:path";
import { decodeWireValue, envValue, type JsonLike, type PyValue, toCmdArgs } from "./py-values.js";

/** Framework hyperparameters the toolkit keeps out of the user's arguments (params.SAGEMAKER_HYPERPARAMETERS). */
const FRAMEWORK_KEYS = new Set([
  "sagemaker_program",
  "sagemaker_submit_directory",
  "sagemaker_enable_cloudwatch_metrics",
  "sagemaker_region",
  "sagemaker_container_log_level",
  "sagemaker_job_name",
  "default_user_module_name",
  "_tuning_objective_metric",
  "sagemaker_s3_output",
]);

export const CURRENT_HOST = "algo-1";
const INSTANCE_GROUP = "homogeneousCluster";

/** The directories of one job, mirroring `/opt/ml`. */
export interface JobPaths {
  root: string;
  inputDir: string;
  inputConfigDir: string;
  inputDataDir: string;
  modelDir: string;
  outputDir: string;
  outputDataDir: string;
  outputIntermediateDir: string;
  codeDir: string;
  failureFile: string;
}

export function jobPaths(root: string): JobPaths {
  const inputDir = join(root, "input");
  const outputDir = join(root, "output");
  return {
    root,
    inputDir,
    inputConfigDir: join(inputDir, "config"),
    inputDataDir: join(inputDir, "data"),
    modelDir: join(root, "model"),
    outputDir,
    outputDataDir: join(outputDir, "data"),
    outputIntermediateDir: join(outputDir, "intermediate"),
    codeDir: join(root, "code"),
    failureFile: join(outputDir, "failure"),
  };
}

export interface ToolkitEnvInput {
  jobName: string;
  paths: JobPaths;
  entryPoint: string;
  /** Channel names (their data is under `input/data/<name>`), with the content type when known. */
  channels: Record<string, { contentType?: string }>;
  /** Wire form: every value a JSON-encoded string (user and `sagemaker_*`). */
  hyperparameters: Record<string, string>;
  instanceType?: string;
  /** Where the code came from (`s3://.../sourcedir.tar.gz`); default the code dir. */
  moduleDir?: string;
  runtime: "python" | "node";
  numCpus?: number;
}

export interface ToolkitEnv {
  /** Environment variables to add to the process environment. */
  env: Record<string, string>;
  /** Arguments after the entry point: the user hyperparameters as `--name value`. */
  args: string[];
  /** Contents of `input/config/*.json`. */
  configFiles: {
    "hyperparameters.json": Record<string, string>;
    "resourceconfig.json": Record<string, JsonLike>;
    "inputdataconfig.json": Record<string, JsonLike>;
  };
}

/** Splits decoded hyperparameters like `mapping.split_by_criteria(keys=..., prefix="sagemaker_")`. */
function splitHyperparameters(wire: Record<string, string>) {
  const user = new Map<string, PyValue>();
  const framework = new Map<string, PyValue>();
  for (const [key, text] of Object.entries(wire)) {
    const value = decodeWireValue(text);
    if (FRAMEWORK_KEYS.has(key) || key.startsWith("sagemaker_")) framework.set(key, value);
    else user.set(key, value);
  }
  return { user, framework };
}

const toDict = (m: ReadonlyMap<string, PyValue>): PyValue => ({ kind: "dict", entries: [...m.entries()] });

/**
 * The environment, arguments and config files the SageMaker training toolkit gives a user script
 * (`sagemaker_training.environment.Environment.to_env_vars` and `to_cmd_args`), for one host.
 */
export function buildToolkitEnv(input: ToolkitEnvInput): ToolkitEnv {
  const { paths, jobName } = input;
  const { user, framework } = splitHyperparameters(input.hyperparameters);
  const additionalFrameworkParameters = new Map([...framework].filter(([k]) => !FRAMEWORK_KEYS.has(k)));
  const instanceType = input.instanceType ?? "local";
  const hosts = [CURRENT_HOST];
  const resourceConfig = {
    current_host: CURRENT_HOST,
    current_instance_type: instanceType,
    current_group_name: INSTANCE_GROUP,
    hosts,
    instance_groups: [{ instance_group_name: INSTANCE_GROUP, instance_type: instanceType, hosts }],
    network_interface_name: "eth0",
  };
  const channelNames = Object.keys(input.channels).sort();
  const inputDataConfig: Record<string, JsonLike> = {};
  for (const name of channelNames) {
    const contentType = input.channels[name]?.contentType;
    inputDataConfig[name] = {
      ...(contentType ? { ContentType: contentType } : {}),
      TrainingInputMode: "File",
      S3DistributionType: "FullyReplicated",
      RecordWrapperType: "None",
    };
  }
  const channelInputDirs: Record<string, string> = {};
  for (const name of channelNames) channelInputDirs[name] = join(paths.inputDataDir, name);

  const entryPoint = input.entryPoint;
  const moduleName = entryPoint.endsWith(".py") ? entryPoint.slice(0, -3) : entryPoint;
  const logLevel = framework.get("sagemaker_container_log_level") ?? { kind: "int", text: "20" };
  const moduleDir = framework.get("sagemaker_submit_directory") ?? input.moduleDir ?? paths.codeDir;
  const frameworkModule = input.runtime === "python" ? "sagemaker_sklearn_container.training:main" : null;
  const numCpus = input.numCpus ?? cpus().length;
  const userArgs = toCmdArgs(user);
  const instanceGroupsDict = { [INSTANCE_GROUP]: resourceConfig.instance_groups[0] as JsonLike };

  // Every property of the toolkit's Environment, as `dict(env)` gives them (SM_TRAINING_ENV).
  const trainingEnv: Record<string, JsonLike> = {
    additional_framework_parameters: toDict(additionalFrameworkParameters),
    channel_input_dirs: channelInputDirs,
    current_host: CURRENT_HOST,
    current_instance_group: INSTANCE_GROUP,
    current_instance_group_hosts: hosts,
    current_instance_type: instanceType,
    distribution_hosts: [],
    distribution_instance_groups: [],
    framework_module: frameworkModule,
    hosts,
    hyperparameters: toDict(user),
    input_config_dir: paths.inputConfigDir,
    input_data_config: inputDataConfig,
    input_dir: paths.inputDir,
    instance_groups: [INSTANCE_GROUP],
    instance_groups_dict: instanceGroupsDict,
    is_hetero: false,
    is_master: true,
    is_modelparallel_enabled: null,
    job_name: jobName,
    log_level: logLevel,
    master_hostname: CURRENT_HOST,
    model_dir: paths.modelDir,
    module_dir: moduleDir,
    module_name: moduleName,
    network_interface_name: "eth0",
    num_cpus: numCpus,
    num_gpus: 0,
    output_data_dir: paths.outputDataDir,
    output_dir: paths.outputDir,
    output_intermediate_dir: paths.outputIntermediateDir,
    resource_config: resourceConfig,
    user_entry_point: entryPoint,
  };

  const sm: Record<string, PyValue | JsonLike> = {
    hosts,
    network_interface_name: "eth0",
    hps: toDict(user),
    user_entry_point: entryPoint,
    framework_params: toDict(additionalFrameworkParameters),
    resource_config: resourceConfig,
    input_data_config: inputDataConfig,
    output_data_dir: paths.outputDataDir,
    channels: channelNames,
    current_host: CURRENT_HOST,
    current_instance_type: instanceType,
    current_instance_group: INSTANCE_GROUP,
    current_instance_group_hosts: hosts,
    instance_groups: [INSTANCE_GROUP],
    instance_groups_dict: instanceGroupsDict,
    distribution_instance_groups: [],
    is_hetero: false,
    module_name: moduleName,
    log_level: logLevel,
    framework_module: frameworkModule,
    input_dir: paths.inputDir,
    input_config_dir: paths.inputConfigDir,
    output_dir: paths.outputDir,
    num_cpus: numCpus,
    num_gpus: 0,
    model_dir: paths.modelDir,
    module_dir: moduleDir,
    training_env: trainingEnv,
    user_args: userArgs,
    output_intermediate_dir: paths.outputIntermediateDir,
  };
  for (const [name, dir] of Object.entries(channelInputDirs)) sm[`channel_${name}`] = dir;
  for (const [name, value] of user) sm[`hp_${name}`] = value;

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(sm)) env[`SM_${key.toUpperCase()}`] = envValue(value);
  // Set by the platform and the toolkit outside to_env_vars.
  env.TRAINING_JOB_NAME = jobName;
  env.CURRENT_HOST = CURRENT_HOST;
  env.SAGEMAKER_JOB_NAME = envValue(framework.get("sagemaker_job_name") ?? jobName);
  env.SAGEMAKER_REGION = envValue(framework.get("sagemaker_region") ?? "");
  if (frameworkModule) env.SAGEMAKER_TRAINING_MODULE = frameworkModule;

  return {
    env,
    args: userArgs,
    configFiles: {
      "hyperparameters.json": { ...input.hyperparameters },
      "resourceconfig.json": resourceConfig,
      "inputdataconfig.json": inputDataConfig,
    },
  };
}
