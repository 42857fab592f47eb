export type {
  FakeDeployTarget,
  FakeDeployTargetOptions,
  FakeInvokeHandler,
  FakeInvoker,
  FakeTrainTarget,
  FakeTrainTargetOptions,
  TestContainerOptions,
} from "./fakes.js";
export {
  createTestContainer,
  fakeDeployTarget,
  fakeInvoker,
  fakeProbabilities,
  fakeTrainTarget,
} from "./fakes.js";
export { tempDir } from "./temp.js";
