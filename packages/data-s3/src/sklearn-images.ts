import { MlshipError } from "@mlship/core";

/*
 * SageMaker scikit-learn container registries, copied from the SageMaker Python SDK's
 * `src/sagemaker/image_uri_config/sklearn.json` (aws/sagemaker-python-sdk; the newest copy also lives at
 * `sagemaker-core/src/sagemaker/core/image_uri_config/sklearn.json`). Every sklearn version there uses the
 * same account per region, repository `sagemaker-scikit-learn`, processor `cpu`, py_version `py3`.
 * The SDK's sklearn config has no `version_aliases`; SKLEARN_VERSION_ALIASES below are mlship's own shorthands.
 */
export const SKLEARN_REPOSITORY = "sagemaker-scikit-learn";

export const SKLEARN_REGISTRIES: Readonly<Record<string, string>> = {
  "af-south-1": "510948584623",
  "ap-east-1": "651117190479",
  "ap-northeast-1": "354813040037",
  "ap-northeast-2": "366743142698",
  "ap-northeast-3": "867004704886",
  "ap-south-1": "720646828776",
  "ap-south-2": "628508329040",
  "ap-southeast-1": "121021644041",
  "ap-southeast-2": "783357654285",
  "ap-southeast-3": "951798379941",
  "ap-southeast-4": "106583098589",
  "ca-central-1": "341280168497",
  "ca-west-1": "190319476487",
  "cn-north-1": "450853457545",
  "cn-northwest-1": "451049120500",
  "eu-central-1": "492215442770",
  "eu-central-2": "680994064768",
  "eu-north-1": "662702820516",
  "eu-south-1": "978288397137",
  "eu-south-2": "104374241257",
  "eu-west-1": "141502667606",
  "eu-west-2": "764974769150",
  "eu-west-3": "659782779980",
  "il-central-1": "898809789911",
  "me-central-1": "272398656194",
  "me-south-1": "801668240914",
  "sa-east-1": "737474898029",
  "us-east-1": "683313688378",
  "us-east-2": "257758044811",
  "us-gov-east-1": "237065988967",
  "us-gov-west-1": "414596584902",
  "us-iso-east-1": "833128469047",
  "us-isob-east-1": "281123927165",
  "us-isof-east-1": "108575199400",
  "us-isof-south-1": "124985052026",
  "us-west-1": "746614075791",
  "us-west-2": "246618743249",
};

export type SklearnImageScope = "training" | "inference";

/** Versions per image scope, as listed in sklearn.json (`inference` has no plain `1.4-2` there). */
export const SKLEARN_SCOPE_VERSIONS: Readonly<Record<SklearnImageScope, readonly string[]>> = {
  training: ["0.20.0", "0.23-1", "1.0-1", "1.2-1", "1.4-2", "1.4-2-py312"],
  inference: ["0.20.0", "0.23-1", "1.0-1", "1.2-1", "1.4-2-py312"],
};

/** Every framework version any scope knows. */
export const SKLEARN_VERSIONS: readonly string[] = [
  ...new Set([...SKLEARN_SCOPE_VERSIONS.training, ...SKLEARN_SCOPE_VERSIONS.inference]),
];

/** mlship shorthands (the scikit-learn release a user thinks in) -> the container version. */
export const SKLEARN_VERSION_ALIASES: Readonly<Record<string, string>> = {
  "0.20": "0.20.0",
  "0.23": "0.23-1",
  "1.0": "1.0-1",
  "1.2": "1.2-1",
  "1.4": "1.4-2",
};

export const DEFAULT_SKLEARN_VERSION = "1.2-1";

/** ECR's DNS suffix per partition (what botocore's endpoint resolver yields for `ecr` in that region). */
function ecrDomain(region: string): string {
  if (region.startsWith("cn-")) return "amazonaws.com.cn";
  if (region.startsWith("us-isob-")) return "sc2s.sgov.gov";
  if (region.startsWith("us-isof-")) return "csp.hci.ic.gov";
  if (region.startsWith("us-iso-")) return "c2s.ic.gov";
  return "amazonaws.com";
}

/** Resolves an alias and checks the version against the table; E_INVALID_INPUT lists the valid ones. */
export function resolveSklearnVersion(
  version: string = DEFAULT_SKLEARN_VERSION,
  scope?: SklearnImageScope,
): string {
  const resolved = SKLEARN_VERSION_ALIASES[version] ?? version;
  const valid = scope ? SKLEARN_SCOPE_VERSIONS[scope] : SKLEARN_VERSIONS;
  if (!valid.includes(resolved)) {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `Unsupported scikit-learn framework version "${version}"${scope ? ` for ${scope}` : ""}`,
      {
        hint: `Valid versions: ${valid.join(", ")} (aliases: ${Object.keys(SKLEARN_VERSION_ALIASES).join(", ")}).`,
        where: "frameworkVersion",
        details: { version, scope, valid: [...valid] },
      },
    );
  }
  return resolved;
}

export interface SklearnImageOptions {
  processor?: "cpu";
  /** Validate against the training or inference list; default: any known version. */
  scope?: SklearnImageScope;
}

/**
 * The SageMaker scikit-learn image, e.g. `683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3`
 * (tag `<version>-<processor>-py3`, as the SDK's `image_uris.retrieve("sklearn", ...)` formats it).
 */
export function sklearnImageUri(
  region: string,
  version: string = DEFAULT_SKLEARN_VERSION,
  options: SklearnImageOptions = {},
): string {
  const account = SKLEARN_REGISTRIES[region];
  if (!account) {
    const regions = Object.keys(SKLEARN_REGISTRIES);
    throw new MlshipError("E_INVALID_INPUT", `No SageMaker scikit-learn image in region "${region}"`, {
      hint: `Regions with the image: ${regions.join(", ")}.`,
      where: "region",
      details: { region, valid: regions },
    });
  }
  const processor = options.processor ?? "cpu";
  if (processor !== "cpu") {
    throw new MlshipError(
      "E_INVALID_INPUT",
      `SageMaker scikit-learn images are CPU-only (got "${processor}")`,
      {
        where: "processor",
      },
    );
  }
  const resolved = resolveSklearnVersion(version, options.scope);
  return `${account}.dkr.ecr.${region}.${ecrDomain(region)}/${SKLEARN_REPOSITORY}:${resolved}-${processor}-py3`;
}

const SKLEARN_IMAGE = /^(?:.+\/)?sagemaker-scikit-learn:(.+)-cpu-py3$/;

/** The framework version an sklearn image URI carries (`...:1.2-1-cpu-py3` -> `1.2-1`), else undefined. */
export function sklearnVersionFromImage(image: string): string | undefined {
  return SKLEARN_IMAGE.exec(image)?.[1];
}
