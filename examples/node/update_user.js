#!/usr/bin/env node
// Updates a Gateway user through gateway-proxy and prints the result.
//
// A gRPC client of gateway.Gateway/UpdateUser whose stubs @grpc/proto-loader
// builds at run time from proto/gateway/gateway.proto. Install the pinned
// packages once, then run it:
//
//   (cd examples/node && npm ci)
//   node examples/node/update_user.js --target 127.0.0.1:50051 \
//       --account acme --user alice --role admin --display-name "Alice Liddell"
//
// On success it prints "UpdateUser OK:" and the User as JSON. On failure it
// prints the code and message, then each google.rpc detail from the
// grpc-status-details-bin trailer (rpc_status.js), e.g. for --user zed:
//
//   UpdateUser failed: NOT_FOUND: user accounts/acme/users/zed not found
//     ErrorInfo: reason=USER_NOT_FOUND domain=gateway.fireworks.ai
//       account_id=acme
//       user_id=zed
//
// The .proto files come from this repository's proto/ and npm's
// google-proto-files (google/api, google/rpc, google/protobuf);
// --proto-path adds a directory searched first.
//
// Exit status: 0 on success, 1 when the call failed, 2 on bad arguments.
'use strict';

const path = require('path');
const {parseArgs} = require('util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const googleProtoFiles = require('google-proto-files');
const {loadRpcStatus} = require('./rpc_status');

const REPO_DIR = path.resolve(__dirname, '..', '..');
const USAGE = `usage: update_user.js --account ID --user ID [--target HOST:PORT]
    [--role ROLE] [--display-name NAME] [--email EMAIL]
    [--permission-preset PRESET] [--update-mask FIELD,...] [--api-key KEY]
    [--timeout SECONDS] [--proto-path DIR]...

  --target        gateway-proxy address (default 127.0.0.1:50051)
  --role          admin, user, contributor, inference-user or custom (required
                  by the API; leave it out to see the error)
  --update-mask   fields to change, e.g. display_name,role (default: the
                  fields given)
  --api-key       sent as x-api-key metadata; without it the proxy uses its
                  own --api_key_file
  --timeout       call deadline in seconds (default 30)
  --proto-path    a directory of .proto files searched before the defaults`;

function parseCommandLine() {
  let values;
  try {
    ({values} = parseArgs({
      options: {
        'target': {type: 'string', default: '127.0.0.1:50051'},
        'account': {type: 'string'},
        'user': {type: 'string'},
        'role': {type: 'string'},
        'display-name': {type: 'string'},
        'email': {type: 'string'},
        'permission-preset': {type: 'string'},
        'update-mask': {type: 'string'},
        'api-key': {type: 'string'},
        'timeout': {type: 'string', default: '30'},
        'proto-path': {type: 'string', multiple: true, default: []},
        'help': {type: 'boolean', default: false},
      },
    }));
  } catch (e) {
    console.error(`${e.message}\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const timeout = Number(values.timeout);
  if (!values.account || !values.user || !(timeout > 0)) {
    console.error(`--account and --user are required; --timeout must be > 0\n${USAGE}`);
    process.exit(2);
  }
  return {...values, timeout};
}

// The request: only the fields given are set, so only they are sent and
// changed. Field names are lowerCamel, as proto-loader's keepCase: false has it.
function buildRequest(args) {
  const user = {};
  if (args.role !== undefined) user.role = args.role;
  if (args['display-name'] !== undefined) user.displayName = args['display-name'];
  if (args.email !== undefined) user.email = args.email;
  if (args['permission-preset'] !== undefined) {
    user.permissionPreset = args['permission-preset'];
  }
  const request = {accountId: args.account, userId: args.user, user};
  if (args['update-mask']) {
    request.updateMask = {paths: args['update-mask'].split(',').map((p) => p.trim())};
  }
  return request;
}

function main() {
  const args = parseCommandLine();
  const includeDirs = [
    ...args['proto-path'],
    path.join(REPO_DIR, 'proto'),
    googleProtoFiles.getProtoPath('..'),
  ].map((dir) => path.resolve(dir));

  const definition = protoLoader.loadSync('gateway/gateway.proto', {
    includeDirs,
    keepCase: false,  // lowerCamel field names, as in the REST API's JSON
    longs: String,
    enums: String,
    defaults: false,  // unset fields stay unset, so the PATCH leaves them alone
  });
  const {Gateway} = grpc.loadPackageDefinition(definition).gateway;
  const {describeError} = loadRpcStatus(includeDirs);

  const client = new Gateway(args.target, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (args['api-key']) metadata.set('x-api-key', args['api-key']);
  const deadline = Date.now() + args.timeout * 1000;

  client.updateUser(buildRequest(args), metadata, {deadline}, (err, user) => {
    client.close();
    if (err) {
      console.log(`UpdateUser failed: ${describeError(err).join('\n')}`);
      process.exitCode = 1;
      return;
    }
    console.log('UpdateUser OK:');
    console.log(JSON.stringify(user, null, 2));
  });
}

main();
