import { isNodeRuntimeImage } from "@mlship/core";

export type ImageRuntime = "python" | "node";

// The SageMaker scikit-learn framework images, in any region's account and any version:
// `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/sagemaker-scikit-learn:<version>-cpu-py3`.
const SKLEARN_IMAGE = /(^|\/)sagemaker-scikit-learn:[^/:@]+-cpu-py3$/;

/** Which local runtime runs an image, or undefined when the emulator cannot run it. */
export function runtimeForImage(image: string | undefined): ImageRuntime | undefined {
  if (!image) return undefined;
  if (SKLEARN_IMAGE.test(image)) return "python";
  if (isNodeRuntimeImage(image)) return "node";
  return undefined;
}

/** The FailureReason for an image the emulator cannot run. */
export function unsupportedImageReason(image: string | undefined): string {
  return (
    `The emulator cannot run image '${image ?? ""}': only SageMaker scikit-learn images ` +
    `(.../sagemaker-scikit-learn:<version>-cpu-py3) and the Node runtime image (mlship-node:<tag>) are supported.`
  );
}
