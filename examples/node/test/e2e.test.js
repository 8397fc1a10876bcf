// `npm test`: client.js against a running gateway-proxy prints the scenario
// every example prints (../../scenario.txt). Start gateway-proxy in front of
// `mock-gateway --seed` and set GATEWAY_TARGET to its address (and
// GATEWAY_API_KEY to the mock's key, or give the proxy --api_key_file).
'use strict';

const assert = require('node:assert');
const {execFileSync} = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const {test} = require('node:test');

const CLIENT = path.join(__dirname, '..', 'client.js');
const SCENARIO = path.join(__dirname, '..', '..', 'scenario.txt');

test('client.js prints the shared scenario', () => {
  assert.ok(process.env.GATEWAY_TARGET,
            'GATEWAY_TARGET must name a gateway-proxy in front of mock-gateway --seed');
  const output = execFileSync(process.execPath, [CLIENT], {encoding: 'utf8'});
  assert.strictEqual(output, fs.readFileSync(SCENARIO, 'utf8'));
});
