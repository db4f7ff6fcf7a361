// Runs the GraphQL-over-HTTP conformance audits of graphql-http
// (https://github.com/graphql/graphql-http) against a running server:
//
//	node dev/audit/audit.mjs http://127.0.0.1:8080/graphql
//
// With AUDIT_TOKEN set, every request carries "Authorization: Bearer
// $AUDIT_TOKEN". It prints one line per audit: "ok", or the level of a
// failed one ("error" for MUST, "warn" for SHOULD, "notice" for MAY, as
// graphql-http grades them) with the reason, and then a summary line that
// TestGraphQLOverHTTPAudits (audit_test.go) reads. It exits 1 if a MUST
// audit fails or an audit cannot run at all (the server is unreachable or
// drops the connection), 2 on bad usage, 0 otherwise: a failed SHOULD or
// MAY audit is reported but does not fail.
//
// Install its dependencies first: npm ci --prefix dev/audit (dev/test does).
import { readFileSync } from 'node:fs';
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node dev/audit/audit.mjs GRAPHQL_URL   (env AUDIT_TOKEN: bearer token to send)');
  process.exit(2);
}
try {
  new URL(url);
} catch {
  console.error(`audit: not a URL: ${url}`);
  process.exit(2);
}

const version = JSON.parse(
  readFileSync(new URL('./node_modules/graphql-http/package.json', import.meta.url), 'utf8'),
).version;

// fetchFn gives every audit request the bearer token, if there is one.
// Audits call it as fetch(url) or fetch(url, init), with init.headers a
// plain object or absent.
const token = process.env.AUDIT_TOKEN || '';
const fetchFn = (input, init = {}) => {
  if (!token) return fetch(input, init);
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

// detail describes a failed audit's response: its status, content type
// and the start of its body (when the audit has not read it already).
async function detail(res) {
  if (!res) return '';
  let body = '';
  try {
    body = (await res.text()).replace(/\s+/g, ' ').slice(0, 300);
  } catch {
    body = '(body already read)';
  }
  return ` [HTTP ${res.status}, content-type ${res.headers.get('content-type') ?? '(none)'}: ${body}]`;
}

const counts = { ok: 0, warn: 0, notice: 0, error: 0 };
let mustFailed = 0;
let fatal = 0;
// One at a time, in the library's order, so that the output reads in the
// order of the spec and a failing request is easy to find in the server log.
for (const { id, name, fn } of serverAudits({ url, fetchFn })) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    // graphql-http throws (rather than failing the audit) only when the
    // audit could not run: count it as a failure whatever its level.
    fatal++;
    console.log(`FATAL  ${id} ${name}: ${err?.cause?.message ?? err?.message ?? err}`);
    continue;
  }
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  if (result.status === 'ok') {
    console.log(`ok     ${id} ${name}`);
    continue;
  }
  if (name.startsWith('MUST')) mustFailed++;
  console.log(`${result.status.padEnd(6)} ${id} ${name}: ${result.reason}${await detail(result.response)}`);
}

const total = counts.ok + counts.warn + counts.notice + counts.error + fatal;
console.log(
  `graphql-http ${version}: ${total} audits, ${counts.ok} ok, ${counts.warn} warn (SHOULD), ` +
    `${counts.notice} notice (MAY), ${counts.error} error (MUST), ${fatal} fatal; ${mustFailed} MUST failed`,
);
process.exit(mustFailed > 0 || fatal > 0 ? 1 : 0);
