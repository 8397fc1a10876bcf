// Validates Kubernetes objects against the schemas of the API they name:
// the core API's from kubernetes-models, the prometheus-operator's CRDs
// (PodMonitor, ...) from @kubernetes-models/prometheus-operator.
//
//   node validate_manifests.js < objects.json
//
// Reads a JSON array of objects (kubectl kustomize's output, parsed) and
// prints a JSON array with one entry per object:
//   {"object": "apps/v1 Deployment example-app", "errors": ["/spec/replicas must be integer"]}
// An object of an apiVersion or kind with no schema here gets an error too,
// so nothing passes unchecked. The schemas check types, enums and required
// fields; unlike the API server's strict field validation, they let a field
// they do not know through.
// Exits 0 whenever it could read its input, whatever the objects hold.
"use strict";

const fs = require("fs");

// apiVersion -> the module that exports one model class per kind.
function modelsFor(apiVersion) {
  // "v1" or "group/version": never a path that leaves the packages.
  if (!/^([a-z0-9.-]+\/)?v[a-z0-9]+$/.test(apiVersion)) {
    return null;
  }
  const candidates = [
    `kubernetes-models/${apiVersion}`,
    `@kubernetes-models/prometheus-operator/${apiVersion}`,
  ];
  for (const name of candidates) {
    try {
      return require(name);
    } catch (e) {
      if (e.code !== "MODULE_NOT_FOUND" && e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") {
        throw e;
      }
    }
  }
  return null;
}

function problems(object) {
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    return ["not an object"];
  }
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return ["apiVersion and kind must be strings"];
  }
  const models = modelsFor(apiVersion);
  const Model = models && Object.prototype.hasOwnProperty.call(models, kind)
    ? models[kind] : null;
  if (Model === null || Model.kind !== kind || Model.apiVersion !== apiVersion) {
    return [`no schema for ${apiVersion} ${kind}`];
  }
  try {
    new Model(object).validate();
    return [];
  } catch (e) {
    if (!Array.isArray(e.errors)) {
      throw e;
    }
    return e.errors.map((err) => `${err.instancePath || "/"} ${err.message}` +
      (err.params && err.params.allowedValues
        ? ` (${err.params.allowedValues.join(", ")})` : ""));
  }
}

const objects = JSON.parse(fs.readFileSync(0, "utf8"));
const report = objects.map((object) => ({
  object: [object && object.apiVersion, object && object.kind,
    object && object.metadata && object.metadata.name].join(" "),
  errors: problems(object),
}));
process.stdout.write(JSON.stringify(report) + "\n");
