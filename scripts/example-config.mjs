// The acs-config node every example ships: the built-in simulator, with every field the editor
// saves at its default, and no credentials. One definition for the example generators.
export const simulatorConfig = (id) => ({
  id,
  type: "acs-config",
  name: "Built-in simulator",
  mode: "simulator",
  endpoint: "",
  authMethod: "default",
  tenantId: "",
  clientId: "",
  authorityHost: "",
  callbackBaseUrl: "",
  cognitiveServicesEndpoint: "",
  resourceId: "",
  voice: "en-US-JennyNeural",
  locale: "en-US",
  operationTimeout: 300,
});
