// Reads a failed call's code and google.rpc details, for the example client.
//
// gateway-proxy, like any server using gRPC's richer error model, sends the
// error's google.rpc.Status (code, message and details, each a
// google.protobuf.Any) in the binary trailer `grpc-status-details-bin`.
// grpc-js hands it over in err.metadata; protobufjs (the library
// @grpc/proto-loader is built on) decodes it with google/rpc/status.proto and
// error_details.proto from the same include directories as the service
// (npm's google-proto-files).
//
//   const {describeError} = loadRpcStatus(includeDirs);
//   describeError(err) ->
//     ['NOT_FOUND: user accounts/acme/users/zed not found',
//      '  ErrorInfo: reason=USER_NOT_FOUND domain=gateway.fireworks.ai',
//      '    account_id=acme',
//      '    user_id=zed']
'use strict';

const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs');

const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

// A Duration as "7" or "1.5": the fraction's trailing zeros dropped.
function formatSeconds({seconds, nanos}) {
  if (!nanos) return String(seconds);
  return `${seconds}.${String(nanos).padStart(9, '0')}`.replace(/0+$/, '');
}

// Readable lines for one decoded detail; `type` is its protobufjs Type.
// Field names are as in the .proto files (keepCase below).
function describeDetail(type, detail) {
  switch (type.fullName) {
    case '.google.rpc.BadRequest':
      return ['BadRequest:'].concat(detail.field_violations.map(
          (v) => `  field ${v.field}: ${v.description}`));
    case '.google.rpc.ErrorInfo':
      return [`ErrorInfo: reason=${detail.reason} domain=${detail.domain}`].concat(
          Object.keys(detail.metadata).sort().map(
              (key) => `  ${key}=${detail.metadata[key]}`));
    case '.google.rpc.PreconditionFailure':
      return ['PreconditionFailure:'].concat(detail.violations.map(
          (v) => `  ${v.type} ${v.subject}: ${v.description}`));
    case '.google.rpc.RetryInfo': {
      const delay = detail.retry_delay || {seconds: '0', nanos: 0};
      return [`RetryInfo: retry after ${formatSeconds(delay)}s`];
    }
    default:
      return [`${type.name}: ${JSON.stringify(detail)}`];
  }
}

// Loads google.rpc.Status and the google.rpc detail types from the first of
// `includeDirs` holding each file.
function loadRpcStatus(includeDirs) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) =>
    includeDirs.map((dir) => path.join(dir, target)).find(fs.existsSync) ||
    protobuf.util.path.resolve(origin, target);
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'],
                {keepCase: true});
  const Status = root.lookupType('google.rpc.Status');

  // The error's code name and message, then its details indented.
  function describeError(err) {
    const lines = [`${grpc.status[err.code]}: ${err.details}`];
    const [bin] = err.metadata ? err.metadata.get(STATUS_DETAILS_KEY) : [];
    if (!bin) return lines;
    for (const any of Status.decode(bin).details) {
      const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
      const type = root.lookup(typeName);
      if (!(type instanceof protobuf.Type)) {
        lines.push(`  ${any.type_url} (${any.value.length} bytes)`);
        continue;
      }
      const detail = type.toObject(type.decode(any.value),
                                   {longs: String, enums: String, defaults: true});
      for (const line of describeDetail(type, detail)) lines.push(`  ${line}`);
    }
    return lines;
  }

  return {describeError};
}

module.exports = {loadRpcStatus};
