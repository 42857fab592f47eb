/**
 * The image name that means "run the entry point with Node" (no such image exists on AWS; the local
 * runtime and the emulator recognise it). Any registry/tag: `mlship-node:20`, `<acct>.dkr.ecr.../mlship-node:latest`.
 */
export const NODE_RUNTIME_IMAGE = "mlship-node:latest";

/** True when `image` names the Node runtime (its repository's last path segment is `mlship-node`). */
export function isNodeRuntimeImage(image: string): boolean {
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  return lastSegment.split(/[:@]/)[0] === "mlship-node";
}
