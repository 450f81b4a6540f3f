// Node-RED settings for `npm start` (development): loopback only, no telemetry prompt or tours.
const path = require("node:path");

module.exports = {
  uiHost: "127.0.0.1",
  uiPort: Number(process.env.PORT) || 1880,
  userDir: path.join(__dirname, "..", ".node-red"),
  flowFile: "flows.json",
  // A fixed development key so credentials in .node-red survive restarts; never used for deployments.
  credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || "acs-call-automation-dev-only",
  telemetry: { enabled: false },
  editorTheme: { tours: false, projects: { enabled: false } },
  logging: { console: { level: "info", metrics: false, audit: false } },
};
