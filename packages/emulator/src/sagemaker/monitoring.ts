import { listPage } from "./paging.js";
import { createValidator, NAME_PATTERN } from "./validation.js";

/**
 * Model Monitor is not emulated, so there are never monitoring schedules: ListMonitoringSchedules validates
 * its request as SageMaker does and answers an empty list. (The SageMaker Python SDK lists an endpoint's
 * monitors before it deletes the endpoint.)
 */
export function listMonitoringSchedules(input: Record<string, unknown>): Record<string, unknown> {
  const v = createValidator();
  v.string(input.EndpointName, "endpointName", { maxLength: 63, pattern: NAME_PATTERN });
  v.string(input.MonitoringJobDefinitionName, "monitoringJobDefinitionName", {
    maxLength: 63,
    pattern: NAME_PATTERN,
  });
  v.string(input.MonitoringTypeEquals, "monitoringTypeEquals", {
    oneOf: ["DataQuality", "ModelQuality", "ModelBias", "ModelExplainability"],
  });
  v.done();
  const { page } = listPage<never>([], input, {
    sortKeys: ["Name", "CreationTime", "Status"],
    statusValues: ["Pending", "Failed", "Scheduled", "Stopped"],
    name: () => "",
    created: () => 0,
  });
  return { MonitoringScheduleSummaries: page };
}
