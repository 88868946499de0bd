-- wrk script: POSTs GraphQL bodies read from the file named by PERF_BODIES (one JSON
-- body per line), cycling through them, and prints one PERF line of JSON at the end.
local bodies = {}
for line in io.lines(os.getenv("PERF_BODIES")) do
  bodies[#bodies + 1] = line
end
local next_body = 0

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"

function request()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, "/graphql", nil, bodies[next_body])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'PERF {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
