-- wrk script for `make bench`'s delivery rows: a fixed number of requests,
-- optionally paced, each accepted delivery logged with the time of its 202.
-- Environment:
--   BENCH_MODE        send (default): POST each integration's /send, rotating
--                     bulk: POST /api/deliveries/bulk, BENCH_BATCH items a request
--                     sink: POST straight at the URL with webhook-like headers
--   BENCH_IDS_FILE    integration ids, one a line (send, bulk)
--   BENCH_AUTH        an API key, sent as `Authorization: Bearer ...`
--   BENCH_BODY        the message JSON; every `{n}` becomes a per-request counter
--   BENCH_QUOTA       requests in all, split across the threads
--   BENCH_RATE        requests/s in all (optional; unpaced when absent)
--   BENCH_LOG         per-thread log prefix: `<delivery id> <epoch ms>` a line,
--                     and `first <epoch ms>` for the thread's first request
--   BENCH_BATCH       items per bulk request (default 100)
-- A thread stops once every one of its requests has been answered (see
-- finish()); until then a connection with nothing left to send polls slowly.
-- Prints `BENCH_RESULT {json}` (counts, latency percentiles in µs).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clk, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
  ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME, as Python's time.time()
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local mode = os.getenv("BENCH_MODE") or "send"
local body = os.getenv("BENCH_BODY") or "{}"
local auth = os.getenv("BENCH_AUTH")
local batch = tonumber(os.getenv("BENCH_BATCH") or "100")

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

local ids = {}
local quota, interval, next_slot, logf
sent, answered, accepted, rejected, items_accepted, items_rejected = 0, 0, 0, 0, 0, 0
local counter = 0

function init(args)
  local file = os.getenv("BENCH_IDS_FILE")
  if file then
    for line in io.lines(file) do
      if #line > 0 then ids[#ids + 1] = line end
    end
  end
  local total = tonumber(os.getenv("BENCH_QUOTA") or "1000")
  local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
  quota = math.floor(total / nthreads) + ((tid < total % nthreads) and 1 or 0)
  local rate = tonumber(os.getenv("BENCH_RATE") or "0")
  if rate > 0 then interval = 1000 * nthreads / rate end
  local prefix = os.getenv("BENCH_LOG")
  if prefix then
    logf = io.open(prefix .. "-" .. tid, "w")
    logf:setvbuf("full")
  end
  counter = tid * 1000003
end

local function headers()
  local h = { ["Content-Type"] = "application/json" }
  if auth then h["Authorization"] = "Bearer " .. auth end
  return h
end

local function message()
  counter = counter + 1
  return (body:gsub("{n}", tostring(counter)))
end

-- The poll once a thread has sent its share: /healthz of the service, the
-- mock's /stats in sink mode.
local poll_path = (mode == "sink") and "/stats" or "/healthz"

-- Whether an answer is to one of the measured requests, not to a poll.
local function measured(status, resp)
  if mode == "bulk" then return status ~= 200 or resp:find('"results"', 1, true) ~= nil end
  if mode == "sink" then return status ~= 200 or resp == '{"ok":true}' end
  return status ~= 200
end

-- wrk calls request() once per thread before connecting and discards the
-- result: that call must not count.
local primed = false

function request()
  if not primed then
    primed = true
    return wrk.format("GET", poll_path)
  end
  if sent >= quota then
    return wrk.format("GET", poll_path)
  end
  if sent == 0 and logf then logf:write(string.format("first %.3f\n", now_ms())) end
  sent = sent + 1
  if mode == "bulk" then
    local items = {}
    for i = 1, batch do
      counter = counter + 1
      local id = ids[(counter % #ids) + 1]
      items[i] = '{"integrationId":"' .. id .. '","message":' .. (body:gsub("{n}", tostring(counter))) .. '}'
    end
    return wrk.format("POST", "/api/deliveries/bulk", headers(), '{"items":[' .. table.concat(items, ",") .. ']}')
  elseif mode == "sink" then
    local h = headers()
    counter = counter + 1
    h["webhook-id"] = "ceiling-" .. counter
    h["webhook-timestamp"] = tostring(math.floor(now_ms() / 1000))
    h["webhook-signature"] = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    return wrk.format("POST", nil, h, message())
  end
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  return wrk.format("POST", "/api/integrations/" .. id .. "/send", headers(), message())
end

-- Pacing: one schedule per thread, a slot every `interval` ms; a connection
-- waits for the next free slot.
function delay()
  if sent >= quota then return 20 end
  if not interval then return 0 end
  local t = now_ms()
  if not next_slot or next_slot < t then next_slot = t end
  local wait = next_slot - t
  next_slot = next_slot + interval
  return wait
end

-- wrk's main thread sleeps for the whole -d whatever its threads do: each
-- thread leaves `<log>-<tid>.done` when it is through, and the bench then
-- ends wrk with SIGINT (which makes it print its summary at once).
local finished = false
function finish()
  if finished then return end
  finished = true
  if logf then logf:close() end
  local prefix = os.getenv("BENCH_LOG")
  if prefix then io.open(prefix .. "-" .. tid .. ".done", "w"):close() end
  wrk.thread:stop()
end

function response(status, hdrs, resp)
  if not measured(status, resp) then
    if answered >= quota then finish() end
    return
  end
  answered = answered + 1
  local t = now_ms()
  if mode == "bulk" and status == 200 then
    accepted = accepted + 1
    for id in resp:gmatch('"id":%s*"(dlv_[0-9a-z]+)"') do
      items_accepted = items_accepted + 1
      if logf then logf:write(id, string.format(" %.3f\n", t)) end
    end
    -- Items refused inside a 200 (a result's numeric status other than 202).
    for code in resp:gmatch('"status":%s*(%d+)') do
      if code ~= "202" then
        items_rejected = items_rejected + 1
        if logf then logf:write("status ", code, " (bulk item)\n") end
      end
    end
  elseif status == 202 or (mode == "sink" and status == 200) then
    accepted = accepted + 1
    if logf then
      local id = resp:match('"id":%s*"(dlv_[0-9a-z]+)"')
      if id then logf:write(id, string.format(" %.3f\n", t)) end
    end
  else
    rejected = rejected + 1
    if logf then logf:write(string.format("status %d %s\n", status, resp:sub(1, 200):gsub("\n", " "))) end
  end
  if answered >= quota then finish() end
end

function done(summary, latency, requests)
  local s, a, r, it, ir, n = 0, 0, 0, 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + (t:get("sent") or 0)
    a = a + (t:get("accepted") or 0)
    r = r + (t:get("rejected") or 0)
    it = it + (t:get("items_accepted") or 0)
    ir = ir + (t:get("items_rejected") or 0)
    n = n + (t:get("answered") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"sent": %d, "answered": %d, "accepted": %d, "rejected": %d, "items_accepted": %d, ' ..
    '"items_rejected": %d, ' ..
    '"requests": %d, "duration_us": %d, "err_connect": %d, "err_read": %d, "err_write": %d, ' ..
    '"err_timeout": %d, "p50_us": %.0f, "p99_us": %.0f, "max_us": %.0f}\n',
    s, n, a, r, it, ir, summary.requests, summary.duration,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
