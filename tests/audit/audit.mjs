#!/usr/bin/env node
// GraphQL over HTTP compliance audit for a live chasqui endpoint.
//
//   node tests/audit/audit.mjs http://127.0.0.1:PORT/graphql
//
// Runs the server audits of the `graphql-http` package (the same list that its
// `auditServer({ url })` runs) against the URL, prints one line per audit,
// then:
//
//   audit: N passed, M failed        (MUST audits only)
//   audit: K warnings (SHOULD/MAY)
//
// Exit status: 0 when every MUST audit passed, 1 when any MUST audit failed,
// 2 on a usage error or when the server cannot be reached at all.
//
// Dependencies: `npm ci --prefix tests/audit` (scripts/test does it).

import process from 'node:process';

const USAGE = 'usage: node tests/audit/audit.mjs <url>   (e.g. http://127.0.0.1:8080/graphql)';
// Per-request limit, so that a hanging server fails the audit instead of the run.
const REQUEST_TIMEOUT_MS = Number(process.env.CHASQUI_AUDIT_TIMEOUT_MS) || 15_000;

function usage(message) {
  if (message) console.error(`audit: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

function describeError(err) {
  if (!(err instanceof Error)) return String(err);
  // undici's "fetch failed" hides the real reason (ECONNREFUSED, ...) in `cause`.
  const cause = err.cause;
  if (cause) {
    const detail = cause.code ? `${cause.code}: ${cause.message}` : String(cause.message ?? cause);
    return `${err.message} (${detail})`;
  }
  return err.message;
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '-h' || args[0] === '--help')) {
  console.log(USAGE);
  process.exit(0);
}
if (args.length !== 1) usage(args.length === 0 ? 'missing <url>' : 'expected exactly one argument');

let url;
try {
  url = new URL(args[0]);
} catch {
  usage(`not a valid URL: ${args[0]}`);
}
if (url.protocol !== 'http:' && url.protocol !== 'https:') {
  usage(`URL must be http:// or https://, got ${url.protocol}`);
}
url = url.href;

let serverAudits;
try {
  ({ serverAudits } = await import('graphql-http'));
} catch (err) {
  console.error(`audit: cannot load graphql-http (${describeError(err)})`);
  console.error('audit: install it first: npm ci --prefix tests/audit --no-audit --no-fund');
  process.exit(2);
}

const fetchWithTimeout = (input, init = {}) =>
  fetch(input, { ...init, signal: init.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

// Reachability probe: any HTTP response at all means the server is up; only a
// network-level failure (refused, reset, DNS, timeout) is a "cannot reach".
try {
  const res = await fetchWithTimeout(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  await res.arrayBuffer().catch(() => {});
} catch (err) {
  console.error(`audit: cannot reach ${url}: ${describeError(err)}`);
  process.exit(2);
}

function level(name) {
  return name.split(' ', 1)[0]; // 'MUST' | 'SHOULD' | 'MAY'
}

function responseSummary(res) {
  if (!res || typeof res.status !== 'number') return '';
  const ct = res.headers?.get?.('content-type');
  return ` [HTTP ${res.status}${ct ? `, content-type: ${ct}` : ''}]`;
}

let mustPassed = 0;
let mustFailed = 0;
let warnings = 0;

console.log(`audit: graphql-http server audits against ${url}`);

// Run one by one: stable output order, and one audit that throws (a "fatal"
// error in graphql-http terms: connection reset, timeout, ...) is reported as
// that audit failing instead of aborting the whole run as auditServer would.
for (const { id, name, fn } of serverAudits({ url, fetchFn: fetchWithTimeout })) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    result = {
      id,
      name,
      status: level(name) === 'MUST' ? 'error' : level(name) === 'SHOULD' ? 'warn' : 'notice',
      reason: `audit threw: ${describeError(err)}`,
    };
  }

  const isMust = level(result.name) === 'MUST';
  if (result.status === 'ok') {
    if (isMust) mustPassed++;
    console.log(`OK    ${result.id} ${result.name}`);
    continue;
  }

  // graphql-http marks failed MUSTs 'error', failed SHOULDs 'warn' and failed
  // MAYs 'notice' (the level is the name's first word); print 'notice' as WARN.
  const line = `${result.id} ${result.name}: ${result.reason}${responseSummary(result.response)}`;
  if (isMust) {
    mustFailed++;
    console.log(`ERROR ${line}`);
  } else {
    warnings++;
    console.log(`WARN  ${line}`);
  }
}

console.log(`audit: ${mustPassed} passed, ${mustFailed} failed`);
console.log(`audit: ${warnings} warnings (SHOULD/MAY recommendations not met)`);
process.exit(mustFailed > 0 ? 1 : 0);
