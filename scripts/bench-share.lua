-- wrk script of scripts/bench-share.sh: one wrk thread per consumer (run with -t N -c N, one
-- connection each), each walking its own grant's pages of 1,000 rows by cursor, as a consumer
-- does: the next page's `after` is the `next` of the answer before; at the end of the grant it
-- starts again. A pause between requests keeps each consumer within its grant's rate
-- (DELAY_MS, 100 ms: at most 10 a second, the 600 a minute granted).
-- Consumers are read from the file named by SHARE_CONSUMERS: one "grant token" a line.
local consumers = {}
local f = assert(io.open(os.getenv("SHARE_CONSUMERS"), "r"))
for line in f:lines() do
  local g, t = line:match("^(%d+)%s+(%S+)$")
  if g then consumers[#consumers + 1] = { grant = g, token = t } end
end
f:close()
local delay_ms = tonumber(os.getenv("DELAY_MS") or "100")
local threads, n = {}, 0

function setup(thread)
  n = n + 1
  local c = consumers[(n - 1) % #consumers + 1]
  thread:set("grant", c.grant)
  thread:set("token", c.token)
  threads[#threads + 1] = thread
end

after, pages, bad, ends = "", 0, 0, 0  -- globals: done() reads them with thread:get

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. token
end

function request()
  local p = "/api/v1/share/" .. grant .. "/rows?limit=1000"
  if after ~= "" then p = p .. "&after=" .. after end
  return wrk.format("GET", p)
end

function delay()
  return delay_ms
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
    return
  end
  pages = pages + 1
  -- `next` is the answer's last member: look for it near the end only.
  local from = #body - 400
  if from < 1 then from = 1 end
  local nx = body:match('"next":"(%x+)"', from)
  if nx then after = nx else after = ""; ends = ends + 1 end
end

function done(summary, latency, requests)
  local p, b, e = 0, 0, 0
  for _, t in ipairs(threads) do
    p = p + t:get("pages"); b = b + t:get("bad"); e = e + t:get("ends")
  end
  local secs = summary.duration / 1e6
  io.write(string.format("RESULT consumers=%d pages=%d ends=%d non200=%d errors=%d seconds=%.1f pages_per_s=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f\n",
    #threads, p, e, b, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, secs, p / secs,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
