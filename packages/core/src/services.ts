import type { DependencyContainer, InjectionToken } from "tsyringe";
import type { ObjectStore } from "./data.js";
import { isMlshipError, MlshipError } from "./errors.js";
import { type EventSink, noopSink, type OperationContext } from "./events.js";
import type { Provided } from "./plugin.js";
import { EventSinkToken, ModelResolverToken, ObjectStoreToken, PROVIDED_TOKENS } from "./tokens.js";

/** What deploying a trained model needs to know about the training job that made it. */
export interface TrainedModel {
  jobName: string;
  /** The model artifact (`s3://.../output/model.tar.gz`). */
  modelData: string;
  /** The inference code bundle (`sourcedir.tar.gz`). */
  sourceBundle: string;
  /** The script in the bundle that serves (the training entry point by default). */
  entryPoint: string;
  /** The image the job trained with (scikit-learn containers serve with the same image). */
  image: string;
  region?: string;
  frameworkVersion?: string;
}

/** Port: training job name -> model artifact, inference code and image. A train target's plugin provides it. */
export interface ModelResolver {
  /** The provider ("sagemaker"), for messages. */
  readonly name: string;
  /** E_NOT_FOUND when the provider knows no such job. */
  resolve(trainingJob: string, ctx?: OperationContext): Promise<TrainedModel>;
}

/** Core's ports, resolved from the container and handed to every plugin's `create`. */
export interface TargetServices {
  /** The host's object store, when it has one (e.g. an embedding program's S3 or emulator store). */
  objectStore?: ObjectStore;
  /** The host's event sink, for events outside an operation (no-op by default). */
  events: EventSink;
  /** Every loaded plugin's model resolver, asked in load order when a deploy names a training job. */
  models: ModelResolver;
}

const registered = <T>(container: DependencyContainer, token: InjectionToken<T>): T[] =>
  container.isRegistered(token, true) ? container.resolveAll(token) : [];

/** Resolvers are looked up at call time, so a plugin loaded after the deploy target still counts. */
function modelsPort(container: DependencyContainer): ModelResolver {
  return {
    name: "plugins",
    async resolve(trainingJob, ctx) {
      const resolvers = registered(container, ModelResolverToken);
      if (resolvers.length === 0) {
        throw new MlshipError(
          "E_CONFIG",
          `Training job ${trainingJob} cannot be resolved: no loaded target plugin resolves training jobs`,
          {
            where: "model",
            hint: 'Add a plugin that does to `targets` in mlship.config.json (e.g. "sagemaker", `npm i @mlship/target-sagemaker`), or deploy a model artifact URI.',
          },
        );
      }
      let notFound: unknown;
      for (const resolver of resolvers) {
        try {
          return await resolver.resolve(trainingJob, ctx);
        } catch (error) {
          if (!isMlshipError(error) || error.code !== "E_NOT_FOUND") throw error;
          notFound = error;
        }
      }
      throw notFound;
    },
  };
}

/** The services a plugin's `create` receives, from what the host registered on `container`. */
export function createTargetServices(container: DependencyContainer): TargetServices {
  const [objectStore] = registered(container, ObjectStoreToken);
  const [events = noopSink] = registered(container, EventSinkToken);
  return { ...(objectStore ? { objectStore } : {}), events, models: modelsPort(container) };
}

const METHODS: { readonly [K in keyof Required<Provided>]: string } = {
  train: "train",
  deploy: "deploy",
  modelResolver: "resolve",
  transform: "transform",
  tune: "tune",
};

/** What is wrong with `create`'s result, one line per problem (capabilities this core does not know are ignored). */
export function providedProblems(value: unknown): string[] {
  if (typeof value !== "object" || value === null)
    return [`create() returned ${String(value)}, not an object`];
  const problems: string[] = [];
  for (const [key, method] of Object.entries(METHODS)) {
    const capability = (value as Record<string, unknown>)[key];
    if (capability === undefined) continue;
    const ok =
      typeof capability === "object" &&
      capability !== null &&
      typeof (capability as Record<string, unknown>)[method] === "function";
    if (!ok) problems.push(`\`${key}\` must be an object with a \`${method}\` method`);
  }
  return problems;
}

/** Registers each capability under its token. */
export function registerProvided(container: DependencyContainer, provided: Provided): void {
  for (const key of Object.keys(PROVIDED_TOKENS) as Array<keyof Provided>) {
    const capability = provided[key];
    const token = PROVIDED_TOKENS[key] as InjectionToken<unknown>;
    if (capability !== undefined) container.register(token, { useValue: capability });
  }
}
