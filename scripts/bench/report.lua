-- wrk script for `make bench`. Environment:
--   BENCH_METHOD      GET (default) or POST
--   BENCH_PATHS_FILE  a file of request paths, one a line, used in rotation
--   BENCH_AUTH        an API key, sent as `Authorization: Bearer ...`
--   BENCH_BODY        a JSON body; every `{n}` becomes a per-request counter
-- Prints one line `BENCH_RESULT {json}` with counts, errors and latency
-- percentiles in microseconds (wrk counts a status >= 400 as an error).

local threads = {}
local paths = {}
local counter = 0
local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local auth = os.getenv("BENCH_AUTH")

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = os.getenv("BENCH_PATHS_FILE")
  if file then
    for line in io.lines(file) do
      if #line > 0 then paths[#paths + 1] = line end
    end
  end
  if #paths == 0 then paths[1] = wrk.path end
  -- Threads start at different offsets of the rotation.
  counter = (tid or 0) * 104729
end

function request()
  counter = counter + 1
  local path = paths[(counter % #paths) + 1]
  local headers = {}
  if auth then headers["Authorization"] = "Bearer " .. auth end
  local b = nil
  if body then
    headers["Content-Type"] = "application/json"
    b = (body:gsub("{n}", tostring(counter)))
  end
  return wrk.format(method, path, headers, b)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"err_connect": %d, "err_read": %d, "err_write": %d, "err_timeout": %d, "err_status": %d, ' ..
    '"p50_us": %.0f, "p90_us": %.0f, "p99_us": %.0f, "max_us": %.0f, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
