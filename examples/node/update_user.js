#!/usr/bin/env node
// Calls gateway.Gateway/UpdateUser through gateway-proxy with stubs loaded
// at run time from proto/gateway/gateway.proto, and prints either the user
// or the error's code, message and google.rpc details (decoded from the
// grpc-status-details-bin trailer).
//
//   node update_user.js --target 127.0.0.1:50051 --account acme --user alice \
//       --role admin --display-name "Alice Liddell" [--api-key KEY] \
//       --proto-path proto --proto-path /usr/share/gocode/src/github.com/gogo/googleapis \
//       --proto-path build/googleapis-extra
'use strict';

const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const path = require('path');
const {parseArgs} = require('util');

const {values: args} = parseArgs({
  options: {
    'target': {type: 'string', default: '127.0.0.1:50051'},
    'account': {type: 'string', default: 'acme'},
    'user': {type: 'string', default: 'alice'},
    'role': {type: 'string'},
    'display-name': {type: 'string'},
    'api-key': {type: 'string'},
    'proto-path': {type: 'string', multiple: true, default: []},
    'timeout': {type: 'string', default: '10'},
  },
});

const includeDirs = args['proto-path'].map((dir) => path.resolve(dir));
const definition = protoLoader.loadSync('gateway/gateway.proto', {
  includeDirs,
  keepCase: false,  // lowerCamel field names, as in the JSON API
  longs: String,
  enums: String,
  defaults: false,
  oneofs: false,
});
const gateway = grpc.loadPackageDefinition(definition).gateway;

// google.rpc.Status and its detail types, to decode grpc-status-details-bin.
const rpcTypes = new protobuf.Root();
rpcTypes.resolvePath = (origin, target) => {
  for (const dir of includeDirs) {
    const candidate = path.join(dir, target);
    try {
      require('fs').accessSync(candidate);
      return candidate;
    } catch (e) { /* try the next directory */ }
  }
  return protobuf.util.path.resolve(origin, target);
};
rpcTypes.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const Status = rpcTypes.lookupType('google.rpc.Status');

function describeDetail(any) {
  const typeName = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
  let type;
  try {
    type = rpcTypes.lookupType(typeName);
  } catch (e) {
    return `  ${typeName} (${any.value.length} bytes)`;
  }
  const detail = type.toObject(type.decode(any.value), {longs: String, enums: String});
  let lines;
  if (type.name === 'BadRequest') {
    lines = ['  BadRequest:'];
    for (const v of detail.fieldViolations || []) {
      lines.push(`    field ${v.field}: ${v.description}`);
    }
  } else if (type.name === 'ErrorInfo') {
    lines = [`  ErrorInfo: reason=${detail.reason} domain=${detail.domain}`];
    for (const key of Object.keys(detail.metadata || {}).sort()) {
      lines.push(`    ${key}=${detail.metadata[key]}`);
    }
  } else {
    lines = [`  ${type.name}: ${JSON.stringify(detail)}`];
  }
  return lines.join('\n');
}

const client = new gateway.Gateway(args.target, grpc.credentials.createInsecure());
const metadata = new grpc.Metadata();
if (args['api-key']) metadata.set('x-api-key', args['api-key']);

const user = {};
if (args.role !== undefined) user.role = args.role;
if (args['display-name'] !== undefined) user.displayName = args['display-name'];
const request = {accountId: args.account, userId: args.user, user};
const deadline = new Date(Date.now() + Number(args.timeout) * 1000);

client.updateUser(request, metadata, {deadline}, (err, reply) => {
  client.close();
  if (!err) {
    console.log('UpdateUser OK:');
    console.log(JSON.stringify(reply, null, 2));
    return;
  }
  console.log(`UpdateUser failed: ${grpc.status[err.code]}: ${err.details}`);
  const [bin] = err.metadata.get('grpc-status-details-bin');
  if (bin) {
    const status = Status.decode(bin);
    for (const any of status.details) console.log(describeDetail(any));
  }
  process.exitCode = 1;
});
