// rpc_status.js decodes each google.rpc detail of a grpc-status-details-bin
// trailer, without a server: the trailer is built here with protobufjs.
'use strict';

const assert = require('node:assert');
const grpc = require('@grpc/grpc-js');
const googleProtoFiles = require('google-proto-files');
const protobuf = require('protobufjs');
const {test} = require('node:test');
const {loadRpcStatus} = require('../rpc_status');

const INCLUDE_DIRS = [googleProtoFiles.getProtoPath('..')];

function errorWithDetails(details) {
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => `${INCLUDE_DIRS[0]}/${target}`;
  root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'],
                {keepCase: true});
  const Status = root.lookupType('google.rpc.Status');
  const anys = details.map(([type, value]) => ({
    type_url: `type.googleapis.com/${type}`,
    value: root.lookupType(type).encode(value).finish(),
  }));
  const metadata = new grpc.Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(
      Status.encode({code: 8, message: 'slow down', details: anys}).finish()));
  return {code: grpc.status.RESOURCE_EXHAUSTED, details: 'slow down', metadata};
}

test('RetryInfo, ErrorInfo and an unknown type', () => {
  const {describeError} = loadRpcStatus(INCLUDE_DIRS);
  const err = errorWithDetails([
    ['google.rpc.RetryInfo', {retry_delay: {seconds: 1, nanos: 500000000}}],
    ['google.rpc.ErrorInfo', {reason: 'QUOTA', domain: 'example.com',
                              metadata: {b: '2', a: '1'}}],
  ]);
  assert.deepStrictEqual(describeError(err), [
    'RESOURCE_EXHAUSTED: slow down',
    '  RetryInfo: retry after 1.5s',
    '  ErrorInfo: reason=QUOTA domain=example.com',
    '    a=1',
    '    b=2',
  ]);
});

test('no trailer: the code and message alone', () => {
  const {describeError} = loadRpcStatus(INCLUDE_DIRS);
  assert.deepStrictEqual(
      describeError({code: grpc.status.UNAVAILABLE, details: 'down', metadata: new grpc.Metadata()}),
      ['UNAVAILABLE: down']);
});
