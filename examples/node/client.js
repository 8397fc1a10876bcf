#!/usr/bin/env node
// The Gateway client every example in examples/ implements: one scenario,
// the same output in each language (../scenario.txt).
//
//   npm ci && node client.js
//
// It calls gateway-proxy at $GATEWAY_TARGET (default 127.0.0.1:50051) with a
// 10 s deadline per call, `x-request-id: example-N` on the N-th call, and
// `authorization: Bearer $GATEWAY_API_KEY` when that variable is set
// (otherwise the proxy uses its own key). A failed call prints its code,
// message and every google.rpc detail (rpc_status.js).
//
// The stubs are built at run time by @grpc/proto-loader from
// proto/gateway/gateway.proto; its google/api, google/rpc and
// google/protobuf imports come from npm's google-proto-files.
'use strict';

const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const googleProtoFiles = require('google-proto-files');
const {loadRpcStatus} = require('./rpc_status');

const DEADLINE_MS = 10 * 1000;
// The repository's proto/ and the root of google-proto-files' protos.
const INCLUDE_DIRS = [
  process.env.GATEWAY_PROTO_DIR || path.join(__dirname, '..', '..', 'proto'),
  googleProtoFiles.getProtoPath('..'),
];

// Makes calls with the deadline and metadata every call carries; each call
// resolves to its reply, or to null after printing the error.
class Caller {
  constructor(client, apiKey, describeError) {
    this.client = client;
    this.apiKey = apiKey;
    this.describeError = describeError;
    this.calls = 0;
  }

  call(label, method, request) {
    this.calls += 1;
    const metadata = new grpc.Metadata();
    metadata.set('x-request-id', `example-${this.calls}`);
    if (this.apiKey) metadata.set('authorization', `Bearer ${this.apiKey}`);
    const deadline = Date.now() + DEADLINE_MS;
    return new Promise((resolve) => {
      this.client[method](request, metadata, {deadline}, (err, reply) => {
        if (err) {
          console.log(`${label}: ${this.describeError(err).join('\n')}`);
          resolve(null);
        } else {
          resolve(reply);
        }
      });
    });
  }
}

function userLine(user) {
  return `  ${user.name} role=${user.role} display_name=${user.displayName}`;
}

async function updateUser(caller, userId, user) {
  const label = `UpdateUser acme/${userId}`;
  const reply = await caller.call(label, 'updateUser', {accountId: 'acme', userId, user});
  if (reply) console.log(`${label}: OK\n${userLine(reply)}`);
}

async function getUser(caller, userId) {
  const label = `GetUser acme/${userId}`;
  const reply = await caller.call(label, 'getUser', {
    accountId: 'acme', userId, readMask: {paths: ['name', 'role', 'display_name']},
  });
  if (reply) console.log(`${label}: OK\n${userLine(reply)}`);
}

// Prints every page, following nextPageToken.
async function listUsers(caller) {
  const request = {accountId: 'acme', pageSize: 1};
  for (let page = 1; ; page++) {
    const label = `ListUsers acme page ${page}`;
    const reply = await caller.call(label, 'listUsers', request);
    if (!reply) return;
    console.log(`${label}: OK, total_size ${reply.totalSize}`);
    for (const user of reply.users) console.log(userLine(user));
    if (!reply.nextPageToken) return;
    request.pageToken = reply.nextPageToken;
  }
}

async function main() {
  const definition = protoLoader.loadSync('gateway/gateway.proto', {
    includeDirs: INCLUDE_DIRS,
    keepCase: false,  // lowerCamel field names, as in the REST API's JSON
    longs: String,
    enums: String,
    defaults: true,   // replies: unset strings read as ''
  });
  const {Gateway} = grpc.loadPackageDefinition(definition).gateway;
  const {describeError} = loadRpcStatus(INCLUDE_DIRS);
  const target = process.env.GATEWAY_TARGET || '127.0.0.1:50051';
  const client = new Gateway(target, grpc.credentials.createInsecure());
  const caller = new Caller(client, process.env.GATEWAY_API_KEY, describeError);
  try {
    await updateUser(caller, 'alice', {role: 'admin', displayName: 'Alice Liddell'});
    await updateUser(caller, 'alice', {displayName: 'Alice'});  // no role
    await updateUser(caller, 'zed', {role: 'user'});  // no such user
    await updateUser(caller, 'bob', {role: 'user', permissionPreset: 'viewer'});
    await getUser(caller, 'alice');
    await listUsers(caller);
  } finally {
    client.close();
  }
}

main();
