/** Where SageMaker mounts a channel's data inside the container. */
const CHANNEL_PATH = /^\/opt\/ml\/input\/data\/([^/]+)\/(.+)$/;

/**
 * The s3:// URI of the code bundle a job's `sagemaker_submit_directory` names, or why there is none.
 * An s3:// URI is taken as is. A path under `/opt/ml/input/data/<channel>/` (with network isolation the
 * SageMaker Python SDK ships the code as a `code` channel and points there) is the object SageMaker stages
 * at that path: the channel's S3 prefix up to its last `/`, then the rest of the path, which must lie under
 * the channel's prefix. Nothing is ever read from a path on the emulator's host.
 */
export function codeBundleUri(
  value: string | undefined,
  channels: Readonly<Record<string, string>>,
): { uri: string } | { reason: string } {
  if (value?.startsWith("s3://")) return { uri: value };
  const shown = value === undefined ? "nothing" : `'${value}'`;
  const m = value === undefined ? null : CHANNEL_PATH.exec(value);
  if (!m) {
    return {
      reason: `The hyperparameter 'sagemaker_submit_directory' must be the s3:// URI of the code (sourcedir.tar.gz) or a file of an input channel (/opt/ml/input/data/<channel>/...); got ${shown}.`,
    };
  }
  const [, channel = "", rest = ""] = m;
  const prefix = Object.hasOwn(channels, channel) ? channels[channel] : undefined;
  if (prefix === undefined) {
    return {
      reason: `The hyperparameter 'sagemaker_submit_directory' is ${shown}, but the job has no input channel '${channel}'.`,
    };
  }
  const uri = `${prefix.slice(0, prefix.lastIndexOf("/") + 1)}${rest}`;
  if (rest.split("/").includes("..") || !uri.startsWith(prefix)) {
    return {
      reason: `The hyperparameter 'sagemaker_submit_directory' is ${shown}, which is not a file channel '${channel}' stages from ${prefix}.`,
    };
  }
  return { uri };
}
