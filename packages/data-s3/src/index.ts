// The hardened extractor lives in core (every package that unpacks archives uses it); re-exported here.
export type { ExtractOptions } from "@mlship/core/archive";
export { DEFAULT_MAX_EXTRACT_BYTES, DEFAULT_MAX_EXTRACT_ENTRIES, extractTarGz } from "@mlship/core/archive";
export {
  createS3ObjectStore,
  downloadAndExtract,
  MAX_PRESIGN_SECONDS,
  presignGetUrl,
  uploadSourceDir,
} from "./artifacts.js";
export type { AwsConnectionOptions } from "./aws-config.js";
export { awsClientConfig } from "./aws-config.js";
export { aws, isNotFound, wrapAwsError } from "./aws-errors.js";
export { bucketExists, callerAccountId, defaultBucketName, ensureBucket } from "./bucket.js";
export { DELETE_BATCH, deleteObjects } from "./cleanup.js";
export type { AwsClientOptions } from "./client.js";
export { createS3Client } from "./client.js";
export type { DataFile, FileKind } from "./data-files.js";
export { FILE_CONTENT, SUPPORTED_EXTENSIONS } from "./data-files.js";
export type { S3Location } from "./s3-uri.js";
export { formatS3Uri, parseS3Uri } from "./s3-uri.js";
export type { SklearnImageOptions, SklearnImageScope } from "./sklearn-images.js";
export {
  DEFAULT_SKLEARN_VERSION,
  resolveSklearnVersion,
  SKLEARN_REGISTRIES,
  SKLEARN_SCOPE_VERSIONS,
  SKLEARN_VERSION_ALIASES,
  SKLEARN_VERSIONS,
  sklearnImageUri,
  sklearnVersionFromImage,
} from "./sklearn-images.js";
export type { PackedBundle } from "./source-bundle.js";
export { BUNDLE_MTIME, EXCLUDED_DIRS, packSourceDir } from "./source-bundle.js";
export type { S3DataStagerOptions, S3StageOptions } from "./stager.js";
export { DEFAULT_PREFIX, needsConversion, S3DataStager } from "./stager.js";
export type { UploadFileOptions } from "./transfer.js";
export { downloadUri, uploadFile } from "./transfer.js";
